//! The state machine and deadline rules, with property tests.
use super::*;
use crate::calendar::shipped_calendar;
use chrono::NaiveDate;
use proptest::prelude::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rules() -> ItemRules {
    ItemRules {
        immediate: false,
        review_stages: 1,
        deficiency_allowed: vec!["健康证明".into()],
        materials: vec!["营业执照复印件".into(), "身份证".into(), "健康证明".into()],
        special_procedures: vec![("1".into(), "现场勘验".into())],
        required: Vec::new(),
        held: Vec::new(),
    }
}

fn approve() -> CaseAction {
    CaseAction::Decide {
        approve: true,
        opinion: "材料齐全，符合条件".into(),
        reason: String::new(),
    }
}

fn deny() -> CaseAction {
    CaseAction::Decide {
        approve: false,
        opinion: "经营场所不符合要求".into(),
        reason: "经营场所与食品安全要求不符".into(),
    }
}

fn start_inspection() -> CaseAction {
    CaseAction::StartSpecialProcedure {
        procedure: "现场勘验".into(),
        reason: "需核实经营场所".into(),
    }
}

fn end_inspection() -> CaseAction {
    CaseAction::EndSpecialProcedure {
        result: "场所符合要求".into(),
    }
}

/// Applies `actions` in turn from `Submitted`, failing on the first refusal.
fn run(rules: &ItemRules, start: Progress, actions: &[CaseAction]) -> (CaseStatus, Progress) {
    let mut s = CaseStatus::Submitted;
    let mut p = start;
    for a in actions {
        (s, p) = transition(s, rules, &p, a).unwrap_or_else(|e| panic!("{a:?}: {e}"));
    }
    (s, p)
}

fn refusal(from: CaseStatus, rules: &ItemRules, p: &Progress, a: CaseAction) -> CaseError {
    transition(from, rules, p, &a).expect_err("should be refused")
}

#[test]
fn the_whole_path_and_its_refusals() {
    use CaseAction as A;
    let p = Progress::default();
    let (s, p2) = run(
        &rules(),
        p.clone(),
        &[
            A::IssueNotice {
                items: vec![NoticeItem::missing("营业执照复印件")],
            },
            A::Supply {
                supplied: vec!["营业执照复印件".into()],
            },
            A::Accept,
            A::StartReview,
            start_inspection(),
            end_inspection(),
            approve(),
            A::Conclude,
            A::Deliver {
                method: "window".into(),
                tracking_no: String::new(),
            },
        ],
    );
    assert_eq!(s, CaseStatus::Delivered);
    assert_eq!(p2.decision, Some(true));
    assert_eq!(
        refusal(CaseStatus::Submitted, &rules(), &p, approve()),
        CaseError::NotAllowed {
            from: CaseStatus::Submitted,
            action: "作出决定"
        }
    );
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &p,
            A::Refuse { reason: " ".into() }
        ),
        CaseError::ReasonRequired("不予受理")
    );
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &p,
            A::IssueNotice { items: vec![] }
        ),
        CaseError::EmptyNotice
    );
    assert!(
        transition(
            CaseStatus::Decided,
            &rules(),
            &p,
            &A::Withdraw { reason: "x".into() }
        )
        .is_err()
    );
    assert_eq!(
        refusal(
            CaseStatus::InReview,
            &rules(),
            &p,
            A::ReturnForRework { reason: "".into() }
        ),
        CaseError::ReasonRequired("退回")
    );
    let (s, _) = run(
        &rules(),
        p.clone(),
        &[A::Withdraw {
            reason: "不再办理".into(),
        }],
    );
    assert_eq!(s, CaseStatus::Withdrawn);
    for a in [
        A::Accept,
        A::Supply {
            supplied: vec!["x".into()],
        },
        A::Deliver {
            method: "window".into(),
            tracking_no: String::new(),
        },
    ] {
        assert!(matches!(
            refusal(CaseStatus::Withdrawn, &rules(), &p, a),
            CaseError::NotAllowed { .. }
        ));
    }
}

