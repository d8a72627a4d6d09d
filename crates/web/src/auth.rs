//! Who is asking: sessions from the HttpOnly cookie or a bearer token, resolved once per
//! request into a [`Current`] that handlers and guards read.
//!
//! Tokens are 32 random bytes; only their SM3 digest is stored. Login attempts are throttled
//! per account and per address through counts in the database, so every instance agrees.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use base64::Engine;
use chrono::Duration;
use rand::RngCore;
use sm3::{Digest, Sm3};
use tongban_domain::account::AccountKind;
use tongban_domain::audit::AuditEvent;
use tongban_domain::authz::Principal;
use tongban_domain::mask::mask_id_number;
use tongban_domain::password::{decoy_hash, verify_password};
use tongban_domain::throttle::Decision;
use tongban_store::{Account, NewSession, Session, SessionKind, StoreError};

use crate::{AppState, WebError};

pub const SESSION_COOKIE: &str = "tb_session";

/// The resolved identity of the request.
#[derive(Debug, Clone)]
pub struct Current {
    pub principal: Principal,
    pub account: Option<Account>,
    pub session: Option<Session>,
}

impl Current {
    pub fn anonymous() -> Self {
        Current {
            principal: Principal::Anonymous,
            account: None,
            session: None,
        }
    }

    /// The account, or `Unauthorized`.
    pub fn account(&self) -> Result<&Account, WebError> {
        self.account.as_ref().ok_or(WebError::Unauthorized)
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

/// The digest under which a token is stored.
pub fn token_hash(token: &str) -> String {
    Sm3::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new unguessable token.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// A random 16-byte salt for password hashing.
pub fn new_salt() -> [u8; 16] {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    salt
}

pub fn principal_of(account: &Account) -> Principal {
    match (account.kind, account.role) {
        (AccountKind::Citizen, _) => Principal::Citizen {
            account_id: account.id.clone(),
        },
        (AccountKind::Enterprise, _) => Principal::Enterprise {
            account_id: account.id.clone(),
        },
        (AccountKind::Staff, Some(role)) => Principal::Staff {
            account_id: account.id.clone(),
            role,
            org_path: account.org_path.clone().unwrap_or_default(),
        },
        // A staff account without a role holds no rights at all.
        (AccountKind::Staff, None) => Principal::Anonymous,
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
    if let Some(token) = token {
        match state
            .store
            .live_session(state.clock.now(), &token_hash(&token))
            .await
        {
            Ok((session, account)) => {
                current = Current {
                    principal: principal_of(&account),
                    account: Some(account),
                    session: Some(session),
                };
            }
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    req.extensions_mut().insert(current);
    Ok(next.run(req).await)
}

/// The client's address, for throttling and the session record.
pub fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// Checks credentials with throttling; on success opens a session of `kind` and returns its
/// token. Failures are counted per login and per address; a correct password while locked
/// is still refused.
pub async fn log_in(
    state: &AppState,
    login: &str,
    password: &str,
    address: &str,
    kind: SessionKind,
    label: &str,
) -> Result<(String, Session, Account), WebError> {
    let now = state.clock.now();
    let policy = state.config.throttle;
    let login = login.trim().to_ascii_uppercase();
    let account_key = format!("login:{login}");
    let address_key = format!("addr:{address}");
    for (key, limit) in [
        (&account_key, policy.per_account),
        (&address_key, policy.per_address),
    ] {
        let failures = state.store.login_failures(key).await?;
        if let Decision::Locked { retry_after } = policy.decide(failures, limit, now) {
            return Err(WebError::TooManyAttempts {
                minutes: retry_after.num_minutes().max(1),
            });
        }
    }
    // Staff user names are lower-case; ID numbers and credit codes upper-case.
    let account = match state.store.account_by_login(&login).await {
        Ok(a) => Some(a),
        Err(StoreError::NotFound) => match state
            .store
            .account_by_login(&login.to_ascii_lowercase())
            .await
        {
            Ok(a) => Some(a),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let stored = account
        .as_ref()
        .map(|a| a.password_hash.clone())
        .unwrap_or_else(|| decoy_hash().to_owned());
    let candidate = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&candidate, &stored))
        .await
        .map_err(WebError::internal)?;
    match account {
        Some(account) if ok && !account.disabled => {
            state.store.clear_login_failures(&account_key).await?;
            let token = new_token();
            let session = state
                .store
                .create_session(
                    now,
                    &NewSession {
                        token_hash: token_hash(&token),
                        account_id: account.id.clone(),
                        kind,
                        label: label.chars().take(120).collect(),
                        address: address.to_owned(),
                        expires_at: now + session_lifetime(kind),
                    },
                )
                .await?;
            Ok((token, session, account))
        }
        _ => {
            // Failed logins are security events: on the trail, with the login masked.
            state
                .store
                .append_audit(
                    now,
                    AuditEvent::new(
                        "anonymous",
                        "session.login_failed",
                        format!("login:{}", mask_id_number(&login)),
                        address,
                    ),
                )
                .await?;
            for key in [&account_key, &address_key] {
                let failures = state.store.login_failures(key).await?;
                state
                    .store
                    .set_login_failures(key, policy.record_failure(failures, now))
                    .await?;
            }
            Err(WebError::InvalidCredentials)
        }
    }
}

/// How long a session lives: a working day for browsers, a month for the mobile app, a year
/// for integrating systems (which are revoked explicitly).
pub fn session_lifetime(kind: SessionKind) -> Duration {
    match kind {
        SessionKind::Web => Duration::hours(12),
        SessionKind::Bearer => Duration::days(30),
        SessionKind::Api => Duration::days(365),
    }
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

/// Creates an applicant account from a validated registration. A taken number is a
/// `Conflict` naming the field it belongs to.
pub async fn register(
    state: &AppState,
    reg: tongban_domain::account::Registration,
) -> Result<Account, WebError> {
    use tongban_domain::account::Registration;
    let (password, new) = match reg {
        Registration::Citizen {
            name,
            id_number,
            phone,
            password,
        } => (
            password,
            tongban_store::NewAccount {
                kind: AccountKind::Citizen,
                login: id_number.as_str().to_owned(),
                name,
                phone: Some(phone.as_str().to_owned()),
                legal_representative: None,
                org_unit_code: None,
                role: None,
                password_hash: String::new(),
            },
        ),
        Registration::Enterprise {
            name,
            credit_code,
            legal_representative,
            phone,
            password,
        } => (
            password,
            tongban_store::NewAccount {
                kind: AccountKind::Enterprise,
                login: credit_code.as_str().to_owned(),
                name,
                phone: Some(phone.as_str().to_owned()),
                legal_representative: Some(legal_representative),
                org_unit_code: None,
                role: None,
                password_hash: String::new(),
            },
        ),
    };
    let kind = new.kind;
    let password_hash = hash_password(password).await?;
    match state
        .store
        .create_account(
            state.clock.now(),
            "",
            &tongban_store::NewAccount {
                password_hash,
                ..new
            },
        )
        .await
    {
        Err(StoreError::Conflict(_)) => Err(WebError::Conflict {
            code: "already_registered",
            detail: match kind {
                AccountKind::Enterprise => "该统一社会信用代码已注册，请直接登录".into(),
                _ => "该身份证号码已注册，请直接登录".into(),
            },
        }),
        other => Ok(other?),
    }
}

/// Argon2id off the async threads: it is deliberately slow.
pub async fn hash_password(password: tongban_domain::codes::Password) -> Result<String, WebError> {
    let salt = new_salt();
    tokio::task::spawn_blocking(move || tongban_domain::password::hash_password(&password, &salt))
        .await
        .map_err(WebError::internal)
}
