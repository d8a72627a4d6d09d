use std::collections::BTreeMap;

use proptest::prelude::*;

use super::*;
use crate::case::CaseStatus;

fn member(code: &str, deps: &[&str], fields: &[(&str, &str)]) -> Member {
    Member {
        implementation_code: code.into(),
        name: format!("事项{code}"),
        situation: String::new(),
        situation_from: None,
        condition: None,
        depends_on: deps.iter().map(|d| (*d).into()).collect(),
        fields: fields
            .iter()
            .map(|(i, f)| FieldUse {
                item_key: (*i).into(),
                from: (*f).into(),
            })
            .collect(),
    }
}

fn field(key: &str, kind: FieldKind, required: bool) -> FieldSpec {
    FieldSpec {
        key: key.into(),
        label: format!("字段{key}"),
        kind,
        required,
    }
}

fn bundle(members: Vec<Member>, fields: Vec<FieldSpec>) -> Bundle {
    Bundle {
        code: "YJS-TEST".into(),
        name: "测试一件事".into(),
        audience: Audience::Person,
        lead_org: "D-SPJ".into(),
        summary: String::new(),
        questions: vec![Question {
            key: "has_licence".into(),
            label: "是否已有营业执照".into(),
            choices: vec![
                Choice {
                    value: "yes".into(),
                    label: "已有".into(),
                },
                Choice {
                    value: "no".into(),
                    label: "没有".into(),
                },
            ],
        }],
        members,
        fields,
        promised_days: 5,
        combined_licence: None,
    }
}

#[test]
fn a_member_needing_a_licence_a_sibling_issues_must_wait_for_it() {
    use crate::catalog::tests::item;
    let mut licence = item();
    licence.implementation_code = "LIC".into();
    licence.outcome.licence_type = Some("营业执照".into());
    licence.materials.clear();
    let mut food = item();
    food.implementation_code = "FOOD".into();
    let items = [licence, food];
    let item_of = |code: &str| items.iter().find(|i| i.implementation_code == code);
    let mut m_food = member("FOOD", &[], &[]);
    m_food.situation = "新办".into();
    let b = bundle(vec![member("LIC", &[], &[]), m_food.clone()], vec![]);
    let e = b.check_members(item_of).unwrap_err();
    assert!(
        e.errors
            .iter()
            .any(|x| x.code == "missing_dependency" && x.field == "members[1].depends_on"),
        "{e:?}"
    );
    // In a situation that does not need the licence, nothing to wait for.
    m_food.situation = "延续".into();
    let b = bundle(vec![member("LIC", &[], &[]), m_food.clone()], vec![]);
    assert!(b.check_members(item_of).is_ok());
    m_food.situation = "新办".into();
    m_food.depends_on = vec!["LIC".into()];
    let mut b = bundle(vec![member("LIC", &[], &[]), m_food], vec![]);
    b.promised_days = 20;
    assert!(b.check_members(item_of).is_ok());
}

#[test]
fn dates_are_read_as_people_write_them() {
    let d = chrono::NaiveDate::from_ymd_opt(2026, 3, 1);
    for v in [
        "2026-03-01",
        "2026/3/1",
        "2026.03.01",
        "20260301",
        "2026年3月1日",
        " 2026-3-1 ",
    ] {
        assert_eq!(super::form::parse_date(v), d, "{v}");
    }
    for v in ["2026-02-30", "01/03/2026", "明天", "2026"] {
        assert_eq!(super::form::parse_date(v), None, "{v}");
    }
}

#[test]
fn a_denial_ends_a_member_without_its_result() {
    assert_eq!(
        ChildState::of_case(CaseStatus::Concluded, Some(false)),
        ChildState::Denied
    );
    assert!(ChildState::Denied.failed() && !ChildState::Denied.succeeded());
    assert_eq!(
        ChildState::of_case(CaseStatus::Concluded, Some(true)),
        ChildState::Case(CaseStatus::Concluded)
    );
    let members = vec![member("A", &[], &[]), member("B", &["A"], &[])];
    let states = [ChildState::Denied, ChildState::Waiting];
    assert!(startable(&members, &states).is_empty());
    assert_eq!(cancelled(&members, &states), vec![1]);
}

