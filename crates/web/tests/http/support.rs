//! What every HTTP test shares: the server on a random port over its own copy of a SQLite
//! database loaded once per test binary with the demonstration data (the template), a fixed
//! clock, clients, and helpers that drive the API and the pages as people do.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use reqwest::StatusCode;
use reqwest::redirect::Policy;
pub use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tongban_store::{Store, demo};
use tongban_web::AppState;
pub use tongban_web::WebConfig;

pub const PASSWORD: &str = demo::DEMO_PASSWORD;
pub const CITIZEN: &str = "64030319580312024X";
pub const ENTERPRISE: &str = "91640303MA76F0LX2Y";

/// The instant every test server starts at: Friday 27 November 2026, 09:00 in the district
/// (its clock runs on from there). A test's answer must not change with the day it runs.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-27T01:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();

/// The demo data loaded once per test binary: a database file and its seal keys, copied for
/// each test instead of loaded again.
async fn template() -> &'static Path {
    TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().unwrap().keep();
            let (store, app) = open_app(&dir).await;
            tongban_app::demo::load(&app, &|p| {
                tongban_domain::password::hash_password(p, &[9u8; 16])
            })
            .await
            .unwrap();
            // Closing checkpoints the write-ahead log into the file.
            store.close().await;
            dir
        })
        .await
}

/// The store and the application over the database and keys in `dir`, on the test clock.
async fn open_app(dir: &Path) -> (Store, tongban_app::App) {
    open_app_with(dir, tongban_app::Settings::default()).await
}

async fn open_app_with(dir: &Path, settings: tongban_app::Settings) -> (Store, tongban_app::App) {
    let store = Store::open(&tongban_store::sqlite_url_in(dir))
        .await
        .unwrap();
    let keys = tongban_store::KeyStore::open(&dir.join("keys")).unwrap();
    let app = tongban_app::App::new(
        store.clone(),
        settings,
        keys,
        std::sync::Arc::new(tongban_app::StartedClock::at(now())),
    )
    .await
    .unwrap();
    (store, app)
}

