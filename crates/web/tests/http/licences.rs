//! The licence library: issue on conclusion, verification, rotation, revocation, imports, and links built on the public origin.

use crate::support::*;

#[tokio::test]
async fn a_concluded_case_issues_a_sealed_licence_that_verifies_until_revoked() {
    use tongban_domain::licence::{Presentation, SealedLicence};
    let app = TestApp::new().await;
    let state = app.state.clone().unwrap();
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let citizen = app.token(CITIZEN).await;
    let wallet: Value = app
        .get_as(&citizen, "/api/v1/me/licenses")
        .await
        .json()
        .await
        .unwrap();
    let card = wallet
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["licence"]["type_name"] == "社会保障卡")
        .expect("the card is in the wallet")
        .clone();
    assert_eq!(card["status"], "valid");
    assert_eq!(card["licence"]["case_no"], no.as_str());
    let id = card["licence"]["identifier"].as_str().unwrap().to_owned();
    assert!(tongban_domain::licence::identifier_is_valid(&id));
    // The seal verifies with the key published for the department, and fails once the
    // licence changes.
    let seals: Value = app.get("/api/v1/seals").await.json().await.unwrap();
    let sealed: SealedLicence =
        serde_json::from_value(json!({"licence": card["licence"], "seal": card["seal"]})).unwrap();
    let key = seals
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["key_id"] == sealed.seal.key_id.as_str())
        .expect("the key is published");
    assert_eq!(key["org_code"], "D-RSJ");
    let public = key["public_key"].as_str().unwrap();
    assert!(sealed.seal.verifies(public, &sealed.licence.canonical()));
    let mut changed = sealed.licence.clone();
    changed.holder_name.push('一');
    assert!(!sealed.seal.verifies(public, &changed.canonical()));
    let body = app.get("/api/v1/seals").await.text().await.unwrap();
    assert!(!body.contains("secret"), "only public halves are served");

    // Applying for an item that needs the card: the card is already waived.
    let web = staff_client(&app, CITIZEN).await;
    let item = find_item(&app, "失业保险金申领").await;
    let html = web
        .get(&format!(
            "/apply/{}",
            item["implementation_code"].as_str().unwrap()
        ))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-test=\"waived\"") && html.contains("社会保障卡"));

    // 亮证: the page shows a QR code whose link verifies as valid, without logging in.
    let page = web
        .get(&format!("/me/licences/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&page);
    let res = web
        .client
        .post(web.url(&format!("/me/licences/{id}/present")))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("<svg"));
    let payload = presentation_payload(&html);
    let verify = |payload: String| {
        reqwest::Client::new()
            .post(app.url("/api/v1/licenses/verify"))
            .json(&json!({ "payload": payload }))
            .send()
    };
    let outcome: Value = verify(payload.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(outcome["valid"], true, "{outcome}");
    assert_eq!(outcome["issuer"], "红寺堡区人力资源和社会保障局");
    assert!(outcome["holder"].as_str().unwrap().contains("马*"));
    let public_page = reqwest::get(app.url(&format!("/v/{payload}")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(public_page.contains("data-status=\"valid\""));

    // A licence sealed by a key that was rotated out still verifies.
    tongban_app::licences::create_key(&app.store, &state.keys, "D-RSJ", now(), "test")
        .await
        .unwrap();
    let outcome: Value = verify(payload.clone()).await.unwrap().json().await.unwrap();
    assert_eq!(outcome["status"], "valid");
    let seals: Value = app.get("/api/v1/seals").await.json().await.unwrap();
    assert!(
        seals
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["key_id"] == sealed.seal.key_id.as_str() && k["retired_at"].is_string())
    );

    // A presentation past its few minutes is refused; a tampered one is forged.
    let platform = app
        .store
        .current_seal_key(tongban_app::licences::PLATFORM_ORG)
        .await
        .unwrap()
        .unwrap();
    let secret = state.keys.load(&platform.key_id).unwrap().unwrap();
    let old = Presentation::new(
        sealed.clone(),
        now() - chrono::Duration::minutes(10),
        &platform.key_id,
        &secret,
    );
    let outcome: Value = verify(old.encode()).await.unwrap().json().await.unwrap();
    assert_eq!(outcome["status"], "presentation_expired");
    assert_eq!(outcome["valid"], false);
    let mut forged = Presentation::decode(&payload).unwrap();
    forged.sealed.licence.holder_name = "张三".into();
    let outcome: Value = verify(forged.encode()).await.unwrap().json().await.unwrap();
    assert_eq!(outcome["status"], "forged");

    // The PDF carries the licence; the issuing department revokes it, with the reason.
    let pdf = web.get(&format!("/me/licences/{id}/pdf")).await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF-"));
    let reviewer = staff_client(&app, "reviewer_rsj").await;
    let res = reviewer
        .post_form(&format!("/staff/licences/{id}/revoke"), &[("reason", "")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let other = staff_client(&app, "reviewer").await;
    let res = other
        .post_form(
            &format!("/staff/licences/{id}/revoke"),
            &[("reason", "信息有误")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "another department");
    let res = reviewer
        .post_form(
            &format!("/staff/licences/{id}/revoke"),
            &[("reason", "持卡人信息登记错误")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let outcome: Value = verify(payload).await.unwrap().json().await.unwrap();
    assert_eq!(outcome["status"], "revoked");
    let admin = app.token("admin").await;
    let trail = app
        .get_as(&admin, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(trail.contains("证照：撤销"), "revocation is audited");
}

#[tokio::test]
async fn integrating_systems_define_types_and_import_licences_with_field_errors() {
    let app = TestApp::new().await;
    let admin = app.token("admin").await;
    let citizen = app.token(CITIZEN).await;
    let post = |token: &str, path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let res = post(
        &citizen,
        "/api/v1/license-types",
        json!({"code": "x", "name": "x", "issuer_name": "x", "holder_kind": "person"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post(
        &admin,
        "/api/v1/license-types",
        json!({"code": "123", "name": "", "issuer_name": "民政部门", "holder_kind": "person",
               "fields": [{"key": "Bad Key", "label": "x"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = problem(res).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["code", "name", "fields[0].key"]);
    let code = format!("{}901", tongban_store::demo::demo_credit_code(1));
    let res = post(
        &admin,
        "/api/v1/license-types",
        json!({"code": code, "name": "老年人优待证", "issuer_name": "外地民政部门", "holder_kind": "person",
               "fields": [{"key": "level", "label": "优待等级"}], "validity_years": 0}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = post(
        &admin,
        "/api/v1/licenses",
        json!({"type_code": code, "holder_name": "马秀兰", "holder_id": "640303195803120241", "issued_on": "2026-13-01"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<String> = problem(res).await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["holder_id", "issued_on"]);
    let res = post(
        &admin,
        "/api/v1/licenses",
        json!({"type_code": code, "holder_name": "马秀兰", "holder_id": CITIZEN, "issued_on": "2026-01-05",
               "fields": {"level": "一级"}}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let wallet: Value = app
        .get_as(&citizen, "/api/v1/me/licenses")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        wallet
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["licence"]["type_name"] == "老年人优待证" && l["status"] == "valid")
    );
    // Items whose every material is a licence some department issues are zero-material.
    let html = app.get("/lists/zero-material").await.text().await.unwrap();
    assert!(html.contains("失业登记"), "only the ID card is needed");
    assert!(
        !html.contains("食品小经营店备案发放"),
        "its form is the applicant's own"
    );
}

/// Links and QR codes are built from the configured public origin: a request naming another
/// host (`Host: evil.example`) never puts that host in a link, a QR code or a PDF.
#[tokio::test]
async fn links_and_qr_codes_never_take_the_host_header() {
    let app = TestApp::new().await;
    let item = find_item(&app, "居住证").await;
    let code = item["implementation_code"].as_str().unwrap().to_owned();
    let raw = reqwest::Client::new();
    let guide = raw
        .get(app.url(&format!("/guide/{code}")))
        .header("Host", "verify.evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(guide.status(), StatusCode::OK);
    let html = guide.text().await.unwrap();
    assert!(!html.contains("evil.example"), "guide page");

    // A concluded case's licence: its PDF and its presentation QR.
    concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let citizen = app.token(CITIZEN).await;
    let wallet: Value = app
        .get_as(&citizen, "/api/v1/me/licenses")
        .await
        .json()
        .await
        .unwrap();
    let id = wallet
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["licence"]["type_name"] == "社会保障卡")
        .expect("the card is in the wallet")["licence"]["identifier"]
        .as_str()
        .unwrap()
        .to_owned();
    let web = staff_client(&app, CITIZEN).await;
    let csrf = extract_csrf(&web.get("/me/licences").await.text().await.unwrap());
    let shown = web
        .client
        .post(web.url(&format!("/me/licences/{id}/present")))
        .header("Host", "verify.evil.example")
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let html = shown.text().await.unwrap();
    assert!(!html.contains("evil.example"), "presentation page");
    assert!(html.contains("https://zwfw.hongsibu.example/v/"), "{html}");
    let pdf = web
        .client
        .get(web.url(&format!("/me/licences/{id}/pdf")))
        .header("Host", "verify.evil.example")
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&pdf);
    assert!(!text.contains("evil.example"), "licence PDF");
}