#[test]
fn deficiency_acceptance_only_for_marked_materials_and_blocks_conclusion() {
    use CaseAction as A;
    let p = Progress::default();
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &p,
            A::AcceptWithDeficiency {
                missing: vec!["营业执照".into()]
            }
        ),
        CaseError::NotDeficiencyAcceptable("营业执照".into())
    );
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &p,
            A::AcceptWithDeficiency {
                missing: vec![" ".into()]
            }
        ),
        CaseError::EmptyDeficiency
    );
    let (s, owed) = run(
        &rules(),
        p.clone(),
        &[
            A::AcceptWithDeficiency {
                missing: vec!["健康证明".into()],
            },
            A::StartReview,
            approve(),
        ],
    );
    assert_eq!(owed.deficiency_outstanding, vec!["健康证明".to_owned()]);
    assert_eq!(
        refusal(s, &rules(), &owed, A::Conclude),
        CaseError::DeficiencyOutstanding("健康证明".into())
    );
    let supply = |names: &[&str]| A::SupplyDeficiency {
        supplied: names.iter().map(|n| (*n).to_owned()).collect(),
    };
    // Nothing supplied, or something not owed, strikes nothing off.
    assert_eq!(
        refusal(s, &rules(), &owed, supply(&[])),
        CaseError::NothingSupplied
    );
    assert_eq!(
        refusal(s, &rules(), &owed, supply(&["身份证"])),
        CaseError::NotOwed("健康证明".into())
    );
    let (s2, supplied) = transition(s, &rules(), &owed, &supply(&["健康证明"])).unwrap();
    assert_eq!(s2, CaseStatus::Decided);
    assert_eq!(
        refusal(s2, &rules(), &supplied, supply(&["健康证明"])),
        CaseError::NoDeficiency
    );
    assert_eq!(
        transition(s2, &rules(), &supplied, &A::Conclude).unwrap().0,
        CaseStatus::Concluded
    );
}

#[test]
fn multi_stage_review_needs_every_stage_and_a_return_starts_over() {
    use CaseAction as A;
    let two = ItemRules {
        review_stages: 2,
        ..rules()
    };
    let (s, p) = run(&two, Progress::default(), &[A::Accept, A::StartReview]);
    assert_eq!(refusal(s, &two, &p, approve()), CaseError::StagesPending(1));
    let pass = A::PassReviewStage {
        opinion: "材料齐全，同意".into(),
    };
    let (s, p) = transition(s, &two, &p, &pass).unwrap();
    assert_eq!((s, p.stages_done), (CaseStatus::InReview, 1));
    assert_eq!(
        refusal(s, &two, &p, pass.clone()),
        CaseError::NoFurtherStage
    );
    let (back, p0) = transition(
        s,
        &two,
        &p,
        &A::ReturnForRework {
            reason: "补充说明".into(),
        },
    )
    .unwrap();
    assert_eq!((back, p0.stages_done), (CaseStatus::Accepted, 0));
    assert_eq!(
        transition(s, &two, &p, &deny()).unwrap().1.decision,
        Some(false)
    );
    assert_eq!(
        refusal(s, &rules(), &Progress::default(), pass),
        CaseError::NoFurtherStage
    );
}

#[test]
fn commitment_approval_opens_a_verification_that_a_breach_closes_by_revoking() {
    use CaseAction as A;
    let unsigned = Progress::default();
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &unsigned,
            A::ApproveOnCommitment
        ),
        CaseError::CommitmentNotSigned
    );
    let signed = Progress {
        commitment_signed: true,
        ..Progress::default()
    };
    let (s, p) = run(&rules(), signed.clone(), &[A::ApproveOnCommitment]);
    assert_eq!(
        (s, p.verification_open, p.decision),
        (CaseStatus::Decided, true, Some(true))
    );
    let (s, p) = transition(s, &rules(), &p, &A::Conclude).unwrap();
    let (revoked, closed) = transition(
        s,
        &rules(),
        &p,
        &A::Revoke {
            reason: "经核查，经营场所与承诺不符".into(),
        },
    )
    .unwrap();
    assert_eq!(
        (revoked, closed.verification_open),
        (CaseStatus::Revoked, false)
    );
    let (kept, ok) = transition(s, &rules(), &p, &A::ConfirmCommitment).unwrap();
    assert_eq!((kept, ok.verification_open), (CaseStatus::Concluded, false));
    assert_eq!(
        refusal(kept, &rules(), &ok, A::ConfirmCommitment),
        CaseError::NoVerification
    );
}