#[test]
fn bundle_numbers_run_per_day_and_stop_at_the_last() {
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    assert_eq!(bundle_number(day, 1).as_deref(), Some("YJS20261203000001"));
    assert!(bundle_number(day, 0).is_none());
    assert!(bundle_number(day, MAX_DAILY_BUNDLES + 1).is_none());
    assert_ne!(child_key("YJS1", 0), child_key("YJS1", 1));
}

#[test]
fn a_definition_with_a_cycle_or_an_unknown_reference_is_refused() {
    let b = bundle(
        vec![
            member("A", &["B"], &[]),
            member("B", &["A"], &[("x", "nope")]),
        ],
        vec![],
    );
    let e = b.validate().unwrap_err();
    let codes: Vec<&str> = e.errors.iter().map(|e| e.code).collect();
    assert!(codes.contains(&"cycle"), "{codes:?}");
    assert!(codes.contains(&"unknown_field"), "{codes:?}");
    let ok = bundle(
        vec![
            member("A", &[], &[("n", "name")]),
            member("B", &["A"], &[("nm", "name")]),
        ],
        vec![field("name", FieldKind::Text, true)],
    );
    assert_eq!(ok.validate(), Ok(()));
}

#[test]
fn answers_decide_the_members_and_drop_dependencies_on_those_left_out() {
    let mut licence = member("LIC", &[], &[]);
    licence.condition = Some(Condition {
        question: "has_licence".into(),
        any_of: vec!["no".into()],
    });
    let b = bundle(
        vec![
            licence,
            member("FOOD", &["LIC"], &[]),
            member("TAX", &[], &[]),
        ],
        vec![],
    );
    let yes = BTreeMap::from([("has_licence".to_owned(), "yes".to_owned())]);
    let members = b.applicable(&yes).unwrap();
    assert_eq!(members.len(), 2);
    assert!(
        members[0].depends_on.is_empty(),
        "the licence is already held"
    );
    let no = BTreeMap::from([("has_licence".to_owned(), "no".to_owned())]);
    assert_eq!(b.applicable(&no).unwrap().len(), 3);
    let e = b.applicable(&BTreeMap::new()).unwrap_err();
    assert_eq!(e.errors[0].field, "answers.has_licence");
    let bad = BTreeMap::from([("has_licence".to_owned(), "maybe".to_owned())]);
    assert_eq!(
        b.applicable(&bad).unwrap_err().errors[0].code,
        "unknown_choice"
    );
}

#[test]
fn an_answer_can_choose_a_members_situation() {
    let mut a = member("A", &[], &[]);
    a.situation = "新建商品房".into();
    a.situation_from = Some(SituationFrom {
        question: "has_licence".into(),
        map: BTreeMap::from([("yes".to_owned(), "存量房".to_owned())]),
    });
    let b = bundle(vec![a, member("B", &[], &[])], vec![]);
    assert_eq!(b.validate(), Ok(()));
    let yes = BTreeMap::from([("has_licence".to_owned(), "yes".to_owned())]);
    assert_eq!(b.applicable(&yes).unwrap()[0].situation, "存量房");
    let no = BTreeMap::from([("has_licence".to_owned(), "no".to_owned())]);
    assert_eq!(b.applicable(&no).unwrap()[0].situation, "新建商品房");
    let mut bad = b.clone();
    bad.members[0].situation_from.as_mut().unwrap().question = "nope".into();
    assert_eq!(bad.validate().unwrap_err().errors[0].code, "unknown_choice");
}

