//! 好差评, 整改, 12345 and 办不成事 (issue 12), driven through the real server.

use crate::support::*;

async fn post_json(app: &TestApp, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn rate(app: &TestApp, token: &str, no: &str, body: Value) -> reqwest::Response {
    post_json(app, token, &format!("/api/v1/cases/{no}/evaluations"), body).await
}

async fn step(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let res = post_json(
        app,
        token,
        &format!("/api/v1/rectifications/{id}/actions"),
        body.clone(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_bad_rating_goes_round_the_whole_loop_with_an_appeal() {
    let app = TestApp::new().await;
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let citizen = app.token(CITIZEN).await;

    // Field errors in Chinese, each naming its field.
    let res = rate(&app, &citizen, &no, json!({"stage": "later", "level": 7})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p = problem(res).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["stage", "level"]);
    let res = rate(
        &app,
        &citizen,
        &no,
        json!({"stage": "conclusion", "level": 1}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a bad rating says why"
    );

    let res = rate(
        &app,
        &citizen,
        &no,
        json!({"stage": "conclusion", "level": 1, "reasons": ["repeat_visits"], "comment": "跑了三趟"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["level"], 1);
    let task = created["rectification"]["id"].as_str().unwrap().to_owned();
    // Opened Friday 27 November: 15 working days run to Friday 18 December.
    assert_eq!(created["rectification"]["due"], "2026-12-18");

    // Once per stage; the other stage is still open, and a good rating opens nothing.
    let again = rate(
        &app,
        &citizen,
        &no,
        json!({"stage": "conclusion", "level": 5}),
    )
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(problem(again).await["code"], "already_rated");
    let good: Value = rate(
        &app,
        &citizen,
        &no,
        json!({"stage": "acceptance", "level": 5}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(good["rectification"].is_null());

    let reviewer = app.token("reviewer_rsj").await;
    let other_department = app.token("reviewer").await;
    let admin = app.token("admin").await;
    // Another department does not see the task; the rater cannot take the department's step.
    let res = app
        .get_as(&other_department, &format!("/api/v1/rectifications/{task}"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = post_json(
        &app,
        &citizen,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "verify", "note": "x"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // The bureau cannot close what has not been answered.
    let res = post_json(
        &app,
        &admin,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "close", "note": "x"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);

    step(
        &app,
        &reviewer,
        &task,
        json!({"action": "verify", "note": "已电话联系马女士，反映需多次到窗口"}),
    )
    .await;
    let res = post_json(
        &app,
        &reviewer,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "answer", "note": "x"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "an answer says whether it rectified"
    );
    step(
        &app,
        &reviewer,
        &task,
        json!({"action": "answer", "outcome": "rectified", "note": "社保卡改为邮寄送达"}),
    )
    .await;
    step(
        &app,
        &reviewer,
        &task,
        json!({"action": "feedback", "note": "已电话告知"}),
    )
    .await;
    let appealed = step(
        &app,
        &citizen,
        &task,
        json!({"action": "appeal", "note": "邮寄要另付费"}),
    )
    .await;
    assert_eq!(appealed["status"], "rectifying");
    assert_eq!(appealed["appealed"], true);
    step(
        &app,
        &reviewer,
        &task,
        json!({"action": "answer", "outcome": "explained", "note": "邮寄费用由财政承担"}),
    )
    .await;
    step(
        &app,
        &reviewer,
        &task,
        json!({"action": "feedback", "note": "再次电话告知"}),
    )
    .await;
    let res = post_json(
        &app,
        &citizen,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "appeal", "note": "再申诉"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "one appeal only");
    // Nor close while the rater may still accept or appeal.
    let res = post_json(
        &app,
        &admin,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "close", "note": "x"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "the rater has not answered"
    );
    let file = app
        .get_as(&reviewer, &format!("/api/v1/rectifications/{task}"))
        .await;
    let file: serde_json::Value = file.json().await.unwrap();
    assert!(
        file["reasons"].as_array().is_some_and(|r| !r.is_empty()),
        "the department reads the rating's reasons: {file}"
    );
    step(&app, &citizen, &task, json!({"action": "accept"})).await;
    let closed = step(
        &app,
        &admin,
        &task,
        json!({"action": "close", "note": "整改到位"}),
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let actions: Vec<&str> = closed["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "open", "verify", "answer", "feedback", "appeal", "answer", "feedback", "accept",
            "close"
        ]
    );
    let res = post_json(
        &app,
        &admin,
        &format!("/api/v1/rectifications/{task}/actions"),
        json!({"action": "note", "note": "更正"}),
    )
    .await;
    assert_eq!(
        res.status(),
        StatusCode::CONFLICT,
        "nothing moves a closed task"
    );

    // Every step is on the audit chain, and the chain holds.
    let audit = app
        .store
        .recent_audit(100, Some(&format!("rectification:{task}")))
        .await
        .unwrap();
    assert_eq!(audit.len(), 9, "one audit row per entry");
    assert_eq!(app.store.verify_audit().await.unwrap().first_break, None);

    // The rater was told, and the bureau's list shows the closed task in its rate.
    let messages = app.get_as(&citizen, "/api/v1/me").await;
    assert_eq!(messages.status(), StatusCode::OK);
    let list: Value = app
        .get_as(&admin, "/api/v1/evaluations?department=D-RSJ&level=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["rectification_status"], "closed");
    // Scoped: the other department's list does not hold it; a bad filter is a field error.
    let list: Value = app
        .get_as(&other_department, "/api/v1/evaluations")
        .await
        .json()
        .await
        .unwrap();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["case_no"] != json!(no))
    );
    let res = app
        .get_as(&admin, "/api/v1/evaluations?from=2026-13-01")
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(res).await["errors"][0]["field"], "from");
}

#[tokio::test]
async fn someone_elses_case_is_not_found_and_an_open_case_cannot_be_rated_at_conclusion() {
    let app = TestApp::new().await;
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let enterprise = app.token(ENTERPRISE).await;
    let res = rate(
        &app,
        &enterprise,
        &no,
        json!({"stage": "conclusion", "level": 5}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let clerk = app.token("clerk").await;
    let res = rate(
        &app,
        &clerk,
        &no,
        json!({"stage": "conclusion", "level": 5}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "staff do not rate");

    let citizen = app.token(CITIZEN).await;
    let item = find_item(&app, "社会保障卡申领").await;
    let open = apply(
        &app,
        &citizen,
        item["implementation_code"].as_str().unwrap(),
        json!({}),
    )
    .await;
    let res = rate(
        &app,
        &citizen,
        &open,
        json!({"stage": "acceptance", "level": 4}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "not yet accepted");
    assert_eq!(problem(res).await["code"], "stage_not_open");
}

#[tokio::test]
async fn a_department_that_misses_its_time_is_escalated_to_the_bureau() {
    let app = TestApp::new().await;
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let citizen = app.token(CITIZEN).await;
    let created: Value = rate(
        &app,
        &citizen,
        &no,
        json!({"stage": "conclusion", "level": 2, "reasons": ["long_wait"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let task = created["rectification"]["id"].as_str().unwrap().to_owned();

    // The escalation job, run today, finds nothing late.
    let state = app.state.as_ref().unwrap();
    assert_eq!(
        tongban_app::feedback::escalate_overdue(state)
            .await
            .unwrap(),
        0
    );

    // The same job on Wednesday 2 December (the call back was due Monday 30 November).
    let later = app.app_at(chrono::Duration::days(5)).await;
    assert_eq!(
        tongban_app::feedback::escalate_overdue(&later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        tongban_app::feedback::escalate_overdue(&later)
            .await
            .unwrap(),
        0,
        "once"
    );

    let admin = app.token("admin").await;
    let t: Value = app
        .get_as(&admin, &format!("/api/v1/rectifications/{task}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t["escalated"], true);
    assert_eq!(
        t["events"].as_array().unwrap().last().unwrap()["action"],
        "escalate"
    );
    let audit = app
        .store
        .recent_audit(10, Some(&format!("rectification:{task}")))
        .await
        .unwrap();
    assert!(audit.iter().any(|a| a.action == "rectification.escalate"));

    // The bureau's list of escalated tasks shows it in red.
    let bureau = staff_client(&app, "admin").await;
    let html = bureau
        .get("/staff/rectifications?show=escalated")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("逾期督办") && html.contains(&no), "{html}");
}

#[tokio::test]
async fn a_hotline_call_is_routed_answered_called_back_and_a_rating_call_rates_the_case() {
    let app = TestApp::new().await;
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let operator = app.token("hotline").await;
    let citizen = app.token(CITIZEN).await;

    // Only operators record calls; every field is checked.
    let res = post_json(
        &app,
        &citizen,
        "/api/v1/tickets",
        json!({"kind": "complaint"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = post_json(
        &app,
        &operator,
        "/api/v1/tickets",
        json!({"kind": "complaint", "caller_phone": "12", "case_no": "NOPE"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let res = post_json(
        &app,
        &operator,
        "/api/v1/tickets",
        json!({"kind": "complaint", "caller_name": "马女士", "caller_phone": "13909531234", "case_no": no, "text": "窗口让我跑了三趟"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    let ticket = t["ticket_no"].as_str().unwrap().to_owned();
    assert!(ticket.starts_with("RX20261127"), "{ticket}");
    assert_eq!(t["department"], "红寺堡区人力资源和社会保障局");
    assert_eq!(t["due"], "2026-12-04", "a complaint: five working days");

    let reviewer = app.token("reviewer_rsj").await;
    let act = |token: String, body: Value| {
        let app = &app;
        let ticket = ticket.clone();
        async move {
            post_json(
                app,
                &token,
                &format!("/api/v1/tickets/{ticket}/actions"),
                body,
            )
            .await
        }
    };
    let res = act(operator.clone(), json!({"action": "answer", "note": "x"})).await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the department answers"
    );
    let res = act(
        reviewer.clone(),
        json!({"action": "answer", "note": "已改为一次办结"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = act(
        operator.clone(),
        json!({"action": "call_back", "satisfaction": "dissatisfied", "note": "仍不满意"}),
    )
    .await;
    let v: Value = res.json().await.unwrap();
    assert_eq!(
        v["status"], "assigned",
        "a dissatisfied caller sends it back once"
    );
    act(
        reviewer.clone(),
        json!({"action": "answer", "note": "当面致歉"}),
    )
    .await;
    let v: Value = act(
        operator.clone(),
        json!({"action": "call_back", "satisfaction": "basic", "note": "基本满意"}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["status"], "closed");
    assert_eq!(v["satisfaction"], "basic");
    let res = app
        .get_as(
            &app.token("reviewer").await,
            &format!("/api/v1/tickets/{ticket}"),
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "another department does not see it"
    );

    // A rating call from someone who is not the applicant is refused; from the applicant it
    // becomes the case's conclusion rating, with its task.
    let rating = json!({"kind": "evaluation", "caller_phone": "13909531234", "case_no": no, "text": "不满意", "level": 2, "caller_id_number": "640303195803120241"});
    let res = post_json(&app, &operator, "/api/v1/tickets", rating.clone()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut rating = rating;
    rating["caller_id_number"] = json!(CITIZEN);
    let res = post_json(&app, &operator, "/api/v1/tickets", rating.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let again = post_json(&app, &operator, "/api/v1/tickets", rating).await;
    assert_eq!(again.status(), StatusCode::CONFLICT, "the stage is rated");
    let admin = app.token("admin").await;
    let list: Value = app
        .get_as(&admin, "/api/v1/evaluations?channel=hotline")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"][0]["case_no"], json!(no));
    assert!(list["items"][0]["rectification_id"].is_string());
}

#[tokio::test]
async fn the_counter_tablet_rates_a_window_case_without_a_login() {
    let app = TestApp::new().await;
    let no = concluded_case(&app, "社会保障卡申领", "reviewer_rsj").await;
    let clerk = staff_client(&app, "clerk").await;
    let res = clerk
        .post_form(&format!("/staff/cases/{no}/rating-link"), &[("window", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let link = location(&res);
    assert!(link.starts_with("/rate/"), "{link}");

    // Anyone holding the tablet: no session.
    let tablet = TestApp {
        base: app.base.clone(),
        client: browser_client(),
        store: app.store.clone(),
        state: None,
        _dir: tempfile::tempdir().unwrap(),
    };
    let html = tablet.get(&link).await.text().await.unwrap();
    assert!(html.contains("请您评价本次服务"), "{html}");
    let csrf = extract_csrf(&html);
    let res = tablet
        .client
        .post(tablet.url(&link))
        .form(&[
            ("csrf", csrf.as_str()),
            ("stage", "conclusion"),
            ("level", "9"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("请选择满意程度"));
    let res = tablet
        .client
        .post(tablet.url(&link))
        .form(&[
            ("csrf", csrf.as_str()),
            ("stage", "conclusion"),
            ("level", "5"),
            ("reasons", "efficient"),
            ("reasons", "friendly"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let admin = app.token("admin").await;
    let list: Value = app
        .get_as(&admin, "/api/v1/evaluations?channel=window")
        .await
        .json()
        .await
        .unwrap();
    let e = &list["items"][0];
    assert_eq!(e["case_no"], json!(no));
    assert_eq!(e["staff"], "李婷", "the clerk who handed over the tablet");
    assert_eq!(e["reasons"], json!(["efficient", "friendly"]));
    assert_eq!(
        tablet.get("/rate/not-a-token").await.status(),
        StatusCode::NOT_FOUND
    );
    // The next person at the counter sees nothing of this rating.
    let after = tablet.get(&link).await.text().await.unwrap();
    assert!(!after.contains("given-ratings"), "{after}");

    // A hall's poster: anonymous ratings, at most three a day from one device.
    let hall = app
        .store
        .list_halls(&[], &tongban_domain::authz::Scope::All)
        .await
        .unwrap()[0]
        .id
        .clone();
    let poster = tablet
        .get(&format!("/rate/hall/{hall}/poster"))
        .await
        .text()
        .await
        .unwrap();
    assert!(poster.contains(&format!("/rate/hall/{hall}")) && poster.contains("<svg"));
    let form = tablet
        .get(&format!("/rate/hall/{hall}"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&form);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let res = tablet
            .client
            .post(tablet.url(&format!("/rate/hall/{hall}")))
            .form(&[("csrf", csrf.as_str()), ("level", "4")])
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert_eq!(
        statuses,
        [
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::SEE_OTHER,
            StatusCode::CONFLICT
        ]
    );
}

#[tokio::test]
async fn a_problem_at_the_desk_goes_to_a_lead_department_and_back() {
    let app = TestApp::new().await;
    let desk = staff_client(&app, "clerk").await;
    let res = desk
        .post_form(
            "/staff/problems",
            &[
                ("category", "buck_passing"),
                ("text", ""),
                ("raiser_name", "马秀兰"),
                ("raiser_phone", "139"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("请写下遇到的问题") && html.contains("联系电话"),
        "{html}"
    );
    let res = desk
        .post_form(
            "/staff/problems",
            &[
                ("category", "buck_passing"),
                ("text", "低保和残疾补贴两个部门互相推"),
                ("raiser_name", "马秀兰"),
                ("raiser_phone", "13909531234"),
                ("raiser_id_number", CITIZEN),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let no = page.rsplit('/').next().unwrap().to_owned();
    let res = desk
        .post_form(
            &page,
            &[("action", "assign"), ("lead", "D-RSJ"), ("note", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let lead = staff_client(&app, "reviewer_rsj").await;
    let res = lead
        .post_form(
            &page,
            &[("action", "answer"), ("note", "已协调民政局，本周内上门")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = desk
        .post_form(
            &page,
            &[
                ("action", "close"),
                ("resolution", "catalog_change"),
                ("note", "已确认"),
                ("adjustment", ""),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a catalog change names the item"
    );
    let res = desk
        .post_form(
            &page,
            &[
                ("action", "close"),
                ("resolution", "solved"),
                ("note", "马女士确认已解决"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The person follows it from their account.
    let citizen = staff_client(&app, CITIZEN).await;
    let html = citizen
        .get(&format!("/me/problems/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("已解决") && html.contains("已办结"), "{html}");
    let mine = citizen.get("/me/feedback").await.text().await.unwrap();
    assert!(mine.contains(&no));
}
