//! Who is asking, at the HTTP edge: sessions from the HttpOnly cookie or a bearer token,
//! resolved once per request into a [`Current`] that handlers and guards read. The use cases
//! (logging in, registering, tokens) are `tongban_app::accounts`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use tongban_app::Actor;
use tongban_app::accounts::{session_lifetime, session_of_token};
use tongban_store::{Session, SessionKind};

use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "tb_session";

/// The resolved identity of the request: the acting account and the session it came by.
#[derive(Debug, Clone)]
pub struct Current {
    pub actor: Actor,
    pub session: Option<Session>,
}

impl Current {
    pub fn anonymous() -> Self {
        Current {
            actor: Actor::anonymous(),
            session: None,
        }
    }
}

impl std::ops::Deref for Current {
    type Target = Actor;
    fn deref(&self) -> &Actor {
        &self.actor
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Current {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Current>()
            .cloned()
            .unwrap_or_else(Current::anonymous))
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Middleware: resolves the session (bearer header first, then cookie) into `Current`.
pub async fn resolve_session(
    State(state): State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Result<Response, WebError> {
    // The API authenticates by bearer token only, so a foreign page cannot ride a cookie.
    let is_api = req.uri().path().starts_with("/api/");
    let token = bearer(req.headers()).map(str::to_owned).or_else(|| {
        (!is_api)
            .then(|| jar.get(SESSION_COOKIE).map(|c| c.value().to_owned()))
            .flatten()
    });
    let mut current = Current::anonymous();
    if let Some(token) = token
        && let Some((session, account)) = session_of_token(&state, &token).await?
    {
        current = Current {
            actor: Actor::of(account),
            session: Some(session),
        };
    }
    req.extensions_mut().insert(current);
    Ok(next.run(req).await)
}

/// The client's address, for throttling and the session record. Behind a trusted proxy
/// (configured ranges) the proxy's `X-Forwarded-For` names the client: the right-most
/// address that is not itself a trusted proxy. From anyone else the header is ignored, so a
/// client cannot choose its own address to dodge throttling.
pub fn client_address(state: &AppState, parts: &Parts) -> String {
    let Some(peer) = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
    else {
        return "unknown".into();
    };
    if !state.config.is_trusted_proxy(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|a| !state.config.is_trusted_proxy(**a))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}

/// The session cookie: HttpOnly, SameSite=Lax, path `/`, living as long as a web session.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    let mut c = Cookie::new(SESSION_COOKIE, token);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(secure);
    c.set_max_age(cookie::time::Duration::seconds(
        session_lifetime(SessionKind::Web).num_seconds(),
    ));
    c
}

/// Removes the session cookie.
pub fn clear_session_cookie() -> Cookie<'static> {
    let mut c = Cookie::new(SESSION_COOKIE, "");
    c.set_path("/");
    c.make_removal();
    c
}