#[test]
fn proxy_handling_needs_a_valid_agent_and_consent() {
    let e = Assistance::from_form("proxy", false, "", "640303195803120241", "子女").unwrap_err();
    let fields: Vec<&str> = e.errors.iter().map(|x| x.field.as_str()).collect();
    assert_eq!(fields, ["agent_name", "agent_id", "consent"]);
    let a = Assistance::from_form("proxy", true, "马小红", "64030319580312024X", "女儿").unwrap();
    assert_eq!(
        a.describe(),
        "代办：马**（女儿，身份证 640303********024X）受申请人委托办理"
    );
    assert_eq!(
        Assistance::from_form("in_person", false, "", "", ""),
        Ok(Assistance::InPerson)
    );
    assert!(Assistance::from_form("assisted", false, "", "", "").is_err());
    assert!(Assistance::from_form("robot", true, "", "", "").is_err());
}

#[test]
fn a_window_applicant_is_checked_whole() {
    let form = WindowForm {
        kind: "citizen",
        id_number: "640303195803120241",
        name: "",
        phone: "12",
        id_checked: false,
        mode: "in_person",
        consent: false,
        agent_name: "",
        agent_id: "",
        relationship: "",
    };
    let fields: Vec<String> = WindowApplicant::parse(form)
        .unwrap_err()
        .errors
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["id_number", "name", "phone", "id_checked"]);
    let ok = WindowApplicant::parse(WindowForm {
        id_number: "64030319580312024x",
        name: "马秀兰",
        phone: "",
        id_checked: true,
        ..form
    })
    .unwrap();
    assert_eq!(ok.login, "64030319580312024X");
    assert!(ok.is("马秀兰", crate::account::AccountKind::Citizen));
    assert!(!ok.is("张三", crate::account::AccountKind::Citizen));
}

#[test]
fn follow_up_dates_start_stay_and_clear() {
    let cal = shipped_calendar();
    let fri = d("2026-11-27");
    assert_eq!(
        follow_up_date(&cal, true, false, None, fri, 5),
        Some(d("2026-12-04"))
    );
    let kept = Some(d("2026-12-01"));
    assert_eq!(follow_up_date(&cal, true, true, kept, fri, 5), kept);
    assert_eq!(follow_up_date(&cal, false, true, kept, fri, 5), None);
}

#[test]
fn only_immediate_items_conclude_on_the_spot() {
    let p = Progress::default();
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &p,
            CaseAction::ConcludeOnTheSpot
        ),
        CaseError::NotImmediate
    );
    let immediate = ItemRules {
        immediate: true,
        ..rules()
    };
    let (s, p) = transition(
        CaseStatus::Submitted,
        &immediate,
        &p,
        &CaseAction::ConcludeOnTheSpot,
    )
    .unwrap();
    assert_eq!((s, p.decision), (CaseStatus::Concluded, Some(true)));
}

#[test]
fn second_notice_may_only_concern_later_materials() {
    let breaches = notice_breaches(
        &[
            NoticeItem::missing("经营场所平面图"),
            NoticeItem::missing("营业执照"),
        ],
        &["经营场所平面图".into()],
    );
    assert_eq!(breaches, vec!["营业执照（未提交）".to_owned()]);
}

#[test]
fn special_procedures_stop_the_clock() {
    let cal = shipped_calendar();
    // Accepted Monday 2026-11-16, 5 working days → Monday 11-23.
    assert_eq!(due_date(&cal, d("2026-11-16"), 5, &[]), d("2026-11-23"));
    // A site inspection Wed 11-18 to Thu 11-19 stops it for two working days.
    let stop = ClockStop {
        start: d("2026-11-18"),
        end: d("2026-11-19"),
    };
    assert_eq!(due_date(&cal, d("2026-11-16"), 5, &[stop]), d("2026-11-25"));
}

