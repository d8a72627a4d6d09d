//! The catalog: items API, guides, lists, the path from the upper catalog to publication, and the working-day calendar.

use crate::support::*;

#[tokio::test]
async fn items_api_searches_filters_and_returns_every_element() {
    let app = TestApp::new().await;
    let all: Value = app.get("/api/v1/items").await.json().await.unwrap();
    assert!(all["total"].as_u64().unwrap() >= 60);
    let first = find_item(&app, "spxjyd").await;
    assert_eq!(first["name"], "食品小经营店备案发放");
    assert_eq!(first["implementation_code"].as_str().unwrap().len(), 31);
    assert_eq!(first["department_code"], "D-SJJ");
    let by_dept: Value = app
        .get("/api/v1/items?department=D-RSJ&audience=person&level=village")
        .await
        .json()
        .await
        .unwrap();
    let items = by_dept["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["department_code"] == "D-RSJ"));
    assert!(
        items
            .iter()
            .all(|i| i["levels"].as_array().unwrap().contains(&json!("village")))
    );
    let code = first["implementation_code"].as_str().unwrap();
    let full: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(full["materials"].as_array().unwrap().len() >= 4);
    assert_eq!(full["statutory_limit"]["days"], 10);
    let missing = app
        .get("/api/v1/items/0000000000000000000000000000000")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(problem(missing).await["code"], "not_found");
}

#[tokio::test]
async fn guide_pages_situation_guide_and_qr() {
    let app = TestApp::new().await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap().to_owned();
    let html = app
        .get(&format!("/guide/{code}"))
        .await
        .text()
        .await
        .unwrap();
    for element in [
        "设定依据",
        "受理条件",
        "申请材料",
        "办理流程",
        "法定办结时限",
        "承诺办结时限",
        "监督投诉电话",
        "《居住证暂行条例》",
    ] {
        assert!(html.contains(element), "{element} missing from the guide");
    }
    let situation = app
        .get(&format!("/guide/{code}/situation?situation=连续就读"))
        .await
        .text()
        .await
        .unwrap();
    assert!(situation.contains("在校就读证明"));
    assert!(
        !situation.contains("劳动合同或营业执照"),
        "other situations' materials are left out"
    );
    let unanswered = app
        .get(&format!("/guide/{code}/situation?situation=别的"))
        .await
        .text()
        .await
        .unwrap();
    assert!(unanswered.contains("请选择一种办事情形"));
    let qr = app.get(&format!("/guide/{code}/qr.svg")).await;
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().starts_with("<?xml"));
    let print = app.get(&format!("/guide/{code}/print")).await;
    assert_eq!(print.status(), StatusCode::OK);
    let search = app.get("/guide?q=jzz").await.text().await.unwrap();
    assert!(
        search.contains("居住证办理"),
        "pinyin initials find it on the page too"
    );
    assert_eq!(
        app.get("/guide/nonexistent").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn published_lists_as_pages_csv_and_xlsx() {
    let app = TestApp::new().await;
    let html = app
        .get("/lists/deficiency-acceptance")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("容缺受理事项清单"));
    assert!(
        html.contains("从业人员健康证明"),
        "the acceptable-later materials are named"
    );
    let csv = app.get("/lists/commitment.csv").await;
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    assert!(text.contains("建筑工程施工许可证核发"));
    let xlsx = app.get("/lists/licensing.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK", "an XLSX is a zip");
    assert_eq!(
        app.get("/lists/nonsense").await.status(),
        StatusCode::NOT_FOUND
    );
    let index = app.get("/lists").await.text().await.unwrap();
    assert!(index.contains("“零材料”办理事项清单"));
}

#[tokio::test]
async fn an_item_goes_from_the_upper_catalog_to_the_public_guide() {
    let app = TestApp::new().await;
    let reviewer = staff_client(&app, "reviewer").await; // 市场监管分局
    let legal = staff_client(&app, "legal").await;
    let admin = staff_client(&app, "admin").await;
    let (entries, _) = app
        .store
        .catalog_entries("食品小作坊备案变更", 1, 0)
        .await
        .unwrap();
    let entry = &entries[0];

    // The department drafts from the upper entry.
    let res = reviewer
        .post_form(
            &format!("/catalog/entries/{}/draft", entry.catalog_code),
            &[],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let version_url = location(&res);
    let id = version_url.rsplit('/').next().unwrap().to_owned();

    // Publishing an unreviewed draft, or submitting an incomplete one, is refused.
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("“草稿”状态的版本不能发布")
    );
    let res = reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("请填写受理条件"));

    // The department fills in the implementation list.
    let mut item = app.store.item_version(&id).await.unwrap().item;
    let template = app
        .store
        .published_items()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.item.name == "食品小作坊备案发放")
        .unwrap()
        .item;
    item.legal_basis = template.legal_basis.clone();
    item.conditions = template.conditions.clone();
    item.audiences = template.audiences.clone();
    item.procedure = template.procedure.clone();
    item.materials = template.materials.clone();
    item.place = template.place.clone();
    item.hours = template.hours.clone();
    item.consult_phone = template.consult_phone.clone();
    item.outcome.name = "食品小作坊备案证（变更）".into();
    item.name = "食品小作坊变更备案".into(); // not the upper catalog's name
    let document = serde_json::to_string_pretty(&item).unwrap();
    let res = reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", "{ broken")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("格式有误"));
    let res = reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", &document)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Wrong roles cannot review or publish.
    assert_eq!(
        reviewer
            .post_form(&format!("{version_url}/approve"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        legal
            .post_form(&format!("{version_url}/publish"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    // Another department does not even see it.
    let rsj = staff_client(&app, "reviewer_rsj").await;
    assert_eq!(rsj.get(&version_url).await.status(), StatusCode::NOT_FOUND);

    // The Justice Bureau returns it with a comment, then approves the corrected version.
    let res = legal
        .post_form(&format!("{version_url}/return"), &[("comment", "")])
        .await;
    assert!(res.text().await.unwrap().contains("退回修改须写明意见"));
    let res = legal
        .post_form(
            &format!("{version_url}/return"),
            &[("comment", "请补充设定依据条款")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.item_version(&id).await.unwrap().review_comment,
        "请补充设定依据条款"
    );
    reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    assert_eq!(
        legal
            .post_form(&format!("{version_url}/approve"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );

    // 四级四同: the bureau cannot publish a name that differs from the upper catalog.
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("事项名称与上级目录不一致"),
        "the field is named"
    );
    assert!(html.contains("（name）"));

    // Back through review with the right name, then published and searchable at once.
    let legal_item = {
        let mut i = app.store.item_version(&id).await.unwrap().item;
        i.name = entry.name.clone();
        i
    };
    app.store
        .transition_version(
            chrono::DateTime::UNIX_EPOCH,
            "t",
            &id,
            tongban_domain::catalog::VersionStatus::Approved,
            tongban_domain::catalog::VersionStatus::Returned,
            "名称须与目录一致",
        )
        .await
        .unwrap();
    let doc = serde_json::to_string(&legal_item).unwrap();
    reviewer
        .post_form(&format!("{version_url}/edit"), &[("document", &doc)])
        .await;
    reviewer
        .post_form(&format!("{version_url}/submit"), &[])
        .await;
    legal
        .post_form(&format!("{version_url}/approve"), &[])
        .await;
    let res = admin
        .post_form(&format!("{version_url}/publish"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let found = find_item(&app, "食品小作坊备案变更").await;
    assert_eq!(found["name"], "食品小作坊备案变更");
    let code = found["implementation_code"].as_str().unwrap().to_owned();
    let guide = app
        .get(&format!("/guide/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(guide.contains("食品小作坊备案证（变更）"));

    // An adjustment: a new version, reviewed again, with a readable diff.
    let res = reviewer
        .post_form(&format!("/catalog/items/{code}/adjust"), &[("reason", "")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = reviewer
        .post_form(
            &format!("/catalog/items/{code}/adjust"),
            &[("reason", "压缩承诺时限")],
        )
        .await;
    let v2_url = location(&res);
    let v2 = v2_url.rsplit('/').next().unwrap().to_owned();
    let mut adjusted = app.store.item_version(&v2).await.unwrap().item;
    adjusted.promised_limit.days = 2;
    reviewer
        .post_form(
            &format!("{v2_url}/edit"),
            &[("document", &serde_json::to_string(&adjusted).unwrap())],
        )
        .await;
    let page = reviewer.get(&v2_url).await.text().await.unwrap();
    assert!(page.contains("与已发布版本相比的变化") && page.contains("承诺办结时限"));
    let history = reviewer
        .get(&format!("/catalog/items/{code}/history"))
        .await
        .text()
        .await
        .unwrap();
    assert!(history.contains("第 2 版") && history.contains("压缩承诺时限"));
    let diff = reviewer
        .get(&format!("/catalog/items/{code}/diff?from={id}&to={v2}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        diff.contains("<del>10 个工作日</del>") && diff.contains("<ins>2 个工作日</ins>"),
        "{diff}"
    );
}

#[tokio::test]
async fn working_days_skip_holidays_and_count_swapped_days() {
    let app = TestApp::new().await;
    let get = |q: &'static str| app.get(q);
    // 2024 National Day: 10-01..07 off, Saturday 10-12 worked.
    let res: Value = get("/api/v1/calendar/add-working-days?from=2024-09-30&days=5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["date"], "2024-10-12");
    assert_eq!(res["arrangement_known"], true);
    let res: Value = get("/api/v1/calendar/add-working-days?from=2026-11-27&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(res["date"], "2026-11-30", "Friday + 1 is Monday");
    let bad = get("/api/v1/calendar/add-working-days?from=2026-13-01&days=-1").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(bad).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["from", "days"]);
}
