//! HTTP integration tests: each test starts the real server on a random port over a fresh
//! SQLite database with the demonstration data, and talks to it with a real client.

use std::net::SocketAddr;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use serde_json::{Value, json};
use tongban_domain::account::Role;
use tongban_domain::authz::{Principal, allows};
use tongban_store::{Store, demo};
use tongban_web::{Access, AppState, WebConfig, route_specs};

const PASSWORD: &str = demo::DEMO_PASSWORD;
const CITIZEN: &str = "64030319580312024X";
const ENTERPRISE: &str = "91640303MA76F0LX2Y";

struct TestApp {
    base: String,
    client: reqwest::Client,
    store: Store,
    state: Option<AppState>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&tongban_store::sqlite_url_in(dir.path()))
            .await
            .unwrap();
        let keys = tongban_store::KeyStore::open(&dir.path().join("keys")).unwrap();
        let app = tongban_app::App::new(
            store.clone(),
            tongban_app::Settings::default(),
            keys,
            std::sync::Arc::new(tongban_app::SystemClock),
        )
        .await
        .unwrap();
        tongban_app::demo::load(&app, &|p| {
            tongban_domain::password::hash_password(p, &[9u8; 16])
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = AppState::new(
            app,
            WebConfig {
                public_origin: "https://zwfw.hongsibu.example".into(),
                ..WebConfig::default()
            },
        );
        tokio::spawn(tongban_web::serve(
            listener,
            state.clone(),
            std::future::pending(),
        ));
        TestApp {
            base: format!("http://{addr}"),
            client: browser_client(),
            store,
            state: Some(state),
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A GET with a bearer token.
    async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Logs in through the API and returns the bearer token.
    async fn token(&self, login: &str) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/sessions"))
            .json(&json!({"login": login, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "login {login}");
        res.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The CSRF token the server handed this client's cookie jar, read from a form.
    async fn csrf(&self) -> String {
        let html = self.get("/login").await.text().await.unwrap();
        extract_csrf(&html)
    }

    async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &csrf));
        self.client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }
}

fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

async fn problem(res: reqwest::Response) -> Value {
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    res.json().await.unwrap()
}

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
async fn openapi_document_lists_the_api() {
    let app = TestApp::new().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/accounts",
        "/api/v1/sessions",
        "/api/v1/sessions/current",
        "/api/v1/me",
        "/api/v1/org-units",
        "/api/v1/halls",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["RegisterBody"].is_object());
}

#[tokio::test]
async fn organisation_and_halls_api_carry_real_divisions() {
    let app = TestApp::new().await;
    let units: Value = app.get("/api/v1/org-units").await.json().await.unwrap();
    let units = units.as_array().unwrap();
    let dahe = units.iter().find(|u| u["code"] == "640303200000").unwrap();
    assert_eq!(dahe["name"], "大河乡");
    assert_eq!(dahe["level"], "town");
    assert_eq!(units.iter().filter(|u| u["level"] == "village").count(), 74);
    let halls: Value = app.get("/api/v1/halls").await.json().await.unwrap();
    let centre = &halls[0];
    assert_eq!(centre["kind"], "district_centre");
    let kinds: Vec<&str> = centre["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    for k in ["comprehensive", "escalation", "assistance", "enterprise"] {
        assert!(kinds.contains(&k), "{k}");
    }
    assert!(
        centre["hours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "extended")
    );
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
async fn town_clerk_sees_only_their_town() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk_dahe").await;
    let html = app.get_as(&clerk, "/staff/org").await.text().await.unwrap();
    assert!(html.contains("大河乡及其下属单位"));
    assert!(html.contains("周小梅"));
    assert!(
        !html.contains("马海燕"),
        "staff of other units are out of scope"
    );
    assert!(!html.contains("柳泉乡"), "other towns are out of scope");
    let admin = app.token("admin").await;
    let html = app.get_as(&admin, "/staff/org").await.text().await.unwrap();
    assert!(html.contains("柳泉乡") && html.contains("周小梅") && html.contains("马海燕"));
    let reviewer = app.token("reviewer").await;
    let html = app
        .get_as(&reviewer, "/staff/org")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("王强") && !html.contains("张宏"),
        "a reviewer sees their own department"
    );
}

#[tokio::test]
async fn opening_personal_data_is_audited_and_lists_are_masked() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk").await;
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
    assert!(html.contains("personal_data.view"));
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

/// Who the authorization walk logs in as, with the principal the one table judges.
fn walkers() -> Vec<(Option<&'static str>, Principal)> {
    let staff = |role| Principal::Staff {
        account_id: String::new(),
        role,
        org_path: String::new(),
    };
    vec![
        (None, Principal::Anonymous),
        (
            Some(CITIZEN),
            Principal::Citizen {
                account_id: String::new(),
            },
        ),
        (
            Some(ENTERPRISE),
            Principal::Enterprise {
                account_id: String::new(),
            },
        ),
        (Some("admin"), staff(Role::BureauAdmin)),
        (Some("legal"), staff(Role::LegalReviewer)),
        (Some("clerk"), staff(Role::WindowClerk)),
        (Some("clerk_dahe"), staff(Role::WindowClerk)),
        (Some("reviewer"), staff(Role::Reviewer)),
        (Some("supervisor"), staff(Role::Supervisor)),
    ]
}