#[test]
fn urgency_counts_working_days() {
    let cal = shipped_calendar();
    let fri = d("2026-11-27");
    assert_eq!(urgency(&cal, d("2026-11-26"), fri, 1), Urgency::Overdue);
    // One working day after Friday is Monday: due then is yellow, Tuesday is not.
    assert_eq!(urgency(&cal, d("2026-11-30"), fri, 1), Urgency::DueSoon);
    assert_eq!(urgency(&cal, d("2026-12-01"), fri, 1), Urgency::Normal);
    assert_eq!(urgency(&cal, d("2026-12-01"), fri, 2), Urgency::DueSoon);
    assert!(CaseStatus::SpecialProcedure.clock_started());
    assert!(!CaseStatus::Concluded.clock_started());
}

#[test]
fn case_numbers_have_43_characters() {
    let n = case_number("11640303MB0000103K43A0102900001", d("2026-11-27"), 7).unwrap();
    assert_eq!(n.len(), 43);
    assert!(n.ends_with("202611270007"));
    let last = case_number("11640303MB0000103K43A0102900001", d("2026-11-27"), 9999).unwrap();
    assert_eq!(last.len(), 43);
    assert_eq!(
        case_number("11640303MB0000103K43A0102900001", d("2026-11-27"), 10_000),
        None,
        "never 44 characters"
    );
}

fn action() -> impl Strategy<Value = CaseAction> {
    use CaseAction as A;
    prop_oneof![
        Just(A::Accept),
        Just(A::AcceptWithDeficiency {
            missing: vec!["健康证明".into()]
        }),
        Just(A::Refuse {
            reason: "不属于受理范围".into()
        }),
        Just(A::IssueNotice {
            items: vec![NoticeItem::missing("身份证")]
        }),
        Just(A::Supply {
            supplied: vec!["身份证".into()]
        }),
        Just(A::Supply { supplied: vec![] }),
        Just(A::SupplyDeficiency {
            supplied: vec!["健康证明".into()]
        }),
        Just(A::SupplyDeficiency { supplied: vec![] }),
        Just(A::StartReview),
        Just(A::PassReviewStage {
            opinion: "同意".into()
        }),
        Just(A::ConcludeOnTheSpot),
        Just(A::ConfirmCommitment),
        Just(A::ReturnForRework {
            reason: "材料不一致".into()
        }),
        Just(start_inspection()),
        Just(end_inspection()),
        Just(approve()),
        Just(deny()),
        Just(A::ApproveOnCommitment),
        Just(A::Conclude),
        Just(A::Deliver {
            method: "post".into(),
            tracking_no: "SF1234567890".into(),
        }),
        Just(A::Withdraw {
            reason: "不再办理".into()
        }),
        Just(A::Revoke {
            reason: "承诺不实".into()
        }),
    ]
}

fn item_rules() -> impl Strategy<Value = ItemRules> {
    (any::<bool>(), 1u8..=3).prop_map(|(immediate, review_stages)| ItemRules {
        immediate,
        review_stages,
        deficiency_allowed: vec!["健康证明".into()],
        ..rules()
    })
}

proptest! {
    /// Whatever the actions: nothing moves a refused, withdrawn or revoked case; nothing
    /// concludes without an approval or denial on record, nor while 容缺 materials are
    /// owed; a decision on a multi-stage item follows every stage; a verification task
    /// opens only with a commitment approval.
    #[test]
    fn no_illegal_state_is_reachable(
        rules in item_rules(),
        signed in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..24),
    ) {
        let mut s = CaseStatus::Submitted;
        let mut p = Progress { commitment_signed: signed, ..Progress::default() };
        for a in &actions {
            let before = s;
            let Ok((next, np)) = transition(s, &rules, &p, a) else { continue };
            prop_assert!(!matches!(before, CaseStatus::Refused | CaseStatus::Withdrawn | CaseStatus::Revoked));
            prop_assert!(np.stages_done < rules.review_stages);
            if matches!(a, CaseAction::Decide { .. }) {
                prop_assert_eq!(p.stages_done + 1, rules.review_stages);
            }
            if next == CaseStatus::Concluded && before != CaseStatus::Concluded {
                prop_assert!(np.decision.is_some());
                prop_assert!(np.deficiency_outstanding.is_empty());
            }
            if np.verification_open && !p.verification_open {
                prop_assert!(matches!(a, CaseAction::ApproveOnCommitment) && signed);
            }
            s = next;
            p = np;
        }
    }
}

