//! The holes found in testing (issue 11): redirects stay on the site and never fail on what
//! was typed, nothing personal is cached, HTTPS is pinned, oversized and malformed requests
//! get Chinese problem+json, dates and payloads outside what can be read are refused.

use crate::support::*;

#[tokio::test]
async fn next_only_follows_same_site_paths_and_never_fails_on_what_was_typed() {
    let app = TestApp::new().await;
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "/\t/evil.example",
    ] {
        let res = app
            .post_form(
                "/login",
                &[("login", CITIZEN), ("password", PASSWORD), ("next", evil)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{evil}");
        assert_eq!(res.headers()["location"], "/me", "{evil}");
    }
    let res = app
        .post_form(
            "/login",
            &[
                ("login", CITIZEN),
                ("password", PASSWORD),
                ("next", "/me\r\nSet-Cookie: x=1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/me");
    let res = app.get("/login?next=%2Fme%0Aevil").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(!res.text().await.unwrap().contains("evil"));
    let res = app
        .post_form("/preferences/elder", &[("back", "//evil.example")])
        .await;
    assert_eq!(res.headers()["location"], "/");
    // A same-site path is followed.
    let res = app
        .post_form(
            "/login",
            &[
                ("login", CITIZEN),
                ("password", PASSWORD),
                ("next", "/me/licences"),
            ],
        )
        .await;
    assert_eq!(res.headers()["location"], "/me/licences");
}

#[tokio::test]
async fn personal_pages_are_never_cached_and_https_is_pinned() {
    let app = TestApp::with_config(WebConfig {
        public_origin: "https://zwfw.hongsibu.example".into(),
        secure_cookies: true,
        ..WebConfig::default()
    })
    .await;
    let token = app.token(CITIZEN).await;
    for path in ["/api/v1/me", "/api/v1/me/licenses", "/me/licences"] {
        let res = app.get_as(&token, path).await;
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
        assert!(
            res.headers()["strict-transport-security"]
                .to_str()
                .unwrap()
                .contains("max-age="),
            "{path}"
        );
    }
    let css = app.get("/static/app.css").await;
    assert!(
        css.headers()
            .get("cache-control")
            .is_none_or(|v| v != "no-store")
    );
    let plain = TestApp::new().await;
    assert!(
        plain
            .get("/")
            .await
            .headers()
            .get("strict-transport-security")
            .is_none()
    );
}

#[tokio::test]
async fn oversized_and_malformed_requests_are_chinese_problems() {
    let app = TestApp::new().await;
    let big = "x".repeat(3 * 1024 * 1024);
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/sessions"))
        .json(&json!({"login": big, "password": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem(res).await["code"], "payload_too_large");
    let res = app.get("/api/v1/items?page=abc").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let p = problem(res).await;
    assert!(p["detail"].as_str().unwrap().contains("参数"), "{p}");
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/sessions"))
        .header("content-type", "text/plain")
        .body("login=a")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        problem(res).await["detail"]
            .as_str()
            .unwrap()
            .contains("JSON")
    );
    // A page's malformed query is a Chinese page, not the framework's English.
    let res = app.get("/guide?page=abc").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let html = res.text().await.unwrap();
    assert!(html.contains("<html") && html.contains("参数"), "{html}");
    let res = reqwest::Client::new()
        .put(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(problem(res).await["code"], "method_not_allowed");
}

#[tokio::test]
async fn the_calendar_refuses_dates_outside_1900_to_2200() {
    let app = TestApp::new().await;
    for from in ["1899-12-31", "2201-01-01", "9999-12-31"] {
        let res = app
            .get(&format!(
                "/api/v1/calendar/add-working-days?from={from}&days=1"
            ))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{from}");
        assert_eq!(problem(res).await["errors"][0]["field"], "from");
    }
    let res = app
        .get("/api/v1/calendar/add-working-days?from=2200-12-20&days=30")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = app
        .get("/api/v1/calendar/add-working-days?from=1900-01-01&days=1")
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_garbage_verify_payload_is_a_bad_request_not_a_forgery() {
    let app = TestApp::new().await;
    for payload in ["", "not-a-code", "%%%", "eyJhIjoxfQ"] {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/licenses/verify"))
            .json(&json!({ "payload": payload }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{payload}");
        assert_eq!(problem(res).await["code"], "bad_request");
    }
}

/// Found by schemathesis: a page number near the integer limit overflowed the offset.
#[tokio::test]
async fn a_page_far_past_the_last_is_an_empty_page_not_a_crash() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/items?page=922337203685477582").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.get("/guide?page=18446744073709551615").await;
    assert_eq!(res.status(), StatusCode::OK);
}
