//! 一件事 bundles: the demo publishes every bundle through the lifecycle; versions are
//! guarded like an item's.

use tongban_domain::catalog::VersionStatus;

use super::{Fixture, now};

pub(super) async fn bundles_are_versioned_and_published_once_in_force(f: &Fixture) {
    let published = f.store.published_bundles().await.unwrap();
    assert_eq!(
        published.len(),
        15,
        "8 life events, 2 enterprise, 5 industries"
    );
    assert_eq!(published[0].bundle().unwrap().audience.as_str(), "person");
    let birth = f.store.published_bundle("YJS-CHUSHENG").await.unwrap();
    let mut bundle = birth.bundle().unwrap();
    assert!(bundle.members.len() >= 4);

    // A second version: a draft while the first stays in force; no second open draft.
    bundle.promised_days = 8;
    let v2 = f
        .store
        .create_bundle_draft(now(), "admin", &bundle)
        .await
        .unwrap();
    assert_eq!(v2.version, 2);
    let again = f.store.create_bundle_draft(now(), "admin", &bundle).await;
    assert!(
        matches!(again, Err(tongban_store::StoreError::Conflict(_))),
        "{again:?}"
    );
    // A step taken on a status the version no longer has is refused.
    let stale = f
        .store
        .transition_bundle_version(
            now(),
            "legal",
            &v2.id,
            VersionStatus::InReview,
            VersionStatus::Approved,
            "",
        )
        .await;
    assert!(
        matches!(stale, Err(tongban_store::StoreError::Conflict(_))),
        "{stale:?}"
    );
    for (from, to) in [
        (VersionStatus::Draft, VersionStatus::InReview),
        (VersionStatus::InReview, VersionStatus::Approved),
        (VersionStatus::Approved, VersionStatus::Published),
    ] {
        f.store
            .transition_bundle_version(now(), "admin", &v2.id, from, to, "")
            .await
            .unwrap();
    }
    let now_in_force = f.store.published_bundle("YJS-CHUSHENG").await.unwrap();
    assert_eq!(now_in_force.version, 2);
    assert_eq!(now_in_force.bundle().unwrap().promised_days, 8);
    let versions = f.store.bundle_versions("YJS-CHUSHENG").await.unwrap();
    assert_eq!(versions[1].status, "superseded");
}

/// A bundle application lands whole with its starting members; a waiting member starts
/// once however often it is started; the combined licence and the delivery happen once.
pub(super) async fn bundle_applications_land_whole_and_members_start_once(f: &Fixture) {
    use tongban_store::{NewBundleCase, NewBundleChild};
    let (applicant, version_id, code) = super::cases::fixture_ids(f).await;
    let pdf = b"%PDF-1.4 shared paper";
    let first = super::cases::new_case(&applicant, &version_id, &code, None, pdf);
    let birth = f.store.published_bundle("YJS-CHUSHENG").await.unwrap();
    let day = first.submitted_on;
    let new = NewBundleCase {
        bundle_code: birth.code.clone(),
        bundle_version_id: birth.version_id.clone(),
        bundle_name: "新生儿出生一件事".into(),
        applicant_id: applicant.clone(),
        answers: "{}".into(),
        form: "{}".into(),
        channel: "online".into(),
        first_responder: None,
        intake_org_id: None,
        assistance: String::new(),
        idempotency_key: Some("b-1".into()),
        submitted_on: day,
        promised_due: day,
        children: vec![
            NewBundleChild {
                implementation_code: code.clone(),
                item_name: "第一项".into(),
                situation: String::new(),
                form: "{}".into(),
                depends_on: Vec::new(),
                case: Some(first.clone()),
            },
            NewBundleChild {
                implementation_code: format!("{code}X"),
                item_name: "第二项".into(),
                situation: String::new(),
                form: "{}".into(),
                depends_on: vec![code.clone()],
                case: None,
            },
        ],
        materials: first.materials.clone(),
    };
    let (b, created) = f.store.submit_bundle(now(), &new).await.unwrap();
    assert!(created);
    assert!(b.bundle_no.starts_with("YJS20261127"), "{}", b.bundle_no);
    let (again, created) = f.store.submit_bundle(now(), &new).await.unwrap();
    assert!(!created);
    assert_eq!(again.bundle_no, b.bundle_no);
    let stored = f.store.bundle_case_by_no(&b.bundle_no).await.unwrap();
    assert_eq!(stored.children.len(), 2);
    let started = stored.children[0].case_id.clone().expect("started at once");
    assert!(stored.children[1].case_id.is_none());
    assert_eq!(
        f.store.bundle_of_case(&started).await.unwrap().as_deref(),
        Some(b.id.as_str())
    );
    let papers = f.store.bundle_materials(&b.id).await.unwrap();
    assert_eq!(papers.len(), 1);
    assert_eq!(papers[0].content, pdf);
    let since = now() - chrono::Duration::hours(1);
    assert_eq!(
        f.store.bundles_waiting(since, 10).await.unwrap(),
        vec![b.id.clone()]
    );

    // The waiting member starts once, even when started twice.
    let mut second = super::cases::new_case(&applicant, &version_id, &code, None, pdf);
    second.idempotency_key = Some(tongban_domain::bundle::child_key(&b.bundle_no, 1));
    let one = f
        .store
        .start_bundle_child(now(), &b.id, 1, &second)
        .await
        .unwrap();
    let two = f
        .store
        .start_bundle_child(now(), &b.id, 1, &second)
        .await
        .unwrap();
    assert_eq!(one.id, two.id);
    let stored = f.store.bundle_case_by_no(&b.bundle_no).await.unwrap();
    assert_eq!(stored.children[1].case_id.as_deref(), Some(one.id.as_str()));
    assert!(f.store.bundles_waiting(since, 10).await.unwrap().is_empty());

    // One delivery.
    assert!(
        f.store
            .set_bundle_delivered(now(), "system", &b.id, "electronic")
            .await
            .unwrap()
    );
    assert!(
        !f.store
            .set_bundle_delivered(now(), "system", &b.id, "window")
            .await
            .unwrap()
    );
    let stored = f.store.bundle_case_by_no(&b.bundle_no).await.unwrap();
    assert_eq!(stored.delivery, "electronic");
    assert!(stored.delivered_at.is_some());
    assert_eq!(
        f.store
            .bundle_cases_of_applicant(&applicant)
            .await
            .unwrap()
            .len(),
        1
    );
}