/// The rules that put reasons on record and keep a notice to the item's own list.
#[test]
fn notices_procedures_and_decisions_keep_to_the_list_and_give_reasons() {
    use CaseAction as A;
    let p = Progress::default();
    let not_listed = refusal(
        CaseStatus::Submitted,
        &rules(),
        &p,
        A::IssueNotice {
            items: vec![
                NoticeItem::missing("身份证"),
                NoticeItem::missing("无犯罪记录证明"),
            ],
        },
    );
    assert_eq!(
        not_listed,
        CaseError::NotAMaterial {
            index: 1,
            name: "无犯罪记录证明".into()
        }
    );
    assert_eq!(not_listed.field().as_deref(), Some("items[1].material"));
    let invalid_without_note = A::IssueNotice {
        items: vec![NoticeItem {
            material: "身份证".into(),
            problem: NoticeProblem::Invalid,
            note: " ".into(),
        }],
    };
    assert_eq!(
        refusal(CaseStatus::Submitted, &rules(), &p, invalid_without_note)
            .field()
            .as_deref(),
        Some("items[0].note")
    );
    // A notice recorded as plain lines still reads.
    let old: CaseAction =
        serde_json::from_str(r#"{"action":"issue_notice","items":["身份证"]}"#).unwrap();
    assert_eq!(
        old,
        A::IssueNotice {
            items: vec![NoticeItem::missing("身份证")]
        }
    );
    let (s, p) = run(&rules(), p, &[A::Accept, A::StartReview]);
    let unlisted = A::StartSpecialProcedure {
        procedure: "听证论证".into(),
        reason: "x".into(),
    };
    assert_eq!(
        refusal(s, &rules(), &p, unlisted),
        CaseError::NotAProcedure("听证论证".into())
    );
    let by_code = A::StartSpecialProcedure {
        procedure: "1".into(),
        reason: "需核实".into(),
    };
    assert!(transition(s, &rules(), &p, &by_code).is_ok());
    assert_eq!(
        rules().procedure("SiteInspection"),
        Some("现场勘验"),
        "the item JSON's key"
    );
    assert_eq!(
        refusal(
            CaseStatus::SpecialProcedure,
            &rules(),
            &p,
            A::EndSpecialProcedure { result: "".into() }
        ),
        CaseError::ResultRequired
    );
    let no_opinion = A::Decide {
        approve: true,
        opinion: " ".into(),
        reason: String::new(),
    };
    assert_eq!(
        refusal(s, &rules(), &p, no_opinion),
        CaseError::OpinionRequired
    );
    let no_reason = A::Decide {
        approve: false,
        opinion: "不符合条件".into(),
        reason: String::new(),
    };
    let e = refusal(s, &rules(), &p, no_reason);
    assert_eq!(e, CaseError::ReasonRequired("不予许可"));
    assert_eq!(e.field().as_deref(), Some("reason"));
    // The state comes first: a decision out of turn is refused as such, not for its fields.
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules(),
            &Progress::default(),
            deny()
        )
        .field(),
        None
    );
}

