//! A hall's day (issue 16): numbers taken at the kiosk, on a phone and by a clerk, called in
//! the queue's order at a two-window town hall with priority people and bookings among the
//! walk-ins; transfers; the hall's screen; bookings never required.

use super::support::*;

/// A hall by kind and name part, with its windows.
async fn hall(app: &TestApp, name_part: &str) -> Value {
    let halls: Value = app.get("/api/v1/halls").await.json().await.unwrap();
    halls
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"].as_str().unwrap().contains(name_part))
        .cloned()
        .unwrap_or_else(|| panic!("a hall named {name_part}"))
}

fn window(hall: &Value, number: &str) -> String {
    hall["windows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["number"] == number)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn take(app: &TestApp, token: Option<&str>, hall_id: &str, body: Value) -> Value {
    let mut req = app
        .client
        .post(app.url(&format!("/api/v1/halls/{hall_id}/tickets")))
        .json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED, "{body}");
    res.json().await.unwrap()
}

async fn call(app: &TestApp, token: &str, window_id: &str) -> Option<Value> {
    let res = app
        .client
        .post(app.url(&format!("/api/v1/windows/{window_id}/call-next")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    match res.status() {
        StatusCode::NO_CONTENT => None,
        StatusCode::OK => Some(res.json().await.unwrap()),
        other => panic!("call-next answered {other}: {}", res.text().await.unwrap()),
    }
}

async fn step(
    app: &TestApp,
    token: &str,
    window_id: &str,
    ticket_id: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!(
            "/api/v1/windows/{window_id}/tickets/{ticket_id}/actions"
        )))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Serves the ticket a window just called, to free the window for its next call.
async fn serve(app: &TestApp, token: &str, window_id: &str, ticket_id: &str) {
    let res = step(app, token, window_id, ticket_id, json!({"action": "start"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = step(app, token, window_id, ticket_id, json!({"action": "end"})).await;
    assert_eq!(res.status(), StatusCode::OK);
}

/// Books a slot of today as the demo citizen on a clock of the day before (the test server's
/// clock starts at 09:00, when the 09:00 slot can no longer be booked).
async fn book_yesterday(app: &TestApp, hall_id: &str, slot: &str) -> String {
    let earlier = app.app_at(-chrono::Duration::days(1)).await;
    let account = app.store.account_by_login(CITIZEN).await.unwrap();
    let actor = tongban_app::Actor::of(account);
    let a = tongban_app::halls::appointments::book(
        &earlier,
        &actor,
        tongban_app::halls::appointments::BookingRequest {
            hall_id: hall_id.into(),
            kind: tongban_domain::org::WindowKind::Comprehensive,
            implementation_code: None,
            date: chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap(),
            slot: chrono::NaiveTime::parse_from_str(slot, "%H:%M").unwrap(),
        },
    )
    .await
    .unwrap();
    a.code
}

#[tokio::test]
async fn a_day_at_a_two_window_town_hall() {
    let app = TestApp::new().await;
    let town = hall(&app, "大河乡民生").await;
    let hall_id = town["id"].as_str().unwrap().to_owned();
    let (w1, w2) = (window(&town, "01"), window(&town, "02"));
    let clerk = app.token("clerk_dahe").await;
    let citizen = app.token(CITIZEN).await;

    // Open now, with an empty queue.
    let detail: Value = app
        .get(&format!("/api/v1/halls/{hall_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["open_now"], true, "{detail}");
    assert_eq!(detail["today"], "2026-11-27");
    assert_eq!(detail["today_hours"][0]["opens"], "09:00");

    // Bookings made the day before: the 09:00 slot (already running) and the 09:30 one.
    let in_slot = book_yesterday(&app, &hall_id, "09:00").await;
    let early = book_yesterday(&app, &hall_id, "09:30").await;

    // Walk-ins first (kiosk, anonymous), then the booked people arrive, then a priority
    // person: nobody had to book.
    let w_a = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive"}),
    )
    .await;
    assert_eq!(w_a["ticket_no"], "A001");
    assert_eq!(w_a["position"], 1);
    assert_eq!(w_a["channel"], "kiosk");
    let w_b = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive", "priority": false}),
    )
    .await;
    assert_eq!(w_b["waiting_before"], 1);
    let booked_now = take(
        &app,
        Some(&citizen),
        &hall_id,
        json!({"window_kind": "comprehensive", "appointment_id": in_slot}),
    )
    .await;
    assert_eq!(
        booked_now["waiting_before"], 0,
        "a number booked for the running slot counts from its start: {booked_now}"
    );
    assert_eq!(booked_now["channel"], "mobile");
    let booked_early = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive", "appointment_id": early}),
    )
    .await;
    assert_eq!(
        booked_early["waiting_before"], 3,
        "an early arrival waits for the slot like anyone who came then"
    );
    let w_c = take(
        &app,
        Some(&clerk),
        &hall_id,
        json!({"window_kind": "comprehensive"}),
    )
    .await;
    assert_eq!(w_c["channel"], "window");
    let priority = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive", "priority": true}),
    )
    .await;
    assert_eq!(priority["waiting_before"], 0);
    // A booking is used once.
    let again = app
        .client
        .post(app.url(&format!("/api/v1/halls/{hall_id}/tickets")))
        .json(&json!({"window_kind": "comprehensive", "appointment_id": in_slot}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem(again).await["errors"][0]["field"], "appointment_id");

    // The public queue.
    let q: Value = app
        .get(&format!("/api/v1/halls/{hall_id}/queue"))
        .await
        .json()
        .await
        .unwrap();
    let comprehensive = q["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["window_kind"] == "comprehensive")
        .unwrap();
    assert_eq!(comprehensive["waiting"], 6);

    // Two windows call in turns; the order is priority, then by when each number counts from.
    let expected = [&priority, &booked_now, &w_a, &w_b, &w_c, &booked_early];
    let mut called = Vec::new();
    for i in 0..expected.len() {
        let w = if i % 2 == 0 { &w1 } else { &w2 };
        let c = call(&app, &clerk, w).await.expect("someone waits");
        assert!(c["spoken"].as_str().unwrap().starts_with("请A"), "{c}");
        // A window holds one number: calling again before serving is refused.
        let busy = app
            .client
            .post(app.url(&format!("/api/v1/windows/{w}/call-next")))
            .bearer_auth(&clerk)
            .send()
            .await
            .unwrap();
        assert_eq!(busy.status(), StatusCode::CONFLICT);
        serve(&app, &clerk, w, c["ticket_id"].as_str().unwrap()).await;
        called.push(c["ticket_no"].as_str().unwrap().to_owned());
    }
    let want: Vec<String> = expected
        .iter()
        .map(|t| t["ticket_no"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(called, want);
    assert!(call(&app, &clerk, &w1).await.is_none(), "nobody left: 204");

    // The times are recorded for the assessment.
    let t = app
        .store
        .ticket(w_a["ticket_id"].as_str().unwrap())
        .await
        .unwrap();
    assert!(t.called_at.is_some() && t.started_at.is_some() && t.ended_at.is_some());
    assert_eq!(t.status, tongban_domain::hall::queue::TicketStatus::Done);

    // A district clerk may work this hall too; a town clerk may not work another town's.
    let other_town = hall(&app, "太阳山镇民生").await;
    let res = app
        .client
        .post(app.url(&format!(
            "/api/v1/windows/{}/call-next",
            window(&other_town, "01")
        )))
        .bearer_auth(&clerk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn transfers_skips_and_the_screen() {
    let app = TestApp::new().await;
    let centre = hall(&app, "红寺堡区政务服务中心").await;
    let hall_id = centre["id"].as_str().unwrap().to_owned();
    assert_eq!(centre["windows"].as_array().unwrap().len(), 30);
    let (w1, w2, w27) = (
        window(&centre, "01"),
        window(&centre, "02"),
        window(&centre, "27"),
    );
    let clerk = app.token("clerk").await;

    let first = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive"}),
    )
    .await;
    let second = take(
        &app,
        None,
        &hall_id,
        json!({"window_kind": "comprehensive"}),
    )
    .await;
    let helped = take(&app, None, &hall_id, json!({"window_kind": "assistance"})).await;
    assert_eq!(helped["ticket_no"], "B001");

    // Called at 01, then handed to 帮办代办 window 27 by name: it comes first there, before
    // the number already waiting for that window.
    let c = call(&app, &clerk, &w1).await.unwrap();
    assert_eq!(c["ticket_no"], first["ticket_no"]);
    assert_eq!(c["text"], "请 A001 号到 1 号窗口");
    assert_eq!(c["spoken"], "请A零零一号到一号窗口办理");
    let res = step(
        &app,
        &clerk,
        &w1,
        c["ticket_id"].as_str().unwrap(),
        json!({"action": "transfer", "to_window": w27}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let moved: Value = res.json().await.unwrap();
    assert_eq!(moved["status"], "waiting");
    assert_eq!(moved["window_kind"], "assistance");
    assert_eq!(moved["transfers"], 1);
    let at_27 = call(&app, &clerk, &w27).await.unwrap();
    assert_eq!(at_27["ticket_no"], "A001", "a handover is not a new wait");
    // Window 01 is free again and calls the next comprehensive number.
    let c2 = call(&app, &clerk, &w1).await.unwrap();
    assert_eq!(c2["ticket_no"], second["ticket_no"]);

    // Another window cannot step on 01's number.
    let res = step(
        &app,
        &clerk,
        &w2,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "start"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // A transfer to a window of another hall is refused by field.
    let town = hall(&app, "大河乡民生").await;
    let res = step(
        &app,
        &clerk,
        &w1,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "transfer", "to_window": window(&town, "01")}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = step(
        &app,
        &clerk,
        &w1,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "fly"}),
    )
    .await;
    assert_eq!(problem(res).await["errors"][0]["field"], "action");

    // The screen shows both calls, newest first, and refreshes itself.
    let screen = app.get(&format!("/halls/{hall_id}/display")).await;
    assert_eq!(
        screen.headers()["refresh"],
        "5",
        "the screen reloads itself"
    );
    let html = screen.text().await.unwrap();
    let a002 = html.find("请 A002 号到 1 号窗口").expect("the newest call");
    let a001 = html
        .find("请 A001 号到 27 号窗口")
        .expect("the transferred call");
    assert!(a002 < a001, "newest first");
    assert!(
        html.contains("请A零零二号到一号窗口办理"),
        "spoken text for screen readers"
    );

    // Recall, then skip: a missed number goes back in line only when the person returns.
    let res = step(
        &app,
        &clerk,
        &w1,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "recall"}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["recalls"], 1);
    let res = step(
        &app,
        &clerk,
        &w1,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "skip"}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "missed");
    assert!(call(&app, &clerk, &w1).await.is_none());
    let res = step(
        &app,
        &clerk,
        &w2,
        c2["ticket_id"].as_str().unwrap(),
        json!({"action": "requeue"}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "waiting");
    assert_eq!(call(&app, &clerk, &w2).await.unwrap()["ticket_no"], "A002");

    // The hall page says it is open and how many wait.
    let page = app
        .get(&format!("/halls/{hall_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("正在办公"), "{page}");
}

#[tokio::test]
async fn bookings_are_offered_never_required() {
    let app = TestApp::new().await;
    let town = hall(&app, "大河乡民生").await;
    let hall_id = town["id"].as_str().unwrap().to_owned();
    let citizen = app.token(CITIZEN).await;

    // Today's slots: the running ones are listed, not offered; each window one place.
    let slots: Value = app
        .get(&format!("/api/v1/halls/{hall_id}/slots"))
        .await
        .json()
        .await
        .unwrap();
    let first = &slots["slots"][0];
    assert_eq!(first["starts"], "09:00");
    assert_eq!(first["bookable"], false);
    assert_eq!(first["capacity"], 2, "two 综合受理 windows");

    let book = |body: Value| {
        let app = &app;
        let citizen = citizen.clone();
        async move {
            app.client
                .post(app.url("/api/v1/appointments"))
                .bearer_auth(&citizen)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let monday = json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-30", "slot": "10:00"});
    let res = book(monday.clone()).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let a: Value = res.json().await.unwrap();
    assert_eq!(a["status"], "booked");
    assert_eq!(a["code"].as_str().unwrap().len(), 8);

    // Sunday is closed; a half-past-ten slot does not exist at 10:15; the past is past.
    for (body, field) in [
        (
            json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-29", "slot": "10:00"}),
            "date",
        ),
        (
            json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-30", "slot": "10:15"}),
            "slot",
        ),
        (
            json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-26", "slot": "10:00"}),
            "slot",
        ),
        (
            json!({"hall_id": hall_id, "window_kind": "enterprise", "date": "2026-11-30", "slot": "10:00"}),
            "window_kind",
        ),
        (
            json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "30/11", "slot": "10:00"}),
            "date",
        ),
    ] {
        let res = book(body.clone()).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(problem(res).await["errors"][0]["field"], field, "{body}");
    }
    // National Day 2026 is a holiday.
    let res = book(json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2027-01-01", "slot": "10:00"})).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // A second place in the same slot fills it (capacity two); a third is refused, saying
    // that walking in is always possible.
    let enterprise = app.token(ENTERPRISE).await;
    let res = app
        .client
        .post(app.url("/api/v1/appointments"))
        .bearer_auth(&enterprise)
        .json(&monday)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let res = book(monday.clone()).await;
    let p = problem(res).await;
    assert!(
        p["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("直接到大厅取号"),
        "{p}"
    );

    // Cancelled: recorded, the place freed, the same booking not cancelled twice.
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}",
            a["id"].as_str().unwrap()
        )))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}",
            a["id"].as_str().unwrap()
        )))
        .bearer_auth(&citizen)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let res = app
        .client
        .delete(app.url(&format!(
            "/api/v1/appointments/{}",
            a["id"].as_str().unwrap()
        )))
        .bearer_auth(&enterprise)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::NOT_FOUND,
        "someone else's booking does not exist for them"
    );
    let res = book(monday.clone()).await;
    assert_eq!(
        res.status(),
        StatusCode::CREATED,
        "the freed place is offered again"
    );
    // Not the same slot twice (the place left is someone else's).
    let tuesday = json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-12-01", "slot": "10:00"});
    assert_eq!(book(tuesday.clone()).await.status(), StatusCode::CREATED);
    let p = problem(book(tuesday).await).await;
    assert_eq!(p["errors"][0]["code"], "already_booked", "{p}");
    let mine: Value = app
        .get_as(&citizen, "/api/v1/appointments")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["appointments"].as_array().unwrap().len(), 3);

    // The booking page works without logging in and says booking is optional.
    let html = app
        .get(&format!("/halls/{hall_id}/book?date=2026-11-30"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("不预约也可以直接到大厅取号"));
}

#[tokio::test]
async fn the_kiosk_and_the_desk_as_pages() {
    let app = TestApp::new().await;
    let town = hall(&app, "大河乡民生").await;
    let hall_id = town["id"].as_str().unwrap().to_owned();
    let w1 = window(&town, "01");

    // The kiosk: a number and its slip.
    let kiosk = TestApp {
        base: app.base.clone(),
        client: browser_client(),
        store: app.store.clone(),
        state: None,
        _dir: tempfile::tempdir().unwrap(),
    };
    let html = kiosk
        .get(&format!("/halls/{hall_id}/kiosk"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html);
    let res = kiosk
        .client
        .post(kiosk.url(&format!("/halls/{hall_id}/kiosk")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("window_kind", "comprehensive"),
            ("priority", "1"),
            ("appointment", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let slip = kiosk.get(&location(&res)).await.text().await.unwrap();
    assert!(slip.contains("A001") && slip.contains("优先"), "{slip}");
    assert!(slip.contains("前面还有 <strong>0</strong> 人"));
    // A wrong booking code is explained, and nothing is taken.
    let res = kiosk
        .client
        .post(kiosk.url(&format!("/halls/{hall_id}/kiosk")))
        .form(&[
            ("csrf", csrf.as_str()),
            ("window_kind", "comprehensive"),
            ("appointment", "12345678"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("没有这个预约号"));

    // The clerk takes duty at 01 and calls.
    let clerk = staff_client(&app, "clerk_dahe").await;
    let res = clerk
        .post_form(&format!("/staff/queue/{w1}/duty"), &[])
        .await;
    assert_eq!(location(&res), format!("/staff/queue/{w1}"));
    let res = clerk
        .post_form(&format!("/staff/queue/{w1}/call"), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "a step answers with a redirect: a refresh never repeats it"
    );
    let desk = clerk.get(&location(&res)).await.text().await.unwrap();
    assert!(desk.contains("请 A001 号到 1 号窗口"), "{desk}");
    let listing = clerk.get("/staff/queue").await.text().await.unwrap();
    assert!(
        listing.contains(&format!("/staff/queue/{w1}")),
        "the clerk's window is offered first"
    );
    // A clerk of another town cannot open this desk.
    let district = staff_client(&app, "reviewer").await;
    assert_eq!(
        district.get(&format!("/staff/queue/{w1}")).await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn help_at_home_is_answered_within_two_working_days() {
    let app = TestApp::new().await;
    let family = staff_client(&app, CITIZEN).await;
    let fields = |address: &str| {
        vec![
            ("kind", "home_visit".to_owned()),
            ("reason", "elderly".to_owned()),
            ("requester", "family".to_owned()),
            ("name", "马大爷".to_owned()),
            ("phone", "13909531234".to_owned()),
            ("org_unit", "640303200000".to_owned()),
            ("address", address.to_owned()),
            ("need", "办理高龄津贴".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };
    let post = |v: Vec<(&'static str, String)>| {
        let family = &family;
        async move {
            let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (*k, v.as_str())).collect();
            family.post_form("/help", &pairs).await
        }
    };
    let res = post(as_refs(&fields(""))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("请填写上门地址"));
    let res = post(as_refs(&fields("大河乡龙源村三组 12 号"))).await;
    assert_eq!(location(&res), "/me/help?sent=1");
    let mine = family.get("/me/help").await.text().await.unwrap();
    let no = mine
        .split("BB2026")
        .nth(1)
        .map(|s| format!("BB2026{}", &s[..8]))
        .expect("a request number");

    // The town's clerk sees it; another town's does not.
    let town = staff_client(&app, "clerk_dahe").await;
    assert!(
        town.get("/staff/help")
            .await
            .text()
            .await
            .unwrap()
            .contains(&no)
    );
    let district = staff_client(&app, "clerk").await;
    assert_eq!(
        district.get(&format!("/staff/help/{no}")).await.status(),
        StatusCode::OK,
        "district clerks reach everyone"
    );
    let page = town
        .get(&format!("/staff/help/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026-12-01"),
        "answer by Tuesday, two working days after Friday"
    );

    // Assign: not in the past; then the family is told.
    let res = town
        .post_form(
            &format!("/staff/help/{no}"),
            &[
                ("action", "assign"),
                ("staff", "clerk_dahe"),
                ("date", "2026-11-26"),
                ("time", "10:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = town
        .post_form(
            &format!("/staff/help/{no}"),
            &[
                ("action", "assign"),
                ("staff", "clerk_dahe"),
                ("date", "2026-11-27"),
                ("time", "15:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The visit: the identity is checked at home; a case must be this person's.
    let res = town
        .post_form(
            &format!("/staff/help/{no}"),
            &[
                ("action", "record"),
                ("case_no", "NOPE"),
                ("photos", "2"),
                ("identity_checked", "1"),
            ],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("没有这位群众的这个办件编号")
    );
    let res = town
        .post_form(
            &format!("/staff/help/{no}"),
            &[("action", "record"), ("photos", "3")],
        )
        .await;
    assert!(res.text().await.unwrap().contains("须当面核验本人身份证件"));
    let res = town
        .post_form(
            &format!("/staff/help/{no}"),
            &[
                ("action", "record"),
                ("photos", "3"),
                ("identity_checked", "1"),
                ("note", "已代填申请表"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The bureau's list has it too.
    let bureau = staff_client(&app, "admin").await;
    assert!(
        bureau
            .get("/staff/help")
            .await
            .text()
            .await
            .unwrap()
            .contains(&no)
    );
    let page = town
        .get(&format!("/staff/help/{no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("拍照材料 3 份"));

    // A second request left unanswered goes to the bureau once, after two working days.
    let res = post(as_refs(&fields("大河乡龙源村一组 3 号"))).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let later = app.app_at(chrono::Duration::days(5)).await;
    assert_eq!(tongban_app::halls::help::escalate(&later).await.unwrap(), 1);
    assert_eq!(
        tongban_app::halls::help::escalate(&later).await.unwrap(),
        0,
        "once"
    );
}

#[tokio::test]
async fn paper_goes_up_from_the_village_to_the_district_signed_at_each_end() {
    let app = TestApp::new().await;
    let village = app.token("clerk_dahecun").await;
    let item = find_item(&app, "失业登记").await;
    let code = item["implementation_code"].as_str().unwrap();
    let res = app
        .client
        .post(app.url("/api/v1/cases"))
        .bearer_auth(&village)
        .json(&json!({"implementation_code": code, "applicant": {
            "kind": "citizen", "id_number": "640303194003070024", "name": "马桂兰",
            "id_checked": true, "mode": "in_person"}, "materials": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let case_no = res.json::<Value>().await.unwrap()["case_no"]
        .as_str()
        .unwrap()
        .to_owned();

    // At the village point: the case is on its paper desk; a list without paper is refused.
    let point = staff_client(&app, "clerk_dahecun").await;
    let desk = point.get("/staff/paper").await.text().await.unwrap();
    assert!(desk.contains(&case_no) && desk.contains("大河乡"), "{desk}");
    let paper_field = format!("paper_{case_no}");
    let res = point
        .post_form("/staff/paper", &[("case", &case_no), (&paper_field, " ")])
        .await;
    assert!(res.text().await.unwrap().contains("没有登记收到的纸质材料"));
    let res = point
        .post_form(
            "/staff/paper",
            &[
                ("case", &case_no),
                (&paper_field, "身份证复印件 1 份、失业登记表 1 份"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = location(&res);
    // On the way: not again, and the village cannot sign for the town.
    let res = point
        .post_form("/staff/paper", &[("case", &case_no), (&paper_field, "x")])
        .await;
    assert!(res.text().await.unwrap().contains("不在本单位"));
    let res = point.post_form(&format!("{list}/receive"), &[]).await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("只有接收单位的工作人员可以签收")
    );
    let clerk_page = staff_client(&app, "clerk").await;
    let file = clerk_page
        .get(&format!("/staff/cases/{case_no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        file.contains("移交途中：大河村村民委员会 → 大河乡"),
        "{file}"
    );

    // The town signs it received, then sends it on to the district centre, which signs.
    let town = staff_client(&app, "clerk_dahe").await;
    let res = town.post_form(&format!("{list}/receive"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        town.get(&list)
            .await
            .text()
            .await
            .unwrap()
            .contains("已签收")
    );
    let res = town
        .post_form(
            "/staff/paper",
            &[
                ("case", &case_no),
                (&paper_field, "身份证复印件 1 份、失业登记表 1 份"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let second = location(&res);
    let res = clerk_page
        .post_form(&format!("{second}/receive"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let file = clerk_page
        .get(&format!("/staff/cases/{case_no}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        file.contains("已移交至审批服务管理局并签收") || file.contains("已移交至"),
        "{file}"
    );
    let res = clerk_page
        .post_form(&format!("{second}/receive"), &[])
        .await;
    assert!(
        res.text().await.unwrap().contains("该清单已签收"),
        "signed once"
    );
}

#[tokio::test]
async fn an_enterprise_gets_an_agent_who_works_within_its_authorisation() {
    let app = TestApp::new().await;
    let firm = staff_client(&app, ENTERPRISE).await;
    let enterprise = app.store.account_by_login(ENTERPRISE).await.unwrap();
    // A person is told the service is for enterprises, and cannot ask for it.
    let person = staff_client(&app, CITIZEN).await;
    let page = person.get("/me/agent").await.text().await.unwrap();
    assert!(page.contains("面向企业账户"));
    let res = person
        .post_form("/me/agent", &[("action", "request")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = firm.post_form("/me/agent", &[("action", "request")]).await;
    assert_eq!(location(&res), "/me/agent");
    let res = firm.post_form("/me/agent", &[("action", "request")]).await;
    assert!(res.text().await.unwrap().contains("已申请或已有代办员"));

    // The bureau assigns the centre's clerk.
    let bureau = staff_client(&app, "admin").await;
    assert!(
        bureau
            .get("/staff/agents")
            .await
            .text()
            .await
            .unwrap()
            .contains("已申请，待分配代办员")
    );
    let res = bureau
        .post_form(
            &format!("/staff/agents/{}/assign", enterprise.id),
            &[("agent", "clerk")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Before the enterprise authorises, the agent cannot open its cases.
    let agent = staff_client(&app, "clerk").await;
    let res = agent.get(&format!("/staff/agents/{}", enterprise.id)).await;
    assert!(res.text().await.unwrap().contains("尚未授权"));
    // The authorisation is checked: a real item, an end within a year.
    let res = firm
        .post_form(
            "/me/agent",
            &[
                ("action", "authorise"),
                ("items", "NOT-AN-ITEM"),
                ("expires_on", "2026-12-31"),
            ],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("没有已发布的事项 NOT-AN-ITEM")
    );
    let res = firm
        .post_form(
            "/me/agent",
            &[
                ("action", "authorise"),
                ("items", ""),
                ("expires_on", "2028-12-31"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("授权最长一年"));
    let res = firm
        .post_form(
            "/me/agent",
            &[
                ("action", "authorise"),
                ("items", ""),
                ("expires_on", "2026-12-31"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = firm.get("/me/agent").await.text().await.unwrap();
    assert!(
        page.contains("李婷") && page.contains("全部事项，至 2026-12-31"),
        "{page}"
    );
    let res = agent.get(&format!("/staff/agents/{}", enterprise.id)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // Another clerk is not this enterprise's agent.
    let other = staff_client(&app, "clerk_dahe").await;
    assert_eq!(
        other
            .get(&format!("/staff/agents/{}", enterprise.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Ended by the enterprise: the agent's access ends with it.
    let res = firm.post_form("/me/agent", &[("action", "end")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        agent
            .get(&format!("/staff/agents/{}", enterprise.id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn window_staff_stay_two_years_unless_the_bureau_confirms() {
    let app = TestApp::new().await;
    let bureau = staff_client(&app, "admin").await;
    let clerk = app.store.account_by_login("clerk_dahe").await.unwrap();
    let record = format!("/admin/staff/{}/record", clerk.id);
    let res = bureau
        .post_form(
            &record,
            &[("action", "posting"), ("posted_on", "2099-01-01")],
        )
        .await;
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("上岗日期须为不晚于今天的日期")
    );
    let res = bureau
        .post_form(
            &record,
            &[("action", "posting"), ("posted_on", "2025-06-01")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = bureau
        .post_form(
            &record,
            &[
                ("action", "training"),
                ("day", "2026-11-20"),
                ("title", "政务服务礼仪与无差别受理"),
                ("hours", "4"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = bureau
        .post_form(
            &record,
            &[
                ("action", "training"),
                ("day", "2026-11-20"),
                ("title", ""),
                ("hours", "0"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = bureau.get(&record).await.text().await.unwrap();
    assert!(
        page.contains("2027-06-01 满两年") && page.contains("共 4 学时"),
        "{page}"
    );

    // A move within two years is refused until confirmed.
    let move_to = |confirm: bool| {
        let bureau = &bureau;
        let id = clerk.id.clone();
        async move {
            let mut f = vec![("change", "move"), ("org_code", "640303201000")];
            if confirm {
                f.push(("confirm_early", "1"));
            }
            bureau.post_form(&format!("/admin/staff/{id}"), &f).await
        }
    };
    let res = move_to(false).await;
    assert!(res.text().await.unwrap().contains("未满两年"));
    assert_eq!(
        app.store
            .account_by_login("clerk_dahe")
            .await
            .unwrap()
            .org_unit_id,
        clerk.org_unit_id
    );
    let res = move_to(true).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_ne!(
        app.store
            .account_by_login("clerk_dahe")
            .await
            .unwrap()
            .org_unit_id,
        clerk.org_unit_id
    );
}

#[tokio::test]
async fn the_bureau_keeps_a_halls_hours_and_windows_and_bookings_are_reminded() {
    let app = TestApp::new().await;
    let town = hall(&app, "大河乡民生").await;
    let hall_id = town["id"].as_str().unwrap().to_owned();
    let bureau = staff_client(&app, "admin").await;
    let edit = format!("/staff/halls/{hall_id}/edit");
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "contact"),
                ("address", "大河乡政府院内"),
                ("phone", "0953-5039001"),
                ("lat", "95"),
                ("lng", "106"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("经纬度须为数字"));
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "contact"),
                ("address", "大河乡政府院内"),
                ("phone", "0953-5039001"),
                ("lat", "37.46"),
                ("lng", "106.13"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // 错时服务 at Sunday noon, then the hall is open on Sundays at noon.
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "add_period"),
                ("weekdays", "7"),
                ("opens", "12:00"),
                ("closes", "14:00"),
                ("kind", "staggered"),
                ("note", "周日午间错时服务"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "add_period"),
                ("weekdays", "1-5"),
                ("opens", "19:00"),
                ("closes", "18:00"),
                ("kind", "extended"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("结束时间须晚于开始时间"));
    let detail: Value = app
        .get(&format!("/api/v1/halls/{hall_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["address"], "大河乡政府院内");
    assert!(
        detail["hours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["kind"] == "staggered" && h["weekdays"] == json!([7]))
    );
    let slots: Value = app
        .get(&format!("/api/v1/halls/{hall_id}/slots?date=2026-11-29"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        slots["closed_because"],
        Value::Null,
        "Sunday now has its noon hours"
    );
    assert_eq!(slots["slots"][0]["starts"], "12:00");
    // A new window; a number already taken is refused.
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "add_window"),
                ("number", "1"),
                ("kind", "comprehensive"),
            ],
        )
        .await;
    assert!(res.text().await.unwrap().contains("01 号窗口已存在"));
    let res = bureau
        .post_form(
            &edit,
            &[
                ("what", "add_window"),
                ("number", "5"),
                ("kind", "enterprise"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        hall(&app, "大河乡民生").await["windows"]
            .as_array()
            .unwrap()
            .len(),
        5
    );

    // A booking for tomorrow (Saturday morning) is reminded once, from 15:00 today.
    let token = app.token(CITIZEN).await;
    let res = app.client.post(app.url("/api/v1/appointments")).bearer_auth(&token)
        .json(&json!({"hall_id": hall_id, "window_kind": "comprehensive", "date": "2026-11-28", "slot": "09:30"}))
        .send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let state = app.state.as_ref().unwrap();
    assert_eq!(
        tongban_app::halls::appointments::remind(state)
            .await
            .unwrap(),
        0,
        "not before 15:00"
    );
    let afternoon = app.app_at(chrono::Duration::hours(7)).await;
    assert_eq!(
        tongban_app::halls::appointments::remind(&afternoon)
            .await
            .unwrap(),
        1
    );
    tongban_app::halls::appointments::remind(&afternoon)
        .await
        .unwrap();
    tongban_app::notify::deliver_pending(state, &tongban_app::notify::Senders::log(&app.base))
        .await
        .unwrap();
    let inbox = app
        .get_as(&token, "/me/messages")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(inbox.matches("预约提醒").count(), 1, "reminded once");
}
