//! Tongban as an OpenID Connect provider for the district's government systems
//! (一次注册、多点互认、全网通行): registered clients, the authorization code flow with
//! PKCE, ES256 ID tokens, and userinfo by scope. The request rules are the domain's
//! `identity::oidc`; this module signs, stores and looks up.
//!
//! The signing key is a P-256 key in the key store (`oidc-es256.pem`, created on first use),
//! so every instance sharing the key directory signs alike; its public half is the JWKS.

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey, LineEnding};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use tongban_domain::identity::oidc::{self, Authorization, AuthorizeError, AuthorizeParams, Scope};
use tongban_domain::mask::mask_id_number;
use tongban_store::{Account, OidcClient, OidcGrant, StoreError};

use crate::accounts::{new_token, token_hash};
use crate::{Actor, App, AppError};

const KEY_NAME: &str = "oidc-es256";

/// The provider's signing key and what is published of it.
pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
    pub kid: String,
    /// The public point's coordinates, base64url (the JWK's `x` and `y`).
    pub x: String,
    pub y: String,
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The signing key, created on first use.
pub fn signer(app: &App) -> Result<Signer, AppError> {
    let pem = match app.keys.load_named(KEY_NAME)? {
        Some(p) => p,
        None => {
            let secret = loop {
                let mut bytes = [0u8; 32];
                rand::rng().fill_bytes(&mut bytes);
                if let Ok(k) = p256::SecretKey::from_slice(&bytes) {
                    break k;
                }
            };
            let pem = secret
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| AppError::internal(StoreError::Config(e.to_string())))?;
            app.keys.save_named(KEY_NAME, &pem)?;
            app.keys
                .load_named(KEY_NAME)?
                .unwrap_or_else(|| pem.to_string())
        }
    };
    let corrupt =
        |e: String| AppError::internal(StoreError::Corrupt(format!("OIDC 签名密钥：{e}")));
    let secret = p256::SecretKey::from_pkcs8_pem(&pem).map_err(|e| corrupt(e.to_string()))?;
    let point = secret.public_key().to_sec1_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(corrupt("公钥坐标缺失".into()));
    };
    let (x, y) = (b64(x), b64(y));
    // A digest of the public point, so every instance names the key alike.
    let kid = token_hash(&format!("{x}.{y}"))[..16].to_owned();
    Ok(Signer {
        encoding: EncodingKey::from_ec_pem(pem.as_bytes()).map_err(|e| corrupt(e.to_string()))?,
        decoding: DecodingKey::from_ec_components(&x, &y).map_err(|e| corrupt(e.to_string()))?,
        kid,
        x,
        y,
    })
}

/// Registers a government system; returns its client id and secret (shown once).
pub async fn add_client(
    app: &App,
    actor: &str,
    name: &str,
    redirect_uris: &[String],
) -> Result<(String, String), AppError> {
    let mut errors = tongban_domain::ValidationErrors::new();
    if name.trim().is_empty() {
        errors.add("name", "required", "请填写接入系统的名称");
    }
    if redirect_uris.is_empty() {
        errors.add("redirect_uri", "required", "请至少登记一个回调地址");
    }
    for u in redirect_uris {
        let ok = (u.starts_with("https://") || u.starts_with("http://"))
            && !u.contains('#')
            && !u.chars().any(char::is_whitespace);
        if !ok {
            errors.add(
                "redirect_uri",
                "invalid",
                format!("回调地址“{u}”须为完整的 http(s) 地址，且不含 #"),
            );
        }
    }
    errors.into_result()?;
    let mut id = [0u8; 12];
    rand::rng().fill_bytes(&mut id);
    let client_id = format!("tb-{}", b64(&id));
    let secret = new_token();
    app.store
        .add_oidc_client(
            app.clock.now(),
            actor,
            &OidcClient {
                client_id: client_id.clone(),
                name: name.trim().to_owned(),
                secret_hash: token_hash(&secret),
                redirect_uris: redirect_uris.to_vec(),
            },
        )
        .await?;
    Ok((client_id, secret))
}

/// Whether `uri` is one of `client_id`'s registered addresses, the only place a logout may
/// send the person back to.
pub async fn may_return_to(app: &App, client_id: &str, uri: &str) -> bool {
    app.store
        .oidc_client(client_id)
        .await
        .is_ok_and(|c| c.redirect_uris.iter().any(|u| u == uri))
}