proptest! {
    /// Every view of a case's promised date reads the same day: the stored date (counted
    /// when the clock starts and again when a special procedure ends), the explanation on
    /// the case page (counted from the timeline), and a recount after a calendar change all
    /// come to one answer, whatever the stops; a stop never brings the date forward.
    #[test]
    fn every_view_of_a_due_date_agrees(
        accepted_offset in 0u64..300,
        limit in 1u32..40,
        gaps in proptest::collection::vec((0u64..20, 0u64..10), 0..4),
    ) {
        let cal = shipped_calendar();
        let accepted = d("2026-01-05") + chrono::Days::new(accepted_offset);
        let mut stops = Vec::new();
        let mut at = accepted;
        for (gap, len) in gaps {
            let start = at + chrono::Days::new(gap);
            let end = start + chrono::Days::new(len);
            stops.push(ClockStop { start, end });
            at = end + chrono::Days::new(1);
        }
        // Stored: at acceptance, then moved as each procedure ends.
        let mut stored = due_date(&cal, accepted, limit, &[]);
        for n in 1..=stops.len() {
            let moved = due_date(&cal, accepted, limit, &stops[..n]);
            prop_assert!(moved >= stored, "a stop brought the date forward");
            stored = moved;
        }
        // Explained on the case page, from the timeline.
        let (explained, stopped) = explain_due(&cal, accepted, limit, &stops);
        prop_assert_eq!(explained.due, stored);
        prop_assert_eq!(stopped, stopped_working_days(&cal, accepted, &stops));
        // Recounted from scratch (after the calendar changed, say).
        prop_assert_eq!(due_date(&cal, accepted, limit, &stops), stored);
    }
}

/// The person may bring what a notice asked for one paper at a time; the case returns to
/// intake once nothing is owed, and a paper the notice did not ask for is refused.
#[test]
fn a_notice_is_answered_paper_by_paper() {
    use CaseAction as A;
    let two = A::IssueNotice {
        items: vec![
            NoticeItem::missing("营业执照复印件"),
            NoticeItem::missing("身份证"),
        ],
    };
    let (s, p) = run(&rules(), Progress::default(), &[two]);
    assert_eq!(p.notice_owed, ["营业执照复印件", "身份证"]);
    let supply = |names: &[&str]| A::Supply {
        supplied: names.iter().map(|n| n.to_string()).collect(),
    };
    assert_eq!(
        refusal(s, &rules(), &p, supply(&["健康证明"])),
        CaseError::NotAsked("营业执照复印件、身份证".into())
    );
    let (s, p) = transition(s, &rules(), &p, &supply(&["身份证"])).unwrap();
    assert_eq!(
        (s, p.notice_owed.clone()),
        (
            CaseStatus::AwaitingSupplement,
            vec!["营业执照复印件".to_owned()]
        )
    );
    let (s, p) = transition(s, &rules(), &p, &supply(&["营业执照复印件"])).unwrap();
    assert_eq!(s, CaseStatus::Submitted);
    assert!(p.notice_owed.is_empty());
    // A material listed twice is refused, naming the second.
    let twice = A::IssueNotice {
        items: vec![NoticeItem::missing("身份证"), NoticeItem::missing("身份证")],
    };
    assert_eq!(
        refusal(CaseStatus::Submitted, &rules(), &Progress::default(), twice)
            .field()
            .as_deref(),
        Some("items[1].material")
    );
    // Revocation for a broken commitment is for commitment cases only.
    let decided = Progress {
        decision: Some(true),
        ..Progress::default()
    };
    assert_eq!(
        refusal(
            CaseStatus::Concluded,
            &rules(),
            &decided,
            A::Revoke {
                reason: "承诺不实".into()
            }
        ),
        CaseError::NotACommitment
    );
}

#[test]
fn delivery_says_how() {
    let concluded = Progress {
        decision: Some(true),
        ..Progress::default()
    };
    let deliver = |method: &str, tracking_no: &str| CaseAction::Deliver {
        method: method.into(),
        tracking_no: tracking_no.into(),
    };
    let s = CaseStatus::Concluded;
    assert_eq!(
        refusal(s, &rules(), &concluded, deliver("", ""))
            .field()
            .as_deref(),
        Some("method")
    );
    assert_eq!(
        refusal(s, &rules(), &concluded, deliver("post", " ")),
        CaseError::TrackingNumberRequired
    );
    assert!(transition(s, &rules(), &concluded, &deliver("post", "SF1234567890")).is_ok());
    assert!(transition(s, &rules(), &concluded, &deliver("window", "")).is_ok());
}

fn facts(online: bool) -> CaseFacts<'static> {
    CaseFacts {
        item_name: "食品经营许可",
        case_no: "N1",
        online,
    }
}