#[test]
fn the_merged_form_checks_kinds_by_their_check_characters_and_names_the_field() {
    let fields = [
        field("id", FieldKind::IdNumber, true),
        field("phone", FieldKind::Phone, false),
    ];
    let refs: Vec<&FieldSpec> = fields.iter().collect();
    let e = check_form(
        &refs,
        &BTreeMap::from([("id".to_owned(), "640303199001011235".to_owned())]),
    )
    .unwrap_err();
    assert_eq!(e.errors[0].field, "form.id");
    assert!(
        e.errors[0].message.contains("字段id"),
        "{}",
        e.errors[0].message
    );
    let e = check_form(&refs, &BTreeMap::new()).unwrap_err();
    assert_eq!(e.errors[0].code, "required");
    let ok = check_form(
        &refs,
        &BTreeMap::from([("id".to_owned(), "64030319580312024x".to_owned())]),
    )
    .unwrap();
    assert_eq!(ok["id"], "64030319580312024X");
}

#[test]
fn a_shared_material_is_collected_once_at_its_strictest() {
    use crate::catalog::{MaterialForm, Necessity};
    use crate::catalog::{MaterialRequirement, MaterialSource};
    let m = |name: &str, necessity, source| MaterialRequirement {
        name: name.into(),
        form: MaterialForm::Original,
        copies: 1,
        necessity,
        source,
        situations: vec![],
        waivable: false,
        blank_form: false,
        sample: false,
        note: String::new(),
    };
    let (a, b) = (member("A", &[], &[]), member("B", &[], &[]));
    let id = MaterialSource::Government {
        licence_type: "居民身份证".into(),
    };
    let ma = [
        m("身份证", Necessity::Deficiency, id.clone()),
        m("申请表", Necessity::Required, MaterialSource::Applicant),
    ];
    let mb = [m("身份证", Necessity::Required, MaterialSource::Applicant)];
    let merged = merged_materials(&[(&a, ma.iter().collect()), (&b, mb.iter().collect())]);
    assert_eq!(merged.len(), 2);
    assert_eq!(merged[0].required_by, ["A", "B"]);
    assert_eq!(merged[0].necessity, Necessity::Required);
    assert_eq!(merged[0].source, id);
}

fn case_status() -> impl Strategy<Value = CaseStatus> {
    proptest::sample::select(CaseStatus::ALL.to_vec())
}

fn child_state() -> impl Strategy<Value = ChildState> {
    prop_oneof![
        Just(ChildState::Waiting),
        Just(ChildState::Cancelled),
        Just(ChildState::Denied),
        case_status().prop_map(ChildState::Case),
    ]
}

