//! Ratings, rectification, tickets and problems on both backends (issue 12).

use chrono::{Duration, NaiveDate};
use tongban_domain::authz::{FeedbackReach, Scope};
use tongban_store::{
    EvaluationQuery, NewEvaluation, NewRectification, NewTicket, RectificationChange, StoreError,
    TicketQuery, new_id,
};

use super::{Fixture, cases, now};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn a_case(f: &Fixture) -> (String, String) {
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let (c, _) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, None, b"%PDF-1"),
        )
        .await
        .unwrap();
    (c.id, applicant)
}

fn rating(case_id: &str, rater: &str, stage: &str, level: i64, task: bool) -> NewEvaluation {
    NewEvaluation {
        id: new_id(),
        case_id: case_id.into(),
        stage: stage.into(),
        level,
        reasons: vec!["long_wait".into()],
        comment: "等了两小时".into(),
        channel: "online".into(),
        rater_id: rater.into(),
        window_id: None,
        staff_id: None,
        rated_on: day("2026-11-27"),
        amend_until: day("2026-12-04"),
        rectification: task.then(|| NewRectification {
            to_hall: false,
            id: new_id(),
            verify_due: day("2026-11-30"),
            answer_due: day("2026-12-18"),
        }),
    }
}

/// A stage is rated once (the database refuses a second), a bad rating's task exists with
/// it, a step decided on a stale status writes nothing, and an overdue task is escalated once.
pub(super) async fn ratings_open_one_task_and_steps_are_guarded(f: &Fixture) {
    let (case_id, rater) = a_case(f).await;
    let bad = rating(&case_id, &rater, "conclusion", 1, true);
    let task = bad.rectification.clone().unwrap().id;
    f.store
        .record_evaluation(now(), &rater, &bad)
        .await
        .unwrap();
    let twice = f
        .store
        .record_evaluation(
            now(),
            &rater,
            &rating(&case_id, &rater, "conclusion", 5, false),
        )
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    f.store
        .record_evaluation(
            now(),
            &rater,
            &rating(&case_id, &rater, "acceptance", 4, false),
        )
        .await
        .unwrap();

    let all = FeedbackReach {
        handling: Scope::All,
        intake: Scope::All,
    };
    let rows = f
        .store
        .list_evaluations(
            &all,
            &EvaluationQuery {
                level: Some(1),
                limit: 50,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].rectification_id.as_deref(), Some(task.as_str()));
    assert_eq!(rows[0].reason_codes(), ["long_wait"]);
    let totals = f
        .store
        .evaluation_totals(&all, &EvaluationQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (totals.ratings, totals.good, totals.bad, totals.closed_tasks),
        (2, 1, 1, 0)
    );
    let nobody = FeedbackReach {
        handling: Scope::Within("640303/NOWHERE".into()),
        intake: Scope::Nothing,
    };
    assert!(
        f.store
            .list_evaluations(
                &nobody,
                &EvaluationQuery {
                    limit: 50,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .is_empty()
    );
    let department = FeedbackReach {
        handling: Scope::Within(rows[0].org_path.clone()),
        intake: Scope::Nothing,
    };
    assert_eq!(
        f.store
            .list_evaluations(
                &department,
                &EvaluationQuery {
                    limit: 50,
                    ..Default::default()
                }
            )
            .await
            .unwrap()
            .len(),
        2
    );

    let change = |from: &str, to: &str| RectificationChange {
        id: task.clone(),
        from_status: from.into(),
        to_status: to.into(),
        appealed: false,
        outcome: None,
        answer_due: None,
        action: "verify".into(),
        note: "已回访".into(),
        notices: Vec::new(),
    };
    assert!(
        f.store
            .record_rectification_step(now(), "r", &change("awaiting_verification", "rectifying"))
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .record_rectification_step(now(), "r", &change("awaiting_verification", "rectifying"))
            .await
            .unwrap(),
        "stale"
    );
    assert_eq!(
        f.store
            .feedback_events(&format!("rectification:{task}"))
            .await
            .unwrap()
            .len(),
        2
    );

    // Additions within the five working days only.
    let id = rows[0].id.clone();
    assert!(
        f.store
            .add_to_evaluation(now(), &rater, &id, day("2026-12-04"), &[], "补充")
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .add_to_evaluation(now(), &rater, &id, day("2026-12-05"), &[], "太晚")
            .await
            .unwrap()
    );

    assert_eq!(
        f.store
            .escalate_overdue_rectifications(now(), day("2026-12-18"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        f.store
            .escalate_overdue_rectifications(now() + Duration::days(30), day("2026-12-21"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        f.store
            .escalate_overdue_rectifications(now() + Duration::days(31), day("2026-12-22"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(f.store.verify_audit().await.unwrap().first_break, None);
}

/// Ticket numbers run per day across callers; overdue tickets escalate once.
pub(super) async fn tickets_are_numbered_per_day_and_escalate(f: &Fixture) {
    let (case_id, _) = a_case(f).await;
    let unit: String = f.store.case_by_id(&case_id).await.unwrap().org_unit_id;
    let ticket = |n: usize| NewTicket {
        id: new_id(),
        kind: "complaint".into(),
        caller_name: format!("来电人{n}"),
        caller_phone: "13900000000".into(),
        caller_id_number: None,
        caller_account_id: None,
        case_id: Some(case_id.clone()),
        implementation_code: None,
        org_unit_id: Some(unit.clone()),
        text: "投诉".into(),
        level: None,
        due: Some(day("2026-12-04")),
        day: day("2026-11-27"),
        evaluation: None,
    };
    let mut numbers = Vec::new();
    for n in 0..3 {
        numbers.push(
            f.store
                .record_ticket(now(), "op", &ticket(n))
                .await
                .unwrap(),
        );
    }
    assert_eq!(
        numbers,
        ["RX202611270001", "RX202611270002", "RX202611270003"]
    );
    let all = FeedbackReach {
        handling: Scope::All,
        intake: Scope::All,
    };
    let listed = f
        .store
        .list_tickets(
            &all,
            &TicketQuery {
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(listed.len(), 3);
    assert_eq!(listed[0].status, "assigned");
    assert_eq!(
        f.store
            .escalate_overdue_tickets(now(), day("2026-12-07"))
            .await
            .unwrap(),
        3
    );
    assert_eq!(
        f.store
            .escalate_overdue_tickets(now(), day("2026-12-08"))
            .await
            .unwrap(),
        0
    );
}

/// The load-measurement seeding writes ratings, their tasks and tickets on both backends.
pub(super) async fn seeded_feedback_fills_the_lists(f: &Fixture) {
    f.store.seed_cases(200, "64030319580312024X").await.unwrap();
    let (ratings, tickets) = f.store.seed_feedback(100, 50).await.unwrap();
    assert_eq!((ratings, tickets), (100, 50));
    let all = FeedbackReach {
        handling: Scope::All,
        intake: Scope::All,
    };
    let bad = f
        .store
        .evaluation_totals(
            &all,
            &EvaluationQuery {
                bad_only: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        bad.ratings, 10,
        "one in ten cases rated bad, at both stages"
    );
    let bad_rows = f
        .store
        .list_evaluations(
            &all,
            &EvaluationQuery {
                bad_only: true,
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(bad_rows.len(), 10);
    assert!(bad_rows.iter().all(|r| r.level <= 2));
    assert!(bad_rows.windows(2).all(|w| w[0].rated_at >= w[1].rated_at));
    // The per-day counts the totals read agree with the ratings themselves.
    assert_eq!(f.store.recount_evaluations().await.unwrap(), 100);
    let totals = f
        .store
        .evaluation_totals(&all, &EvaluationQuery::default())
        .await
        .unwrap();
    assert_eq!(totals.ratings, 100);

    // Paged arm by arm (one per unit, as handling and as intake unit), each rating comes
    // once, newest first, and the pages join up.
    let everything = f
        .store
        .list_evaluations(
            &all,
            &EvaluationQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let path = everything[0].org_path.clone();
    let root = path.split('/').next().unwrap().to_owned();
    let both = FeedbackReach {
        handling: Scope::Within(root.clone()),
        intake: Scope::Within(root),
    };
    let mut paged = Vec::new();
    for page in 0..5 {
        let rows = f
            .store
            .list_evaluations(
                &both,
                &EvaluationQuery {
                    limit: 30,
                    offset: page * 30,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        paged.extend(rows.into_iter().map(|r| (r.rated_at, r.id)));
    }
    let mut expected: Vec<_> = everything.into_iter().map(|r| (r.rated_at, r.id)).collect();
    expected.sort_by(|a, b| b.cmp(a));
    assert_eq!(paged, expected);
    let units = f
        .store
        .list_evaluations(
            &FeedbackReach {
                handling: Scope::Within(path.clone()),
                intake: Scope::Nothing,
            },
            &EvaluationQuery {
                limit: 500,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(!units.is_empty());
    assert!(
        units
            .iter()
            .all(|r| r.org_path == path || r.org_path.starts_with(&format!("{path}/")))
    );
}