proptest! {
    /// Whatever the actions, a step's effects follow from where it leads: a licence only
    /// when an approved case concludes, electronic delivery only of an online case's
    /// licence, licences revoked only with the result, the clock started only by an
    /// acceptance and moved only when a special procedure ends, and the applicant always
    /// told the status the case now has.
    #[test]
    fn effects_follow_the_transition(
        rules in item_rules(),
        signed in any::<bool>(),
        online in any::<bool>(),
        actions in proptest::collection::vec(action(), 0..24),
    ) {
        let mut s = CaseStatus::Submitted;
        let mut p = Progress { commitment_signed: signed, ..Progress::default() };
        for a in &actions {
            let Ok(t) = step(s, &rules, &p, a, facts(online)) else { continue };
            prop_assert_eq!((t.to, &t.progress), {
                let (to, np) = transition(s, &rules, &p, a).unwrap();
                (to, &np.clone())
            });
            let e = &t.effects;
            prop_assert_eq!(
                e.issue_licence,
                t.to == CaseStatus::Concluded && t.progress.decision == Some(true)
            );
            prop_assert_eq!(e.deliver_electronically, e.issue_licence && online);
            prop_assert_eq!(e.revoke_licences.is_some(), t.to == CaseStatus::Revoked);
            if e.clock == ClockEffect::Start {
                prop_assert_eq!(s, CaseStatus::Submitted);
                prop_assert!(t.to.clock_started() || t.to == CaseStatus::Concluded);
            }
            if e.clock == ClockEffect::MoveByStop {
                prop_assert_eq!((s, t.to), (CaseStatus::SpecialProcedure, CaseStatus::InReview));
            }
            prop_assert!(e.notification.body.contains(t.to.label()));
            // The intake decision and the conclusion invite a rating on the rating page.
            let rate = matches!(t.to, CaseStatus::Accepted | CaseStatus::Refused | CaseStatus::Concluded);
            prop_assert_eq!(
                e.notification.link.as_str(),
                if rate { "/me/cases/N1/rate" } else { "/me/cases/N1" }
            );
            s = t.to;
            p = t.progress;
        }
    }
}

#[test]
fn a_window_case_concluded_waits_for_delivery_and_a_revocation_takes_the_licence() {
    use CaseAction as A;
    let signed = Progress {
        commitment_signed: true,
        ..Progress::default()
    };
    let (s, p) = run(&rules(), signed, &[A::ApproveOnCommitment]);
    let concluded = step(s, &rules(), &p, &A::Conclude, facts(false)).unwrap();
    assert!(concluded.effects.issue_licence);
    assert!(!concluded.effects.deliver_electronically);
    let online = step(s, &rules(), &p, &A::Conclude, facts(true)).unwrap();
    assert!(online.effects.deliver_electronically);
    let revoked = step(
        concluded.to,
        &rules(),
        &concluded.progress,
        &A::Revoke {
            reason: "承诺不实".into(),
        },
        facts(false),
    )
    .unwrap();
    assert_eq!(revoked.effects.revoke_licences, Some(RESULT_REVOKED));
    assert_eq!(
        revoked.effects.notification.subject,
        "您的“食品经营许可”办件有新进展"
    );
    // A second notice is checked against the first; nothing else is.
    let notice = A::IssueNotice {
        items: vec![NoticeItem::missing("身份证")],
    };
    assert!(
        step(
            CaseStatus::Submitted,
            &rules(),
            &Progress::default(),
            &notice,
            facts(true)
        )
        .unwrap()
        .effects
        .check_notice_rule
    );
    assert_eq!(
        notice_breach(&[NoticeItem::missing("身份证")], &[]).as_deref(),
        Some("再次告知了首次告知未列、其后也未补交的材料：身份证（未提交）")
    );
    assert_eq!(
        notice_breach(&[NoticeItem::missing("身份证")], &["身份证".into()]),
        None
    );
}

