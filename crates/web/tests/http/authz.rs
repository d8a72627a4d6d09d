//! Every route for every role against the one permission table, and the OpenAPI document
//! against the route table.

use crate::support::*;
use tongban_domain::account::Role;
use tongban_domain::authz::{Principal, allows};
use tongban_web::{Access, route_specs};

/// Every API route of the route table (other than the document itself) is in the OpenAPI
/// document with its method, so the document cannot fall behind the routes.
#[tokio::test]
async fn openapi_document_lists_every_api_route() {
    let app = TestApp::new().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    let mut checked = 0;
    for spec in route_specs() {
        if !spec.path.starts_with("/api/v1/") {
            continue;
        }
        let method = spec.method.as_str().to_ascii_lowercase();
        assert!(
            paths
                .get(spec.path)
                .is_some_and(|p| p.get(&method).is_some()),
            "{} {} missing from OpenAPI",
            spec.method,
            spec.path
        );
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} API routes");
    assert!(doc["components"]["schemas"]["RegisterBody"].is_object());
}

/// Walks every route for every role and anonymous, and checks allow/deny against the one
/// permission table in the domain.
#[tokio::test]
async fn authorization_walk_matches_the_permission_table() {
    let app = TestApp::new().await;
    let specs = route_specs();
    assert!(specs.len() >= 25);
    let mut checked = 0;
    for (login, principal) in walkers() {
        // One session per role, reused; routes that end a session get a fresh one of their
        // own, so the rest of the walk keeps its session.
        let shared = match login {
            Some(l) => Some(app.token(l).await),
            None => None,
        };
        for spec in &specs {
            let client = browser_client();
            let ends_session = spec.path.contains("logout") || spec.path.contains("sessions");
            let token = match login {
                Some(l) if ends_session => Some(app.token(l).await),
                _ => shared.clone(),
            };
            let html = client
                .get(app.url("/login"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let csrf = extract_csrf(&html);
            let mut req = client.request(spec.method.clone(), app.url(spec.sample));
            if let Some(t) = &token {
                req = req.bearer_auth(t);
            }
            if spec.is_api() && spec.method != reqwest::Method::GET {
                req = req.json(&json!({}));
            } else if spec.method != reqwest::Method::GET {
                req = req.form(&[("csrf", csrf.as_str())]);
            }
            let res = req.send().await.unwrap();
            let status = res.status();
            let location = res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_owned());
            let denied = status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN
                || location
                    .as_deref()
                    .is_some_and(|l| l.starts_with("/login?next="));
            // These answer 401 to anyone without their own credentials (a client secret,
            // an OIDC access token), whatever the session: the OIDC tests cover them.
            if spec.access == Access::OwnCredentials {
                continue;
            }
            let expected = expected_allowed(spec.access, &principal);
            assert_eq!(
                !denied, expected,
                "{} {} as {:?}: status {status}, location {location:?}",
                spec.method, spec.path, login
            );
            if denied && login.is_some() {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{} {} as {login:?}",
                    spec.method,
                    spec.path
                );
            }
            checked += 1;
        }
    }
    let own = specs
        .iter()
        .filter(|s| s.access == Access::OwnCredentials)
        .count();
    assert_eq!(checked, (specs.len() - own) * walkers().len());
}

/// Who the authorization walk logs in as, with the principal the one table judges.
fn walkers() -> Vec<(Option<&'static str>, Principal)> {
    let staff = |role| Principal::Staff {
        account_id: String::new(),
        role,
        org_path: String::new(),
    };
    vec![
        (None, Principal::Anonymous),
        (
            Some(CITIZEN),
            Principal::Citizen {
                account_id: String::new(),
            },
        ),
        (
            Some(ENTERPRISE),
            Principal::Enterprise {
                account_id: String::new(),
            },
        ),
        (Some("admin"), staff(Role::BureauAdmin)),
        (Some("legal"), staff(Role::LegalReviewer)),
        (Some("clerk"), staff(Role::WindowClerk)),
        (Some("clerk_dahe"), staff(Role::WindowClerk)),
        (Some("reviewer"), staff(Role::Reviewer)),
        (Some("supervisor"), staff(Role::Supervisor)),
        (Some("hotline"), staff(Role::HotlineOperator)),
    ]
}

fn expected_allowed(access: Access, principal: &Principal) -> bool {
    match access {
        Access::Public | Access::OwnCredentials => true,
        Access::LoggedIn => !matches!(principal, Principal::Anonymous),
        Access::Permission(p) => allows(principal, p),
        Access::AnyOf(ps) => ps.iter().any(|p| allows(principal, *p)),
    }
}
