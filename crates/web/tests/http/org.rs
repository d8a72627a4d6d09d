//! The organisation and its halls, and scope by unit.

use crate::support::*;

#[tokio::test]
async fn organisation_and_halls_api_carry_real_divisions() {
    let app = TestApp::new().await;
    let units: Value = app.get("/api/v1/org-units").await.json().await.unwrap();
    let units = units.as_array().unwrap();
    let dahe = units.iter().find(|u| u["code"] == "640303200000").unwrap();
    assert_eq!(dahe["name"], "大河乡");
    assert_eq!(dahe["level"], "town");
    assert_eq!(units.iter().filter(|u| u["level"] == "village").count(), 74);
    let halls: Value = app.get("/api/v1/halls").await.json().await.unwrap();
    let centre = &halls[0];
    assert_eq!(centre["kind"], "district_centre");
    let kinds: Vec<&str> = centre["windows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    for k in ["comprehensive", "escalation", "assistance", "enterprise"] {
        assert!(kinds.contains(&k), "{k}");
    }
    assert!(
        centre["hours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "extended")
    );
}

#[tokio::test]
async fn town_clerk_sees_only_their_town() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk_dahe").await;
    let html = app.get_as(&clerk, "/staff/org").await.text().await.unwrap();
    assert!(html.contains("大河乡及其下属单位"));
    assert!(html.contains("周小梅"));
    assert!(
        !html.contains("马海燕"),
        "staff of other units are out of scope"
    );
    assert!(!html.contains("柳泉乡"), "other towns are out of scope");
    let admin = app.token("admin").await;
    let html = app.get_as(&admin, "/staff/org").await.text().await.unwrap();
    assert!(html.contains("柳泉乡") && html.contains("周小梅") && html.contains("马海燕"));
    let reviewer = app.token("reviewer").await;
    let html = app
        .get_as(&reviewer, "/staff/org")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("王强") && !html.contains("张宏"),
        "a reviewer sees their own department"
    );
}
