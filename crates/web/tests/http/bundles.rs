//! 一件事 (issue 13, first part): the published bundles, each guide's questionnaire, merged
//! form and materials, the same on the page, on paper and in the API.

use crate::support::*;

#[tokio::test]
async fn bundles_are_listed_and_each_guide_merges_forms_and_materials() {
    let app = TestApp::new().await;
    let list: Value = app.get("/api/v1/bundles").await.json().await.unwrap();
    let bundles = list["bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 15);
    let persons = bundles.iter().filter(|b| b["audience"] == "person").count();
    assert_eq!(persons, 8, "the plan's eight life events");
    let birth = bundles
        .iter()
        .find(|b| b["code"] == "YJS-CHUSHENG")
        .unwrap();
    assert!(birth["items"].as_array().unwrap().len() >= 4);

    let g: Value = app
        .get("/api/v1/bundles/YJS-CHUSHENG")
        .await
        .json()
        .await
        .unwrap();
    // One form: a field several items use is asked once.
    let keys: Vec<&str> = g["form"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len());
    assert!(keys.contains(&"mother_id"));
    // One set of materials: each named once, with the items that share it.
    let materials = g["materials"].as_array().unwrap();
    let mut names: Vec<&str> = materials
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    let n = names.len();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), n);
    assert!(
        materials
            .iter()
            .any(|m| m["required_by"].as_array().unwrap().len() > 1),
        "some paper serves several items: {materials:?}"
    );
    // Departments: four or more.
    let departments: std::collections::BTreeSet<String> = g["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["implementation_code"].as_str().unwrap()[..18].to_owned())
        .collect();
    assert!(departments.len() >= 4, "{departments:?}");
    assert_eq!(
        app.get("/api/v1/bundles/NOPE").await.status(),
        StatusCode::NOT_FOUND
    );

    let page = app.get("/bundles").await.text().await.unwrap();
    assert!(page.contains("新生儿出生一件事") && page.contains("开办餐饮店"));
    let guide = app.get("/bundles/YJS-CHUSHENG").await.text().await.unwrap();
    let print = app
        .get("/bundles/YJS-CHUSHENG/print")
        .await
        .text()
        .await
        .unwrap();
    for part in ["户口登记", "出生医学证明", "母亲公民身份号码", "办结后"] {
        assert!(guide.contains(part) && print.contains(part), "{part}");
    }
    let qr = app.get("/bundles/YJS-CHUSHENG/qr.svg").await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
}
