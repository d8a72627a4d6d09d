//! Tongban's HTTP edge: HTML pages in Chinese, the JSON API under `/api/v1`, sessions, CSRF
//! and authorization.
//!
//! Only this crate knows HTTP, JSON and HTML. A request flows one way: the session layer
//! resolves who is asking, the route's guard checks the one permission table in
//! `tongban_domain::authz`, the handler loads through `tongban_store`, asks the domain to
//! decide, and renders. Handlers never decide a rule and never write SQL.

mod api;
mod assets;
mod auth;
mod calendar_handle;
mod cases;
mod catalog_index;
mod clock;
mod csrf;
mod error;
mod licence_pdf;
pub mod licences;
pub mod notify;
mod page;
mod pages;
mod routes;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tongban_domain::throttle::ThrottlePolicy;
use tongban_store::Store;

pub use api::openapi_json;
pub use auth::{new_token, token_hash};
pub use calendar_handle::CalendarHandle;
pub use catalog_index::CatalogHandle;
pub use clock::{Clock, SystemClock};
pub use error::WebError;
pub use routes::{Access, RouteSpec, route_specs};

/// Settings the web layer needs from the binary's configuration.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    pub throttle: ThrottlePolicy,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub config: Arc<WebConfig>,
    pub catalog: CatalogHandle,
    /// Working days and holidays, for every time limit.
    pub calendar: CalendarHandle,
    /// The secret halves of the seal keys this instance holds (data directory).
    pub keys: tongban_store::KeyStore,
    /// Published public keys, cached for verification.
    pub seal_keys: licences::PublicKeys,
}

impl AppState {
    /// State over `store`, with the published catalog indexed.
    pub async fn new(
        store: Store,
        config: WebConfig,
        keys: tongban_store::KeyStore,
    ) -> Result<Self, WebError> {
        let catalog = CatalogHandle::empty();
        catalog.refresh(&store).await?;
        Ok(Self {
            calendar: CalendarHandle::load(&store).await?,
            store,
            clock: Arc::new(SystemClock),
            config: Arc::new(config),
            catalog,
            keys,
            seal_keys: licences::PublicKeys::default(),
        })
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
