//! Accounts and sessions: registration, logging in and out, throttling, CSRF, the large-type mode, staff administration, personal data.

use crate::support::*;
use tongban_domain::account::Role;

#[tokio::test]
async fn probes_answer() {
    let app = TestApp::new().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.text().await.unwrap(), "ready");
    app.store.close().await;
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn api_registration_validates_check_digits_and_duplicates() {
    let app = TestApp::new().await;
    let post = |body: Value| {
        app.client
            .post(app.url("/api/v1/accounts"))
            .json(&body)
            .send()
    };

    let res = post(json!({"kind":"citizen","name":"张三","id_number":"110105194912310021","phone":"13800001234","password":"abc12345"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    assert_eq!(p["code"], "validation_failed");
    assert_eq!(p["errors"][0]["field"], "id_number");
    assert_eq!(p["errors"][0]["code"], "check_digit");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("校验位")
    );

    let res = post(json!({"kind":"enterprise","name":"某公司","credit_code":"91350100M000100Y44","legal_representative":"李四","phone":"13800001234","password":"abc12345"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "credit_code");

    let good = json!({"kind":"citizen","name":"张三","id_number":"11010519491231002x","phone":"13800001234","password":"abc12345"});
    let res = post(good.clone()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(
        body["login"], "110105********002X",
        "numbers are masked in responses"
    );
    assert_eq!(body["phone"], "138****1234");

    let res = post(good).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(problem(res).await["code"], "already_registered");

    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(problem(res).await["code"], "bad_request");

    let res = post(json!({"kind":"citizen"})).await.unwrap();
    let p = problem(res).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "phone", "password", "id_number"]);
}

#[tokio::test]
async fn bearer_sessions_open_and_revoke() {
    let app = TestApp::new().await;
    let token = app.token(CITIZEN).await;
    let me = app.get_as(&token, "/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    assert_eq!(me["name"], "马秀兰");
    assert_eq!(me["kind"], "citizen");

    let del = app
        .client
        .delete(app.url("/api/v1/sessions/current"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let me = app.get_as(&token, "/api/v1/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(problem(me).await["code"], "unauthorized");
}

#[tokio::test]
async fn failed_logins_are_throttled_per_account() {
    let app = TestApp::new().await;
    let attempt = |password: &'static str| {
        app.client
            .post(app.url("/api/v1/sessions"))
            .json(&json!({"login": ENTERPRISE, "password": password}))
            .send()
    };
    for _ in 0..5 {
        let res = attempt("wrong-password1").await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(problem(res).await["code"], "invalid_credentials");
    }
    let res = attempt(PASSWORD).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked even with the right password"
    );
    assert!(res.headers().contains_key("retry-after"));
    // Another account from the same address is not locked by this one's failures.
    assert!(!app.token("admin").await.is_empty());
}

#[tokio::test]
async fn registration_page_shows_the_chinese_error_beside_the_field() {
    let app = TestApp::new().await;
    let res = app
        .post_form(
            "/register",
            &[
                ("kind", "citizen"),
                ("name", "张三"),
                ("id_number", "110105194912310021"),
                ("phone", "13800001234"),
                ("password", "abc12345"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("data-test=\"error-id_number\""));
    assert!(html.contains("身份证号码校验位不正确"));
    assert!(html.contains("aria-describedby=\"id_number-hint id_number-error\""));
    assert!(
        html.contains("value=\"110105194912310021\""),
        "what was typed is kept"
    );
    assert!(!html.contains("abc12345"), "passwords are never echoed");

    let ok = app
        .post_form(
            "/register",
            &[
                ("kind", "enterprise"),
                ("name", "红寺堡测试公司"),
                ("credit_code", "91350100M000100Y43"),
                ("legal_representative", "李四"),
                ("phone", "13800001234"),
                ("password", "abc12345"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .account_by_login("91350100M000100Y43")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn forms_without_the_csrf_token_are_refused() {
    let app = TestApp::new().await;
    let _ = app.csrf().await;
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "admin"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let html = res.text().await.unwrap();
    assert!(html.contains("页面已过期"), "a Chinese page, not JSON");
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[
            ("login", "admin"),
            ("password", PASSWORD),
            ("csrf", "forged"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn web_login_session_and_logout() {
    let app = TestApp::new().await;
    let res = app.get("/me").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?next=%2Fme");

    let res = app
        .post_form("/login", &[("login", "admin"), ("password", "wrong-pass1")])
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.text().await.unwrap().contains("账号或密码不正确"));

    let res = app
        .post_form(
            "/login",
            &[
                ("login", "ADMIN"),
                ("password", PASSWORD),
                ("next", "/staff/org"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/staff/org");
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );

    let html = app.get("/staff").await.text().await.unwrap();
    assert!(html.contains("审批服务管理局管理员"));
    assert!(html.contains("全区"));

    let res = app.post_form("/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/staff").await.status(), StatusCode::SEE_OTHER);

    let res = app
        .post_form(
            "/login",
            &[
                ("login", "admin"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(
        res.headers()["location"],
        "/staff",
        "off-site next is ignored"
    );
}

#[tokio::test]
async fn large_type_mode_is_kept() {
    let app = TestApp::new().await;
    assert!(
        !app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("class=\"elder\"")
    );
    let res = app
        .post_form("/preferences/elder", &[("back", "/halls")])
        .await;
    assert_eq!(res.headers()["location"], "/halls");
    let html = app.get("/halls").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"zh-CN\" class=\"elder\">"));
    assert!(html.contains("切换到标准版"));
    app.post_form("/preferences/elder", &[("back", "/")]).await;
    assert!(
        !app.get("/")
            .await
            .text()
            .await
            .unwrap()
            .contains("class=\"elder\"")
    );
}

#[tokio::test]
async fn opening_personal_data_is_audited_and_lists_are_masked() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk").await;
    // Staff reach a person through a case of theirs.
    let citizen_token = app.token(CITIZEN).await;
    let item = find_item(&app, "失业登记").await;
    apply(
        &app,
        &citizen_token,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let get = |path: String| app.client.get(app.url(&path)).bearer_auth(&clerk).send();
    let csrf = app.csrf().await;
    let html = app
        .client
        .post(app.url("/staff/people"))
        .bearer_auth(&clerk)
        .form(&[("q", "马秀兰"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("640303********024X"), "{html}");
    assert!(html.contains("139****1234"));
    assert!(!html.contains(CITIZEN));
    let citizen = app.store.account_by_login(CITIZEN).await.unwrap();
    let html = get(format!("/staff/people/{}", citizen.id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(CITIZEN) && html.contains("13909531234"));
    let trail = app
        .store
        .recent_audit(1, Some(&format!("account:{}", citizen.id)))
        .await
        .unwrap();
    assert_eq!(trail[0].action, "personal_data.view");
    let clerk_account = app.store.account_by_login("clerk").await.unwrap();
    assert_eq!(trail[0].actor, clerk_account.id);

    let admin = app.token("admin").await;
    let html = app
        .get_as(&admin, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("哈希链完整"));
    assert!(html.contains("查阅个人信息"));
}

#[tokio::test]
async fn admin_creates_staff_with_field_errors() {
    let app = TestApp::new().await;
    app.post_form("/login", &[("login", "admin"), ("password", PASSWORD)])
        .await;
    let res = app
        .post_form(
            "/admin/staff/new",
            &[
                ("username", "X"),
                ("name", ""),
                ("org_code", ""),
                ("role", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for msg in [
        "用户名为 3 至 32 位",
        "此项为必填项",
        "请选择所属单位",
        "请选择角色",
        "密码至少 8 位",
    ] {
        assert!(html.contains(msg), "{msg}");
    }
    let res = app
        .post_form(
            "/admin/staff/new",
            &[
                ("username", "clerk_liuquan"),
                ("name", "马兰"),
                ("org_code", "640303202000"),
                ("role", "window_clerk"),
                ("password", "Liuquan2026"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let created = app.store.account_by_login("clerk_liuquan").await.unwrap();
    assert_eq!(created.org_name.as_deref(), Some("柳泉乡"));
    assert_eq!(created.role, Some(Role::WindowClerk));
}

#[tokio::test]
async fn unknown_pages_are_chinese_404s() {
    let app = TestApp::new().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("您要找的页面或记录不存在")
    );
}

/// Behind HTTPS both cookies a browser gets, the session and the CSRF token, are `Secure`.
#[tokio::test]
async fn cookies_are_secure_behind_https() {
    let app = TestApp::with_config(WebConfig {
        public_origin: "https://zwfw.hongsibu.example".into(),
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    let res = app.get("/login").await;
    let csrf_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tb_csrf="))
        .expect("a CSRF cookie");
    assert!(csrf_cookie.contains("Secure"), "{csrf_cookie}");
    let csrf = extract_csrf(&res.text().await.unwrap());
    let res = app
        .client
        .post(app.url("/login"))
        .form(&[("login", "clerk"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    let session_cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("tb_session="))
        .expect("a session cookie");
    assert!(session_cookie.contains("Secure"), "{session_cookie}");
}

/// The bureau disables a staff account (its sessions end at once), enables it again, moves
/// it to another unit and changes its role, each audited; it cannot lock itself out.
#[tokio::test]
async fn the_bureau_administers_staff_accounts() {
    let app = TestApp::new().await;
    let town_clerk = app.token("clerk_dahe").await;
    let admin = staff_client(&app, "admin").await;
    let page = admin.get("/admin/staff").await.text().await.unwrap();
    assert!(page.contains("clerk_dahe") && page.contains("在用"));
    let dahe = app.store.account_by_login("clerk_dahe").await.unwrap();
    let change = |fields: Vec<(&'static str, &'static str)>| {
        let admin = &admin;
        let path = format!("/admin/staff/{}", dahe.id);
        async move { admin.post_form(&path, &fields).await }
    };
    let res = change(vec![("change", "disable")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_as(&town_clerk, "/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED,
        "the session ended at once"
    );
    let res = app
        .client
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"login": "clerk_dahe", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "nor can it log in");
    change(vec![("change", "enable")]).await;
    app.token("clerk_dahe").await;
    change(vec![("change", "move"), ("org_code", "640303100000")]).await;
    change(vec![("change", "role"), ("role", "reviewer")]).await;
    let moved = app.store.account_by_login("clerk_dahe").await.unwrap();
    assert_eq!(moved.org_path.as_deref(), Some("640303/640303100000"));
    assert_eq!(moved.role, Some(Role::Reviewer));
    let trail = app
        .store
        .recent_audit(10, Some("account:clerk_dahe"))
        .await
        .unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.detail.as_str()).collect();
    assert_eq!(actions.len(), 4, "{actions:?}");
    assert!(actions[0].contains("部门审核人员"), "{actions:?}");
    // A wrong role is named; the administrator cannot disable themselves.
    let html = change(vec![("change", "role"), ("role", "king")])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("请选择角色"));
    let me = app.store.account_by_login("admin").await.unwrap();
    let html = admin
        .post_form(&format!("/admin/staff/{}", me.id), &[("change", "disable")])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("不能停用自己的账号"));
    // Nobody else may.
    let clerk = staff_client(&app, "clerk").await;
    assert_eq!(
        clerk
            .post_form(
                &format!("/admin/staff/{}", dahe.id),
                &[("change", "disable")]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// People search reaches only people with a case in the searcher's scope: a town's clerk
/// finds nobody the town's halls never served, and cannot open their record, until the town
/// takes in a case for them.
#[tokio::test]
async fn people_search_reaches_only_people_with_a_case_in_scope() {
    let app = TestApp::new().await;
    let town = app.token("clerk_dahe").await;
    let csrf = app.csrf().await;
    let search = |q: &'static str| {
        app.client
            .post(app.url("/staff/people"))
            .bearer_auth(&town)
            .form(&[("q", q), ("csrf", csrf.as_str())])
            .send()
    };
    let html = search("马秀兰").await.unwrap().text().await.unwrap();
    assert!(html.contains("查询结果（0 条）"), "{html}");
    let citizen = app.store.account_by_login(CITIZEN).await.unwrap();
    assert_eq!(
        app.get_as(&town, &format!("/staff/people/{}", citizen.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    // Nor does the case search by name find her cases through the back door.
    let item = find_item(&app, "失业登记").await;
    let code = item["implementation_code"].as_str().unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&town)
        .json(&json!({"implementation_code": code, "applicant": {
            "kind": "citizen", "id_number": "640303194003070024", "name": "马桂兰",
            "id_checked": true, "mode": "in_person"}, "materials": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let html = search("马桂兰").await.unwrap().text().await.unwrap();
    assert!(html.contains("查询结果（1 条）"), "{html}");
    let person = app
        .store
        .account_by_login("640303194003070024")
        .await
        .unwrap();
    assert_eq!(
        app.get_as(&town, &format!("/staff/people/{}", person.id))
            .await
            .status(),
        StatusCode::OK
    );
    // The district's windows take in anyone's application, so they reach everyone with a
    // case, wherever it was taken in.
    let district = app.token("clerk").await;
    let html = app
        .client
        .post(app.url("/staff/people"))
        .bearer_auth(&district)
        .form(&[("q", "马桂兰"), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("查询结果（1 条）"), "{html}");
    // But nobody reaches a person with no case at all: registering is not a case.
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .json(
            &json!({"kind": "citizen", "name": "张三", "id_number": "11010519491231002x",
            "phone": "13800001234", "password": "abc12345"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let stranger = app
        .store
        .account_by_login("11010519491231002X")
        .await
        .unwrap();
    for login in ["clerk", "admin"] {
        let token = app.token(login).await;
        let html = app
            .client
            .post(app.url("/staff/people"))
            .bearer_auth(&token)
            .form(&[("q", "张三"), ("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("查询结果（0 条）"), "{login}: {html}");
        assert_eq!(
            app.get_as(&token, &format!("/staff/people/{}", stranger.id))
                .await
                .status(),
            StatusCode::NOT_FOUND,
            "{login}"
        );
    }
}