/// The registered clients, for `tongban oidc client list`.
pub async fn clients(app: &App) -> Result<Vec<OidcClient>, AppError> {
    Ok(app.store.oidc_clients().await?)
}

/// An authorization request, checked: the client and its redirect URI first (errors about
/// them are shown, never redirected), then the rest.
pub async fn check_request(
    app: &App,
    params: &AuthorizeParams,
) -> Result<(OidcClient, Authorization), AuthorizeError> {
    let client = match app.store.oidc_client(&params.client_id).await {
        Ok(c) => c,
        Err(_) => return Err(AuthorizeError::UnknownClient),
    };
    let auth = params.check(&client.redirect_uris)?;
    Ok((client, auth))
}

/// The person agreed: a single-use code for the client, bound to the PKCE challenge.
pub async fn grant(app: &App, actor: &Actor, auth: &Authorization) -> Result<String, AppError> {
    let account = actor.account()?;
    let code = new_token();
    let now = app.clock.now();
    app.store
        .add_oidc_grant(
            now,
            &OidcGrant {
                code_hash: token_hash(&code),
                client_id: auth.client_id.clone(),
                account_id: account.id.clone(),
                redirect_uri: auth.redirect_uri.clone(),
                scope: Scope::join(&auth.scopes),
                nonce: auth.nonce.clone(),
                code_challenge: auth.code_challenge.clone(),
                // The session's start would be more exact; the platform's sessions are a day.
                auth_time: now,
                expires_at: now + chrono::Duration::seconds(oidc::CODE_LIFETIME_SECONDS),
            },
        )
        .await?;
    Ok(code)
}

/// What the token endpoint returns.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: String,
    pub expires_in: i64,
    pub scope: String,
}

/// Why a token request fails, in OAuth's words (RFC 6749 §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenError {
    InvalidClient,
    InvalidGrant,
    InvalidRequest,
    UnsupportedGrantType,
}

impl TokenError {
    pub fn code(self) -> &'static str {
        match self {
            TokenError::InvalidClient => "invalid_client",
            TokenError::InvalidGrant => "invalid_grant",
            TokenError::InvalidRequest => "invalid_request",
            TokenError::UnsupportedGrantType => "unsupported_grant_type",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            TokenError::InvalidClient => "接入系统身份验证失败",
            TokenError::InvalidGrant => "授权码无效、已使用、已过期，或与回调地址、PKCE 校验码不符",
            TokenError::InvalidRequest => "缺少必需的参数",
            TokenError::UnsupportedGrantType => "仅支持 authorization_code",
        }
    }
}

