//! Cases: applying, notices, acceptance, 容缺, 告知承诺, review, decisions, window intake, notifications and time limits.

use crate::support::*;

#[tokio::test]
async fn cases_are_submitted_once_validated_and_shown_to_their_applicant_only() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap();
    let body = json!({
        "implementation_code": code,
        "situation": "合法稳定住所",
        "form": {"address": "红寺堡镇"},
        "materials": [
            {"name": "居民身份证", "filename": "id.jpg", "content_base64": b64(&[0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3])},
            {"name": "房屋产权证明或租赁合同", "filename": "lease.pdf", "content_base64": b64(b"%PDF-1.7 lease")}
        ]
    });
    let post = |key: &'static str| {
        app.client
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&citizen)
            .header("Idempotency-Key", key)
            .json(&body)
            .send()
    };
    let res = post("apply-1").await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let case_no = created["case_no"].as_str().unwrap().to_owned();
    assert_eq!(case_no.len(), 43);
    assert!(case_no.starts_with(code));
    assert_eq!(created["status"], "submitted");
    assert!(created["promised_due"].as_str().unwrap() > "2026-01-01");

    let again = post("apply-1").await.unwrap();
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "a retry returns the same case"
    );
    assert_eq!(
        again.json::<Value>().await.unwrap()["case_no"],
        case_no.as_str()
    );

    let view: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{case_no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status_label"], "已提交，待受理");
    // The two uploads, and the 居民身份证 the applicant holds in the licence library,
    // attached instead of a copy (免提交).
    let materials = view["materials"].as_array().unwrap();
    assert_eq!(materials.len(), 3);
    assert_eq!(materials[1]["content_type"], "application/pdf");
    let waived: Vec<&Value> = materials
        .iter()
        .filter(|m| m["waived_by"].is_string())
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["name"], "居民身份证");
    assert_eq!(view["events"][0]["action"], "submit");

    // Another applicant, and staff of another department, do not see it.
    let enterprise = app.token(ENTERPRISE).await;
    let other = app
        .get_as(&enterprise, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
    let rsj = app.token("reviewer_rsj").await;
    let staff = app.get_as(&rsj, &format!("/api/v1/cases/{case_no}")).await;
    assert_eq!(staff.status(), StatusCode::NOT_FOUND);
    let admin = app.token("admin").await;
    let staff = app
        .get_as(&admin, &format!("/api/v1/cases/{case_no}"))
        .await;
    assert_eq!(staff.status(), StatusCode::OK);

    // Bad input: every problem named by field.
    let bad = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&citizen)
        .json(&json!({
            "implementation_code": code,
            "situation": "不存在的情形",
            "materials": [
                {"name": "", "filename": "a.exe", "content_base64": b64(b"MZ\x90\x00")},
                {"name": "x", "filename": "b.pdf", "content_base64": "***"}
            ]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(bad).await;
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "materials[0].content_base64",
            "materials[0].name",
            "materials[1].content_base64",
            "materials[1].name",
            "situation"
        ]
    );
    // An enterprise cannot apply for an item that serves persons only.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&enterprise)
        .json(&json!({"implementation_code": code, "situation": "合法稳定住所"}))
        .send()
        .await
        .unwrap();
    assert_eq!(problem(res).await["errors"][0]["code"], "audience");
}

