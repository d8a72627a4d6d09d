//! Tongban's HTTP edge: HTML pages in Chinese, the JSON API under `/api/v1`, sessions, CSRF
//! and authorization.
//!
//! Only this crate knows HTTP, JSON and HTML. A request flows one way: the session layer
//! resolves who is asking, the route's guard checks the one permission table in
//! `tongban_domain::authz`, the handler parses the request, calls a use case of
//! `tongban_app`, and renders what it returns. Handlers never decide a rule and never write
//! SQL.

mod api;
mod assets;
mod auth;
mod csrf;
mod error;
mod hardening;
mod licence_pdf;
mod oidc;
mod page;
mod pages;
mod routes;
mod window_fields;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tongban_app::App;

pub use api::openapi_json;
pub use error::WebError;
pub use routes::{Access, RouteSpec, route_specs};

/// Settings the web layer needs from the binary's configuration.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// The address people reach the platform at, e.g. `https://zwfw.hongsibu.gov.cn`, without
    /// a trailing slash. Every absolute link and QR code is built from it, never from the
    /// request's `Host` header, which the client chooses.
    pub public_origin: String,
    /// Proxies (load balancers) whose `X-Forwarded-For` is believed, as (network, prefix
    /// length) pairs.
    pub trusted_proxies: Vec<(IpAddr, u8)>,
    /// A request that takes longer is answered 408 and dropped.
    pub request_timeout: std::time::Duration,
    /// The largest upload request (an application with its materials).
    pub upload_limit_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            public_origin: "http://127.0.0.1:8080".into(),
            trusted_proxies: Vec::new(),
            request_timeout: std::time::Duration::from_secs(30),
            upload_limit_bytes: 48 * 1024 * 1024,
        }
    }
}

impl WebConfig {
    /// Whether `addr` is one of the trusted proxies.
    pub fn is_trusted_proxy(&self, addr: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|(net, len)| in_network(addr, *net, *len))
    }
}

/// Whether `addr` lies in `net/len` (both of one family).
pub fn in_network(addr: IpAddr, net: IpAddr, len: u8) -> bool {
    match (addr, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = u32::MAX
                .checked_shl(32 - u32::from(len.min(32)))
                .unwrap_or(0);
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = u128::MAX
                .checked_shl(128 - u32::from(len.min(128)))
                .unwrap_or(0);
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// What every handler can reach: the application (use cases, caches, clock) and the web
/// layer's own settings.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
}

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl AppState {
    pub fn new(app: App, config: WebConfig) -> Self {
        Self {
            app,
            config: Arc::new(config),
        }
    }
}

/// The whole application: pages, API, assets and probes.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// Serves `app(state)` on `listener` until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod layer_rules {
    //! The layer rules, checked on the source: the web layer reaches the database only through
    //! the application layer, and the binary uses the web layer only to serve.

    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }

    #[test]
    fn web_calls_no_store_and_the_binary_only_serves_web() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut web = Vec::new();
        sources(&root.join("src"), &mut web);
        // Spelt in pieces so that this test's own source does not match.
        let field = [".", "store"].concat();
        let handle = ["tongban_store::", "Store"].concat();
        for (path, text) in &web {
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or_default();
                let names_store = code.match_indices(&handle).any(|(i, _)| {
                    !code[i + handle.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '_')
                });
                assert!(
                    !code.contains(&field) && !names_store,
                    "{path}:{}: the web layer reaches the database only through tongban_app",
                    n + 1
                );
            }
        }
        let mut bin = Vec::new();
        sources(&root.join("../tongban/src"), &mut bin);
        for (path, text) in &bin {
            for (n, line) in text.lines().enumerate() {
                if let Some(i) = line.find("tongban_web::") {
                    let used = &line[i + "tongban_web::".len()..];
                    assert!(
                        ["AppState", "WebConfig", "serve", "in_network"]
                            .iter()
                            .any(|ok| used.starts_with(ok)),
                        "{path}:{}: the binary uses the web layer only to serve",
                        n + 1
                    );
                }
            }
        }
    }
}