/// A token request as received (client credentials from Basic auth or the form).
#[derive(Debug, Clone, Default)]
pub struct TokenRequest {
    pub grant_type: String,
    pub code: String,
    pub redirect_uri: String,
    pub code_verifier: String,
    pub client_id: String,
    pub client_secret: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct IdClaims {
    iss: String,
    sub: String,
    aud: String,
    exp: i64,
    iat: i64,
    auth_time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    acr: String,
    assurance: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    iss: String,
    sub: String,
    aud: String,
    client_id: String,
    scope: String,
    exp: i64,
    iat: i64,
}

/// The access token's audience: the userinfo endpoint of this issuer.
fn userinfo_audience(issuer: &str) -> String {
    format!("{issuer}/oidc/userinfo")
}

/// The code exchanged for tokens: the client authenticated, the code taken once, its
/// redirect URI and PKCE verifier matched.
pub async fn exchange(app: &App, issuer: &str, req: &TokenRequest) -> Result<Tokens, TokenError> {
    if req.grant_type != "authorization_code" {
        return Err(TokenError::UnsupportedGrantType);
    }
    if req.code.is_empty() || req.code_verifier.is_empty() || req.client_id.is_empty() {
        return Err(TokenError::InvalidRequest);
    }
    let client = app
        .store
        .oidc_client(&req.client_id)
        .await
        .map_err(|_| TokenError::InvalidClient)?;
    if token_hash(&req.client_secret) != client.secret_hash {
        return Err(TokenError::InvalidClient);
    }
    let now = app.clock.now();
    let grant = app
        .store
        .take_oidc_grant(now, &token_hash(&req.code))
        .await
        .map_err(|_| TokenError::InvalidGrant)?
        .ok_or(TokenError::InvalidGrant)?;
    if grant.client_id != client.client_id
        || grant.redirect_uri != req.redirect_uri
        || !oidc::pkce_matches(&req.code_verifier, &grant.code_challenge)
    {
        return Err(TokenError::InvalidGrant);
    }
    let account = app
        .store
        .account(&grant.account_id)
        .await
        .map_err(|_| TokenError::InvalidGrant)?;
    if account.disabled {
        return Err(TokenError::InvalidGrant);
    }
    let signer = signer(app).map_err(|e| {
        tracing::error!(error = %e, "OIDC signing key unavailable");
        TokenError::InvalidRequest
    })?;
    let scopes = Scope::parse_list(&grant.scope).unwrap_or_default();
    let iat = now.timestamp();
    let exp = iat + oidc::TOKEN_LIFETIME_SECONDS;
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(signer.kid.clone());
    let id = IdClaims {
        iss: issuer.to_owned(),
        sub: account.id.clone(),
        aud: client.client_id.clone(),
        exp,
        iat,
        auth_time: grant.auth_time.timestamp(),
        nonce: (!grant.nonce.is_empty()).then(|| grant.nonce.clone()),
        acr: oidc::acr(account.assurance),
        assurance: account.assurance.as_str().to_owned(),
        name: scopes
            .contains(&Scope::Profile)
            .then(|| account.name.clone()),
    };
    let access = AccessClaims {
        iss: issuer.to_owned(),
        sub: account.id.clone(),
        aud: userinfo_audience(issuer),
        client_id: client.client_id.clone(),
        scope: grant.scope.clone(),
        exp,
        iat,
    };
    let signed =
        |r: jsonwebtoken::errors::Result<String>| r.map_err(|_| TokenError::InvalidRequest);
    Ok(Tokens {
        id_token: signed(jsonwebtoken::encode(&header, &id, &signer.encoding))?,
        access_token: signed(jsonwebtoken::encode(&header, &access, &signer.encoding))?,
        expires_in: oidc::TOKEN_LIFETIME_SECONDS,
        scope: grant.scope,
    })
}

/// What userinfo tells a client, by the scopes the person granted.
#[derive(Debug, Clone)]
pub struct UserInfo {
    pub sub: String,
    pub kind: &'static str,
    pub assurance: &'static str,
    pub acr: String,
    /// Masked unless `id_number` was granted.
    pub id_number: String,
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// The person behind an access token, disclosed by its scopes; an invalid or expired token
/// is `Unauthorized`.
pub async fn userinfo(app: &App, issuer: &str, access_token: &str) -> Result<UserInfo, AppError> {
    let signer = signer(app)?;
    let mut v = Validation::new(Algorithm::ES256);
    v.set_issuer(&[issuer]);
    v.set_audience(&[userinfo_audience(issuer)]);
    // Expiry on the platform's one clock, not the library's reading of the wall clock.
    v.validate_exp = false;
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    let claims = jsonwebtoken::decode::<AccessClaims>(access_token, &signer.decoding, &v)
        .map_err(|_| AppError::Unauthorized)?
        .claims;
    if claims.exp <= app.clock.now().timestamp() {
        return Err(AppError::Unauthorized);
    }
    let account: Account = match app.store.account(&claims.sub).await {
        Ok(a) if !a.disabled => a,
        Ok(_) | Err(StoreError::NotFound) => return Err(AppError::Unauthorized),
        Err(e) => return Err(e.into()),
    };
    let scopes = Scope::parse_list(&claims.scope).unwrap_or_default();
    Ok(UserInfo {
        sub: account.id.clone(),
        kind: account.kind.as_str(),
        assurance: account.assurance.as_str(),
        acr: oidc::acr(account.assurance),
        id_number: if scopes.contains(&Scope::IdNumber) {
            account.login.clone()
        } else {
            mask_id_number(&account.login)
        },
        name: scopes
            .contains(&Scope::Profile)
            .then(|| account.name.clone()),
        phone: if scopes.contains(&Scope::Phone) {
            account.phone.clone()
        } else {
            None
        },
    })
}
