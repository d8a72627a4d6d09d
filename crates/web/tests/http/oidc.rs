//! Single sign-on (issue 11): Tongban as an OpenID Connect provider, driven by a real client
//! library (`openidconnect`) as a government system would, and Tongban as a relying party of
//! a second Tongban standing in for the provincial login.

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreGenderClaim, CoreJwsSigningAlgorithm,
    CoreProviderMetadata,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce,
    OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope, TokenResponse, UserInfoClaims,
};
use serde::{Deserialize, Serialize};

use crate::support::*;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct TongbanClaims {
    id_number: Option<String>,
    assurance: Option<String>,
}
impl AdditionalClaims for TongbanClaims {}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn listener() -> tokio::net::TcpListener {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap()
}

/// Logs `browser` in on `base`'s login page.
async fn log_in(browser: &reqwest::Client, base: &str, login: &str, password: &str) {
    let html = browser
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(format!("{base}/login"))
        .form(&[
            ("login", login),
            ("password", password),
            ("csrf", &extract_csrf(&html)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "login {login}");
}

/// Answers the consent page at `url` with `decision`; returns where the provider sends the
/// person back to.
async fn consent(browser: &reqwest::Client, url: &str, decision: &str) -> String {
    let res = browser.get(url).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "consent page");
    let origin = {
        let u = reqwest::Url::parse(url).unwrap();
        format!("{}://{}", u.scheme(), u.host_str().unwrap()) + &format!(":{}", u.port().unwrap())
    };
    let html = res.text().await.unwrap();
    assert!(html.contains("data-test=\"consent-form\""), "{html}");
    let hidden = |name: &str| {
        let marker = format!("name=\"{name}\" value=\"");
        let start = html.find(&marker).unwrap() + marker.len();
        html[start..start + html[start..].find('"').unwrap()]
            .replace("&amp;", "&")
            .replace("&#x2F;", "/")
            .replace("&#x3D;", "=")
            .replace("&quot;", "\"")
    };
    let fields: Vec<(String, String)> = [
        "csrf",
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ]
    .iter()
    .map(|n| (n.to_string(), hidden(n)))
    .chain([("decision".to_owned(), decision.to_owned())])
    .collect();
    let res = browser
        .post(format!("{origin}/oidc/authorize"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()["location"].to_str().unwrap().to_owned()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn a_government_system_signs_a_person_in_with_a_real_oidc_client() {
    let op = TestApp::at_own_origin(listener().await, "127.0.0.1", Default::default()).await;
    let state = op.state.as_ref().unwrap();
    let redirect = "https://bdc.hongsibu.example/callback".to_owned();
    let (client_id, secret) = tongban_app::identity::provider::add_client(
        state,
        "test",
        "红寺堡区不动产登记系统",
        std::slice::from_ref(&redirect),
    )
    .await
    .unwrap();

    let http = http();
    let meta =
        CoreProviderMetadata::discover_async(IssuerUrl::new(op.base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        meta,
        ClientId::new(client_id.clone()),
        Some(ClientSecret::new(secret)),
    )
    .set_redirect_uri(RedirectUrl::new(redirect.clone()).unwrap());
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("id_number".into()))
        .set_pkce_challenge(challenge)
        .url();

    // Not logged in: a bad redirect URI is shown at once; prompt=none gets login_required.
    let evil = url.as_str().replace("bdc.hongsibu.example", "evil.example");
    let res = browser_client().get(&evil).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let res = browser_client()
        .get(format!("{url}&prompt=none"))
        .send()
        .await
        .unwrap();
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        query_param(&to, "error").as_deref(),
        Some("login_required"),
        "{to}"
    );
    // Otherwise the provider's login page, coming back to the request after.
    let browser = browser_client();
    let res = browser.get(url.as_str()).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=%2Foidc%2Fauthorize")
    );
    log_in(&browser, &op.base, CITIZEN, PASSWORD).await;
    // Browsers hold the consent form's redirect to the page's form-action: the client's
    // origin must be allowed there, or the answer never arrives.
    let page = browser.get(url.as_str()).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' https://bdc.hongsibu.example"),
        "{csp}"
    );
    let back = consent(&browser, url.as_str(), "allow").await;
    assert!(back.starts_with(&redirect), "{back}");
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = query_param(&back, "code").unwrap();

    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("tokens");
    // The test server's clock stands still at its start; the client judges expiry by it.
    let id_verifier = client
        .id_token_verifier()
        .set_allowed_algs([CoreJwsSigningAlgorithm::EcdsaP256Sha256])
        .set_time_fn(|| now() + chrono::Duration::seconds(5));
    let claims = tokens
        .id_token()
        .unwrap()
        .claims(&id_verifier, &nonce)
        .expect("ID token verified against the JWKS");
    assert_eq!(
        claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string())
            .as_deref(),
        Some("马秀兰")
    );
    let info: UserInfoClaims<TongbanClaims, CoreGenderClaim> = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.additional_claims().id_number.as_deref(), Some(CITIZEN));
    assert_eq!(
        info.additional_claims().assurance.as_deref(),
        Some("window_verified")
    );

    // A code works once; a wrong PKCE verifier or an unregistered redirect gets nothing.
    let again = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(openidconnect::PkceCodeVerifier::new("x".repeat(43)))
        .request_async(&http)
        .await;
    assert!(again.is_err());
    let evil = url.as_str().replace("bdc.hongsibu.example", "evil.example");
    let res = browser.get(&evil).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "shown, never redirected"
    );
    // Declining sends access_denied back.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (url, _, _) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .url();
    let back = consent(&browser, url.as_str(), "deny").await;
    assert_eq!(
        query_param(&back, "error").as_deref(),
        Some("access_denied")
    );
    // Logging out goes back only to a registered address.
    let res = browser
        .get(format!(
            "{}/oidc/logout?client_id={client_id}&post_logout_redirect_uri=https://evil.example/&state=s",
            op.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/login?logged_out=1");
    log_in(&browser, &op.base, CITIZEN, PASSWORD).await;
    let res = browser
        .get(format!(
            "{}/oidc/logout?client_id={client_id}&post_logout_redirect_uri={redirect}&state=s",
            op.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], format!("{redirect}?state=s"));
    // userinfo without a valid token.
    let res = http
        .get(format!("{}/oidc/userinfo", op.base))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tongban_accepts_a_second_tongban_as_the_provincial_login() {
    let province = TestApp::at_own_origin(listener().await, "127.0.0.1", Default::default()).await;
    let rp_listener = listener().await;
    let rp_port = rp_listener.local_addr().unwrap().port();
    let callback = format!("http://localhost:{rp_port}/login/provincial/callback");
    let (client_id, client_secret) = tongban_app::identity::provider::add_client(
        province.state.as_ref().unwrap(),
        "test",
        "红寺堡区一体化政务服务平台",
        std::slice::from_ref(&callback),
    )
    .await
    .unwrap();
    let settings = tongban_app::Settings {
        provincial_login: Some(tongban_app::identity::provincial::ProvincialLogin {
            issuer: province.base.clone(),
            client_id,
            client_secret,
            label: "宁夏政务服务统一身份认证".into(),
        }),
        ..Default::default()
    };
    let district = TestApp::at_own_origin(rp_listener, "localhost", settings).await;
    let login_page = district.get("/login").await.text().await.unwrap();
    assert!(login_page.contains("使用宁夏政务服务统一身份认证登录"));

    let browser = browser_client();
    log_in(&browser, &province.base, CITIZEN, PASSWORD).await;
    let res = browser
        .get(format!(
            "{}/login/provincial?next=/me/licences",
            district.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to_province = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to_province.starts_with(&format!("{}/oidc/authorize", province.base)));
    let back = consent(&browser, &to_province, "allow").await;
    assert!(back.starts_with(&callback), "{back}");
    let res = browser.get(&back).send().await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "{}",
        res.text().await.unwrap()
    );
    assert_eq!(res.headers()["location"], "/me/licences");
    let wallet = browser
        .get(format!("{}/me/licences", district.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        wallet.contains("居民身份证"),
        "signed in, verified, licences shown"
    );
    let account = district_account(&district, CITIZEN).await;
    assert_eq!(account, "provider_verified");
    // The callback cannot be replayed.
    let res = browser.get(&back).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
}

/// The account's assurance level as the district's API tells its owner.
async fn district_account(app: &TestApp, login: &str) -> String {
    let token = app.token(login).await;
    app.get_as(&token, "/api/v1/me")
        .await
        .json::<Value>()
        .await
        .unwrap()["assurance"]
        .as_str()
        .unwrap()
        .to_owned()
}
