//! Tongban as a relying party of a trusted identity provider (the provincial unified login,
//! 省统一身份认证): sign-in by the authorization code flow with PKCE and a nonce, the ID
//! token verified against the provider's JWKS (ES256 or RS256) by `openidconnect`, and the
//! verified person mapped to their account at the 可信身份认证 level.
//!
//! The pending sign-in (state, nonce, verifier) is kept in the database, so the callback may
//! come back to any instance.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse,
    UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use tongban_domain::account::AccountKind;
use tongban_domain::identity::{Assurance, same_name};
use tongban_store::{Account, RpState, StoreError, Verification};

use crate::{App, AppError};

/// The provider Tongban trusts, from configuration.
#[derive(Debug, Clone)]
pub struct ProvincialLogin {
    /// The issuer URL (its `/.well-known/openid-configuration` is read).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    /// What the login page's button says, e.g. 宁夏政务服务统一身份认证.
    pub label: String,
}

/// The claims beyond the standard ones that say who the person is: the ID number (scope
/// `id_number`) and, from another Tongban, its assurance level.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PersonClaims {
    #[serde(default)]
    id_number: Option<String>,
    #[serde(default)]
    assurance: Option<String>,
}
impl AdditionalClaims for PersonClaims {}

fn unavailable(e: impl std::fmt::Display) -> AppError {
    tracing::warn!(error = %e, "provincial login failed");
    AppError::Refused {
        code: "provider_failed",
        detail: "统一身份认证暂时无法完成，请稍后再试，或使用本平台账号登录".into(),
    }
}

fn http() -> Result<reqwest::Client, AppError> {
    // No redirects: a provider's answers are read as given (the library's advice).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(unavailable)
}

fn config(app: &App) -> Result<&ProvincialLogin, AppError> {
    app.settings
        .provincial_login
        .as_ref()
        .ok_or(AppError::NotFound)
}

/// Starts a sign-in: returns the provider's authorization URL to send the person to.
/// `callback` is this platform's absolute callback URL; `next` where to go afterwards.
pub async fn begin(app: &App, callback: &str, next: &str) -> Result<String, AppError> {
    let cfg = config(app)?;
    let http = http()?;
    let meta = CoreProviderMetadata::discover_async(
        IssuerUrl::new(cfg.issuer.clone()).map_err(unavailable)?,
        &http,
    )
    .await
    .map_err(unavailable)?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(callback.to_owned()).map_err(unavailable)?);
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("id_number".into()))
        .set_pkce_challenge(challenge)
        .url();
    app.store
        .add_rp_state(&RpState {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
            next: next.to_owned(),
            expires_at: app.clock.now() + chrono::Duration::minutes(10),
        })
        .await?;
    Ok(url.to_string())
}

/// Finishes a sign-in: the code exchanged, the ID token verified (issuer, audience, expiry,
/// nonce, signature), the person read from userinfo and their account found, created or
/// raised to 可信身份认证. Returns the account and where to go next.
pub async fn finish(
    app: &App,
    callback: &str,
    code: &str,
    state: &str,
) -> Result<(Account, String), AppError> {
    let cfg = config(app)?;
    let pending = app
        .store
        .take_rp_state(app.clock.now(), state)
        .await?
        .ok_or_else(|| AppError::Refused {
            code: "provider_state",
            detail: "登录已过期或链接无效，请重新点击“统一身份认证登录”".into(),
        })?;
    let http = http()?;
    let meta = CoreProviderMetadata::discover_async(
        IssuerUrl::new(cfg.issuer.clone()).map_err(unavailable)?,
        &http,
    )
    .await
    .map_err(unavailable)?;
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(cfg.client_id.clone()),
        Some(ClientSecret::new(cfg.client_secret.clone())),
    )
    .set_redirect_uri(RedirectUrl::new(callback.to_owned()).map_err(unavailable)?);
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(unavailable)?
        .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
        .request_async(&http)
        .await
        .map_err(unavailable)?;
    let id_token = token.id_token().ok_or_else(|| unavailable("no ID token"))?;
    // Expiry is judged on the platform's one clock, as every other time is.
    let clock = app.clock.clone();
    let verifier = client
        .id_token_verifier()
        .set_allowed_algs([
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        ])
        .set_time_fn(move || clock.now());
    let claims = id_token
        .claims(&verifier, &Nonce::new(pending.nonce.clone()))
        .map_err(unavailable)?;
    let info: UserInfoClaims<PersonClaims, CoreGenderClaim> = client
        .user_info(token.access_token().clone(), Some(claims.subject().clone()))
        .map_err(unavailable)?
        .request_async(&http)
        .await
        .map_err(unavailable)?;
    let number = info
        .additional_claims()
        .id_number
        .clone()
        .ok_or_else(|| unavailable("no id_number claim"))?;
    let name = info
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.to_string())
        .ok_or_else(|| unavailable("no name claim"))?;
    // Another Tongban passes on its own level: only a verified identity is trusted as one.
    if info
        .additional_claims()
        .assurance
        .as_deref()
        .is_some_and(|a| Assurance::parse(a).is_none_or(|a| !a.reaches_licences()))
    {
        return Err(AppError::Refused {
            code: "provider_unverified",
            detail: "统一身份认证平台尚未核验您的身份，请先在该平台完成实名核验".into(),
        });
    }
    let account = provider_verified(app, &cfg.issuer, &number, &name).await?;
    Ok((account, pending.next))
}

/// The account of a person a trusted provider vouched for (number and name): created if
/// the number is new, raised to 可信身份认证, taken back from a self-registration under
/// another name; a verified account with another name is refused.
async fn provider_verified(
    app: &App,
    issuer: &str,
    number: &str,
    name: &str,
) -> Result<Account, AppError> {
    let login = tongban_domain::codes::ResidentId::parse(number)
        .map(|r| r.as_str().to_owned())
        .map_err(|_| unavailable("id_number is not a resident ID"))?;
    let now = app.clock.now();
    match app.store.account_by_login(&login).await {
        Ok(existing) if existing.kind == AccountKind::Citizen => {
            let agrees = same_name(&existing.name, name);
            if !agrees && existing.assurance.reaches_licences() {
                return Err(AppError::Refused {
                    code: "provider_name_mismatch",
                    detail: "统一身份认证返回的姓名与本平台已核验的账号不一致，请到窗口核对".into(),
                });
            }
            if !agrees || existing.assurance < Assurance::ProviderVerified {
                app.store
                    .verify_identity(
                        now,
                        &existing.id,
                        &Verification {
                            account_id: existing.id.clone(),
                            level: existing.assurance.raised_to(Assurance::ProviderVerified),
                            by: issuer.to_owned(),
                            name: name.to_owned(),
                            phone: None,
                            reclaim: !agrees,
                        },
                    )
                    .await?;
            }
            Ok(app.store.account(&existing.id).await?)
        }
        Ok(_) => Err(AppError::Refused {
            code: "provider_kind",
            detail: "该证件号码在本平台不是个人账号".into(),
        }),
        Err(StoreError::NotFound) => Ok(app
            .store
            .create_account(
                now,
                "",
                &tongban_store::NewAccount {
                    kind: AccountKind::Citizen,
                    login,
                    name: name.to_owned(),
                    phone: None,
                    legal_representative: None,
                    org_unit_code: None,
                    role: None,
                    password_hash: "!provider".into(),
                    assurance: Assurance::ProviderVerified,
                },
            )
            .await?),
        Err(e) => Err(e.into()),
    }
}