fn copy_template(from: &Path, to: &Path) {
    for name in ["tongban.db", "tongban.db-wal"] {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name)).unwrap();
        }
    }
    std::fs::create_dir_all(to.join("keys")).unwrap();
    for key in std::fs::read_dir(from.join("keys")).unwrap() {
        let key = key.unwrap();
        std::fs::copy(key.path(), to.join("keys").join(key.file_name())).unwrap();
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub state: Option<AppState>,
    pub _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn new() -> TestApp {
        Self::with_config(WebConfig {
            public_origin: "https://zwfw.hongsibu.example".into(),
            ..WebConfig::default()
        })
        .await
    }

    /// A server with the given web settings (e.g. secure cookies behind HTTPS).
    pub async fn with_config(config: WebConfig) -> TestApp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::start(listener, config, tongban_app::Settings::default()).await
    }

    /// A server on `listener` whose public origin is itself under the host name `host`
    /// (`127.0.0.1` or `localhost`: two instances under two names keep their cookies apart),
    /// as single sign-on needs: its issuer must be where it is reached.
    pub async fn at_own_origin(
        listener: tokio::net::TcpListener,
        host: &str,
        settings: tongban_app::Settings,
    ) -> TestApp {
        let port = listener.local_addr().unwrap().port();
        let config = WebConfig {
            public_origin: format!("http://{host}:{port}"),
            ..WebConfig::default()
        };
        let mut app = Self::start(listener, config, settings).await;
        app.base = format!("http://{host}:{port}");
        app
    }

    async fn start(
        listener: tokio::net::TcpListener,
        config: WebConfig,
        settings: tongban_app::Settings,
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        copy_template(template().await, dir.path());
        let (store, app) = open_app_with(dir.path(), settings).await;
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = AppState::new(app, config);
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

    /// The application over this server's database and keys on a clock `offset` from the
    /// server's start: a job or a step as it runs on another day or hour.
    pub async fn app_at(&self, offset: chrono::Duration) -> tongban_app::App {
        tongban_app::App::new(
            self.store.clone(),
            tongban_app::Settings::default(),
            tongban_store::KeyStore::open(&self._dir.path().join("keys")).unwrap(),
            std::sync::Arc::new(tongban_app::StartedClock::at(now() + offset)),
        )
        .await
        .unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// A GET with a bearer token.
    pub async fn get_as(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    /// Logs in through the API and returns the bearer token.
    pub async fn token(&self, login: &str) -> String {
        self.token_with(login, PASSWORD).await
    }

    /// Logs in with `password` through the API and returns the bearer token.
    pub async fn token_with(&self, login: &str, password: &str) -> String {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/sessions"))
            .json(&json!({"login": login, "password": password}))
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
    pub async fn csrf(&self) -> String {
        let html = self.get("/login").await.text().await.unwrap();
        extract_csrf(&html)
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
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

pub fn browser_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

pub fn extract_csrf(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker).expect("page has a CSRF field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}

pub async fn problem(res: reqwest::Response) -> Value {
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    res.json().await.unwrap()
}

/// Finds a published item by searching the API, as an integrating system would.
pub async fn find_item(app: &TestApp, q: &str) -> Value {
    let res: Value = app
        .get(&format!("/api/v1/items?q={q}"))
        .await
        .json()
        .await
        .unwrap();
    res["items"][0].clone()
}

/// A logged-in browser session for `login`.
pub async fn staff_client(app: &TestApp, login: &str) -> TestApp {
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

pub fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_owned()
}

/// Applies through the API as `token` and returns the case number.
pub async fn apply(app: &TestApp, token: &str, code: &str, mut body: Value) -> String {
    body["implementation_code"] = json!(code);
    if body.get("materials").is_none() {
        body["materials"] = required_materials(app, code, body["situation"].as_str()).await;
    }
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

/// A small PDF for every material the item (in `situation`) cannot do without, so that a
/// case applied for with them can be accepted; a test about a missing material lists its own.
pub async fn required_materials(app: &TestApp, code: &str, situation: Option<&str>) -> Value {
    let item: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let materials: Vec<Value> = item["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["necessity"] != "Optional")
        .filter(|m| {
            let only = m["situations"].as_array().map(Vec::as_slice).unwrap_or(&[]);
            only.is_empty() || situation.is_none_or(|s| only.iter().any(|x| x == s))
        })
        .map(|m| {
            let name = m["name"].as_str().unwrap();
            json!({
                "name": name,
                "filename": format!("{name}.pdf"),
                "content_base64": b64(format!("%PDF-1.4 {name}").as_bytes()),
            })
        })
        .collect();
    json!(materials)
}

/// Applies with every required paper of `situation` but `without`, which a notice will ask for.
pub async fn apply_without(
    app: &TestApp,
    token: &str,
    code: &str,
    situation: &str,
    without: &[&str],
) -> String {
    let mut materials = required_materials(app, code, Some(situation)).await;
    materials
        .as_array_mut()
        .unwrap()
        .retain(|m| !without.iter().any(|w| m["name"] == *w));
    apply(
        app,
        token,
        code,
        json!({"situation": situation, "materials": materials}),
    )
    .await
}

pub fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Posts an action through the API and returns the response.
pub async fn act_api(app: &TestApp, token: &str, no: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A case step refused, saying why: 409 when the case's state or progress forbids it, 422
/// naming the field when the request lacks what the rule needs (a reason, the materials).
pub async fn refused_with(res: reqwest::Response, words: &str) {
    let status = res.status();
    let p = problem(res).await;
    let message = match status {
        StatusCode::CONFLICT => p["detail"].as_str().unwrap().to_owned(),
        StatusCode::UNPROCESSABLE_ENTITY => {
            assert!(
                p["errors"][0]["field"]
                    .as_str()
                    .is_some_and(|f| !f.is_empty()),
                "{p}"
            );
            p["errors"][0]["message"].as_str().unwrap().to_owned()
        }
        other => panic!("expected 409 or 422, got {other}: {p}"),
    };
    assert!(message.contains(words), "{message}");
}

pub fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Applies for `name` as the demo citizen and takes the case through to its conclusion.
pub async fn concluded_case(app: &TestApp, name: &str, reviewer: &str) -> String {
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
        (
            &reviewer,
            json!({"action": "decide", "approve": true, "opinion": "同意"}),
        ),
        (&reviewer, json!({"action": "conclude"})),
    ] {
        let res = act_api(app, token, &no, body.clone()).await;
        assert_eq!(res.status(), StatusCode::OK, "{body}");
    }
    no
}

pub fn presentation_payload(html: &str) -> String {
    let start = html.find("/v/").expect("a verification link") + 3;
    html[start..start + html[start..].find('"').unwrap()].to_owned()
}