/// An acceptance needs every required material held, or (容缺) owed; a notice or 容缺 is
/// the way on when one is lacking.
#[test]
fn acceptance_needs_every_required_material_held_or_owed() {
    use CaseAction as A;
    let lacking = ItemRules {
        required: vec!["身份证".into(), "健康证明".into()],
        held: vec!["身份证".into()],
        ..rules()
    };
    let p = Progress::default();
    assert_eq!(
        refusal(CaseStatus::Submitted, &lacking, &p, A::Accept),
        CaseError::MaterialsLacking("健康证明".into())
    );
    assert_eq!(
        refusal(CaseStatus::Submitted, &lacking, &p, A::ConcludeOnTheSpot),
        CaseError::NotImmediate
    );
    let (s, owed) = transition(
        CaseStatus::Submitted,
        &lacking,
        &p,
        &A::AcceptWithDeficiency {
            missing: vec!["健康证明".into()],
        },
    )
    .unwrap();
    assert_eq!(
        (s, owed.deficiency_outstanding),
        (CaseStatus::Accepted, vec!["健康证明".to_owned()])
    );
    let without_id = ItemRules {
        held: Vec::new(),
        ..lacking
    };
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &without_id,
            &p,
            A::AcceptWithDeficiency {
                missing: vec!["健康证明".into()],
            }
        ),
        CaseError::MaterialsLacking("身份证".into())
    );
}

/// A special procedure begun and ended on the day of acceptance stops no counted day: that
/// day is not counted anyway. One on the next working day stops that day.
#[test]
fn a_stop_on_the_day_of_acceptance_adds_nothing() {
    let cal = shipped_calendar();
    let accepted = d("2026-12-02");
    let same_day = ClockStop {
        start: accepted,
        end: accepted,
    };
    assert_eq!(
        due_date(&cal, accepted, 5, &[same_day]),
        due_date(&cal, accepted, 5, &[])
    );
    let next = ClockStop {
        start: d("2026-12-03"),
        end: d("2026-12-03"),
    };
    assert_eq!(stopped_working_days(&cal, accepted, &[next]), 1);
    let across = ClockStop {
        start: accepted,
        end: d("2026-12-03"),
    };
    assert_eq!(stopped_working_days(&cal, accepted, &[across]), 1);
}

/// A notice is the one time the person is told: a paper the case holds is never 未提交
/// (it may be 不合格), and every lacking required paper is on it, but those that may be
/// owed under 容缺.
#[test]
fn a_notice_lists_every_lacking_paper_and_no_held_one_as_missing() {
    use CaseAction as A;
    let rules = ItemRules {
        required: vec!["营业执照复印件".into(), "身份证".into(), "健康证明".into()],
        held: vec!["身份证".into()],
        ..rules()
    };
    let p = Progress::default();
    let notice = |items: Vec<NoticeItem>| A::IssueNotice { items };
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules,
            &p,
            notice(vec![
                NoticeItem::missing("营业执照复印件"),
                NoticeItem::missing("身份证")
            ])
        ),
        CaseError::AlreadyHeld {
            index: 1,
            name: "身份证".into()
        }
    );
    let incomplete = refusal(CaseStatus::Submitted, &rules, &p, notice(vec![]));
    assert_eq!(incomplete, CaseError::EmptyNotice);
    let bad_id = NoticeItem {
        material: "身份证".into(),
        problem: NoticeProblem::Invalid,
        note: "照片不清".into(),
    };
    assert_eq!(
        refusal(
            CaseStatus::Submitted,
            &rules,
            &p,
            notice(vec![bad_id.clone()])
        ),
        CaseError::NoticeIncomplete("营业执照复印件".into())
    );
    // 健康证明 may be owed under 容缺, so it need not be on the notice.
    assert!(
        transition(
            CaseStatus::Submitted,
            &rules,
            &p,
            &notice(vec![bad_id, NoticeItem::missing("营业执照复印件")])
        )
        .is_ok()
    );
    // A procedure is recorded by the item's name for it, however it was named.
    let by_code = A::StartSpecialProcedure {
        procedure: "1".into(),
        reason: "核实".into(),
    }
    .named_by(&rules);
    assert_eq!(
        by_code,
        A::StartSpecialProcedure {
            procedure: "现场勘验".into(),
            reason: "核实".into()
        }
    );
}
