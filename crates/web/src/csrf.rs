//! CSRF protection for every state-changing form, by the double-submit pattern: a random
//! token in a SameSite=Strict HttpOnly cookie must come back in the form's `csrf` field.
//!
//! It is a middleware rather than an extractor so that no form handler can forget it. The
//! JSON API is exempt: it authenticates by bearer token only, which a foreign page cannot
//! make a browser send.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};

use crate::WebError;
use tongban_app::accounts::new_token;

pub const CSRF_COOKIE: &str = "tb_csrf";
pub const CSRF_FIELD: &str = "csrf";
/// Forms are small; uploads will get their own route with their own limit.
const FORM_LIMIT: usize = 256 * 1024;

/// The token to put into forms on this request's page.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

pub async fn protect(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    jar: CookieJar,
    req: Request,
    next: Next,
) -> Response {
    let existing = jar.get(CSRF_COOKIE).map(|c| c.value().to_owned());
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // The API and the OIDC token endpoint authenticate by token or client secret, never by a
    // cookie a foreign page could ride.
    let is_api = req.uri().path().starts_with("/api/") || req.uri().path() == "/oidc/token";
    let multipart = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut req = req;
    if unsafe_method && !is_api && multipart {
        // Uploads are not buffered here: their form puts the token in its action's query.
        let submitted = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v)
        });
        let ok = matches!((&existing, &submitted), (Some(a), Some(b)) if constant_time_eq(a.as_bytes(), b.as_bytes()));
        if !ok {
            tracing::warn!(path = %req.uri().path(), "upload rejected: CSRF token missing or wrong");
            return WebError::CsrfFailed.into_response();
        }
    } else if unsafe_method && !is_api {
        let (parts, body) = req.into_parts();
        let bytes = match to_bytes(body, FORM_LIMIT).await {
            Ok(b) => b,
            Err(_) => return WebError::BadRequest("提交的内容过大".into()).into_response(),
        };
        let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|fields| {
                fields
                    .into_iter()
                    .find(|(k, _)| k == CSRF_FIELD)
                    .map(|(_, v)| v)
            });
        let ok = matches!((&existing, &submitted), (Some(a), Some(b)) if constant_time_eq(a.as_bytes(), b.as_bytes()));
        if !ok {
            tracing::warn!(path = %parts.uri.path(), "form rejected: CSRF token missing or wrong");
            return WebError::CsrfFailed.into_response();
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    let token = existing.clone().unwrap_or_else(new_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let res = next.run(req).await;
    if existing.is_none() {
        let mut c = Cookie::new(CSRF_COOKIE, token);
        c.set_http_only(true);
        c.set_same_site(SameSite::Strict);
        c.set_path("/");
        // Behind HTTPS the token travels only over HTTPS, like the session.
        c.set_secure(state.config.secure_cookies);
        (jar.add(c), res).into_response()
    } else {
        res
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
