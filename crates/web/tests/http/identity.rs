//! Identity you can trust (issue 11): licences wait for a verified identity, a window takes a
//! number back for its holder, accounts are claimed and reset by one-time codes, and
//! throttling holds under parallel tries without locking out a shared address.

use std::sync::Mutex;

use crate::support::*;

/// A valid resident ID number (check digit by GB 11643) from its first 17 characters.
fn resident_id(first17: &str) -> String {
    let first: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!(
        "{first17}{}",
        tongban_domain::codes::resident_id_check_char(&first)
    )
}

/// The SMS texts the outbox would send, as a real sender receives them.
#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String, String)>>);

impl tongban_app::notify::ChannelSender for Recorder {
    fn send<'a>(
        &'a self,
        to: &'a str,
        m: &'a tongban_app::notify::Rendered,
    ) -> tongban_app::notify::SendFuture<'a> {
        self.0
            .lock()
            .unwrap()
            .push((to.to_owned(), m.topic.clone(), m.text.clone()));
        Box::pin(async { Ok(()) })
    }
}

/// Delivers the outbox once and returns every SMS code sent, as (phone, code).
async fn sms_codes(app: &TestApp) -> Vec<(Option<String>, String)> {
    let recorder = std::sync::Arc::new(Recorder::default());
    let senders = tongban_app::notify::Senders {
        sms: Some(recorder.clone()),
        email: None,
        link_base: app.base.clone(),
    };
    tongban_app::notify::deliver_pending(app.state.as_ref().unwrap(), &senders)
        .await
        .unwrap();
    let sent = recorder.0.lock().unwrap().clone();
    sent.into_iter()
        .filter(|(_, topic, _)| topic == "sms.code")
        .filter_map(|(to, _, body)| {
            body.split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .map(|c| (Some(to), c.to_owned()))
        })
        .collect()
}

/// Delivers the outbox once and returns the six-digit code of the last SMS to `phone`.
async fn sms_code(app: &TestApp, phone: &str) -> Option<String> {
    sms_codes(app)
        .await
        .into_iter()
        .rev()
        .find(|(to, _)| to.as_deref() == Some(phone))
        .map(|(_, c)| c)
}

