//! The rules of Tongban as an OpenID Connect provider (一次注册、多点互认): which requests
//! may be answered, what a scope discloses, PKCE, and how long each token lives. The
//! signing and the HTTP are the application's and the web's.

use sha2::{Digest, Sha256};

use super::Assurance;

/// How long an authorization code may be exchanged.
pub const CODE_LIFETIME_SECONDS: i64 = 60;
/// How long an access token (for userinfo) and an ID token are good for.
pub const TOKEN_LIFETIME_SECONDS: i64 = 600;

/// What a client may ask to learn about a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Who: the account's stable id and its assurance level.
    OpenId,
    /// 姓名（名称）.
    Profile,
    /// 手机号码.
    Phone,
    /// 完整证件号码; without it only a masked number is given.
    IdNumber,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::OpenId, Scope::Profile, Scope::Phone, Scope::IdNumber];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::OpenId => "openid",
            Scope::Profile => "profile",
            Scope::Phone => "phone",
            Scope::IdNumber => "id_number",
        }
    }

    /// What the consent page tells the person the system will learn.
    pub fn label(self) -> &'static str {
        match self {
            Scope::OpenId => "您在本平台的账号标识和实名核验等级，以及隐去中间位的证件号码",
            Scope::Profile => "您的姓名（企业名称）",
            Scope::Phone => "您的手机号码",
            Scope::IdNumber => "您的完整证件号码",
        }
    }

    /// The scopes of a space-separated request: `openid` is required; unknown ones are
    /// ignored, as the standard says.
    pub fn parse_list(s: &str) -> Result<Vec<Scope>, AuthorizeError> {
        let mut scopes: Vec<Scope> = s
            .split_ascii_whitespace()
            .filter_map(|w| Scope::ALL.into_iter().find(|sc| sc.as_str() == w))
            .collect();
        scopes.sort();
        scopes.dedup();
        if scopes.first() != Some(&Scope::OpenId) {
            return Err(AuthorizeError::InvalidScope);
        }
        Ok(scopes)
    }

    pub fn join(scopes: &[Scope]) -> String {
        scopes
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Why an authorization request cannot be answered. The first two are never sent back to
/// the redirect URI (it is not trusted); the rest are, as `error=…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeError {
    #[error("未登记的接入系统（client_id 无效）")]
    UnknownClient,
    #[error("回调地址与该接入系统登记的不一致")]
    BadRedirect,
    #[error("仅支持授权码模式（response_type=code）")]
    UnsupportedResponseType,
    #[error("须使用 PKCE（code_challenge，方法 S256）")]
    PkceRequired,
    #[error("scope 须包含 openid")]
    InvalidScope,
}

impl AuthorizeError {
    /// The OAuth error code, for errors that go back to the client.
    pub fn code(self) -> &'static str {
        match self {
            AuthorizeError::UnknownClient | AuthorizeError::BadRedirect => "invalid_request",
            AuthorizeError::UnsupportedResponseType => "unsupported_response_type",
            AuthorizeError::PkceRequired => "invalid_request",
            AuthorizeError::InvalidScope => "invalid_scope",
        }
    }

    /// Whether the error may be sent to the redirect URI.
    pub fn redirectable(self) -> bool {
        !matches!(
            self,
            AuthorizeError::UnknownClient | AuthorizeError::BadRedirect
        )
    }
}

/// An authorization request as received.
#[derive(Debug, Clone, Default)]
pub struct AuthorizeParams {
    pub response_type: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
    pub code_challenge_method: String,
}

/// An authorization request that may be answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<Scope>,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
}

impl AuthorizeParams {
    /// Checks the request against the client's registered redirect URIs (exact match:
    /// no prefix, no wildcard).
    pub fn check(&self, registered: &[String]) -> Result<Authorization, AuthorizeError> {
        if !registered.contains(&self.redirect_uri) {
            return Err(AuthorizeError::BadRedirect);
        }
        if self.response_type != "code" {
            return Err(AuthorizeError::UnsupportedResponseType);
        }
        if self.code_challenge_method != "S256"
            || self.code_challenge.len() != 43
            || !self
                .code_challenge
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(AuthorizeError::PkceRequired);
        }
        Ok(Authorization {
            client_id: self.client_id.clone(),
            redirect_uri: self.redirect_uri.clone(),
            scopes: Scope::parse_list(&self.scope)?,
            state: self.state.chars().take(500).collect(),
            nonce: self.nonce.chars().take(500).collect(),
            code_challenge: self.code_challenge.clone(),
        })
    }
}

/// Whether `verifier` is the one `challenge` was made from (RFC 7636 S256): 43 to 128
/// unreserved characters whose SHA-256, base64url without padding, is the challenge.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    use base64::Engine;
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed
        && base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier))
            == challenge
}

/// The `acr` claim for an assurance level.
pub fn acr(level: Assurance) -> String {
    format!("urn:tongban:assurance:{}", level.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params() -> AuthorizeParams {
        AuthorizeParams {
            response_type: "code".into(),
            client_id: "c".into(),
            redirect_uri: "https://rp.example/cb".into(),
            scope: "profile openid unknown".into(),
            state: "s".into(),
            nonce: "n".into(),
            // RFC 7636 appendix B.
            code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
            code_challenge_method: "S256".into(),
        }
    }

    #[test]
    fn pkce_follows_rfc_7636() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }

    #[test]
    fn requests_are_checked_before_anything_is_sent_back() {
        let registered = vec!["https://rp.example/cb".to_owned()];
        let ok = params().check(&registered).unwrap();
        assert_eq!(ok.scopes, vec![Scope::OpenId, Scope::Profile]);
        let bad = |f: fn(&mut AuthorizeParams)| {
            let mut p = params();
            f(&mut p);
            p.check(&registered).unwrap_err()
        };
        assert_eq!(
            bad(|p| p.redirect_uri = "https://rp.example/cb/../evil".into()),
            AuthorizeError::BadRedirect
        );
        assert!(!AuthorizeError::BadRedirect.redirectable());
        assert_eq!(
            bad(|p| p.response_type = "token".into()),
            AuthorizeError::UnsupportedResponseType
        );
        assert_eq!(
            bad(|p| p.code_challenge_method = "plain".into()),
            AuthorizeError::PkceRequired
        );
        assert_eq!(
            bad(|p| p.code_challenge.clear()),
            AuthorizeError::PkceRequired
        );
        assert_eq!(
            bad(|p| p.scope = "profile".into()),
            AuthorizeError::InvalidScope
        );
    }
}
