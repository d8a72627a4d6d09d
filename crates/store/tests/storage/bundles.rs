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
