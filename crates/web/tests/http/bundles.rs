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

/// A small PDF for each paper of the bundle no licence stands for.
async fn bundle_papers(app: &TestApp, code: &str, skip: &[&str]) -> Value {
    let g: Value = app
        .get(&format!("/api/v1/bundles/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let papers: Vec<Value> = g["materials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["licence_type"].is_null() && m["necessity"] != "非必要")
        .map(|m| m["name"].as_str().unwrap())
        .filter(|n| !skip.contains(n))
        .map(|name| {
            json!({"name": name, "filename": format!("{name}.pdf"),
                   "content_base64": b64(format!("%PDF-1.4 {name}").as_bytes())})
        })
        .collect();
    json!(papers)
}

async fn apply_bundle(
    app: &TestApp,
    token: &str,
    code: &str,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/bundles/{code}/applications")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn bundle_case(app: &TestApp, token: &str, no: &str) -> Value {
    let res = app
        .get_as(token, &format!("/api/v1/bundle-cases/{no}"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// Takes a started case through acceptance, review and conclusion.
async fn conclude(app: &TestApp, clerk: &str, reviewer: &str, no: &str) {
    for (token, body) in [
        (clerk, json!({"action": "accept"})),
        (reviewer, json!({"action": "start_review"})),
        (
            reviewer,
            json!({"action": "decide", "approve": true, "opinion": "同意"}),
        ),
        (reviewer, json!({"action": "conclude"})),
    ] {
        let res = act_api(app, token, no, body.clone()).await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "{no} {body}: {:?}",
            res.text().await
        );
    }
}

fn child<'a>(b: &'a Value, name_part: &str) -> &'a Value {
    b["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().contains(name_part))
        .unwrap_or_else(|| panic!("{name_part} in {b}"))
}

#[tokio::test]
async fn opening_a_restaurant_yields_one_combined_licence_whose_permits_verify() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let form = json!({
        "legal_name": "马秀兰", "legal_id": CITIZEN, "phone": "13909531234",
        "company_name": "红寺堡区秀兰清真餐馆", "premises": "红寺堡区罗山路 18 号",
        "scope": "餐饮服务"});
    // Every field is checked, by kind, and named.
    let res = apply_bundle(
        &app,
        &citizen,
        "YYZ-CANYIN",
        "k0",
        &json!({"answers": {"form": "individual"}, "form": {"legal_id": "640303195803120241"}}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"form.legal_id") && fields.contains(&"form.premises"),
        "{p}"
    );
    let res = apply_bundle(&app, &citizen, "YYZ-CANYIN", "k0", &json!({"answers": {}})).await;
    assert_eq!(problem(res).await["errors"][0]["field"], "answers.form");

    let mut papers = bundle_papers(
        &app,
        "YYZ-CANYIN",
        &[
            "公司登记（备案）申请书",
            "公司章程",
            "法定代表人、董事、监事和经理的任职文件",
        ],
    )
    .await;
    // A paper a licence could stand for, which she does not hold.
    papers
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "从业人员健康证明",
        "filename": "health.pdf", "content_base64": b64(b"%PDF-1.4 health")}));
    let body = json!({"answers": {"form": "individual"}, "form": form, "materials": papers});
    let res = apply_bundle(&app, &citizen, "YYZ-CANYIN", "open-1", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    let b: Value = res.json().await.unwrap();
    let no = b["bundle_no"].as_str().unwrap().to_owned();
    assert!(no.starts_with("YJS"), "{no}");
    assert_eq!(b["status"], "in_progress");
    assert!(b["promised_due"].as_str().unwrap().len() == 10);
    assert_eq!(
        b["cases"].as_array().unwrap().len(),
        2,
        "the company member does not apply"
    );
    let licence_case = child(&b, "个体工商户").clone();
    let food = child(&b, "食品").clone();
    assert!(licence_case["case_no"].is_string());
    assert_eq!(food["status"], "waiting");
    assert!(food["case_no"].is_null());
    assert_eq!(
        food["depends_on"][0], licence_case["implementation_code"],
        "the food permit waits for the business licence"
    );
    // A retry with the key returns the same application.
    let again = apply_bundle(&app, &citizen, "YYZ-CANYIN", "open-1", &body).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<Value>().await.unwrap()["bundle_no"],
        no.as_str()
    );

    // The business licence concludes → the food permit starts, the licence standing for
    // its 营业执照.
    conclude(
        &app,
        &clerk,
        &reviewer,
        licence_case["case_no"].as_str().unwrap(),
    )
    .await;
    let b = bundle_case(&app, &citizen, &no).await;
    let food = child(&b, "食品").clone();
    let food_no = food["case_no"].as_str().expect("started").to_owned();
    assert_eq!(
        child(&b, "个体工商户")["status"],
        "concluded",
        "not delivered alone"
    );
    let case: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{food_no}"))
        .await
        .json()
        .await
        .unwrap();
    let waived = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "营业执照")
        .unwrap_or_else(|| panic!("{case}"));
    assert!(waived["waived_by"].is_string(), "{waived}");
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "食品经营许可申请书"),
        "the paper sent once reached the member that started later"
    );
    conclude(&app, &clerk, &reviewer, &food_no).await;

    // Both concluded: the combined licence, and one delivery of everything.
    let b = bundle_case(&app, &citizen, &no).await;
    assert_eq!(b["status"], "delivered", "{b}");
    assert!(b["delivered_at"].is_string());
    let combined = b["combined_licence"].as_str().expect("issued").to_owned();
    let wallet: Value = app
        .get_as(&citizen, "/api/v1/me/licenses")
        .await
        .json()
        .await
        .unwrap();
    let card = wallet
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["licence"]["identifier"] == combined.as_str())
        .expect("in the wallet");
    assert_eq!(card["licence"]["type_name"], "行业综合许可证");
    assert_eq!(card["licence"]["issuer_name"], "红寺堡区审批服务管理局");
    // The licence carries the business data people know, from the one form.
    let fields = &card["licence"]["fields"];
    assert_eq!(fields["operator_name"], "红寺堡区秀兰清真餐馆", "{card}");
    assert_eq!(fields["premises"], "红寺堡区罗山路 18 号");
    assert!(
        fields["permits"]
            .as_str()
            .unwrap()
            .contains("食品经营许可证")
    );
    assert!(
        card["licence"]["valid_until"].is_string(),
        "a validity period"
    );
    let business = wallet
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["licence"]["type_name"] == "营业执照" && l["licence"]["case_no"].is_string())
        .expect("the business licence");
    assert_eq!(business["licence"]["fields"]["operator"], "马秀兰");
    assert_eq!(business["licence"]["fields"]["scope"], "餐饮服务");
    let p: Value = app
        .client
        .post(app.url(&format!("/api/v1/me/licenses/{combined}/presentations")))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = &app;
    let verify_as = |payload: Value| async move {
        app.client
            .post(app.url("/api/v1/licenses/verify"))
            .json(&json!({ "payload": payload }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let verify = || verify_as(p["payload"].clone());
    let verify_as = &verify_as;
    let v = verify().await;
    assert_eq!(v["status"], "valid", "{v}");
    let permits = v["permits"].as_array().unwrap();
    assert_eq!(permits.len(), 2, "{v}");
    assert!(permits.iter().all(|p| p["status"] == "valid"));
    // The QR's compact code: short, alphanumeric, and it verifies the same.
    let compact = p["compact"].as_str().unwrap();
    assert!(
        compact.starts_with("TB1:") && compact.len() <= 500,
        "{compact}"
    );
    let v = verify_as(p["compact"].clone()).await;
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(v["licence_name"], "行业综合许可证");
    assert_eq!(v["permits"].as_array().unwrap().len(), 2);

    // Revoking the food permit shows in the combined licence's verification.
    let food_licence = child(&b, "食品")["licences"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let staff = staff_client(app, "reviewer").await;
    let res = staff
        .post_form(
            &format!("/staff/licences/{food_licence}/revoke"),
            &[("reason", "现场核查发现经营场所与申请不符")],
        )
        .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let v = verify().await;
    let food_permit = v["permits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["identifier"] == food_licence.as_str())
        .unwrap();
    assert_eq!(food_permit["status"], "revoked", "{v}");
    let v = verify_as(p["compact"].clone()).await;
    assert!(
        v["permits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["status"] == "revoked"),
        "{v}"
    );
    let page = app
        .get(&format!("/verify?code={}", urlencoding(compact)))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-test=\"permits\"") && page.contains("已撤销"),
        "{page}"
    );
    let page = app
        .get(&format!("/licences/{combined}/status"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("data-status=\"revoked\"") && page.contains("载明的许可"));
}

#[tokio::test]
async fn a_newborn_reaches_four_departments_with_one_notice_and_one_delivery() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let form = json!({
        "name": "马秀兰", "id_number": CITIZEN, "phone": "13909531234",
        "address": "宁夏吴忠市红寺堡区大河乡", "baby_name": "马小宝",
        "baby_birth_date": "2026-11-20", "birth_place": "红寺堡区人民医院",
        "mother_name": "马秀兰", "mother_id": CITIZEN});
    let papers = bundle_papers(&app, "YJS-CHUSHENG", &["亲子鉴定报告"]).await;
    let body = json!({"answers": {"in_hospital": "yes", "mother_insured": "yes"},
                      "form": form, "materials": papers});
    let res = apply_bundle(&app, &citizen, "YJS-CHUSHENG", "born-1", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED, "{:?}", res.text().await);
    let b: Value = res.json().await.unwrap();
    let no = b["bundle_no"].as_str().unwrap().to_owned();
    let cases = b["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    let departments: std::collections::BTreeSet<&str> = cases
        .iter()
        .map(|c| &c["implementation_code"].as_str().unwrap()[..18])
        .collect();
    assert!(departments.len() >= 4, "{departments:?}");

    // The health department asks for a paper: the applicant sees one combined notice.
    let cert = child(&b, "出生医学证明")["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = act_api(
        &app,
        &clerk,
        &cert,
        json!({"action": "issue_notice", "items": [{"material": cases_first_material(&app, &cert).await, "problem": "invalid", "note": "复印件不清晰，请重新上传"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    let b = bundle_case(&app, &citizen, &no).await;
    assert_eq!(b["status"], "awaiting_supplement");
    assert_eq!(b["notice"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(b["notice"][0]["case_no"], cert.as_str());
    let page = staff_client(&app, CITIZEN)
        .await
        .get(&format!("/bundle-cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("一次性告知") && page.contains("复印件不清晰"),
        "{page}"
    );
    // Answered once, on the bundle: the paper reaches the department that asked.
    let material = b["notice"][0]["items"][0]["material"]
        .as_str()
        .unwrap()
        .to_owned();
    let supply = |materials: Value| {
        app.client
            .post(app.url(&format!("/api/v1/bundle-cases/{no}/supplements")))
            .bearer_auth(&citizen)
            .json(&json!({ "materials": materials }))
            .send()
    };
    let res = supply(json!([{"name": "营业执照", "filename": "x.pdf",
        "content_base64": b64(b"%PDF-1.4 x")}]))
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not asked for"
    );
    let res = supply(json!([{"name": material, "filename": "again.pdf",
        "content_base64": b64(b"%PDF-1.4 clear copy")}]))
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{:?}", res.text().await);
    assert_eq!(
        bundle_case(&app, &citizen, &no).await["status"],
        "in_progress"
    );

    // Each department handles its own case on its own clock, in the order they depend.
    let reviewers = [
        ("出生医学证明", "reviewer_wjj"),
        ("生育医疗费", "reviewer_ybj"),
        ("户口登记", "reviewer_gaj"),
        ("参保登记", "reviewer_ybj"),
        ("社会保障卡", "reviewer_rsj"),
    ];
    for (part, login) in reviewers {
        let b = bundle_case(&app, &citizen, &no).await;
        assert_ne!(
            b["status"], "delivered",
            "nothing is delivered before all conclude"
        );
        let c = child(&b, part);
        let case_no = c["case_no"]
            .as_str()
            .unwrap_or_else(|| panic!("{part} started: {b}"))
            .to_owned();
        let reviewer = app.token(login).await;
        conclude(&app, &clerk, &reviewer, &case_no).await;
    }
    let b = bundle_case(&app, &citizen, &no).await;
    assert_eq!(b["status"], "delivered", "{b}");
    assert!(b["delivered_at"].is_string());
    assert!(
        b["combined_licence"].is_null(),
        "a life event issues no combined licence"
    );
    for c in b["cases"].as_array().unwrap() {
        assert_eq!(c["status"], "delivered", "{c}");
        let events: Value = app
            .get_as(
                &citizen,
                &format!("/api/v1/cases/{}", c["case_no"].as_str().unwrap()),
            )
            .await
            .json()
            .await
            .unwrap();
        let deliveries = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"] == "deliver")
            .count();
        assert_eq!(deliveries, 1, "{events}");
    }
    // A window cannot deliver again what was delivered.
    let res = app
        .client
        .post(app.url(&format!("/api/v1/bundle-cases/{no}/delivery")))
        .bearer_auth(&clerk)
        .json(&json!({"method": "window"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Nobody else reads the application.
    let other = app.token(ENTERPRISE).await;
    assert_eq!(
        app.get_as(&other, &format!("/api/v1/bundle-cases/{no}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The first material a case holds (what a notice may ask to be sent again).
async fn cases_first_material(app: &TestApp, no: &str) -> String {
    let clerk = app.token("clerk").await;
    let case: Value = app
        .get_as(&clerk, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    case["materials"][0]["name"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_denied_permit_is_explained_and_the_rest_is_delivered_without_a_combined_licence() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let mut papers = bundle_papers(
        &app,
        "YYZ-CANYIN",
        &[
            "公司登记（备案）申请书",
            "公司章程",
            "法定代表人、董事、监事和经理的任职文件",
        ],
    )
    .await;
    papers
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "从业人员健康证明",
        "filename": "health.pdf", "content_base64": b64(b"%PDF-1.4 health")}));
    let body = json!({"answers": {"form": "individual"}, "materials": papers, "form": {
        "legal_name": "马秀兰", "legal_id": CITIZEN, "phone": "13909531234",
        "company_name": "秀兰小吃", "premises": "红寺堡区罗山路 20 号", "scope": "餐饮服务"}});
    let res = apply_bundle(&app, &citizen, "YYZ-CANYIN", "deny-1", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let b: Value = res.json().await.unwrap();
    let no = b["bundle_no"].as_str().unwrap().to_owned();
    conclude(
        &app,
        &clerk,
        &reviewer,
        child(&b, "个体工商户")["case_no"].as_str().unwrap(),
    )
    .await;
    let b = bundle_case(&app, &citizen, &no).await;
    let food = child(&b, "食品")["case_no"].as_str().unwrap().to_owned();
    for body in [
        json!({"action": "accept"}),
        json!({"action": "start_review"}),
        json!({"action": "decide", "approve": false, "opinion": "不符合", "reason": "后厨与就餐区未分隔"}),
        json!({"action": "conclude"}),
    ] {
        let token = if body["action"] == "accept" {
            &clerk
        } else {
            &reviewer
        };
        let res = act_api(&app, token, &food, body.clone()).await;
        assert_eq!(res.status(), StatusCode::OK, "{body}");
    }
    let b = bundle_case(&app, &citizen, &no).await;
    assert_eq!(b["status"], "partly_concluded", "{b}");
    let denied = child(&b, "食品");
    assert_eq!(denied["status"], "denied");
    assert_eq!(denied["reason"], "后厨与就餐区未分隔");
    assert!(
        b["combined_licence"].is_null(),
        "a combined licence needs every permit"
    );
    assert!(
        b["delivered_at"].is_string(),
        "what was achieved is delivered"
    );
    assert_eq!(child(&b, "个体工商户")["status"], "delivered");
}

#[tokio::test]
async fn the_bureau_edits_a_bundle_through_legality_review_to_publication() {
    let app = TestApp::new().await;
    let admin = staff_client(&app, "admin").await;
    let legal = staff_client(&app, "legal").await;
    let page = admin.get("/staff/bundles").await.text().await.unwrap();
    assert!(page.contains("开办餐饮店"), "{page}");
    let res = admin
        .post_form("/staff/bundles/YJS-JIEHUN/drafts", &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = location(&res);
    // A second open version is refused, with the reason.
    let res = admin
        .post_form("/staff/bundles/YJS-JIEHUN/drafts", &[])
        .await;
    assert!(res.text().await.unwrap().contains("已有未发布的版本"));
    let page = admin.get(&at).await.text().await.unwrap();
    let start = page
        .find("<textarea id=\"document\" name=\"document\" rows=\"24\" class=\"mono\">")
        .unwrap();
    let doc: String = page[start..]
        .split_once('>')
        .unwrap()
        .1
        .split("</textarea>")
        .next()
        .unwrap()
        .to_owned();
    let doc = doc
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut bundle: Value = serde_json::from_str(&doc).unwrap();
    // A promise shorter than the members' chain is shown as a problem and blocks submission.
    bundle["promised_days"] = json!(1);
    let res = admin
        .post_form(&at, &[("document", &bundle.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = admin.get(&at).await.text().await.unwrap();
    assert!(page.contains("承诺时限 1 个工作日短于"), "{page}");
    let res = admin
        .post_form(&format!("{at}/submit"), &[("comment", "")])
        .await;
    assert!(res.text().await.unwrap().contains("不能提交合法性审查"));
    // Bad JSON comes back as typed, with where it is wrong.
    let res = admin.post_form(&at, &[("document", "{\"code\": ")]).await;
    let body = res.text().await.unwrap();
    assert!(
        body.contains("格式有误") && body.contains("{&#34;code&#34;: "),
        "{body}"
    );
    bundle["promised_days"] = json!(25);
    bundle["name"] = json!("结婚登记一件事（第二版）");
    admin
        .post_form(&at, &[("document", &bundle.to_string())])
        .await;
    let res = admin
        .post_form(&format!("{at}/submit"), &[("comment", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The Justice Bureau finds it in its queue, reviews it; the bureau publishes.
    let queue = legal.get("/staff/bundles").await.text().await.unwrap();
    assert!(
        queue.contains("待我处理的版本") && queue.contains(&at),
        "{queue}"
    );
    let res = legal
        .post_form(&format!("{at}/approve"), &[("comment", "合法")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = admin
        .post_form(&format!("{at}/publish"), &[("comment", "发布")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let g: Value = app
        .get("/api/v1/bundles/YJS-JIEHUN")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["version"], 2);
    assert_eq!(g["name"], "结婚登记一件事（第二版）");
    assert_eq!(g["promised_working_days"], 25);
}