/// Random bundles: up to 6 members, each depending only on earlier ones (so no cycle),
/// each using some of 5 merged fields under its own item keys.
fn members() -> impl Strategy<Value = Vec<Member>> {
    proptest::collection::vec(
        (
            proptest::collection::vec(any::<prop::sample::Index>(), 0..3),
            proptest::collection::btree_set(0usize..5, 0..5),
        ),
        1..7,
    )
    .prop_map(|specs| {
        specs
            .into_iter()
            .enumerate()
            .map(|(i, (deps, fields))| {
                let mut m = member(&format!("M{i}"), &[], &[]);
                if i > 0 {
                    let mut d: Vec<String> =
                        deps.iter().map(|x| format!("M{}", x.index(i))).collect();
                    d.sort();
                    d.dedup();
                    m.depends_on = d;
                }
                m.fields = fields
                    .into_iter()
                    .map(|f| FieldUse {
                        item_key: format!("m{i}_f{f}"),
                        from: format!("f{f}"),
                    })
                    .collect();
                m
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn the_merged_form_asks_each_shared_field_once_and_every_child_form_follows_from_it(
        members in members(),
        values in proptest::collection::btree_map(0usize..5, "[a-z]{1,6}", 0..5),
    ) {
        let fields: Vec<FieldSpec> =
            (0..5).map(|f| field(&format!("f{f}"), FieldKind::Text, false)).collect();
        let b = bundle(members.clone(), fields);
        let merged = merged_form(&b, &members);
        let keys: Vec<&str> = merged.iter().map(|f| f.key.as_str()).collect();
        let mut unique = keys.clone();
        unique.sort();
        unique.dedup();
        prop_assert_eq!(unique.len(), keys.len(), "a field asked twice");
        for m in &members {
            for u in &m.fields {
                prop_assert!(keys.contains(&u.from.as_str()), "a used field not asked");
            }
        }
        for k in &keys {
            prop_assert!(members.iter().any(|m| m.fields.iter().any(|u| u.from == *k)));
        }
        let values: BTreeMap<String, String> =
            values.into_iter().map(|(k, v)| (format!("f{k}"), v)).collect();
        for m in &members {
            let child = child_form(m, &values);
            for u in &m.fields {
                prop_assert_eq!(child.get(&u.item_key), values.get(&u.from));
            }
            prop_assert!(child.keys().all(|k| m.fields.iter().any(|u| &u.item_key == k)));
        }
    }

    #[test]
    fn the_bundle_status_follows_from_the_children_alone(
        states in proptest::collection::vec(child_state(), 1..8),
        order in any::<prop::sample::Index>(),
    ) {
        let status = bundle_status(&states);
        // The same children in another order: the same status.
        let mut rotated = states.clone();
        rotated.rotate_left(order.index(states.len()));
        prop_assert_eq!(bundle_status(&rotated), status);
        let all_ended = states.iter().all(|s| s.succeeded() || s.failed());
        prop_assert_eq!(status.is_final(), all_ended);
        if status == BundleStatus::Concluded || status == BundleStatus::Delivered {
            prop_assert!(states.iter().all(|s| s.succeeded()));
        }
        if states.contains(&ChildState::Case(CaseStatus::AwaitingSupplement)) {
            prop_assert_eq!(status, BundleStatus::AwaitingSupplement);
        }
    }

    #[test]
    fn no_child_starts_before_what_it_depends_on_concludes(
        members in members(),
        states in proptest::collection::vec(child_state(), 6),
    ) {
        let states = &states[..members.len()];
        let start = startable(&members, states);
        let cancel = cancelled(&members, states);
        for &i in &start {
            prop_assert_eq!(states[i], ChildState::Waiting);
            for d in &members[i].depends_on {
                let j = members.iter().position(|m| &m.implementation_code == d).unwrap();
                prop_assert!(states[j].succeeded(), "{} started before {}", i, j);
            }
            prop_assert!(!cancel.contains(&i));
        }
        // Run the bundle to its end: start what may start, conclude what started; every
        // child ends started or cancelled, and never before its dependencies.
        let mut s: Vec<ChildState> = members
            .iter()
            .map(|m| if m.depends_on.is_empty() { ChildState::Case(CaseStatus::Submitted) } else { ChildState::Waiting })
            .collect();
        for _ in 0..members.len() + 1 {
            for i in startable(&members, &s) {
                s[i] = ChildState::Case(CaseStatus::Submitted);
            }
            for st in s.iter_mut() {
                if *st == ChildState::Case(CaseStatus::Submitted) {
                    *st = ChildState::Case(CaseStatus::Concluded);
                }
            }
        }
        prop_assert!(s.iter().all(|x| x.succeeded()));
        prop_assert_eq!(bundle_status(&s), BundleStatus::Concluded);
    }
}

#[test]
fn the_due_date_is_the_latest_child_or_the_bundle_promise_if_sooner() {
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(
        bundle_due(&[d("2026-03-02"), d("2026-03-09")], d("2026-03-20")),
        d("2026-03-09")
    );
    assert_eq!(
        bundle_due(&[d("2026-03-02"), d("2026-03-09")], d("2026-03-05")),
        d("2026-03-05")
    );
    assert_eq!(bundle_due(&[], d("2026-03-05")), d("2026-03-05"));
}