fn expected_allowed(access: Access, principal: &Principal) -> bool {
    match access {
        Access::Public => true,
        Access::LoggedIn => !matches!(principal, Principal::Anonymous),
        Access::Permission(p) => allows(principal, p),
        Access::AnyOf(ps) => ps.iter().any(|p| allows(principal, *p)),
    }
}

/// Walks every route for every role and anonymous, and checks allow/deny against the one
/// permission table in the domain.
#[tokio::test]
async fn authorization_walk_matches_the_permission_table() {
    let app = TestApp::new().await;
    let specs = route_specs();
    assert!(specs.len() >= 25);
    let mut checked = 0;
    for (login, principal) in walkers() {
        for spec in &specs {
            // A fresh client and session per request: some routes revoke the session.
            let client = browser_client();
            let token = match login {
                Some(l) => Some(app.token(l).await),
                None => None,
            };
            let html = client
                .get(app.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = extract_csrf(&html);
            let mut req = client.request(spec.method.clone(), app.url(spec.sample));
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            if spec.is_api() && spec.method != reqwest::Method::GET {
                req = req.json(&json!({}));
            } else if spec.method != reqwest::Method::GET {
                req = req.form(&[("csrf", csrf.as_str())]);
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let denied = status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN
                || location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?next="));
            let expected = expected_allowed(spec.access, &principal);
            assert_eq!(
                !denied, expected,
                "{} {} as {:?}: status {status}, location {location:?}",
                spec.method, spec.path, login
            );
            if denied && login.is_some() {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} {} as {login:?}",
                    spec.method,
                    spec.path
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, specs.len() * walkers().len());
}

/// Finds a published item by searching the API, as an integrating system would.
async fn find_item(app: &TestApp, q: &str) -> Value {
    let res: Value = app
        .get(&format!("/api/v1/items?q={q}"))
        .await
        .json()
        .await
        .unwrap();
    res["items"][0].clone()
}

#[tokio::test]
async fn items_api_searches_filters_and_returns_every_element() {
    let app = TestApp::new().await;
    let all: Value = app.get("/api/v1/items").await.json().await.unwrap();
    assert!(all["total"].as_u64().unwrap() >= 60);
    let first = find_item(&app, "spxjyd").await;
    assert_eq!(first["name"], "食品小经营店备案发放");
    assert_eq!(first["implementation_code"].as_str().unwrap().len(), 31);
    assert_eq!(first["department_code"], "D-SJJ");
    let by_dept: Value = app
        .get("/api/v1/items?department=D-RSJ&audience=person&level=village")
        .await
        .json()
        .await
        .unwrap();
    let items = by_dept["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["department_code"] == "D-RSJ"));
    assert!(
        items
            .iter()
            .all(|i| i["levels"].as_array().unwrap().contains(&json!("village")))
    );
    let code = first["implementation_code"].as_str().unwrap();
    let full: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(full["materials"].as_array().unwrap().len() >= 4);
    assert_eq!(full["statutory_limit"]["days"], 10);
    let missing = app
        .get("/api/v1/items/0000000000000000000000000000000")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem(missing).await["code"], "not_found");
}

#[tokio::test]
async fn guide_pages_situation_guide_and_qr() {
    let app = TestApp::new().await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap().to_owned();
    let html = app
        .get(&format!("/guide/{code}"))
        .await
        .text()
        .await
        .unwrap();
    for element in [
        "设定依据",
        "受理条件",
        "申请材料",
        "办理流程",
        "法定办结时限",
        "承诺办结时限",
        "监督投诉电话",
        "《居住证暂行条例》",
    ] {
        assert!(html.contains(element), "{element} missing from the guide");
    }
    let situation = app
        .get(&format!("/guide/{code}/situation?situation=连续就读"))
        .await
        .text()
        .await
        .unwrap();
    assert!(situation.contains("在校就读证明"));
    assert!(
        !situation.contains("劳动合同或营业执照"),
        "other situations' materials are left out"
    );
    let unanswered = app
        .get(&format!("/guide/{code}/situation?situation=别的"))
        .await
        .text()
        .await
        .unwrap();
    assert!(unanswered.contains("请选择一种办事情形"));
    let qr = app.get(&format!("/guide/{code}/qr.svg")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().starts_with("<?xml"));
    let print = app.get(&format!("/guide/{code}/print")).await;
    assert_eq!(print.status(), StatusCode::OK);
    let search = app.get("/guide?q=jzz").await.text().await.unwrap();
    assert!(
        search.contains("居住证办理"),
        "pinyin initials find it on the page too"
    );
    assert_eq!(
        app.get("/guide/nonexistent").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn published_lists_as_pages_csv_and_xlsx() {
    let app = TestApp::new().await;
    let html = app
        .get("/lists/deficiency-acceptance")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("容缺受理事项清单"));
    assert!(
        html.contains("从业人员健康证明"),
        "the acceptable-later materials are named"
    );
    let csv = app.get("/lists/commitment.csv").await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("建筑工程施工许可证核发"));
    let xlsx = app.get("/lists/licensing.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    assert_eq!(
        app.get("/lists/nonsense").await.status(),
        StatusCode::NOT_FOUND
    );
    let index = app.get("/lists").await.text().await.unwrap();
    assert!(index.contains("“零材料”办理事项清单"));
}

/// A logged-in browser session for `login`.
async fn staff_client(app: &TestApp, login: &str) -> TestApp {
    let other = TestApp {
        base: app.base.clone(),
        client: browser_client(),
        store: app.store.clone(),
        state: None,
        _dir: tempfile::tempdir().unwrap(),
    };
    let res = other
        .post_form("/login", &[("login", login), ("password", PASSWORD)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{login} logs in");
    other
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_item_goes_from_the_upper_catalog_to_the_public_guide() {
    let app = TestApp::new().await;
    let reviewer = staff_client(&app, "reviewer").await; // 市场监管分局
    let legal = staff_client(&app, "legal").await;
    let admin = staff_client(&app, "admin").await;
    let (entries, _) = app
        .store
        .catalog_entries("食品小作坊备案变更", 1, 0)
        .await
        .unwrap();
    let entry = &entries[0];

    // The department drafts from the upper entry.
    let res = reviewer
        .post_form(
            &format!("/catalog/entries/{}/draft", entry.catalog_code),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let version_url = location(&res);
    let id = version_url.rsplit('/').next().unwrap().to_owned();

    // Publishing an unreviewed draft, or submitting an incomplete one, is refused.
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("“草稿”状态的版本不能发布")
    );
    let res = reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("请填写受理条件"));

    // The department fills in the implementation list.
    let mut item = app.store.item_version(&id).await.unwrap().item;
    let template = app
        .store
        .published_items()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.item.name == "食品小作坊备案发放")
        .unwrap()
        .item;
    item.legal_basis = template.legal_basis.clone();
    item.conditions = template.conditions.clone();
    item.audiences = template.audiences.clone();
    item.procedure = template.procedure.clone();
    item.materials = template.materials.clone();
    item.place = template.place.clone();
    item.hours = template.hours.clone();
    item.consult_phone = template.consult_phone.clone();
    item.outcome.name = "食品小作坊备案证（变更）".into();
    item.name = "食品小作坊变更备案".into(); // not the upper catalog's name
    let document = serde_json::to_string_pretty(&item).unwrap();
    let res = reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", "{ broken")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("格式有误"));
    let res = reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", &document)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Wrong roles cannot review or publish.
    assert_eq!(
        reviewer
            .post_form(&format!("{version_url}/approve"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        legal
            .post_form(&format!("{version_url}/publish"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Another department does not even see it.
    let rsj = staff_client(&app, "reviewer_rsj").await;
    assert_eq!(rsj.get(&version_url).await.status(), StatusCode::NOT_FOUND);

    // The Justice Bureau returns it with a comment, then approves the corrected version.
    let res = legal
        .post_form(&format!("{version_url}/return"), &[("comment", "")])
        .await;
    assert!(res.text().await.unwrap().contains("退回修改须写明意见"));
    let res = legal
        .post_form(
            &format!("{version_url}/return"),
            &[("comment", "请补充设定依据条款")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.item_version(&id).await.unwrap().review_comment,
        "请补充设定依据条款"
    );
    reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(
        legal
            .post_form(&format!("{version_url}/approve"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // 四级四同: the bureau cannot publish a name that differs from the upper catalog.
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("事项名称与上级目录不一致"),
        "the field is named"
    );
    assert!(html.contains("（name）"));

    // Back through review with the right name, then published and searchable at once.
    let legal_item = {
        let mut i = app.store.item_version(&id).await.unwrap().item;
        i.name = entry.name.clone();
        i
    };
    app.store
        .transition_version(
            chrono::DateTime::UNIX_EPOCH,
            "t",
            &id,
            tongban_domain::catalog::VersionStatus::Approved,
            tongban_domain::catalog::VersionStatus::Returned,
            "名称须与目录一致",
        )
        .await
        .unwrap();
    let doc = serde_json::to_string(&legal_item).unwrap();
    reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", &doc)])
        .await;
    reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    legal
        .post_form(&format!("{version_url}/approve"), &[])
        .await;
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let found = find_item(&app, "食品小作坊备案变更").await;
    assert_eq!(found["name"], "食品小作坊备案变更");
    let code = found["implementation_code"].as_str().unwrap().to_owned();
    let guide = app
        .get(&format!("/guide/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(guide.contains("食品小作坊备案证（变更）"));

    // An adjustment: a new version, reviewed again, with a readable diff.
    let res = reviewer
        .post_form(&format!("/catalog/items/{code}/adjust"), &[("reason", "")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = reviewer
        .post_form(
            &format!("/catalog/items/{code}/adjust"),
            &[("reason", "压缩承诺时限")],
        )
        .await;
    let v2_url = location(&res);
    let v2 = v2_url.rsplit('/').next().unwrap().to_owned();
    let mut adjusted = app.store.item_version(&v2).await.unwrap().item;
    adjusted.promised_limit.days = 2;
    reviewer
        .post_form(
            &format!("{v2_url}/edit"),
            &[("document", &serde_json::to_string(&adjusted).unwrap())],
        )
        .await;
    let page = reviewer.get(&v2_url).await.text().await.unwrap();
    assert!(page.contains("与已发布版本相比的变化") && page.contains("承诺办结时限"));
    let history = reviewer
        .get(&format!("/catalog/items/{code}/history"))
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains("第 2 版") && history.contains("压缩承诺时限"));
    let diff = reviewer
        .get(&format!("/catalog/items/{code}/diff?from={id}&to={v2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        diff.contains("<del>10 个工作日</del>") && diff.contains("<ins>2 个工作日</ins>"),
        "{diff}"
    );
}

#[tokio::test]
async fn working_days_skip_holidays_and_count_swapped_days() {
    let app = TestApp::new().await;
    let get = |q: &'static str| app.get(q);
    // 2024 National Day: 10-01..07 off, Saturday 10-12 worked.
    let res: Value = get("/api/v1/calendar/add-working-days?from=2024-09-30&days=5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["date"], "2024-10-12");
    assert_eq!(res["arrangement_known"], true);
    let res: Value = get("/api/v1/calendar/add-working-days?from=2026-11-27&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["date"], "2026-11-30", "Friday + 1 is Monday");
    let bad = get("/api/v1/calendar/add-working-days?from=2026-13-01&days=-1").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(bad).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["from", "days"]);
}

/// Applies through the API as `token` and returns the case number.
async fn apply(app: &TestApp, token: &str, code: &str, mut body: Value) -> String {
    body["implementation_code"] = json!(code);
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    created["case_no"].as_str().unwrap().to_owned()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[tokio::test]
async fn cases_are_submitted_once_validated_and_shown_to_their_applicant_only() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap();
    let body = json!({
        "implementation_code": code,
        "situation": "合法稳定住所",
        "form": {"address": "红寺堡镇"},
        "materials": [
            {"name": "居民身份证", "filename": "id.jpg", "content_base64": b64(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])},
            {"name": "房屋产权证明或租赁合同", "filename": "lease.pdf", "content_base64": b64(b"%PDF-1.7 lease")}
        ]
    });
    let post = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&citizen)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let res = post("apply-1").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let case_no = created["case_no"].as_str().unwrap().to_owned();
    assert_eq!(case_no.len(), 43);
    assert!(case_no.starts_with(code));
    assert_eq!(created["status"], "submitted");
    assert!(created["promised_due"].as_str().unwrap() > "2026-01-01");

    let again = post("apply-1").await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a retry returns the same case"
    );
    assert_eq!(
        again.json::<Value>().await.unwrap()["case_no"],
        case_no.as_str()
    );

    let view: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{case_no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status_label"], "已提交，待受理");
    // The two uploads, and the 居民身份证 the applicant holds in the licence library,
    // attached instead of a copy (免提交).
    let materials = view["materials"].as_array().unwrap();
    assert_eq!(materials.len(), 3);
    assert_eq!(materials[1]["content_type"], "application/pdf");
    let waived: Vec<&Value> = materials
        .iter()
        .filter(|m| m["waived_by"].is_string())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["name"], "居民身份证");
    assert_eq!(view["events"][0]["action"], "submit");

    // Another applicant, and staff of another department, do not see it.
    let enterprise = app.token(ENTERPRISE).await;
    let other = app
        .get_as(&enterprise, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let rsj = app.token("reviewer_rsj").await;
    let staff = app.get_as(&rsj, &format!("/api/v1/cases/{case_no}")).await;
    assert_eq!(staff.status(), StatusCode::NOT_FOUND);
    let admin = app.token("admin").await;
    let staff = app
        .get_as(&admin, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(staff.status(), StatusCode::OK);

    // Bad input: every problem named by field.
    let bad = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&citizen)
        .json(&json!({
            "implementation_code": code,
            "situation": "不存在的情形",
            "materials": [
                {"name": "", "filename": "a.exe", "content_base64": b64(b"MZ\x90\x00")},
                {"name": "x", "filename": "b.pdf", "content_base64": "***"}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(bad).await;
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "materials[0].content_base64",
            "materials[0].name",
            "materials[1].content_base64",
            "situation"
        ]
    );
    // An enterprise cannot apply for an item that serves persons only.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&enterprise)
        .json(&json!({"implementation_code": code, "situation": "合法稳定住所"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await["errors"][0]["code"], "audience");
}

#[tokio::test]
async fn a_case_goes_from_notice_to_delivery_through_the_api() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk_dahe").await; // any comprehensive window accepts any item
    let reviewer = app.token("reviewer").await; // 市场监管分局
    let other_reviewer = app.token("reviewer_rsj").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    let no = apply(
        &app,
        &citizen,
        code,
        json!({"situation": "新办", "materials": [
            {"name": "食品小经营店备案申请表", "filename": "form.pdf", "content_base64": b64(b"%PDF-1.4 form")}
        ]}),
    )
    .await;
    let act = |token: &String, body: Value| {
        app.client
            .post(app.url(&format!("/api/v1/cases/{no}/actions")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    // The applicant cannot accept their own case; a reviewer of another department cannot
    // even see it; an empty notice is refused.
    assert_eq!(
        act(&citizen, json!({"action": "accept"}))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&other_reviewer, json!({"action": "start_review"}))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = act(&clerk, json!({"action": "issue_notice", "items": []}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        problem(res).await["detail"]
            .as_str()
            .unwrap()
            .contains("一次性告知须列明")
    );

    let res = act(
        &clerk,
        json!({"action": "issue_notice", "items": ["经营场所平面图"]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A supply without the paper asked for is refused: it used to send the case back to
    // intake with nothing new on it.
    let res = act(&citizen, json!({"action": "supply"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let p = problem(res).await;
    assert_eq!(p["title"], "当前状态不允许此操作");
    assert!(p["detail"].as_str().unwrap().contains("请上传要补交的材料"));
    // Nor can a caller claim what it supplied: the files say it.
    let res = act(
        &citizen,
        json!({"action": "supply", "supplied": ["经营场所平面图"]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let steps: [(&String, Value, &str); 7] = [
        (
            &citizen,
            json!({"action": "supply", "materials": [{"name": "经营场所平面图",
                "filename": "plan.pdf", "content_base64": b64(b"%PDF-1.7 plan")}]}),
            "submitted",
        ),
        (&clerk, json!({"action": "accept"}), "accepted"),
        (&reviewer, json!({"action": "start_review"}), "in_review"),
        (
            &reviewer,
            json!({"action": "start_special_procedure"}),
            "special_procedure",
        ),
        (
            &reviewer,
            json!({"action": "end_special_procedure"}),
            "in_review",
        ),
        (
            &reviewer,
            json!({"action": "decide", "approve": true}),
            "decided",
        ),
        (&reviewer, json!({"action": "conclude"}), "concluded"),
    ];
    for (token, body, expected) in steps {
        let res = act(token, body.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{body}");
        let view: Value = res.json().await.unwrap();
        assert_eq!(view["status"], expected, "{body}");
    }
    // The tracking page explains how the due date was counted.
    let page = app
        .get_as(&citizen, &format!("/me/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("办结日期怎么算的") && page.contains("自次日起算 3 个工作日"),
        "{page}"
    );
    // Withdrawing a decided case is not a transition.
    let res = act(&citizen, json!({"action": "withdraw", "reason": "不办了"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let view: Value = act(&clerk, json!({"action": "deliver"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["status_label"], "已送达");
    let actions: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"submit"));
    assert_eq!(actions.last(), Some(&"deliver"));
    assert_eq!(actions.len(), 10);
    assert_eq!(app.store.verify_audit().await.unwrap().first_break, None);
}

#[tokio::test]
async fn the_bureau_enters_next_years_holidays_and_open_cases_are_recounted() {
    let app = TestApp::new().await;
    let before: Value = app
        .get("/api/v1/calendar/add-working-days?from=2026-12-31&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["date"], "2027-01-01");
    assert_eq!(before["arrangement_known"], false);

    // An accepted case whose due date a calendar change will move.
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let code = find_item(&app, "spxjyd").await["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let no = apply(&app, &citizen, &code, json!({"situation": "新办"})).await;
    let accepted: Value = app
        .client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(&clerk)
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due_before = accepted["promised_due"].as_str().unwrap().to_owned();
    let due_date = chrono::NaiveDate::parse_from_str(&due_before, "%Y-%m-%d").unwrap();

    let admin = staff_client(&app, "admin").await;
    let bad = admin
        .post_form("/admin/calendar", &[("days", "2027-02-30,holiday,春节")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("日期格式"));
    let lines = format!(
        "2027-01-01,holiday,元旦\n{},holiday,测试假日",
        due_date.format("%Y-%m-%d")
    );
    let res = admin
        .post_form("/admin/calendar", &[("days", lines.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).contains("recounted=1"), "{}", location(&res));

    let after: Value = app
        .get("/api/v1/calendar/add-working-days?from=2026-12-31&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["date"], "2027-01-04");
    assert_eq!(after["arrangement_known"], true);
    let view: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        view["promised_due"].as_str().unwrap() > due_before.as_str(),
        "the new holiday moved the due date"
    );
}

#[tokio::test]
async fn case_progress_reaches_the_applicants_inbox_once() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let code = find_item(&app, "spxjyd").await["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let no = apply(&app, &citizen, &code, json!({"situation": "新办"})).await;
    let accepted = app
        .client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(&clerk)
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        accepted.status(),
        StatusCode::OK,
        "{}",
        accepted.text().await.unwrap()
    );
    let state = app.state.as_ref().unwrap();
    let sender = tongban_app::notify::LogSender;
    assert_eq!(
        tongban_app::notify::deliver_pending(state, &sender)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        tongban_app::notify::deliver_pending(state, &sender)
            .await
            .unwrap(),
        0,
        "delivered once"
    );
    let page = app
        .get_as(&citizen, "/me/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申请已提交") && page.contains("当前状态：已受理"),
        "{page}"
    );
}

/// Posts an action through the API and returns the response.
async fn act_api(app: &TestApp, token: &str, no: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn refused_with(res: reqwest::Response, words: &str) {
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let detail = problem(res).await["detail"].as_str().unwrap().to_owned();
    assert!(detail.contains(words), "{detail}");
}

#[tokio::test]
async fn commitment_approval_is_verified_and_a_breach_revokes_it() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    // Without the signed commitment there is no approval on commitment.
    let unsigned = apply(&app, &citizen, code, json!({"situation": "新办"})).await;
    refused_with(
        act_api(
            &app,
            &clerk,
            &unsigned,
            json!({"action": "approve_on_commitment"}),
        )
        .await,
        "未签署承诺书",
    )
    .await;
    let no = apply(
        &app,
        &citizen,
        code,
        json!({"situation": "新办", "commitment_signed": true}),
    )
    .await;
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "approve_on_commitment"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "decided");
    assert_eq!(case["decision"], true);
    let verification_due = case["verification_due"].as_str().unwrap().to_owned();
    // The department sees the verification task on its time-limit page.
    let html = app
        .get_as(&reviewer, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&no) && html.contains(&verification_due),
        "{html}"
    );
    // A breach found on verification revokes the outcome, with the reason on record.
    refused_with(
        act_api(
            &app,
            &reviewer,
            &no,
            json!({"action": "revoke", "reason": ""}),
        )
        .await,
        "撤销须写明理由",
    )
    .await;
    let res = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "revoke", "reason": "经现场核查，经营场所与承诺不符"}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "revoked");
    assert!(case["verification_due"].is_null());
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("与承诺不符"))
    );
}

#[tokio::test]
async fn deficiency_acceptance_lets_only_marked_materials_wait_and_blocks_conclusion() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    let no = apply(&app, &citizen, code, json!({"situation": "新办"})).await;
    refused_with(
        act_api(
            &app,
            &clerk,
            &no,
            json!({"action": "accept_with_deficiency", "missing": ["营业执照"]}),
        )
        .await,
        "不是本事项可容缺受理的材料",
    )
    .await;
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "accept_with_deficiency", "missing": ["从业人员健康证明"]}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["deficiency_owed"], json!(["从业人员健康证明"]));
    assert!(case["deficiency_due"].is_string());
    for a in ["start_review", "decide"] {
        let res = act_api(&app, &reviewer, &no, json!({"action": a, "approve": true})).await;
        assert_eq!(res.status(), StatusCode::OK, "{a}");
    }
    refused_with(
        act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await,
        "容缺材料尚未补齐（从业人员健康证明）",
    )
    .await;
    // Through the API, supplying nothing clears nothing: the case used to conclude after
    // `{"action":"supply_deficiency"}` with no file.
    refused_with(
        act_api(&app, &citizen, &no, json!({"action": "supply_deficiency"})).await,
        "请上传要补交的材料",
    )
    .await;
    refused_with(
        act_api(
            &app,
            &citizen,
            &no,
            json!({"action": "supply_deficiency", "materials": [{"name": "身份证",
                "filename": "id.pdf", "content_base64": b64(b"%PDF-1.7 id")}]}),
        )
        .await,
        "不是本办件待补齐的容缺材料",
    )
    .await;
    refused_with(
        act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await,
        "容缺材料尚未补齐",
    )
    .await;
    // The applicant's tracking page asks for the owed material; supplying it (with the
    // file, in one step) lets the case conclude.
    let web = staff_client(&app, CITIZEN).await;
    let html = web
        .get(&format!("/me/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-test=\"deficiency-owed\""));
    let csrf = extract_csrf(&html);
    let form = reqwest::multipart::Form::new().part(
        "file_0",
        reqwest::multipart::Part::bytes(b"%PDF-1.7 health".to_vec()).file_name("健康证明.pdf"),
    );
    let res = web
        .client
        .post(web.url(&format!(
            "/me/cases/{no}/supply?csrf={}",
            urlencoding(&csrf)
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "concluded");
    assert!(case["deficiency_due"].is_null());
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["filename"] == "健康证明.pdf")
    );
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn two_stage_review_and_immediate_items() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer_rsj").await;
    let item = find_item(&app, "就业困难人员认定").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(
        act_api(&app, &clerk, &no, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        act_api(&app, &reviewer, &no, json!({"action": "start_review"}))
            .await
            .status(),
        StatusCode::OK
    );
    refused_with(
        act_api(
            &app,
            &reviewer,
            &no,
            json!({"action": "decide", "approve": true}),
        )
        .await,
        "尚有 1 级审查未完成",
    )
    .await;
    let res = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "pass_review_stage", "opinion": "初审：材料齐全，情况属实"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let case: Value = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "decide", "approve": true}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(case["status"], "decided");

    // 即办件: the window concludes it on the spot, due the same day.
    let item = find_item(&app, "失业登记").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let case: Value = act_api(&app, &clerk, &no, json!({"action": "conclude_on_the_spot"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "concluded");
    assert_eq!(
        case["promised_due"],
        case["submitted_at"].as_str().unwrap()[..10]
    );
    let other = find_item(&app, "食品小经营店备案发放").await;
    let no = apply(
        &app,
        &citizen,
        other["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办"}),
    )
    .await;
    refused_with(
        act_api(&app, &clerk, &no, json!({"action": "conclude_on_the_spot"})).await,
        "只有即办件",
    )
    .await;
}

#[tokio::test]
async fn a_window_clerk_files_for_a_person_with_proxy_consent_on_record() {
    let app = TestApp::new().await;
    let clerk = staff_client(&app, "clerk").await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap();
    let full: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let situation = full["situations"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let page = clerk.get(&format!("/staff/intake/{code}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = extract_csrf(&page.text().await.unwrap());
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = reqwest::multipart::Form::new().text("situation", situation.clone());
        for (k, v) in fields {
            form = form.text(k, v);
        }
        clerk
            .client
            .post(clerk.url(&format!("/staff/intake/{code}?csrf={}", urlencoding(&csrf))))
            .multipart(form)
            .send()
    };
    // A wrong check digit, no ID check and proxy handling without consent: all listed.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", "640303195803120241".into()),
        ("name", "马桂兰".into()),
        ("mode", "proxy".into()),
        ("agent_name", "马小红".into()),
        ("agent_id", "64030319580312024X".into()),
        ("relationship", "女儿".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("校验位") && html.contains("核验") && html.contains("同意"),
        "{html}"
    );
    // The demo citizen's number with another name is refused.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", CITIZEN.into()),
        ("name", "张三".into()),
        ("id_checked", "yes".into()),
        ("mode", "in_person".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不一致"));
    // A person without an account, represented by her daughter: filed, registered, and
    // the clerk is the first responder.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", "640303194003070024".into()),
        ("name", "马桂兰".into()),
        ("id_checked", "yes".into()),
        ("mode", "proxy".into()),
        ("agent_name", "马小红".into()),
        ("agent_id", CITIZEN.into()),
        ("relationship", "女儿".into()),
        ("consent", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let file = location(&res);
    let html = clerk.get(&file).await.text().await.unwrap();
    assert!(html.contains("窗口受理"));
    assert!(html.contains("data-test=\"first-responder\""));
    assert!(
        html.contains("代办：马**（女儿，身份证 640303********024X）"),
        "{html}"
    );
    assert!(!html.contains(CITIZEN), "the agent's number is masked");
    let person = app
        .store
        .account_by_login("640303194003070024")
        .await
        .unwrap();
    let cases = app.store.cases_of_applicant(&person.id).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].channel, "window");
    assert!(!tongban_domain::password::verify_password(
        "",
        &person.password_hash
    ));
}

/// Applies for `name` as the demo citizen and takes the case through to its conclusion.
async fn concluded_case(app: &TestApp, name: &str, reviewer: &str) -> String {
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token(reviewer).await;
    let item = find_item(app, name).await;
    let no = apply(
        app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    for (token, body) in [
        (&clerk, json!({"action": "accept"})),
        (&reviewer, json!({"action": "start_review"})),
        (&reviewer, json!({"action": "decide", "approve": true})),
        (&reviewer, json!({"action": "conclude"})),
    ] {
        let res = act_api(app, token, &no, body.clone()).await;
        assert_eq!(res.status(), StatusCode::OK, "{body}");
    }
    no
}

fn presentation_payload(html: &str) -> String {
    let start = html.find("/v/").expect("a verification link") + 3;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

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
    tongban_app::licences::create_key(
        &app.store,
        &state.keys,
        "D-RSJ",
        tongban_app::Clock::now(&tongban_app::SystemClock),
        "test",
    )
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
        tongban_app::Clock::now(&tongban_app::SystemClock) - chrono::Duration::minutes(10),
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
    assert!(trail.contains("licence.revoke"), "revocation is audited");
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

#[tokio::test]
async fn window_intake_and_supplying_materials_through_the_api() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk_dahe").await;
    let citizen = app.token(CITIZEN).await;
    let item = find_item(&app, "失业登记").await;
    let code = item["implementation_code"].as_str().unwrap();
    let body = |applicant: Value| {
        json!({"implementation_code": code, "applicant": applicant, "materials": [
            {"name": "申请表", "filename": "a.pdf", "content_base64": b64(b"%PDF-1.7 form")}
        ]})
    };
    let person = json!({"kind": "citizen", "id_number": "640303194003070024", "name": "马桂兰",
                        "id_checked": true, "mode": "assisted", "consent": true});
    // A citizen cannot file for someone else; nothing is registered by trying.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&citizen)
        .json(&body(person.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        app.store
            .account_by_login("640303194003070024")
            .await
            .is_err()
    );
    // Without consent to assisted handling: a field error.
    let mut no_consent = person.clone();
    no_consent["consent"] = json!(false);
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&clerk)
        .json(&body(no_consent))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "consent");
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&clerk)
        .json(&body(person))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let no = res.json::<Value>().await.unwrap()["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let case: Value = app
        .get_as(&clerk, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["channel"], "window");

    // The demo citizen's own case: a notice, then the material supplied through the API
    // with the step, and a bad file refused with its field.
    let own = apply(&app, &citizen, code, json!({})).await;
    let res = act_api(
        &app,
        &clerk,
        &own,
        json!({"action": "issue_notice", "items": ["户口簿首页"]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = act_api(
        &app,
        &citizen,
        &own,
        json!({"action": "supply", "materials": [
            {"name": "户口簿首页", "filename": "x.exe", "content_base64": b64(b"MZ\x90")}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem(res).await["errors"][0]["field"],
        "materials[0].content_base64"
    );
    let res = act_api(
        &app,
        &citizen,
        &own,
        json!({"action": "supply", "materials": [
            {"name": "户口簿首页", "filename": "hk.pdf", "content_base64": b64(b"%PDF-1.7 hk")}]}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "submitted");
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["filename"] == "hk.pdf")
    );
}

#[tokio::test]
async fn the_bureau_sees_overdue_cases_per_department_and_a_department_only_its_own() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办"}),
    )
    .await;
    assert_eq!(
        act_api(&app, &clerk, &no, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );
    // Its promised date passed (as if accepted weeks ago).
    let case = app.store.case_by_no(&no).await.unwrap();
    let past = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    app.store.set_case_dues(&case.id, past, past).await.unwrap();
    let supervisor = app.token("supervisor").await;
    let html = app
        .get_as(&supervisor, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    let overdue = &html[html
        .find("data-test=\"overdue-list\"")
        .expect("an overdue list")..];
    assert!(overdue.contains(&no), "the case is listed as overdue");
    assert!(html.contains("吴忠市市场监督管理局红寺堡区分局"));
    // Another department's reviewer sees their own scope only.
    let rsj = app.token("reviewer_rsj").await;
    let html = app
        .get_as(&rsj, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&no));
}

#[tokio::test]
async fn a_second_notice_beyond_what_was_supplied_is_recorded_and_counted() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办"}),
    )
    .await;
    let notice = |items: Value| {
        act_api(
            &app,
            &clerk,
            &no,
            json!({"action": "issue_notice", "items": items}),
        )
    };
    assert_eq!(
        notice(json!(["经营场所平面图"])).await.status(),
        StatusCode::OK
    );
    let res = act_api(
        &app,
        &citizen,
        &no,
        json!({"action": "supply", "materials": [
            {"name": "经营场所平面图", "filename": "plan.pdf", "content_base64": b64(b"%PDF-1.7 plan")}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Asking again about the plan just supplied is within the rule; asking for a health
    // certificate the first notice never mentioned is a breach, recorded beside the notice.
    let case: Value = notice(json!(["经营场所平面图", "从业人员健康证明"]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "awaiting_supplement");
    let breaches: Vec<&Value> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "notice_breach")
        .collect();
    assert_eq!(breaches.len(), 1);
    let detail = breaches[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("从业人员健康证明") && !detail.contains("平面图"),
        "{detail}"
    );
    let supervisor = app.token("supervisor").await;
    let html = app
        .get_as(&supervisor, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    let counted = &html[html.find("data-test=\"notice-breaches\"").unwrap()..];
    assert!(counted.contains("吴忠市市场监督管理局红寺堡区分局：<strong>1</strong>"));
    // The notices, printable for the applicant; nobody else's to read.
    let printed = app
        .get_as(&citizen, &format!("/cases/{no}/notice"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(printed.matches("data-test=\"printed-notice\"").count(), 2);
    assert!(printed.contains("从业人员健康证明"));
    let enterprise = app.token(ENTERPRISE).await;
    assert_eq!(
        app.get_as(&enterprise, &format!("/cases/{no}/notice"))
            .await
            .status(),
        StatusCode::NOT_FOUND
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