#[tokio::test]
async fn a_case_goes_from_notice_to_delivery_through_the_api() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await; // the district centre's windows take in online cases
    let reviewer = app.token("reviewer").await; // 市场监管分局
    let other_reviewer = app.token("reviewer_rsj").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    // Every paper but the floor plan, which the notice will ask for.
    let mut materials = required_materials(&app, code, Some("新办")).await;
    materials
        .as_array_mut()
        .unwrap()
        .retain(|m| m["name"] != "经营场所平面图");
    let no = apply(
        &app,
        &citizen,
        code,
        json!({"situation": "新办", "materials": materials}),
    )
    .await;
    // Without the floor plan the case cannot be accepted: the notice is the way on.
    refused_with(
        act_api(&app, &clerk, &no, json!({"action": "accept"})).await,
        "经营场所平面图",
    )
    .await;
    // Nor may a notice ask for a paper of another situation (延续's old record), though the
    // item lists it.
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "issue_notice", "items": [
            {"material": "原食品小经营店备案证", "problem": "missing"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem(res).await["errors"][0]["field"],
        "items[0].material"
    );
    // Nor does an application take a paper of another situation.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&citizen)
        .json(
            &json!({"implementation_code": code, "situation": "新办", "materials": [
            {"name": "原食品小经营店备案证", "filename": "old.pdf",
             "content_base64": b64(b"%PDF-1.4 old")}]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "materials[0].name", "{p}");
    let act = |token: &String, body: Value| {
        app.client
            .post(app.url(&format!("/api/v1/cases/{no}/actions")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    // The applicant cannot accept their own case; a reviewer of another department cannot
    // even see it; an empty notice is refused.
    assert_eq!(
        act(&citizen, json!({"action": "accept"}))
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&other_reviewer, json!({"action": "start_review"}))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let res = act(&clerk, json!({"action": "issue_notice", "items": []}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "items");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("一次性告知须列明")
    );
    // A notice may not ask for a paper the guide does not list (不得额外增加申请材料).
    let res = act(
        &clerk,
        json!({"action": "issue_notice", "items": [
            {"material": "经营场所平面图", "problem": "missing"},
            {"material": "无犯罪记录证明", "problem": "missing"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "items[1].material");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("无犯罪记录证明")
    );
    // 不合格 needs what is wrong with it.
    let res = act(
        &clerk,
        json!({"action": "issue_notice", "items": [
            {"material": "经营场所平面图", "problem": "invalid"}]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "items[0].note");

    let res = act(
        &clerk,
        json!({"action": "issue_notice", "items": ["经营场所平面图"]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // A supply without the paper asked for is refused: it used to send the case back to
    // intake with nothing new on it.
    let res = act(&citizen, json!({"action": "supply"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    assert_eq!(p["errors"][0]["field"], "materials");
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("请上传要补交的材料")
    );
    // Nor can a caller claim what it supplied: the files say it.
    let res = act(
        &citizen,
        json!({"action": "supply", "supplied": ["经营场所平面图"]}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let steps: [(&String, Value, &str); 5] = [
        (
            &citizen,
            json!({"action": "supply", "materials": [{"name": "经营场所平面图",
                "filename": "plan.pdf", "content_base64": b64(b"%PDF-1.7 plan")}]}),
            "submitted",
        ),
        (&clerk, json!({"action": "accept"}), "accepted"),
        (&reviewer, json!({"action": "start_review"}), "in_review"),
        (
            &reviewer,
            json!({"action": "decide", "approve": true, "opinion": "材料齐全，符合备案条件"}),
            "decided",
        ),
        // Applied online, the licence in the wallet is the delivery (电子送达), at once.
        (&reviewer, json!({"action": "conclude"}), "delivered"),
    ];
    for (i, (token, body, expected)) in steps.into_iter().enumerate() {
        if i == 3 {
            // The item lists no special procedure, so none can stop its clock; a decision
            // needs the reviewer's opinion, and a refusal its reason.
            for (body, field) in [
                (
                    json!({"action": "start_special_procedure", "procedure": "现场勘验",
                        "reason": "核实场地"}),
                    "procedure",
                ),
                (json!({"action": "decide", "approve": true}), "opinion"),
                (
                    json!({"action": "decide", "approve": false, "opinion": "场所不符合要求"}),
                    "reason",
                ),
            ] {
                let res = act(&reviewer, body.clone()).await.unwrap();
                assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
                assert_eq!(problem(res).await["errors"][0]["field"], field, "{body}");
            }
        }
        let res = act(token, body.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{body}");
        let view: Value = res.json().await.unwrap();
        assert_eq!(view["status"], expected, "{body}");
    }
    // The tracking page explains how the due date was counted.
    let page = app
        .get_as(&citizen, &format!("/me/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("办结日期怎么算的") && page.contains("自次日起算 3 个工作日"),
        "{page}"
    );
    // Withdrawing a decided case is not a transition.
    let res = act(&citizen, json!({"action": "withdraw", "reason": "不办了"}))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // Delivered already: a clerk's 送达 is not a step any more.
    let res = act(
        &clerk,
        json!({"action": "deliver", "method": "post", "tracking_no": "SF1234567890"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let view: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(view["status_label"], "已送达");
    let last = view["events"].as_array().unwrap().last().unwrap().clone();
    assert!(last.to_string().contains("electronic"), "{last}");
    let actions: Vec<&str> = view["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.first(), Some(&"submit"));
    assert_eq!(actions.last(), Some(&"deliver"));
    assert_eq!(actions.len(), 8);
    assert_eq!(app.store.verify_audit().await.unwrap().first_break, None);
}

#[tokio::test]
async fn the_bureau_enters_next_years_holidays_and_open_cases_are_recounted() {
    let app = TestApp::new().await;
    let before: Value = app
        .get("/api/v1/calendar/add-working-days?from=2099-12-31&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before["date"], "2100-01-01");
    assert_eq!(before["arrangement_known"], false);

    // An accepted case whose due date a calendar change will move.
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let code = find_item(&app, "spxjyd").await["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let no = apply(&app, &citizen, &code, json!({"situation": "新办"})).await;
    let accepted: Value = app
        .client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(&clerk)
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let due_before = accepted["promised_due"].as_str().unwrap().to_owned();
    let due_date = chrono::NaiveDate::parse_from_str(&due_before, "%Y-%m-%d").unwrap();

    let admin = staff_client(&app, "admin").await;
    let bad = admin
        .post_form("/admin/calendar", &[("days", "2100-02-30,holiday,春节")])
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("日期格式"));
    let lines = format!(
        "2100-01-01,holiday,元旦\n{},holiday,测试假日",
        due_date.format("%Y-%m-%d")
    );
    let res = admin
        .post_form("/admin/calendar", &[("days", lines.as_str())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(location(&res).contains("recounted=1"), "{}", location(&res));

    let after: Value = app
        .get("/api/v1/calendar/add-working-days?from=2099-12-31&days=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["date"], "2100-01-04");
    assert_eq!(after["arrangement_known"], true);
    let view: Value = app
        .get_as(&citizen, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        view["promised_due"].as_str().unwrap() > due_before.as_str(),
        "the new holiday moved the due date"
    );
}

#[tokio::test]
async fn case_progress_reaches_the_applicants_inbox_once() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let code = find_item(&app, "spxjyd").await["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let no = apply(&app, &citizen, &code, json!({"situation": "新办"})).await;
    let accepted = app
        .client
        .post(app.url(&format!("/api/v1/cases/{no}/actions")))
        .bearer_auth(&clerk)
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        accepted.status(),
        StatusCode::OK,
        "{}",
        accepted.text().await.unwrap()
    );
    let state = app.state.as_ref().unwrap();
    let sender = tongban_app::notify::Senders::log(&app.base);
    assert_eq!(
        tongban_app::notify::deliver_pending(state, &sender)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        tongban_app::notify::deliver_pending(state, &sender)
            .await
            .unwrap(),
        0,
        "delivered once"
    );
    let page = app
        .get_as(&citizen, "/me/messages")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("申请已提交") && page.contains("当前状态：已受理"),
        "{page}"
    );
}

#[tokio::test]
async fn commitment_approval_is_verified_and_a_breach_revokes_it() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    // Without the signed commitment there is no approval on commitment.
    let unsigned = apply(&app, &citizen, code, json!({"situation": "新办"})).await;
    refused_with(
        act_api(
            &app,
            &clerk,
            &unsigned,
            json!({"action": "approve_on_commitment"}),
        )
        .await,
        "未签署承诺书",
    )
    .await;
    let no = apply(
        &app,
        &citizen,
        code,
        json!({"situation": "新办", "commitment_signed": true}),
    )
    .await;
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "approve_on_commitment"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "decided");
    assert_eq!(case["decision"], true);
    let verification_due = case["verification_due"].as_str().unwrap().to_owned();
    // The department sees the verification task on its time-limit page.
    let html = app
        .get_as(&reviewer, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&no) && html.contains(&verification_due),
        "{html}"
    );
    // A breach found on verification revokes the outcome, with the reason on record.
    refused_with(
        act_api(
            &app,
            &reviewer,
            &no,
            json!({"action": "revoke", "reason": ""}),
        )
        .await,
        "撤销须写明理由",
    )
    .await;
    let res = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "revoke", "reason": "经现场核查，经营场所与承诺不符"}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "revoked");
    assert!(case["verification_due"].is_null());
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["detail"].as_str().unwrap().contains("与承诺不符"))
    );
}

#[tokio::test]
async fn deficiency_acceptance_lets_only_marked_materials_wait_and_blocks_conclusion() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    let no = apply(&app, &citizen, code, json!({"situation": "新办"})).await;
    refused_with(
        act_api(
            &app,
            &clerk,
            &no,
            json!({"action": "accept_with_deficiency", "missing": ["营业执照"]}),
        )
        .await,
        "不是本事项可容缺受理的材料",
    )
    .await;
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "accept_with_deficiency", "missing": ["从业人员健康证明"]}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "accepted");
    assert_eq!(case["deficiency_owed"], json!(["从业人员健康证明"]));
    assert!(case["deficiency_due"].is_string());
    for a in ["start_review", "decide"] {
        let res = act_api(
            &app,
            &reviewer,
            &no,
            json!({"action": a, "approve": true, "opinion": "同意"}),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{a}");
    }
    refused_with(
        act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await,
        "容缺材料尚未补齐（从业人员健康证明）",
    )
    .await;
    // Through the API, supplying nothing clears nothing: the case used to conclude after
    // `{"action":"supply_deficiency"}` with no file.
    refused_with(
        act_api(&app, &citizen, &no, json!({"action": "supply_deficiency"})).await,
        "请上传要补交的材料",
    )
    .await;
    refused_with(
        act_api(
            &app,
            &citizen,
            &no,
            json!({"action": "supply_deficiency", "materials": [{"name": "身份证",
                "filename": "id.pdf", "content_base64": b64(b"%PDF-1.7 id")}]}),
        )
        .await,
        "不是本办件待补齐的容缺材料",
    )
    .await;
    refused_with(
        act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await,
        "容缺材料尚未补齐",
    )
    .await;
    // The applicant's tracking page asks for the owed material; supplying it (with the
    // file, in one step) lets the case conclude.
    let web = staff_client(&app, CITIZEN).await;
    let html = web
        .get(&format!("/me/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("data-test=\"deficiency-owed\""));
    // Decided, yet not about to conclude: the person is told what they still owe.
    assert!(html.contains("补齐后才能办结"), "{html}");
    let csrf = extract_csrf(&html);
    // Sent without a file: the same page again, saying what is missing, not a dead end.
    let res = web
        .client
        .post(web.url(&format!(
            "/me/cases/{no}/supply?csrf={}",
            urlencoding(&csrf)
        )))
        .multipart(reqwest::multipart::Form::new().text("nothing", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("请选择要补交的材料文件") && page.contains("deficiency-owed"));
    let form = reqwest::multipart::Form::new().part(
        "file_0",
        reqwest::multipart::Part::bytes(b"%PDF-1.7 health".to_vec()).file_name("健康证明.pdf"),
    );
    let res = web
        .client
        .post(web.url(&format!(
            "/me/cases/{no}/supply?csrf={}",
            urlencoding(&csrf)
        )))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = act_api(&app, &reviewer, &no, json!({"action": "conclude"})).await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(
        case["status"], "delivered",
        "electronically, applied online"
    );
    assert!(case["deficiency_due"].is_null());
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["filename"] == "健康证明.pdf")
    );
    // Once delivered, what the decision rested on stays as it was: no check can be changed.
    let material = case["materials"][0]["id"].as_str().unwrap();
    let res = app
        .client
        .post(app.url(&format!("/api/v1/cases/{no}/materials/{material}/check")))
        .bearer_auth(&clerk)
        .json(&json!({"passed": false, "note": "事后改判"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // 我经办的 still finds it, delivered: whatever became of a case one decided.
    let mine: Value = app
        .get_as(&reviewer, "/api/v1/cases?mine=1")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case_no"] == no && c["status"] == "delivered"),
        "{mine}"
    );
}

#[tokio::test]
async fn two_stage_review_and_immediate_items() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer_rsj").await;
    let item = find_item(&app, "就业困难人员认定").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(
        act_api(&app, &clerk, &no, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        act_api(&app, &reviewer, &no, json!({"action": "start_review"}))
            .await
            .status(),
        StatusCode::OK
    );
    refused_with(
        act_api(
            &app,
            &reviewer,
            &no,
            json!({"action": "decide", "approve": true, "opinion": "同意"}),
        )
        .await,
        "尚有 1 级审查未完成",
    )
    .await;
    let res = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "pass_review_stage", "opinion": "初审：材料齐全，情况属实"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let case: Value = act_api(
        &app,
        &reviewer,
        &no,
        json!({"action": "decide", "approve": true, "opinion": "同意"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(case["status"], "decided");

    // 即办件: the window concludes it on the spot, due the same day.
    let item = find_item(&app, "失业登记").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let case: Value = act_api(&app, &clerk, &no, json!({"action": "conclude_on_the_spot"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "concluded");
    assert_eq!(
        case["promised_due"],
        case["submitted_at"].as_str().unwrap()[..10]
    );
    let other = find_item(&app, "食品小经营店备案发放").await;
    let no = apply(
        &app,
        &citizen,
        other["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办"}),
    )
    .await;
    refused_with(
        act_api(&app, &clerk, &no, json!({"action": "conclude_on_the_spot"})).await,
        "只有即办件",
    )
    .await;
}

#[tokio::test]
async fn a_window_clerk_files_for_a_person_with_proxy_consent_on_record() {
    let app = TestApp::new().await;
    let clerk = staff_client(&app, "clerk").await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap();
    let full: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let situation = full["situations"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let page = clerk.get(&format!("/staff/intake/{code}")).await;
    assert_eq!(page.status(), StatusCode::OK);
    let csrf = extract_csrf(&page.text().await.unwrap());
    let post = |fields: Vec<(&'static str, String)>| {
        let mut form = reqwest::multipart::Form::new().text("situation", situation.clone());
        for (k, v) in fields {
            form = form.text(k, v);
        }
        clerk
            .client
            .post(clerk.url(&format!("/staff/intake/{code}?csrf={}", urlencoding(&csrf))))
            .multipart(form)
            .send()
    };
    // A wrong check digit, no ID check and proxy handling without consent: all listed.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", "640303195803120241".into()),
        ("name", "马桂兰".into()),
        ("mode", "proxy".into()),
        ("agent_name", "马小红".into()),
        ("agent_id", "64030319580312024X".into()),
        ("relationship", "女儿".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("校验位") && html.contains("核验") && html.contains("同意"),
        "{html}"
    );
    // The demo citizen's number with another name is refused.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", CITIZEN.into()),
        ("name", "张三".into()),
        ("id_checked", "yes".into()),
        ("mode", "in_person".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("不一致"));
    // A person without an account, represented by her daughter: filed, registered, and
    // the clerk is the first responder.
    let res = post(vec![
        ("kind", "citizen".into()),
        ("id_number", "640303194003070024".into()),
        ("name", "马桂兰".into()),
        ("id_checked", "yes".into()),
        ("mode", "proxy".into()),
        ("agent_name", "马小红".into()),
        ("agent_id", CITIZEN.into()),
        ("relationship", "女儿".into()),
        ("consent", "yes".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let file = location(&res);
    let html = clerk.get(&file).await.text().await.unwrap();
    assert!(html.contains("窗口受理"));
    assert!(html.contains("data-test=\"first-responder\""));
    assert!(
        html.contains("代办：马**（女儿，身份证 640303********024X）"),
        "{html}"
    );
    assert!(!html.contains(CITIZEN), "the agent's number is masked");
    let person = app
        .store
        .account_by_login("640303194003070024")
        .await
        .unwrap();
    let cases = app.store.cases_of_applicant(&person.id).await.unwrap();
    assert_eq!(cases.len(), 1);
    assert_eq!(cases[0].channel, "window");
    assert!(!tongban_domain::password::verify_password(
        "",
        &person.password_hash
    ));
}

#[tokio::test]
async fn window_intake_and_supplying_materials_through_the_api() {
    let app = TestApp::new().await;
    let clerk = app.token("clerk_dahe").await;
    let citizen = app.token(CITIZEN).await;
    let item = find_item(&app, "失业登记").await;
    let code = item["implementation_code"].as_str().unwrap();
    let body = |applicant: Value| {
        json!({"implementation_code": code, "applicant": applicant, "materials": [
            {"name": "居民身份证", "filename": "a.pdf", "content_base64": b64(b"%PDF-1.7 form")}
        ]})
    };
    let person = json!({"kind": "citizen", "id_number": "640303194003070024", "name": "马桂兰",
                        "id_checked": true, "mode": "assisted", "consent": true});
    // A citizen cannot file for someone else; nothing is registered by trying.
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&citizen)
        .json(&body(person.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(
        app.store
            .account_by_login("640303194003070024")
            .await
            .is_err()
    );
    // Without consent to assisted handling: a field error.
    let mut no_consent = person.clone();
    no_consent["consent"] = json!(false);
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&clerk)
        .json(&body(no_consent))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "consent");
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&clerk)
        .json(&body(person))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let no = res.json::<Value>().await.unwrap()["case_no"]
        .as_str()
        .unwrap()
        .to_owned();
    let case: Value = app
        .get_as(&clerk, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["channel"], "window");
    // The town's clerk follows what the town's window took in, and accepts it.
    assert_eq!(
        act_api(&app, &clerk, &no, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );

    // The demo citizen's own case, applied online: the district's windows take it in, and a
    // town's clerk neither sees nor acts on it. A notice, then the material supplied through
    // the API with the step, and a bad file refused with its field.
    let own = apply(&app, &citizen, code, json!({})).await;
    assert_eq!(
        app.get_as(&clerk, &format!("/api/v1/cases/{own}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        act_api(&app, &clerk, &own, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(!clerk_inbox(&app, "clerk_dahe").await.contains(&own));
    assert!(clerk_inbox(&app, "clerk").await.contains(&own));
    let clerk = app.token("clerk").await;
    let res = act_api(
        &app,
        &clerk,
        &own,
        json!({"action": "issue_notice", "items": [
            {"material": "居民身份证", "problem": "invalid", "note": "证件照片不清晰"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = act_api(
        &app,
        &citizen,
        &own,
        json!({"action": "supply", "materials": [
            {"name": "居民身份证", "filename": "x.exe", "content_base64": b64(b"MZ\x90")}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem(res).await["errors"][0]["field"],
        "materials[0].content_base64"
    );
    let res = act_api(
        &app,
        &citizen,
        &own,
        json!({"action": "supply", "materials": [
            {"name": "居民身份证", "filename": "hk.pdf", "content_base64": b64(b"%PDF-1.7 hk")}]}),
    )
    .await;
    let case: Value = res.json().await.unwrap();
    assert_eq!(case["status"], "submitted");
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["filename"] == "hk.pdf")
    );
}

#[tokio::test]
async fn the_bureau_sees_overdue_cases_per_department_and_a_department_only_its_own() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办"}),
    )
    .await;
    assert_eq!(
        act_api(&app, &clerk, &no, json!({"action": "accept"}))
            .await
            .status(),
        StatusCode::OK
    );
    // Its promised date passed (as if accepted weeks ago).
    let case = app.store.case_by_no(&no).await.unwrap();
    let past = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
    app.store.set_case_dues(&case.id, past, past).await.unwrap();
    let supervisor = app.token("supervisor").await;
    let html = app
        .get_as(&supervisor, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    let overdue = &html[html
        .find("data-test=\"overdue-list\"")
        .expect("an overdue list")..];
    assert!(overdue.contains(&no), "the case is listed as overdue");
    assert!(html.contains("吴忠市市场监督管理局红寺堡区分局"));
    // Another department's reviewer sees their own scope only.
    let rsj = app.token("reviewer_rsj").await;
    let html = app
        .get_as(&rsj, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&no));
}

#[tokio::test]
async fn a_second_notice_beyond_what_was_supplied_is_recorded_and_counted() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply_without(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        "新办",
        &["经营场所平面图", "从业人员健康证明"],
    )
    .await;
    let notice = |items: Value| {
        act_api(
            &app,
            &clerk,
            &no,
            json!({"action": "issue_notice", "items": items}),
        )
    };
    assert_eq!(
        notice(json!(["经营场所平面图"])).await.status(),
        StatusCode::OK
    );
    let res = act_api(
        &app,
        &citizen,
        &no,
        json!({"action": "supply", "materials": [
            {"name": "经营场所平面图", "filename": "plan.pdf", "content_base64": b64(b"%PDF-1.7 plan")}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Asking again about the plan just supplied (it is 不合格: a paper held is never
    // 未提交) is within the rule; asking for a health
    // certificate the first notice never mentioned is a breach, recorded beside the notice.
    let case: Value = notice(json!([
        {"material": "经营场所平面图", "problem": "invalid", "note": "未标明尺寸"},
        "从业人员健康证明"
    ]))
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(case["status"], "awaiting_supplement");
    let breaches: Vec<&Value> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "notice_breach")
        .collect();
    assert_eq!(breaches.len(), 1);
    let detail = breaches[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("从业人员健康证明") && !detail.contains("平面图"),
        "{detail}"
    );
    let supervisor = app.token("supervisor").await;
    let html = app
        .get_as(&supervisor, "/staff/deadlines")
        .await
        .text()
        .await
        .unwrap();
    let counted = &html[html.find("data-test=\"notice-breaches\"").unwrap()..];
    assert!(counted.contains("吴忠市市场监督管理局红寺堡区分局：<strong>1</strong>"));
    // The notices, printable for the applicant; nobody else's to read.
    let printed = app
        .get_as(&citizen, &format!("/cases/{no}/notice"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(printed.matches("data-test=\"printed-notice\"").count(), 2);
    assert!(printed.contains("从业人员健康证明"));
    let enterprise = app.token(ENTERPRISE).await;
    assert_eq!(
        app.get_as(&enterprise, &format!("/cases/{no}/notice"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// A refusal on review carries the reviewer's opinion and the reason; the applicant reads
/// the reason and their remedies in the 决定书, which nobody else's account can open.
#[tokio::test]
async fn a_denial_gives_the_applicant_a_written_decision_with_remedies() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer_rsj").await;
    let item = find_item(&app, "社会保障卡申领").await;
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    assert_eq!(
        app.get_as(&citizen, &format!("/cases/{no}/decision"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "no decision yet"
    );
    assert_eq!(
        app.get_as(&citizen, &format!("/cases/{no}/receipt"))
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "not accepted yet"
    );
    for (token, body) in [
        (&clerk, json!({"action": "accept"})),
        (&reviewer, json!({"action": "start_review"})),
        (
            &reviewer,
            json!({"action": "decide", "approve": false, "opinion": "经核查，申请人已持有有效社会保障卡",
                "reason": "申请人已持有有效的社会保障卡，不得重复申领"}),
        ),
    ] {
        let res = act_api(&app, token, &no, body.clone()).await;
        assert_eq!(res.status(), StatusCode::OK, "{body}");
    }
    // Accepted, so the 受理回执 exists: what was received, by whom, and by when.
    let receipt = app
        .get_as(&citizen, &format!("/cases/{no}/receipt"))
        .await
        .text()
        .await
        .unwrap();
    assert!(receipt.contains("受理回执") && receipt.contains(&no) && receipt.contains("李婷"));
    let res = app.get_as(&citizen, &format!("/cases/{no}/decision")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    // 社会保障卡申领 is a public service, so the letter refuses to handle it (不予办理).
    assert!(html.contains("不予办理决定书"), "{html}");
    assert!(html.contains("不得重复申领"));
    assert!(html.contains("六十日内") && html.contains("六个月内"));
    let track = app
        .get_as(&citizen, &format!("/me/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(track.contains(&format!("/cases/{no}/decision")));
    assert!(
        track.contains("不得重复申领"),
        "the reason is on the timeline"
    );
    // Another applicant cannot open it.
    let stranger = app.token(ENTERPRISE).await;
    assert_eq!(
        app.get_as(&stranger, &format!("/cases/{no}/decision"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

/// The inbox page of a staff member, as HTML.
async fn clerk_inbox(app: &TestApp, login: &str) -> String {
    let staff = staff_client(app, login).await;
    staff.get("/staff/cases").await.text().await.unwrap()
}

/// Staff open what they accept and approve: every material is listed with its id, check
/// status and URL, its bytes go to the applicant and staff in scope only, every opening is
/// audited, and a material marked 不合格 says why.
#[tokio::test]
async fn staff_open_and_check_every_material() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let reviewer = app.token("reviewer").await;
    let other_reviewer = app.token("reviewer_rsj").await;
    let town_clerk = app.token("clerk_dahe").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let pdf = b"%PDF-1.7 application form".to_vec();
    let no = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({"situation": "新办", "materials": [
            {"name": "食品小经营店备案申请表", "filename": "form.pdf", "content_base64": b64(&pdf)}
        ]}),
    )
    .await;
    let case: Value = app
        .get_as(&clerk, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    let m = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "食品小经营店备案申请表")
        .unwrap()
        .clone();
    assert_eq!(m["content_type"], "application/pdf");
    assert_eq!(m["status"], "unchecked");
    assert_eq!(m["sha256"].as_str().unwrap().len(), 64);
    let url = m["url"].as_str().unwrap().to_owned();
    assert_eq!(
        url,
        format!("/api/v1/cases/{no}/materials/{}", m["id"].as_str().unwrap())
    );
    for (who, token) in [
        ("applicant", &citizen),
        ("clerk", &clerk),
        ("reviewer", &reviewer),
    ] {
        let res = app.get_as(token, &url).await;
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        assert_eq!(res.headers()["content-type"], "application/pdf", "{who}");
        assert!(
            res.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains(&format!("-{no}.pdf")),
            "{who}"
        );
        assert_eq!(res.bytes().await.unwrap().to_vec(), pdf, "{who}");
    }
    for (who, token) in [
        ("other department", &other_reviewer),
        ("town clerk", &town_clerk),
    ] {
        assert_eq!(
            app.get_as(token, &url).await.status(),
            StatusCode::NOT_FOUND,
            "{who}"
        );
    }
    let opened = app
        .store
        .recent_audit(50, Some(&format!("case:{no}")))
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "case.material_open")
        .count();
    assert_eq!(opened, 3, "each opening is on the audit trail");
    // The page serves it for the browser's own viewer.
    let page = staff_client(&app, "clerk").await;
    let res = page
        .get(&format!(
            "/cases/{no}/materials/{}",
            m["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );

    let check = |token: &String, body: Value| {
        app.client
            .post(app.url(&format!("{url}/check")))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    let res = check(&clerk, json!({"passed": false})).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "note");
    assert_eq!(
        check(&other_reviewer, json!({"passed": true}))
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let case: Value = check(&clerk, json!({"passed": false, "note": "未签名"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let m = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "食品小经营店备案申请表")
        .unwrap();
    assert_eq!(
        (m["status"].as_str(), m["note"].as_str()),
        (Some("failed"), Some("未签名"))
    );
}

/// The person comes back with the paper to another window: a town's clerk, outside the
/// case's scope, finds it by number and the person's ID (a wrong ID finds nothing), checks
/// the identity document, and takes the file in for them; the case returns to intake.
#[tokio::test]
async fn any_window_takes_in_the_missing_paper_for_the_person_in_front_of_it() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply_without(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        "新办",
        &["经营场所平面图"],
    )
    .await;
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "issue_notice", "items": [{"material": "经营场所平面图"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);

    let town = staff_client(&app, "clerk_dahe").await;
    let res = town
        .post_form(
            "/staff/supply/find",
            &[("case_no", &no), ("id_number", "640303194003070024")],
        )
        .await;
    let html = res.text().await.unwrap();
    assert!(html.contains("办件编号与申请人证件号码不匹配"), "{html}");
    assert!(
        !html.contains("经营场所平面图"),
        "nothing of the case is shown"
    );
    let html = town
        .post_form(
            "/staff/supply/find",
            &[("case_no", &no), ("id_number", CITIZEN)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("经营场所平面图"), "{html}");
    let csrf = extract_csrf(&html);
    let post = |checked: bool| {
        let mut form = reqwest::multipart::Form::new()
            .text("case_no", no.clone())
            .text("id_number", CITIZEN.to_owned())
            .part(
                "file_0",
                reqwest::multipart::Part::bytes(b"%PDF-1.7 plan".to_vec()).file_name("平面图.pdf"),
            );
        if checked {
            form = form.text("id_checked", "yes");
        }
        town.client
            .post(town.url(&format!("/staff/supply?csrf={}", urlencoding(&csrf))))
            .multipart(form)
            .send()
    };
    let html = post(false).await.unwrap().text().await.unwrap();
    assert!(html.contains("请先核验申请人的身份证件原件"), "{html}");
    let res = post(true).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let case: Value = app
        .get_as(&clerk, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "submitted");
    assert!(
        case["materials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "经营场所平面图" && m["filename"] == "平面图.pdf")
    );
    // The timeline names who took the paper in.
    let file = staff_client(&app, "clerk")
        .await
        .get(&format!("/staff/cases/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(file.contains("操作人 周小梅"), "{file}");
    // Nothing is owed now, so the window has nothing to take.
    let html = town
        .post_form(
            "/staff/supply/find",
            &[("case_no", &no), ("id_number", CITIZEN)],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("没有需要补交的材料"), "{html}");
}

/// Staff lists: filtered, paged and scoped the same on the page and in the API; a wrong
/// filter is named; a search by the applicant's number is posted and finds their cases.
#[tokio::test]
async fn case_lists_filter_page_and_search_within_scope() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let town_clerk = app.token("clerk_dahe").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let code = item["implementation_code"].as_str().unwrap();
    let mut online = Vec::new();
    for _ in 0..3 {
        online.push(apply(&app, &citizen, code, json!({"situation": "新办"})).await);
    }
    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let res = app.get_as(&token, &format!("/api/v1/cases{query}")).await;
            let status = res.status();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let (status, page) = list(clerk.clone(), "?channel=online&item=").await;
    assert_eq!(status, StatusCode::OK);
    let numbers: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_no"].as_str().unwrap())
        .collect();
    for no in &online {
        assert!(numbers.contains(&no.as_str()), "{no}");
    }
    let first = &page["items"][0];
    assert!(first["applicant"].as_str().unwrap().contains("*"), "masked");
    assert_eq!(page["page"], 1);
    // A town's clerk sees none of the district's online applications.
    let (_, page) = list(town_clerk.clone(), "?channel=online").await;
    assert!(
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| !online.contains(&c["case_no"].as_str().unwrap().to_owned()))
    );
    // Filters by item too; a wrong filter is named.
    let (_, page) = list(clerk.clone(), "?item=000000000000000000000000000").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    let (status, p) = list(clerk.clone(), "?status=lost&page=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "page"]);
    let (status, _) = list(citizen.clone(), "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A status may repeat; a yes/no filter is yes or no.
    let (status, _) = list(clerk.clone(), "?status=submitted&status=accepted").await;
    assert_eq!(status, StatusCode::OK);
    let (status, p) = list(clerk.clone(), "?overdue=2").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(p["errors"][0]["field"], "overdue");

    // The page: a table with the applicant masked, a Chinese error for a wrong date.
    let web = staff_client(&app, "clerk").await;
    let html = web
        .get("/staff/cases?channel=online")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&online[0]) && html.contains("网上申请"));
    let res = web.get("/staff/cases?from=2026-02-30").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("日期格式应为"));
    // A search by the applicant's ID number, posted.
    let html = web
        .post_form("/staff/cases/search", &[("q", CITIZEN)])
        .await
        .text()
        .await
        .unwrap();
    for no in &online {
        assert!(html.contains(no.as_str()), "{no}");
    }
    let html = web
        .post_form("/staff/cases/search", &[("q", &online[1])])
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(online[1].as_str()) && !html.contains(online[0].as_str()));
}

/// A step's body that does not fit is answered in Chinese, naming the field; a supply must
/// bring what the notice asked for, and may bring it one paper at a time.
#[tokio::test]
async fn step_bodies_are_checked_in_chinese_and_supplies_answer_the_notice() {
    let app = TestApp::new().await;
    let citizen = app.token(CITIZEN).await;
    let clerk = app.token("clerk").await;
    let item = find_item(&app, "食品小经营店备案发放").await;
    let no = apply_without(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        "新办",
        &["经营场所平面图", "营业执照"],
    )
    .await;
    for (body, field) in [
        (json!({"action": "fly"}), "action"),
        (json!({"action": "issue_notice", "items": [42]}), "items"),
        (json!({"action": "refuse"}), "reason"),
    ] {
        let res = act_api(&app, &clerk, &no, body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let p = problem(res).await;
        assert_eq!(p["errors"][0]["field"], field, "{body}");
        let message = p["errors"][0]["message"].as_str().unwrap();
        assert!(
            !message.contains("expected") && !message.contains("variant"),
            "{message}"
        );
    }
    let res = act_api(
        &app,
        &clerk,
        &no,
        json!({"action": "issue_notice", "items": [
            {"material": "经营场所平面图"}, {"material": "营业执照"}]}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let supply = |name: &str| {
        json!({"action": "supply", "materials": [
            {"name": name, "filename": "x.pdf", "content_base64": b64(b"%PDF-1.7 x")}]})
    };
    let res = act_api(&app, &citizen, &no, supply("随便一份材料")).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "materials");
    let case: Value = act_api(&app, &citizen, &no, supply("营业执照"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        case["status"], "awaiting_supplement",
        "one paper still owed"
    );
    let case: Value = act_api(&app, &citizen, &no, supply("经营场所平面图"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(case["status"], "submitted");
}

/// An application form refused for one thing keeps everything else: the file already sent
/// (kept server-side for the draft, shown as sent, filed with the case without choosing it
/// again) and the waivers; a wrong file type names its material.
#[tokio::test]
async fn a_refused_application_form_keeps_its_files_and_waivers() {
    let app = TestApp::new().await;
    let citizen = staff_client(&app, CITIZEN).await;
    let item = find_item(&app, "居住证办理").await;
    let code = item["implementation_code"].as_str().unwrap().to_owned();
    let full: Value = app
        .get(&format!("/api/v1/items/{code}"))
        .await
        .json()
        .await
        .unwrap();
    let situation = full["situations"][0]["name"].as_str().unwrap().to_owned();
    // (Material 0, the ID card, is waived for the demo citizen: her licence stands for it.)
    let first = full["materials"][1]["name"].as_str().unwrap().to_owned();
    let second = full["materials"][2]["name"].as_str().unwrap().to_owned();
    let page = citizen
        .get(&format!("/apply/{code}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&page);
    let marker = "name=\"submission\" value=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let draft = page[start..start + page[start..].find('"').unwrap()].to_owned();
    let post = |form: reqwest::multipart::Form| {
        citizen
            .client
            .post(citizen.url(&format!("/apply/{code}?csrf={}", urlencoding(&csrf))))
            .multipart(form.text("submission", draft.clone()))
            .send()
    };
    // No situation chosen, one good file and one that is not a document.
    let form = reqwest::multipart::Form::new()
        .part(
            "file_1",
            reqwest::multipart::Part::bytes(b"%PDF-1.7 kept".to_vec()).file_name("第一份.pdf"),
        )
        .part(
            "file_2",
            reqwest::multipart::Part::bytes(b"MZ not a document".to_vec()).file_name("x.png"),
        );
    let res = post(form).await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("请选择本事项的一种办事情形"), "{html}");
    assert!(
        html.contains(&format!("“{second}”：只接受")),
        "the type error names the material: {html}"
    );
    assert!(html.contains("已上传：第一份.pdf"), "{html}");
    // Choosing the situation and sending nothing else files the kept file with the case.
    let res = post(reqwest::multipart::Form::new().text("situation", situation))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let no = location(&res).rsplit('/').next().unwrap().to_owned();
    let token = app.token(CITIZEN).await;
    let case: Value = app
        .get_as(&token, &format!("/api/v1/cases/{no}"))
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&first.as_str()), "{case}");
    // The waived ID card opens at the desk as the licence it is, not as raw JSON.
    let id_card = full["materials"][0]["name"].as_str().unwrap();
    let waived = case["materials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == id_card)
        .expect("the waived material is on the case");
    let clerk = app.token("clerk").await;
    let page = app
        .get_as(
            &clerk,
            &format!("/cases/{no}/materials/{}", waived["id"].as_str().unwrap()),
        )
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("免提交材料") && html.contains("data-test=\"licence-status\""),
        "{html}"
    );
    let owner = app.store.account_by_login(CITIZEN).await.unwrap();
    assert!(
        app.store
            .draft_uploads(&owner.id, &draft)
            .await
            .unwrap()
            .is_empty(),
        "the filed draft is forgotten"
    );

    // Waivers stay on a re-rendered form.
    let card = find_item(&app, "社会保障卡申领").await;
    let card = card["implementation_code"].as_str().unwrap().to_owned();
    let form = reqwest::multipart::Form::new()
        .text("submission", "card-draft")
        .part(
            "file_0",
            reqwest::multipart::Part::bytes(b"MZ".to_vec()).file_name("x.pdf"),
        );
    let res = citizen
        .client
        .post(citizen.url(&format!("/apply/{card}?csrf={}", urlencoding(&csrf))))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("免提交"), "{html}");
}
