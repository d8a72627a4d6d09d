//! Single sign-on at the edge (issue 11): the OpenID Connect provider's endpoints (discovery,
//! JWKS, authorize with the consent page, token, userinfo, logout) and the provincial
//! login's start and callback. The rules and the signing are `tongban_app::identity`; the
//! answers' shapes are the standards' (OpenID Connect Discovery 1.0, RFC 6749, RFC 7517).

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use base64::Engine;
use serde::Deserialize;
use tongban_app::identity::{provider, provincial};
use tongban_domain::identity::oidc::{AuthorizeError, AuthorizeParams, Scope};
use tongban_store::SessionKind;

use crate::auth::{Current, client_address, session_cookie};
use crate::page::{Ctx, absolute_url, redirect, render};
use crate::{AppState, WebError};

/// The issuer: the configured public origin, without a trailing slash.
fn issuer(state: &AppState) -> String {
    state.config.public_origin.trim_end_matches('/').to_owned()
}

pub async fn discovery(State(state): State<AppState>) -> Response {
    let iss = issuer(&state);
    Json(serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oidc/authorize"),
        "token_endpoint": format!("{iss}/oidc/token"),
        "userinfo_endpoint": format!("{iss}/oidc/userinfo"),
        "jwks_uri": format!("{iss}/oidc/jwks"),
        "end_session_endpoint": format!("{iss}/oidc/logout"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": Scope::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr",
            "assurance", "name", "phone_number", "id_number", "kind"],
        "ui_locales_supported": ["zh-CN"],
    }))
    .into_response()
}

pub async fn jwks(State(state): State<AppState>) -> Result<Response, WebError> {
    let s = provider::signer(&state)?;
    Ok(Json(serde_json::json!({
        "keys": [{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256",
                  "kid": s.kid, "x": s.x, "y": s.y}]
    }))
    .into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct AuthorizeQuery {
    #[serde(default)]
    response_type: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    nonce: String,
    #[serde(default)]
    code_challenge: String,
    #[serde(default)]
    code_challenge_method: String,
    /// The consent form's answer: `allow` or anything else.
    #[serde(default)]
    decision: String,
    /// `none`: answer without showing anything (an error, since consent is always asked).
    #[serde(default)]
    prompt: String,
}

impl AuthorizeQuery {
    fn params(&self) -> AuthorizeParams {
        AuthorizeParams {
            response_type: self.response_type.clone(),
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scope: self.scope.clone(),
            state: self.state.clone(),
            nonce: self.nonce.clone(),
            code_challenge: self.code_challenge.clone(),
            code_challenge_method: self.code_challenge_method.clone(),
        }
    }
}

/// `redirect_uri` with the answer's parameters added.
fn back_to(redirect_uri: &str, pairs: &[(&str, &str)]) -> Response {
    let query = serde_urlencoded::to_string(
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    if query.is_empty() {
        return redirect(redirect_uri).into_response();
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    redirect(&format!("{redirect_uri}{sep}{query}")).into_response()
}

/// An authorization error: shown when the client or its redirect URI is not trusted, else
/// sent back to the client.
fn refuse(q: &AuthorizeQuery, e: AuthorizeError) -> Response {
    if e.redirectable() {
        back_to(
            &q.redirect_uri,
            &[
                ("error", e.code()),
                ("error_description", &e.to_string()),
                ("state", &q.state),
            ],
        )
    } else {
        WebError::BadRequest(e.to_string()).into_response()
    }
}

#[derive(Template)]
#[template(path = "oidc/consent.html")]
struct ConsentPage {
    ctx: Ctx,
    client_name: String,
    scopes: Vec<&'static str>,
    q: AuthorizeQuery,
    assurance: &'static str,
    verified: bool,
    /// Where the person is sent after answering.
    target: String,
}

/// The consent page: which system asks, and what it will learn. The request is checked
/// before anything else, so a bad client or redirect URI is shown at once, logged in or not;
/// someone not logged in logs in and comes back; `prompt=none` is answered with an error
/// (`login_required`, or `consent_required`: consent is asked every time).
pub async fn authorize(
    State(state): State<AppState>,
    ctx: Ctx,
    current: Current,
    parts: Parts,
    Query(q): Query<AuthorizeQuery>,
) -> Result<Response, WebError> {
    let (client, auth) = match provider::check_request(&state, &q.params()).await {
        Ok(ok) => ok,
        Err(e) => return Ok(refuse(&q, e)),
    };
    if q.prompt.split_ascii_whitespace().any(|p| p == "none") {
        let error = if current.account.is_some() {
            "consent_required"
        } else {
            "login_required"
        };
        return Ok(back_to(
            &auth.redirect_uri,
            &[("error", error), ("state", &auth.state)],
        ));
    }
    let Some(account) = current.account.as_ref() else {
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("/oidc/authorize");
        return Ok(redirect(&format!(
            "/login?next={}",
            percent_encoding::utf8_percent_encode(here, percent_encoding::NON_ALPHANUMERIC)
        ))
        .into_response());
    };
    let target = origin_of(&auth.redirect_uri);
    let mut res = render(&ConsentPage {
        client_name: client.name,
        scopes: auth.scopes.iter().map(|s| s.label()).collect(),
        assurance: account.assurance.label(),
        verified: account.assurance.reaches_licences(),
        target: target.clone().unwrap_or_default(),
        q,
        ctx,
    })?;
    // The consent form's answer redirects to the client: browsers hold a form's redirect to
    // `form-action` too, so this page allows the registered redirect URI's origin as well.
    if let Some(origin) = target
        && let Ok(csp) = axum::http::HeaderValue::from_str(&format!(
            "default-src 'self'; img-src 'self' data:; form-action 'self' {origin}; \
             frame-ancestors 'none'"
        ))
    {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    Ok(res)
}

/// `scheme://host[:port]` of an absolute URI, for a CSP source.
fn origin_of(uri: &str) -> Option<String> {
    let u: axum::http::Uri = uri.parse().ok()?;
    let scheme = u.scheme_str()?;
    let authority = u.authority()?.as_str();
    // A source expression may not carry credentials or odd characters.
    let clean = authority
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b));
    (matches!(scheme, "http" | "https") && clean).then(|| format!("{scheme}://{authority}"))
}

/// The consent form's answer: a code back to the client, or `access_denied`.
pub async fn decide(
    State(state): State<AppState>,
    current: Current,
    Form(q): Form<AuthorizeQuery>,
) -> Result<Response, WebError> {
    let (_, auth) = match provider::check_request(&state, &q.params()).await {
        Ok(ok) => ok,
        Err(e) => return Ok(refuse(&q, e)),
    };
    if q.decision != "allow" {
        return Ok(back_to(
            &auth.redirect_uri,
            &[
                ("error", "access_denied"),
                ("error_description", "用户拒绝授权"),
                ("state", &auth.state),
            ],
        ));
    }
    let code = provider::grant(&state, &current, &auth).await?;
    Ok(back_to(
        &auth.redirect_uri,
        &[("code", &code), ("state", &auth.state)],
    ))
}

#[derive(Debug, Deserialize, Default)]
pub struct TokenForm {
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    redirect_uri: String,
    #[serde(default)]
    code_verifier: String,
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    client_secret: String,
}

/// `client_secret_basic`: `Authorization: Basic base64(id:secret)`, each form-urlencoded.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(v.strip_prefix("Basic ")?.trim())
        .ok()?;
    let (id, secret) = std::str::from_utf8(&raw).ok()?.split_once(':')?;
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|c| c.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    (
        status,
        Json(serde_json::json!({"error": code, "error_description": description})),
    )
        .into_response()
}

pub async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<TokenForm>,
) -> Response {
    let (client_id, client_secret) =
        basic_credentials(&headers).unwrap_or((form.client_id.clone(), form.client_secret.clone()));
    let req = provider::TokenRequest {
        grant_type: form.grant_type,
        code: form.code,
        redirect_uri: form.redirect_uri,
        code_verifier: form.code_verifier,
        client_id,
        client_secret,
    };
    match provider::exchange(&state, &issuer(&state), &req).await {
        Ok(t) => Json(serde_json::json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "expires_in": t.expires_in,
            "id_token": t.id_token,
            "scope": t.scope,
        }))
        .into_response(),
        Err(e) => {
            let status = if e == provider::TokenError::InvalidClient {
                StatusCode::UNAUTHORIZED
            } else {
                StatusCode::BAD_REQUEST
            };
            oauth_error(status, e.code(), e.description())
        }
    }
}

pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or_default();
    match provider::userinfo(&state, &issuer(&state), token).await {
        Ok(u) => {
            let mut claims = serde_json::json!({
                "sub": u.sub,
                "kind": u.kind,
                "assurance": u.assurance,
                "acr": u.acr,
                "id_number": u.id_number,
            });
            if let Some(name) = u.name {
                claims["name"] = name.into();
            }
            if let Some(phone) = u.phone {
                claims["phone_number"] = phone.into();
            }
            Json(claims).into_response()
        }
        Err(_) => {
            let mut res = oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "访问令牌无效或已过期",
            );
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
            res
        }
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct LogoutQuery {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    post_logout_redirect_uri: String,
    #[serde(default)]
    state: String,
}

/// RP-initiated logout: the platform's session ends; the person goes back to the client
/// only to one of its registered addresses.
pub async fn logout(
    State(state): State<AppState>,
    current: Current,
    jar: CookieJar,
    Query(q): Query<LogoutQuery>,
) -> Result<Response, WebError> {
    if let Some(s) = &current.session {
        tongban_app::accounts::revoke_session(&state, &current, &s.id).await?;
    }
    let jar = jar.add(crate::auth::clear_session_cookie());
    let registered =
        provider::may_return_to(&state, &q.client_id, &q.post_logout_redirect_uri).await;
    if registered {
        return Ok((
            jar,
            back_to(&q.post_logout_redirect_uri, &[("state", &q.state)]),
        )
            .into_response());
    }
    Ok((jar, redirect("/login?logged_out=1")).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct ProvincialQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

fn callback_url(state: &AppState) -> String {
    absolute_url(state, "/login/provincial/callback")
}

pub async fn provincial_start(
    State(state): State<AppState>,
    Query(q): Query<ProvincialQuery>,
) -> Result<Response, WebError> {
    let next = crate::pages::account::safe_next(Some(&q.next));
    let url = provincial::begin(&state, &callback_url(&state), &next).await?;
    Ok(redirect(&url).into_response())
}

pub async fn provincial_callback(
    State(state): State<AppState>,
    jar: CookieJar,
    parts: Parts,
    Query(q): Query<ProvincialQuery>,
) -> Result<Response, WebError> {
    if !q.error.is_empty() || q.code.is_empty() {
        return Err(WebError::Refused {
            code: "provider_denied",
            detail: "统一身份认证未完成（已取消或未授权），请重新登录".into(),
        });
    }
    let (account, next) =
        provincial::finish(&state, &callback_url(&state), &q.code, &q.state).await?;
    let (token, _) = tongban_app::accounts::open_session(
        &state,
        &account,
        SessionKind::Web,
        "统一身份认证",
        &client_address(&state, &parts),
    )
    .await?;
    let target = if next.is_empty() {
        "/me".to_owned()
    } else {
        next
    };
    Ok((
        jar.add(session_cookie(token, state.config.secure_cookies)),
        redirect(&target),
    )
        .into_response())
}