async fn post_json(
    app: &TestApp,
    token: Option<&str>,
    path: &str,
    body: Value,
) -> reqwest::Response {
    let mut req = reqwest::Client::new().post(app.url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn login_status(app: &TestApp, login: &str, password: &str) -> StatusCode {
    post_json(
        app,
        None,
        "/api/v1/sessions",
        json!({"login": login, "password": password}),
    )
    .await
    .status()
}

#[tokio::test]
async fn a_self_registered_impersonator_sees_no_licence_and_the_window_gives_the_number_back() {
    let app = TestApp::new().await;
    let victim = resident_id("64030319900101234");
    // The real holder has a licence under this number, registered nowhere yet.
    let admin = app.token("admin").await;
    let code = format!("{}908", tongban_store::demo::demo_credit_code(1));
    let res = post_json(
        &app,
        Some(&admin),
        "/api/v1/license-types",
        json!({"code": code,
        "name": "爱心助残卡", "issuer_name": "区残联", "holder_kind": "person", "validity_years": 0}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post_json(
        &app,
        Some(&admin),
        "/api/v1/licenses",
        json!({"type_code": code,
        "holder_name": "李梅", "holder_id": victim, "issued_on": "2026-01-05"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);

    // Someone else registers online with that number: only the check digit is checked.
    let res = post_json(
        &app,
        None,
        "/api/v1/accounts",
        json!({"kind": "citizen", "name": "王五",
        "id_number": victim, "phone": "13900000001", "password": "attacker123"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(
        res.json::<Value>().await.unwrap()["assurance"],
        "self_registered"
    );
    let attacker = app.token_with(&victim, "attacker123").await;
    let res = app.get_as(&attacker, "/api/v1/me/licenses").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let p = problem(res).await;
    assert_eq!(p["code"], "identity_unverified");
    assert!(p["detail"].as_str().unwrap().contains("窗口"), "{p}");
    // Neither the wallet page nor a licence's own page shows it.
    let page = app
        .get_as(&attacker, "/me/licences")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-test=\"unverified\""));
    assert!(!page.contains("爱心助残卡"));
    // A second account can never hold the number.
    let res = post_json(
        &app,
        None,
        "/api/v1/accounts",
        json!({"kind": "citizen", "name": "李梅",
        "id_number": victim, "phone": "13900000002", "password": "another123"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    // The holder comes to a window with her ID card: only a clerk may verify.
    let body = json!({"kind": "citizen", "id_number": victim, "name": "李梅",
        "phone": "13900000002", "id_checked": true});
    let res = post_json(
        &app,
        Some(&attacker),
        "/api/v1/identity-verifications",
        body.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let clerk = app.token("clerk").await;
    let res = post_json(
        &app,
        Some(&clerk),
        "/api/v1/identity-verifications",
        json!({"kind": "citizen", "id_number": victim, "name": "李梅", "id_checked": false}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "id_checked");
    let res = post_json(&app, Some(&clerk), "/api/v1/identity-verifications", body).await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["reclaimed"], true);
    assert_eq!(v["account"]["assurance"], "window_verified");
    let claim = v["claim_code"].as_str().unwrap().to_owned();
    // The impersonator's session and password are gone.
    assert_eq!(
        app.get_as(&attacker, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, &victim, "attacker123").await,
        StatusCode::UNAUTHORIZED
    );
    // Nor does the squatter's phone stay: a reset code goes to the holder's phone only.
    post_json(
        &app,
        None,
        "/api/v1/password-resets",
        json!({"login": victim}),
    )
    .await;
    let sent = sms_codes(&app).await;
    assert!(
        sent.iter()
            .all(|(to, _)| to.as_deref() != Some("13900000001")),
        "no code to the squatter"
    );
    assert!(
        sent.iter()
            .any(|(to, _)| to.as_deref() == Some("13900000002"))
    );

    // She claims it with the printed code (typed in lower case, without the dash).
    let res = post_json(
        &app,
        None,
        "/api/v1/account-claims",
        json!({"login": victim, "code": "ZZZZ-ZZZZ", "password": "limei2026"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "code");
    let typed = claim.replace('-', "").to_lowercase();
    let res = post_json(
        &app,
        None,
        "/api/v1/account-claims",
        json!({"login": victim, "code": typed, "password": "limei2026"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = post_json(
        &app,
        None,
        "/api/v1/account-claims",
        json!({"login": victim, "code": claim, "password": "again2026x"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a code works once"
    );
    let holder = app.token_with(&victim, "limei2026").await;
    let wallet: Value = app
        .get_as(&holder, "/api/v1/me/licenses")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        wallet
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["licence"]["type_name"] == "爱心助残卡" && l["status"] == "valid"),
        "{wallet}"
    );
    // A verified account with another name is refused, not taken over.
    let res = post_json(
        &app,
        Some(&clerk),
        "/api/v1/identity-verifications",
        json!({"kind": "citizen", "id_number": victim, "name": "王五", "id_checked": true}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "name");
}

#[tokio::test]
async fn a_forgotten_password_is_reset_with_the_sms_code_and_requests_tell_nothing() {
    let app = TestApp::new().await;
    let before = app.token(CITIZEN).await;
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets",
        json!({"login": CITIZEN}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let known: Value = res.json().await.unwrap();
    let nobody = resident_id("64030319900101555");
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets",
        json!({"login": nobody}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        known,
        "the same answer for nobody"
    );
    let code = sms_code(&app, "13909531234")
        .await
        .expect("an SMS with the code");
    // The code is not in the in-app inbox.
    let inbox = app
        .get_as(&before, "/me/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(!inbox.contains(&code));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets/confirm",
        json!({"login": CITIZEN, "code": wrong, "password": "newpass2026"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets/confirm",
        json!({"login": CITIZEN, "code": code, "password": "short"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "password");
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets/confirm",
        json!({"login": CITIZEN, "code": code, "password": "newpass2026"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.get_as(&before, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, CITIZEN, PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, CITIZEN, "newpass2026").await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_reset_code_is_spent_after_five_wrong_tries() {
    let app = TestApp::new().await;
    post_json(
        &app,
        None,
        "/api/v1/password-resets",
        json!({"login": CITIZEN}),
    )
    .await;
    let code = sms_code(&app, "13909531234").await.unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let res = post_json(
            &app,
            None,
            "/api/v1/password-resets/confirm",
            json!({"login": CITIZEN, "code": wrong, "password": "newpass2026"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = post_json(
        &app,
        None,
        "/api/v1/password-resets/confirm",
        json!({"login": CITIZEN, "code": code, "password": "newpass2026"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the right code after five tries"
    );
}

#[tokio::test]
async fn sixty_four_parallel_wrong_logins_check_at_most_the_free_tries() {
    let app = TestApp::new().await;
    let tries = (0..64).map(|_| {
        let url = app.url("/api/v1/sessions");
        tokio::spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"login": ENTERPRISE, "password": "wrong-password1"}))
                .send()
                .await
                .unwrap()
                .status()
        })
    });
    let mut checked = 0;
    let mut held = 0;
    for t in tries {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => held += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(checked, 5, "passwords checked");
    assert_eq!(held, 59);
}

#[tokio::test]
async fn failures_from_a_shared_address_do_not_block_another_accounts_login() {
    let app = TestApp::new().await;
    // 31 people behind one hall's NAT mistype their numbers.
    for i in 0..31 {
        let login = resident_id(&format!("640303199001{:05}", 10000 + i));
        assert_eq!(
            login_status(&app, &login, "wrong-password1").await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        login_status(&app, CITIZEN, PASSWORD).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_reset_and_claim_pages_work_without_script() {
    let app = TestApp::new().await;
    let res = app.post_form("/account/reset", &[("login", CITIZEN)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    let html = app.get(&to).await.text().await.unwrap();
    assert!(html.contains("data-test=\"code-sent\""));
    let code = sms_code(&app, "13909531234").await.unwrap();
    let res = app
        .post_form(
            "/account/reset/confirm",
            &[
                ("login", CITIZEN),
                ("code", "12"),
                ("password", "newpass2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("data-test=\"error-code\""),
        "the error beside the field"
    );
    let res = app
        .post_form(
            "/account/reset/confirm",
            &[
                ("login", CITIZEN),
                ("code", &code),
                ("password", "newpass2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A clerk verifies a new person at the window and prints a claim slip.
    let clerk = browser_client();
    let staff = TestApp {
        client: clerk,
        ..app
    };
    staff
        .post_form("/login", &[("login", "clerk"), ("password", PASSWORD)])
        .await;
    let person = resident_id("64030319900101777");
    let res = staff
        .post_form(
            "/staff/identity",
            &[
                ("kind", "citizen"),
                ("id_number", &person),
                ("name", "马福"),
                ("phone", "13900000003"),
                ("id_checked", "yes"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = res.text().await.unwrap();
    assert!(html.contains("data-test=\"claim-code\""));
}

/// A squatter who knew the holder's name too: verifying the number at a window still takes
/// the self-registered account back, since the person present may not be the registrant.
#[tokio::test]
async fn a_window_verification_never_upgrades_a_self_registration_in_place() {
    let app = TestApp::new().await;
    let number = resident_id("64030319900101888");
    let res = post_json(
        &app,
        None,
        "/api/v1/accounts",
        json!({"kind": "citizen", "name": "孙丽",
        "id_number": number, "phone": "13900000021", "password": "squatter123"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let squatter = app.token_with(&number, "squatter123").await;
    let clerk = app.token("clerk").await;
    let res = post_json(
        &app,
        Some(&clerk),
        "/api/v1/identity-verifications",
        json!({"kind": "citizen", "id_number": number, "name": "孙丽", "id_checked": true}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["reclaimed"], true);
    assert!(v["claim_code"].is_string());
    assert_eq!(
        app.get_as(&squatter, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&app, &number, "squatter123").await,
        StatusCode::UNAUTHORIZED
    );
    post_json(
        &app,
        None,
        "/api/v1/password-resets",
        json!({"login": number}),
    )
    .await;
    assert_eq!(sms_code(&app, "13900000021").await, None);
}
