//! The storage contract suite. Every test runs on SQLite, and again on PostgreSQL when
//! `TONGBAN_TEST_DATABASE_URL` names a server (each test in a fresh database it creates and
//! drops). On CI a missing URL is an error, so the PostgreSQL half cannot silently vanish.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, AssertSqlSafe};
use tongban_domain::account::{AccountKind, Role};
use tongban_domain::audit::{AuditEvent, ChainBreak};
use tongban_domain::authz::{PersonalDataReach, Scope};
use tongban_domain::codes::Password;
use tongban_domain::org::HallKind;
use tongban_domain::throttle::FailureCount;
use tongban_store::{NewAccount, NewSession, SessionKind, Store, StoreError, demo};

/// A database for one test: the store, a raw pool for tampering, and how to clean up.
struct Fixture {
    store: Store,
    raw: AnyPool,
    url: String,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Fixture {
    /// A fresh SQLite database: migrated, and with the demonstration data when `demo`,
    /// copied from this binary's template instead of built again.
    async fn sqlite(demo: bool) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let template = sqlite_template(demo).await;
        for file in ["tongban.db", "tongban.db-wal"] {
            if template.join(file).exists() {
                std::fs::copy(template.join(file), dir.path().join(file)).unwrap();
            }
        }
        let url = tongban_store::sqlite_url_in(dir.path());
        Self::open(url, None, Some(dir)).await
    }

    /// A fresh PostgreSQL database, created from this binary's template (migrated, with the
    /// demonstration data when `demo`).
    async fn postgres(demo: bool) -> Option<Fixture> {
        let Ok(admin_url) = std::env::var("TONGBAN_TEST_DATABASE_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "CI must set TONGBAN_TEST_DATABASE_URL so the PostgreSQL suite runs"
            );
            eprintln!("TONGBAN_TEST_DATABASE_URL not set: PostgreSQL half skipped");
            return None;
        };
        sqlx::any::install_default_drivers();
        let template = postgres_template(&admin_url, demo).await;
        let name = format!("tongban_test_{}", uuid_simple());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(AnyConnectOptions::from_str(&admin_url).unwrap())
            .await
            .expect("connect to TONGBAN_TEST_DATABASE_URL");
        // One copy at a time: PostgreSQL refuses to copy a template another copy is reading.
        let _turn = COPYING.lock().await;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(&admin)
        .await
        .unwrap();
        drop(_turn);
        admin.close().await;
        let url = replace_db_name(&admin_url, &name);
        Some(Self::open(url, Some((admin_url, name)), None).await)
    }

    async fn open(
        url: String,
        cleanup: Option<(String, String)>,
        dir: Option<tempfile::TempDir>,
    ) -> Fixture {
        let store = Store::open(&url).await.expect("open and migrate");
        let raw = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(AnyConnectOptions::from_str(&url).unwrap())
            .await
            .unwrap();
        Fixture {
            store,
            raw,
            url,
            cleanup,
            _dir: dir,
        }
    }

    async fn finish(self) {
        self.store.close().await;
        self.raw.close().await;
        if let Some((admin_url, name)) = self.cleanup {
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect_with(AnyConnectOptions::from_str(&admin_url).unwrap())
                .await
                .unwrap();
            sqlx::query(AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
        }
    }
}

static SQLITE_TEMPLATES: [tokio::sync::OnceCell<std::path::PathBuf>; 2] = [
    tokio::sync::OnceCell::const_new(),
    tokio::sync::OnceCell::const_new(),
];
static POSTGRES_TEMPLATES: [tokio::sync::OnceCell<String>; 2] = [
    tokio::sync::OnceCell::const_new(),
    tokio::sync::OnceCell::const_new(),
];
static COPYING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Migrates a new store at `url` and, when `demo`, loads the demonstration data; closes it.
async fn build_template(url: &str, demo: bool) {
    let store = Store::open(url)
        .await
        .expect("open and migrate the template");
    if demo {
        demo::load(&store, now(), &test_hash).await.unwrap();
    }
    store.close().await;
}

async fn sqlite_template(demo: bool) -> &'static std::path::Path {
    SQLITE_TEMPLATES[usize::from(demo)]
        .get_or_init(|| async {
            let dir = tempfile::tempdir().unwrap().keep();
            build_template(&tongban_store::sqlite_url_in(&dir), demo).await;
            dir
        })
        .await
}

/// The name of this process's PostgreSQL template database. Templates left by earlier runs
/// whose process is gone are dropped first.
async fn postgres_template(admin_url: &str, demo: bool) -> &'static str {
    POSTGRES_TEMPLATES[usize::from(demo)]
        .get_or_init(|| async {
            let admin = AnyPoolOptions::new()
                .max_connections(1)
                .connect_with(AnyConnectOptions::from_str(admin_url).unwrap())
                .await
                .expect("connect to TONGBAN_TEST_DATABASE_URL");
            let old: Vec<String> = sqlx::query_scalar(
                "SELECT datname::text FROM pg_database WHERE datname LIKE 'tongban_tpl_%'",
            )
            .fetch_all(&admin)
            .await
            .unwrap();
            for name in old {
                let pid = name.split('_').nth(2).unwrap_or_default();
                if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                    let _ = sqlx::query(AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await;
                }
            }
            let name = format!(
                "tongban_tpl_{}_{}",
                std::process::id(),
                if demo { "demo" } else { "empty" }
            );
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .unwrap();
            admin.close().await;
            build_template(&replace_db_name(admin_url, &name), demo).await;
            name
        })
        .await
}

fn uuid_simple() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}_{}", std::process::id())
}

fn replace_db_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let cut = base
        .rfind('/')
        .filter(|i| base[..*i].contains("//") && *i > base.find("//").unwrap() + 1);
    let mut out = match cut {
        Some(i) => format!("{}/{name}", &base[..i]),
        None => format!("{base}/{name}"),
    };
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A fast hash: these tests are about storage, not Argon2's cost.
fn test_hash(p: &Password) -> String {
    format!("plain:{}", p.expose())
}

macro_rules! contract {
    ($demo:literal: $($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let f = super::Fixture::sqlite($demo).await;
                    super::$name(&f).await;
                    f.finish().await;
                }

                #[tokio::test]
                async fn postgres() {
                    if let Some(f) = super::Fixture::postgres($demo).await {
                        super::$name(&f).await;
                        f.finish().await;
                    }
                }
            }
        )*
    };
}

// Each contract test runs on an empty (migrated) database …
contract!(
    false:
    demo_loads_the_three_levels,
    migrations_are_idempotent,
    duplicate_login_is_a_conflict,
    sessions_expire_and_revoke,
    audit_chain_detects_altered_and_missing_rows,
    concurrent_audit_appends_keep_their_chain,
    login_failures_round_trip,
    parallel_login_attempts_never_pass_the_free_tries,
    one_time_codes_are_limited_and_spent_once,
    audit_checkpoints_round_trip_and_bind_the_rows,
    catalog_import_upserts_and_lists_entries,
    entered_calendar_days_are_kept_and_versioned,
);

// … or on one with the demonstration data.
contract!(
    true:
    scopes_filter_units_staff_and_halls,
    personal_record_views_are_audited,
    catalog_versions_move_through_review_and_publication,
    cases_are_numbered_per_day_and_submitted_once,
    concurrent_submissions_get_distinct_numbers,
    case_changes_keep_progress_and_refuse_stale_decisions,
    concurrent_steps_share_commits_and_one_wins_per_case,
    a_step_lands_on_progress_stored_in_an_older_shape,
    staff_changes_end_sessions_and_are_audited,
    licences_are_numbered_revoked_once_and_expired_with_audit,
    two_instances_racing_one_key_record_one_case,
    status_columns_refuse_unknown_values,
    seeded_cases_fill_lists_in_every_status,
    draft_uploads_are_kept_replaced_and_purged,
    ratings_open_one_task_and_steps_are_guarded,
    tickets_are_numbered_per_day_and_escalate,
    seeded_feedback_fills_the_lists,
    bundles_are_versioned_and_published_once_in_force,
    bundle_applications_land_whole_and_members_start_once,
    windows_hold_one_ticket_and_tickets_are_called_once,
    slots_are_never_overbooked,
);

#[path = "storage/halls.rs"]
mod halls;
use halls::{slots_are_never_overbooked, windows_hold_one_ticket_and_tickets_are_called_once};

#[path = "storage/bundles.rs"]
mod bundles;
use bundles::{
    bundle_applications_land_whole_and_members_start_once,
    bundles_are_versioned_and_published_once_in_force,
};

#[path = "storage/feedback.rs"]
mod feedback;
use feedback::{
    ratings_open_one_task_and_steps_are_guarded, seeded_feedback_fills_the_lists,
    tickets_are_numbered_per_day_and_escalate,
};

async fn draft_uploads_are_kept_replaced_and_purged(f: &Fixture) {
    let owner = f
        .store
        .account_by_login("64030319580312024X")
        .await
        .unwrap();
    let file = |name: &str, content: &[u8]| tongban_store::NewMaterial {
        name: name.into(),
        filename: format!("{name}.pdf"),
        content_type: "application/pdf".into(),
        sha256: tongban_domain::case::sha256_hex(content),
        content: content.to_vec(),
        waived_by: None,
    };
    let t0 = now();
    f.store
        .keep_draft_uploads(t0, &owner.id, "draft-1", &[file("申请表", b"%PDF-a")])
        .await
        .unwrap();
    // A second try replaces the same material's file and adds another.
    f.store
        .keep_draft_uploads(
            t0,
            &owner.id,
            "draft-1",
            &[file("申请表", b"%PDF-b"), file("身份证", b"%PDF-c")],
        )
        .await
        .unwrap();
    let kept = f.store.draft_uploads(&owner.id, "draft-1").await.unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0].name, "申请表");
    assert_eq!(kept[0].content, b"%PDF-b");
    assert!(
        f.store
            .draft_uploads(&owner.id, "draft-2")
            .await
            .unwrap()
            .is_empty(),
        "drafts are apart"
    );
    f.store
        .keep_draft_uploads(t0, &owner.id, "draft-2", &[file("申请表", b"%PDF-d")])
        .await
        .unwrap();
    f.store.drop_draft(&owner.id, "draft-1").await.unwrap();
    assert!(
        f.store
            .draft_uploads(&owner.id, "draft-1")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.store
            .purge_drafts(t0 + Duration::seconds(1))
            .await
            .unwrap(),
        1
    );
    assert!(
        f.store
            .draft_uploads(&owner.id, "draft-2")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn demo_loads_the_three_levels(f: &Fixture) {
    assert!(f.store.is_empty().await.unwrap());
    demo::load(&f.store, now(), &test_hash).await.unwrap();
    assert!(!f.store.is_empty().await.unwrap());
    let units = f.store.list_org_units(&Scope::All).await.unwrap();
    assert_eq!(units.len(), 1 + demo::DEPARTMENTS.len() + 7 + 74);
    let dahe = f.store.org_unit_by_code("640303200000").await.unwrap();
    assert_eq!(dahe.name, "大河乡");
    assert_eq!(dahe.path, "640303/640303200000");
    let halls = f.store.list_halls(&[], &Scope::All).await.unwrap();
    assert_eq!(halls.len(), 1 + 7 + 74);
    let centre = &halls[0];
    assert_eq!(centre.kind, HallKind::DistrictCentre);
    assert_eq!(centre.windows.len(), 30);
    assert!(centre.hours.len() >= 4);
    let admin = f.store.account_by_login("admin").await.unwrap();
    assert_eq!(admin.role, Some(Role::BureauAdmin));
    assert_eq!(admin.org_name.as_deref(), Some("红寺堡区审批服务管理局"));
    assert_eq!(f.store.verify_audit().await.unwrap().first_break, None);
}

async fn migrations_are_idempotent(f: &Fixture) {
    f.store.migrate().await.unwrap();
    let again = Store::open(&f.url).await.unwrap();
    again.migrate().await.unwrap();
    again.close().await;
}

fn citizen(login: &str) -> NewAccount {
    NewAccount {
        kind: AccountKind::Citizen,
        login: login.into(),
        name: "马秀兰".into(),
        phone: Some("13909531234".into()),
        legal_representative: None,
        org_unit_code: None,
        role: None,
        password_hash: "x".into(),
        assurance: tongban_domain::identity::Assurance::SelfRegistered,
    }
}

async fn duplicate_login_is_a_conflict(f: &Fixture) {
    let a = f
        .store
        .create_account(now(), "", &citizen("11010519491231002X"))
        .await
        .unwrap();
    assert_eq!(a.kind, AccountKind::Citizen);
    assert_eq!(a.created_at, now());
    let again = f
        .store
        .create_account(now(), "", &citizen("11010519491231002X"))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let rows = f
        .store
        .recent_audit(10, Some(&format!("account:{}", a.id)))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].action, "account.register");
}

async fn sessions_expire_and_revoke(f: &Fixture) {
    let a = f
        .store
        .create_account(now(), "", &citizen("11010519491231002X"))
        .await
        .unwrap();
    let s = f
        .store
        .create_session(
            now(),
            &NewSession {
                token_hash: "h1".into(),
                account_id: a.id.clone(),
                kind: SessionKind::Web,
                label: "Firefox".into(),
                address: "127.0.0.1".into(),
                expires_at: now() + Duration::hours(1),
            },
        )
        .await
        .unwrap();
    let (live, acct) = f.store.live_session(now(), "h1").await.unwrap();
    assert_eq!(live.id, s.id);
    assert_eq!(acct.id, a.id);
    assert!(matches!(
        f.store.live_session(now() + Duration::hours(2), "h1").await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(f.store.sessions_of(now(), &a.id).await.unwrap().len(), 1);
    assert!(matches!(
        f.store.revoke_session(now(), "someone-else", &s.id).await,
        Err(StoreError::NotFound)
    ));
    f.store.revoke_session(now(), &a.id, &s.id).await.unwrap();
    assert!(matches!(
        f.store.live_session(now(), "h1").await,
        Err(StoreError::NotFound)
    ));
    assert!(f.store.sessions_of(now(), &a.id).await.unwrap().is_empty());
}

async fn audit_chain_detects_altered_and_missing_rows(f: &Fixture) {
    for i in 0..5 {
        f.store
            .append_audit(
                now(),
                AuditEvent::new("t", "test.event", format!("x:{i}"), "d"),
            )
            .await
            .unwrap();
    }
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!((report.rows_checked, report.first_break), (5, None));

    // Another instance's chain (written here as that instance would): every chain is
    // verified to its own head.
    let own: i64 = sqlx::query_scalar("SELECT part FROM audit_log LIMIT 1")
        .fetch_one(&f.raw)
        .await
        .unwrap();
    let other = (own + 1) % tongban_domain::audit::AUDIT_CHAINS;
    let mut prev: Option<(i64, String)> = None;
    for i in 0..3 {
        let e = tongban_domain::audit::next_entry(
            prev.as_ref().map(|(s, h)| (*s, h.as_str())),
            "2026-12-01T00:00:00Z".into(),
            AuditEvent::new("t", "test.other", format!("y:{i}"), ""),
        );
        sqlx::query(
            "INSERT INTO audit_log (part, seq, at, actor, action, target, detail, prev_hash, \
             hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(other)
        .bind(e.seq)
        .bind(&e.at)
        .bind(&e.actor)
        .bind(&e.action)
        .bind(&e.target)
        .bind(&e.detail)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&f.raw)
        .await
        .unwrap();
        prev = Some((e.seq, e.hash));
    }
    sqlx::query("UPDATE audit_heads SET seq = 3, hash = $1 WHERE part = $2")
        .bind(prev.unwrap().1)
        .bind(other)
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!((report.rows_checked, report.first_break), (8, None));
    // Its last row cut off is found against its head, and named by its chain.
    sqlx::query("DELETE FROM audit_log WHERE part = $1 AND seq = 3")
        .bind(other)
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, Some(ChainBreak::Missing { seq: 3 }));
    assert_eq!(report.chain, Some(other));
    // A chain's head removed with all its rows is still found: every head must exist.
    sqlx::query("DELETE FROM audit_log WHERE part = $1")
        .bind(other)
        .execute(&f.raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_heads WHERE part = $1")
        .bind(other)
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, Some(ChainBreak::HeadMissing));
    sqlx::query("INSERT INTO audit_heads (part, seq, hash) VALUES ($1, 0, $2)")
        .bind(other)
        .bind(tongban_domain::audit::GENESIS_HASH)
        .execute(&f.raw)
        .await
        .unwrap();
    assert_eq!(f.store.verify_audit().await.unwrap().first_break, None);

    sqlx::query("UPDATE audit_log SET detail = 'changed' WHERE seq = 3")
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, Some(ChainBreak::Altered { seq: 3 }));
    assert_eq!(report.rows_checked, 2);

    sqlx::query("UPDATE audit_log SET detail = 'd' WHERE seq = 3")
        .execute(&f.raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM audit_log WHERE seq = 5")
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, Some(ChainBreak::Missing { seq: 5 }));

    sqlx::query("DELETE FROM audit_log WHERE seq = 2")
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, Some(ChainBreak::Missing { seq: 2 }));
}

async fn concurrent_audit_appends_keep_their_chain(f: &Fixture) {
    let mut tasks = Vec::new();
    for i in 0..40 {
        let store = f.store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .append_audit(
                    now(),
                    AuditEvent::new("t", "test.concurrent", format!("x:{i}"), ""),
                )
                .await
                .unwrap()
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!((report.rows_checked, report.first_break), (40, None));
}

async fn login_failures_round_trip(f: &Fixture) {
    use tongban_domain::throttle::ThrottlePolicy;
    let p = ThrottlePolicy::default();
    let ladder = p.delay_ladder(3);
    assert_eq!(f.store.login_failures("acct:a").await.unwrap(), None);
    // The store's one statement agrees with the domain's reference, attempt by attempt,
    // and refuses (without counting) while a wait runs.
    let mut reference: Option<FailureCount> = None;
    let mut t = now();
    for _ in 0..6 {
        let counted = f
            .store
            .count_login_attempt("acct:a", t, p.window, 3, &ladder)
            .await
            .unwrap();
        reference = Some(p.record_attempt(reference, 3, t));
        assert_eq!(counted, reference.map(|r| r.count));
        assert_eq!(f.store.login_failures("acct:a").await.unwrap(), reference);
        let refused = f
            .store
            .count_login_attempt("acct:a", t, p.window, 3, &ladder)
            .await
            .unwrap();
        if reference.unwrap().count >= 3 {
            assert_eq!(refused, None, "counted during a wait");
            t = reference.unwrap().next_at;
        } else {
            reference = Some(p.record_attempt(reference, 3, t));
            assert_eq!(refused, reference.map(|r| r.count));
        }
    }
    // A window that is over starts afresh.
    let later = t + p.window + Duration::minutes(1);
    assert_eq!(
        f.store
            .count_login_attempt("acct:a", later, p.window, 3, &ladder)
            .await
            .unwrap(),
        Some(1)
    );
    f.store.uncount_login_attempt("acct:a").await.unwrap();
    assert_eq!(
        f.store
            .login_failures("acct:a")
            .await
            .unwrap()
            .map(|f| f.count),
        Some(0)
    );
    assert_eq!(
        f.store
            .prune_login_failures(later + Duration::hours(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(f.store.login_failures("acct:a").await.unwrap(), None);
    f.store
        .count_login_attempt("addr:x", now(), p.window, 3, &ladder)
        .await
        .unwrap();
    f.store.clear_login_failures("addr:x").await.unwrap();
    assert_eq!(f.store.login_failures("addr:x").await.unwrap(), None);
}

/// 64 attempts at once on one counter with five free tries: exactly five are counted.
async fn parallel_login_attempts_never_pass_the_free_tries(f: &Fixture) {
    use tongban_domain::throttle::ThrottlePolicy;
    let p = ThrottlePolicy::default();
    let ladder = p.delay_ladder(5);
    let tries = (0..64).map(|_| {
        let store = f.store.clone();
        let ladder = ladder.clone();
        tokio::spawn(async move {
            store
                .count_login_attempt("pair:x|y", now(), p.window, 5, &ladder)
                .await
                .unwrap()
        })
    });
    let mut counted = 0;
    for t in tries {
        if t.await.unwrap().is_some() {
            counted += 1;
        }
    }
    assert_eq!(counted, 5);
}

/// One-time codes: tries counted on the row up to the limit, a code spent once, sessions
/// ended when the password is set, a newer code voiding the older.
async fn one_time_codes_are_limited_and_spent_once(f: &Fixture) {
    use tongban_domain::identity::CodePurpose;
    let a = f
        .store
        .create_account(now(), "", &citizen("11010519491231002X"))
        .await
        .unwrap();
    let code = |hash: &str| tongban_store::NewCode {
        account_id: a.id.clone(),
        purpose: CodePurpose::Reset,
        code_hash: hash.into(),
        expires_at: now() + Duration::minutes(10),
        sms: Some("验证码 123456".into()),
    };
    f.store
        .issue_code(now(), "anonymous", &code("h1"))
        .await
        .unwrap();
    f.store
        .issue_code(now(), "anonymous", &code("h2"))
        .await
        .unwrap();
    for _ in 0..CodePurpose::Reset.max_tries() {
        let (_, hash) = f
            .store
            .try_code(now(), &a.id, CodePurpose::Reset)
            .await
            .unwrap()
            .expect("an open code");
        assert_eq!(hash, "h2", "the newer code voids the older");
    }
    assert_eq!(
        f.store
            .try_code(now(), &a.id, CodePurpose::Reset)
            .await
            .unwrap(),
        None,
        "tries are limited"
    );
    f.store
        .issue_code(now(), "anonymous", &code("h3"))
        .await
        .unwrap();
    let (id, _) = f
        .store
        .try_code(now(), &a.id, CodePurpose::Reset)
        .await
        .unwrap()
        .unwrap();
    f.store
        .use_code_for_password(now(), &id, &a.id, "new-hash")
        .await
        .unwrap();
    assert!(matches!(
        f.store
            .use_code_for_password(now(), &id, &a.id, "again")
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        f.store.account(&a.id).await.unwrap().password_hash,
        "new-hash"
    );
    assert_eq!(
        f.store
            .try_code(now(), &a.id, CodePurpose::Claim)
            .await
            .unwrap(),
        None
    );
}

async fn scopes_filter_units_staff_and_halls(f: &Fixture) {
    let dahe = f.store.org_unit_by_code("640303200000").await.unwrap();
    let units = f
        .store
        .list_org_units(&Scope::Within(dahe.path.clone()))
        .await
        .unwrap();
    assert_eq!(units.len(), 1 + 13);
    assert!(units.iter().all(|u| dahe.contains_path(&u.path)));
    let staff = f
        .store
        .list_staff(&Scope::Within(dahe.path.clone()))
        .await
        .unwrap();
    let mut logins = staff.iter().map(|s| s.login.as_str()).collect::<Vec<_>>();
    logins.sort_unstable();
    assert_eq!(
        logins,
        ["clerk_dahe", "clerk_dahecun"],
        "the town's and its village's"
    );
    assert_eq!(f.store.list_staff(&Scope::All).await.unwrap().len(), 12);
    // A scope that covers nothing lists nothing (it is not read as "everywhere").
    assert!(
        f.store
            .list_staff(&Scope::Nothing)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        f.store
            .list_org_units(&Scope::Nothing)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        f.store
            .list_halls(&[], &Scope::Nothing)
            .await
            .unwrap()
            .is_empty()
    );
    let halls = f
        .store
        .list_halls(&[], &Scope::Within(dahe.path.clone()))
        .await
        .unwrap();
    assert_eq!(halls.len(), 1 + 13);
    let town_halls = f
        .store
        .list_halls(&[HallKind::TownCentre], &Scope::All)
        .await
        .unwrap();
    assert_eq!(town_halls.len(), 7);
}

async fn personal_record_views_are_audited(f: &Fixture) {
    let everyone = PersonalDataReach {
        handling: Scope::All,
        intake: Scope::All,
    };
    // Even a reach over every unit finds only people with a case: the demo citizen has none
    // until she applies.
    assert!(
        f.store
            .find_people("马秀", &everyone, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (applicant, version, code) = cases::fixture_ids(f).await;
    f.store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, None, b"%PDF-1"),
        )
        .await
        .unwrap();
    let found = f.store.find_people("马秀", &everyone, 10).await.unwrap();
    assert_eq!(found.len(), 1);
    let by_number = f
        .store
        .find_people("64030319580312024x", &everyone, 10)
        .await
        .unwrap();
    assert_eq!(by_number.len(), 1);
    assert!(
        f.store
            .find_people("admin", &everyone, 10)
            .await
            .unwrap()
            .is_empty(),
        "staff are not people"
    );
    // A searcher whose work covers none of the person's cases finds nobody and opens nothing.
    let elsewhere = PersonalDataReach {
        handling: Scope::Within("/no-such-unit".into()),
        intake: Scope::Nothing,
    };
    assert!(
        f.store
            .find_people("马秀", &elsewhere, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let admin = f.store.account_by_login("admin").await.unwrap();
    assert!(matches!(
        f.store
            .open_personal_record(now(), &admin.id, &found[0].id, &elsewhere)
            .await,
        Err(StoreError::NotFound)
    ));
    let record = f
        .store
        .open_personal_record(now(), &admin.id, &found[0].id, &everyone)
        .await
        .unwrap();
    assert_eq!(record.phone.as_deref(), Some("13909531234"));
    let trail = f
        .store
        .recent_audit(5, Some(&format!("account:{}", found[0].id)))
        .await
        .unwrap();
    assert_eq!(trail[0].action, "personal_data.view");
    assert_eq!(trail[0].actor, admin.id);
    assert!(matches!(
        f.store
            .open_personal_record(now(), &admin.id, &admin.id, &everyone)
            .await,
        Err(StoreError::NotFound)
    ));
}

#[tokio::test]
async fn sqlite_backup_and_restore() {
    let f = Fixture::sqlite(false).await;
    demo::load(&f.store, now(), &test_hash).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.db");
    f.store.backup_sqlite(&backup).await.unwrap();
    assert!(matches!(
        f.store.backup_sqlite(&backup).await,
        Err(StoreError::Config(_))
    ));
    let target_dir = tempfile::tempdir().unwrap();
    let target = target_dir.path().join("tongban.db");
    tongban_store::restore_sqlite(&backup, &target)
        .await
        .unwrap();
    let restored = Store::open(&tongban_store::sqlite_url_in(target_dir.path()))
        .await
        .unwrap();
    assert_eq!(
        restored.account_by_login("admin").await.unwrap().name,
        "马海燕"
    );
    // While a store has the database open, a restore over it is refused.
    match tongban_store::restore_sqlite(&backup, &target).await {
        Err(StoreError::Config(m)) => assert!(m.contains("正在被通办平台使用"), "{m}"),
        other => panic!("restore over an open database: {other:?}"),
    }
    assert_eq!(restored.verify_audit().await.unwrap().first_break, None);
    restored.close().await;
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(tongban_store::restore_sqlite(&junk, &target).await.is_err());
    f.finish().await;
}

#[test]
fn database_name_replacement() {
    assert_eq!(
        replace_db_name("postgres://u@h:5432/test", "x"),
        "postgres://u@h:5432/x"
    );
    assert_eq!(
        replace_db_name("postgres://u@h/test?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(replace_db_name("postgres://u@h", "x"), "postgres://u@h/x");
}

mod catalog {
    use super::*;
    use tongban_domain::catalog::{VersionStatus, diff};
    use tongban_store::demo_catalog;

    async fn demo_item(f: &Fixture) -> tongban_domain::catalog::ServiceItem {
        let entries = demo_catalog::demo_entries().unwrap();
        f.store.import_catalog(now(), "t", &entries).await.unwrap();
        f.store
            .add_org_units(now(), "t", &demo::org_units().unwrap())
            .await
            .unwrap();
        let units = f.store.list_org_units(&Scope::All).await.unwrap();
        let credit_of = |code: &str| {
            units
                .iter()
                .find(|u| u.code == code)
                .and_then(|u| u.credit_code.clone().map(|c| (c, u.name.clone())))
        };
        demo_catalog::item_from_block(demo_catalog::demo_blocks()[0], &entries, &credit_of).unwrap()
    }

    pub(super) async fn versions_move_through_review_and_publication(f: &Fixture) {
        let published = f.store.published_items().await.unwrap();
        assert!(published.len() >= 60, "{}", published.len());
        let gen_before = f.store.catalog_generation().await.unwrap();

        // An adjustment of a published item: a new version that goes through review again.
        let mut item = published[0].item.clone();
        let v1 = f
            .store
            .item_history(&item.implementation_code)
            .await
            .unwrap();
        assert_eq!(v1.len(), 1);
        assert_eq!(v1[0].status, VersionStatus::Published);
        item.promised_limit.days = item.promised_limit.days.saturating_sub(1).max(1);
        let v2 = f
            .store
            .create_draft(now(), "t", &item, "压缩承诺时限")
            .await
            .unwrap();
        assert_eq!(v2.version, 2);
        assert!(
            matches!(
                f.store.create_draft(now(), "t", &item, "again").await,
                Err(StoreError::Conflict(_))
            ),
            "one open version per item"
        );
        f.store
            .transition_version(
                now(),
                "t",
                &v2.id,
                VersionStatus::Draft,
                VersionStatus::InReview,
                "",
            )
            .await
            .unwrap();
        // A stale transition (someone else moved it) is refused by the status guard.
        assert!(matches!(
            f.store
                .transition_version(
                    now(),
                    "t",
                    &v2.id,
                    VersionStatus::Draft,
                    VersionStatus::InReview,
                    ""
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        f.store
            .transition_version(
                now(),
                "t",
                &v2.id,
                VersionStatus::InReview,
                VersionStatus::Approved,
                "",
            )
            .await
            .unwrap();
        f.store
            .transition_version(
                now(),
                "t",
                &v2.id,
                VersionStatus::Approved,
                VersionStatus::Published,
                "",
            )
            .await
            .unwrap();
        let history = f
            .store
            .item_history(&item.implementation_code)
            .await
            .unwrap();
        assert_eq!(
            history
                .iter()
                .map(|v| (v.version, v.status))
                .collect::<Vec<_>>(),
            [
                (2, VersionStatus::Published),
                (1, VersionStatus::Superseded)
            ]
        );
        assert_eq!(history[0].adjustment_reason, "压缩承诺时限");
        assert_eq!(diff(&history[1].item, &history[0].item).len(), 1);
        let now_published = f
            .store
            .published_item(&item.implementation_code)
            .await
            .unwrap();
        assert_eq!(now_published.version, 2);
        assert_eq!(now_published.item, item);
        assert_eq!(f.store.catalog_generation().await.unwrap(), gen_before + 1);
        assert_eq!(f.store.verify_audit().await.unwrap().first_break, None);
    }

    pub(super) async fn import_upserts_and_lists_entries(f: &Fixture) {
        let item = demo_item(f).await;
        let (entries, total) = f.store.catalog_entries("食品", 5, 0).await.unwrap();
        assert!(total >= 5 && entries.len() == 5);
        assert!(entries.iter().all(|e| e.name.contains("食品")));
        let entry = f.store.catalog_entry(&item.catalog_code).await.unwrap();
        assert_eq!(entry.name, item.name);
        let mut changed = entry.clone();
        changed.legal_basis = "《某条例》".into();
        let summary = f
            .store
            .import_catalog(now(), "t", &[changed])
            .await
            .unwrap();
        assert_eq!((summary.inserted, summary.updated), (0, 1));
        assert_eq!(
            f.store
                .catalog_entry(&item.catalog_code)
                .await
                .unwrap()
                .legal_basis,
            "《某条例》"
        );

        let v = f.store.create_draft(now(), "t", &item, "").await.unwrap();
        let mut edited = item.clone();
        edited.conditions = "修改后的受理条件".into();
        f.store
            .update_draft(now(), "t", &v.id, VersionStatus::Draft, &edited)
            .await
            .unwrap();
        assert_eq!(
            f.store.item_version(&v.id).await.unwrap().item.conditions,
            "修改后的受理条件"
        );
        assert!(matches!(
            f.store
                .update_draft(now(), "t", &v.id, VersionStatus::Returned, &edited)
                .await,
            Err(StoreError::Conflict(_))
        ));
        let drafts = f
            .store
            .versions_in(
                &[VersionStatus::Draft],
                &Scope::Within("640303/D-SJJ".into()),
            )
            .await
            .unwrap();
        assert_eq!(drafts.len(), 1);
        assert!(
            f.store
                .versions_in(
                    &[VersionStatus::Draft],
                    &Scope::Within("640303/D-RSJ".into())
                )
                .await
                .unwrap()
                .is_empty()
        );
    }
}

async fn catalog_versions_move_through_review_and_publication(f: &Fixture) {
    catalog::versions_move_through_review_and_publication(f).await;
}

async fn catalog_import_upserts_and_lists_entries(f: &Fixture) {
    catalog::import_upserts_and_lists_entries(f).await;
}

mod cases {
    use super::*;
    use tongban_domain::case::sha256_hex;
    use tongban_store::{NewCase, NewMaterial};

    pub(super) fn new_case(
        applicant: &str,
        version_id: &str,
        code: &str,
        key: Option<&str>,
        pdf: &[u8],
    ) -> NewCase {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        NewCase {
            implementation_code: code.into(),
            item_version_id: version_id.into(),
            item_name: "测试事项".into(),
            org_code: "D-SJJ".into(),
            applicant_id: applicant.into(),
            situation: String::new(),
            form: "{}".into(),
            status: tongban_domain::case::CaseStatus::Submitted,
            channel: "online".into(),
            first_responder: None,
            intake_org_id: None,
            assistance: String::new(),
            progress: Default::default(),
            idempotency_key: key.map(Into::into),
            submitted_on: day,
            statutory_due: day,
            promised_due: day,
            materials: vec![NewMaterial {
                name: "申请书".into(),
                filename: "申请书.pdf".into(),
                content_type: "application/pdf".into(),
                sha256: sha256_hex(pdf),
                content: pdf.to_vec(),
                waived_by: None,
            }],
            told_by_bundle: false,
        }
    }

    pub(super) async fn fixture_ids(f: &Fixture) -> (String, String, String) {
        let applicant = f
            .store
            .account_by_login(demo::DEMO_ACCOUNTS[7].login)
            .await
            .unwrap()
            .id;
        let item = &f.store.published_items().await.unwrap()[0];
        (
            applicant,
            item.version_id.clone(),
            item.item.implementation_code.clone(),
        )
    }
}

async fn cases_are_numbered_per_day_and_submitted_once(f: &Fixture) {
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let pdf = b"%PDF-1.7 test".to_vec();
    let (a, created) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, Some("k1"), &pdf),
        )
        .await
        .unwrap();
    assert!(created);
    assert_eq!(a.case_no.len(), 43);
    assert!(a.case_no.ends_with("202611270001"));
    let (again, created) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, Some("k1"), &pdf),
        )
        .await
        .unwrap();
    assert!(!created, "a retry with the same key returns the same case");
    assert_eq!(again.case_no, a.case_no);
    let (b, _) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, Some("k2"), &pdf),
        )
        .await
        .unwrap();
    assert!(b.case_no.ends_with("202611270002"));
    let materials = f.store.case_materials(&a.id).await.unwrap();
    assert_eq!(materials.len(), 1);
    assert_eq!(
        f.store.blob(&materials[0].sha256).await.unwrap(),
        pdf,
        "the same file is stored once"
    );
    let events = f.store.case_events(&a.id).await.unwrap();
    assert_eq!(events[0].action, "submit");
    assert_eq!(f.store.case_by_no(&a.case_no).await.unwrap().id, a.id);
}

async fn concurrent_submissions_get_distinct_numbers(f: &Fixture) {
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let mut tasks = Vec::new();
    // 24 distinct submissions, each sent twice at once (a retry racing its original), and
    // two sharing one file.
    for i in 0..48 {
        let store = f.store.clone();
        let case = cases::new_case(
            &applicant,
            &version,
            &code,
            Some(&format!("c{}", i % 24)),
            format!("%PDF-{}", (i % 24).min(22)).as_bytes(),
        );
        tasks.push(tokio::spawn(async move {
            store.submit_case(now(), &case).await.unwrap().0.case_no
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        numbers.push(t.await.unwrap());
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 24, "each retry got its original's case");
    assert!(numbers.last().unwrap().ends_with("0024"));
    let report = f.store.verify_audit().await.unwrap();
    assert!(report.first_break.is_none(), "{:?}", report.first_break);
    for no in &numbers {
        let case = f.store.case_by_no(no).await.unwrap();
        assert_eq!(f.store.case_materials(&case.id).await.unwrap().len(), 1);
        assert_eq!(f.store.case_events(&case.id).await.unwrap().len(), 1);
    }
}

async fn entered_calendar_days_are_kept_and_versioned(f: &Fixture) {
    assert_eq!(f.store.calendar_version().await.unwrap(), (0, None));
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    f.store
        .enter_calendar_days(
            now(),
            "t",
            &[(d("2027-01-01"), "holiday".into(), "元旦".into())],
        )
        .await
        .unwrap();
    f.store
        .enter_calendar_days(
            now() + Duration::seconds(1),
            "t",
            &[
                (d("2027-01-01"), "holiday".into(), "元旦节".into()),
                (d("2027-02-20"), "workday".into(), "春节".into()),
            ],
        )
        .await
        .unwrap();
    let days = f.store.calendar_days().await.unwrap();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].2, "元旦节", "a correction replaces the day");
    assert_eq!(days[1].1, "workday");
    assert_eq!(f.store.calendar_version().await.unwrap().0, 2);
}

/// A step is recorded with its progress, follow-up date and materials at once; a step
/// decided on progress that has moved since is refused, so two reviewers cannot both pass
/// the same stage.
async fn case_changes_keep_progress_and_refuse_stale_decisions(f: &Fixture) {
    use tongban_domain::case::{CaseStatus, Progress};
    use tongban_store::{CaseChange, FollowUp, NewMaterial};
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let (case, _) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, None, b"%PDF-1.7 a"),
        )
        .await
        .unwrap();
    let before = Progress::default();
    let owed = Progress {
        deficiency_outstanding: vec!["健康证明".into()],
        ..Progress::default()
    };
    let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
    let change = CaseChange {
        actor: applicant.clone(),
        case_id: case.id.clone(),
        from: CaseStatus::Submitted,
        to: CaseStatus::Accepted,
        from_progress: before.clone(),
        action: "accept_with_deficiency".into(),
        detail: "{}".into(),
        progress: owed.clone(),
        dues: Some((due, due)),
        deficiency_due: Some(due),
        verification_due: None,
        materials: Vec::new(),
        licence: None,
        revoke_licences: None,
        notice_breach: None,
        notification: tongban_domain::case::Notification::progressed(
            "测试事项",
            "N",
            CaseStatus::Accepted,
        ),
    };
    f.store
        .record_case_action(now(), change.clone())
        .await
        .unwrap();
    let stored = f.store.case_by_no(&case.case_no).await.unwrap();
    assert_eq!(stored.progress, owed);
    assert_eq!(
        stored.deficiency_due.map(|d| d.to_string()).as_deref(),
        Some("2026-12-04")
    );
    let following = f
        .store
        .cases_following_up(FollowUp::DeficiencyOwed, &Scope::All, false, 10)
        .await
        .unwrap();
    assert_eq!(following.len(), 1);
    // Supplying with a stale view of the progress is refused and stores nothing.
    let supplied = Progress::default();
    let pdf = b"%PDF-1.7 health".to_vec();
    let material = vec![NewMaterial {
        name: "健康证明".into(),
        filename: "健康证明.pdf".into(),
        content_type: "application/pdf".into(),
        sha256: tongban_domain::case::sha256_hex(&pdf),
        content: pdf,
        waived_by: None,
    }];
    let stale = CaseChange {
        from: CaseStatus::Accepted,
        to: CaseStatus::Accepted,
        from_progress: before,
        action: "supply_deficiency".into(),
        progress: supplied,
        dues: None,
        deficiency_due: None,
        materials: material,
        ..change
    };
    assert!(matches!(
        f.store.record_case_action(now(), stale.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(f.store.case_materials(&case.id).await.unwrap().len(), 1);
    let fresh = CaseChange {
        from_progress: owed,
        ..stale
    };
    f.store.record_case_action(now(), fresh).await.unwrap();
    let materials = f.store.case_materials(&case.id).await.unwrap();
    assert_eq!(materials.len(), 2);
    // The one-trip read gives what the two reads give, in their order.
    let events = f.store.case_events(&case.id).await.unwrap();
    let (both_events, both_materials) = f.store.case_events_and_materials(&case.id).await.unwrap();
    assert!(events.len() >= 2);
    assert_eq!(format!("{events:?}"), format!("{both_events:?}"));
    assert_eq!(format!("{materials:?}"), format!("{both_materials:?}"));
    assert!(
        f.store
            .cases_following_up(FollowUp::DeficiencyOwed, &Scope::All, false, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

/// Steps sent at once are written together (group commit), each on its own: of two steps
/// decided on the same state of one case exactly one lands, and the steps on other cases all
/// land with their timeline entries and audit rows.
async fn concurrent_steps_share_commits_and_one_wins_per_case(f: &Fixture) {
    use tongban_domain::case::{CaseStatus, Progress};
    use tongban_store::CaseChange;
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let mut ids = Vec::new();
    for i in 0..8u8 {
        let (case, _) = f
            .store
            .submit_case(
                now(),
                &cases::new_case(
                    &applicant,
                    &version,
                    &code,
                    None,
                    &[b'%', b'P', b'D', b'F', i],
                ),
            )
            .await
            .unwrap();
        ids.push(case);
    }
    let step = |case_id: &str| CaseChange {
        actor: applicant.clone(),
        case_id: case_id.to_owned(),
        from: CaseStatus::Submitted,
        to: CaseStatus::Accepted,
        from_progress: Progress::default(),
        action: "accept".into(),
        detail: "{}".into(),
        progress: Progress::default(),
        dues: None,
        deficiency_due: None,
        verification_due: None,
        materials: Vec::new(),
        licence: None,
        revoke_licences: None,
        notice_breach: None,
        notification: tongban_domain::case::Notification::progressed(
            "测试事项",
            "N",
            CaseStatus::Accepted,
        ),
    };
    let audit_before = f.store.verify_audit().await.unwrap().rows_checked;
    // The first case twice, the others once, all at the same moment.
    let mut changes: Vec<CaseChange> = ids.iter().map(|c| step(&c.id)).collect();
    changes.push(step(&ids[0].id));
    let tasks: Vec<_> = changes
        .into_iter()
        .map(|c| {
            let store = f.store.clone();
            tokio::spawn(async move { store.record_case_action(now(), c).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let refused = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Conflict(_))))
        .count();
    assert_eq!(refused, 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 8);
    for case in &ids {
        let stored = f.store.case_by_no(&case.case_no).await.unwrap();
        assert_eq!(stored.status, CaseStatus::Accepted);
        let accepts = f
            .store
            .case_events(&case.id)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "accept")
            .count();
        assert_eq!(accepts, 1, "{}", case.case_no);
    }
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, None);
    assert_eq!(report.rows_checked, audit_before + 8);
}

/// A case whose progress was stored before a field existed (so its text differs from what
/// the step compares) is still the same progress: the step lands, and a stale one does not.
async fn a_step_lands_on_progress_stored_in_an_older_shape(f: &Fixture) {
    use tongban_domain::case::{CaseStatus, Progress};
    use tongban_store::CaseChange;
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let (case, _) = f
        .store
        .submit_case(
            now(),
            &cases::new_case(&applicant, &version, &code, None, b"%PDF-old"),
        )
        .await
        .unwrap();
    sqlx::query("UPDATE cases SET progress = '{\"stages_done\":0}' WHERE id = $1")
        .bind(&case.id)
        .execute(&f.raw)
        .await
        .unwrap();
    let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 18).unwrap();
    let accept = CaseChange {
        actor: applicant.clone(),
        case_id: case.id.clone(),
        from: CaseStatus::Submitted,
        to: CaseStatus::Accepted,
        from_progress: Progress::default(),
        action: "accept".into(),
        detail: "{}".into(),
        progress: Progress::default(),
        dues: Some((due, due)),
        deficiency_due: None,
        verification_due: None,
        materials: Vec::new(),
        licence: None,
        revoke_licences: None,
        notice_breach: None,
        notification: tongban_domain::case::Notification::progressed(
            "测试事项",
            &case.case_no,
            CaseStatus::Accepted,
        ),
    };
    f.store
        .record_case_action(now(), accept.clone())
        .await
        .unwrap();
    let stored = f.store.case_by_no(&case.case_no).await.unwrap();
    assert_eq!(stored.status, CaseStatus::Accepted);
    assert_eq!(stored.promised_due, due);
    // Decided on the state before: refused, on the fast path and the slow one alike.
    assert!(matches!(
        f.store.record_case_action(now(), accept).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(f.store.verify_audit().await.unwrap().first_break, None);
}

/// Disabling a staff account ends its sessions; moving and re-roling it land; each change is
/// on the audit trail; an unknown unit is `NotFound` and changes nothing.
async fn staff_changes_end_sessions_and_are_audited(f: &Fixture) {
    use tongban_domain::account::Role;
    use tongban_store::StaffChange;
    let clerk = f.store.account_by_login("clerk_dahe").await.unwrap();
    let before = f.store.verify_audit().await.unwrap().rows_checked;
    let disable = StaffChange {
        disabled: Some(true),
        ..StaffChange::default()
    };
    f.store
        .change_staff(now(), "admin", &clerk.id, &disable)
        .await
        .unwrap();
    assert!(f.store.account(&clerk.id).await.unwrap().disabled);
    let moved = StaffChange {
        disabled: Some(false),
        org_code: Some("640303100000".into()),
        role: Some(Role::Reviewer),
    };
    f.store
        .change_staff(now(), "admin", &clerk.id, &moved)
        .await
        .unwrap();
    let after = f.store.account(&clerk.id).await.unwrap();
    assert!(!after.disabled);
    assert_eq!(after.org_path.as_deref(), Some("640303/640303100000"));
    assert_eq!(after.role, Some(Role::Reviewer));
    let nowhere = StaffChange {
        org_code: Some("no-such-unit".into()),
        ..StaffChange::default()
    };
    assert!(matches!(
        f.store
            .change_staff(now(), "admin", &clerk.id, &nowhere)
            .await,
        Err(StoreError::NotFound)
    ));
    let report = f.store.verify_audit().await.unwrap();
    assert_eq!(report.first_break, None);
    assert_eq!(report.rows_checked, before + 2);
}

/// Keys rotate with the old one kept; serial numbers are shared; a licence is revoked once;
/// licences past their last day are marked expired, each step on the audit trail.
async fn licences_are_numbered_revoked_once_and_expired_with_audit(f: &Fixture) {
    use tongban_domain::licence::{
        HolderKind, Licence, LicenceType, Seal, SealedLicence, licence_identifier,
    };
    use tongban_domain::seal::SealSecret;
    use tongban_store::NewLicence;
    let first = SealSecret::generate();
    f.store
        .publish_seal_key(now(), "test", "D-SJJ-1", "D-SJJ", &first.public_hex())
        .await
        .unwrap();
    let second = SealSecret::generate();
    f.store
        .publish_seal_key(now(), "test", "D-SJJ-2", "D-SJJ", &second.public_hex())
        .await
        .unwrap();
    assert_eq!(
        f.store
            .current_seal_key("D-SJJ")
            .await
            .unwrap()
            .unwrap()
            .key_id,
        "D-SJJ-2"
    );
    let keys = f.store.seal_keys().await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter()
            .any(|k| k.key_id == "D-SJJ-1" && k.retired_at.is_some())
    );

    let issuer = demo::demo_credit_code(103);
    let ty = LicenceType {
        code: format!("{issuer}001"),
        name: "测试证".into(),
        issuer_org: Some("D-SJJ".into()),
        issuer_name: "市场监管分局".into(),
        holder_kind: HolderKind::Person,
        fields: vec![],
        validity_years: 1,
    };
    f.store
        .upsert_licence_type(now(), "test", &ty)
        .await
        .unwrap();
    f.store
        .upsert_licence_type(now(), "test", &ty)
        .await
        .unwrap();
    assert_eq!(f.store.licence_types().await.unwrap().len(), 1);
    let a = f
        .store
        .next_licence_serial(&ty.code, &issuer)
        .await
        .unwrap();
    let b = f
        .store
        .next_licence_serial(&ty.code, &issuer)
        .await
        .unwrap();
    assert_eq!((a, b), (1, 2));
    // A block reserved by one instance is its own: the next number comes after it.
    let block = f
        .store
        .reserve_licence_serials(&ty.code, &issuer, 32)
        .await
        .unwrap();
    assert_eq!(block, 3..=34);
    assert_eq!(
        f.store
            .next_licence_serial(&ty.code, &issuer)
            .await
            .unwrap(),
        35
    );
    let licence = |serial: u64, until: &str| Licence {
        identifier: licence_identifier(&ty.code, &issuer, serial, 1),
        type_code: ty.code.clone(),
        type_name: ty.name.clone(),
        issuer_code: issuer.clone(),
        issuer_name: ty.issuer_name.clone(),
        holder_name: "马秀兰".into(),
        holder_id_type: "111".into(),
        holder_id: "64030319580312024X".into(),
        fields: Default::default(),
        issued_on: "2025-01-01".into(),
        valid_until: Some(until.into()),
        case_no: None,
    };
    for (serial, until) in [(a, "2025-12-31"), (b, "2099-12-31")] {
        let l = licence(serial, until);
        let seal = Seal::new("D-SJJ-1", &first, &l.canonical());
        f.store
            .insert_licence(
                now(),
                "test",
                &NewLicence {
                    sealed: SealedLicence { licence: l, seal },
                    case_id: None,
                },
            )
            .await
            .unwrap();
    }
    let held = f
        .store
        .licences_of_holder("64030319580312024X")
        .await
        .unwrap();
    assert_eq!(held.len(), 2);
    let stored = f.store.licence(&licence(a, "").identifier).await.unwrap();
    assert!(
        stored
            .sealed
            .seal
            .verifies(&first.public_hex(), &stored.sealed.licence.canonical())
    );
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    assert_eq!(f.store.expire_licences(now(), today).await.unwrap(), 1);
    assert_eq!(f.store.expire_licences(now(), today).await.unwrap(), 0);
    let id_b = licence(b, "").identifier;
    f.store
        .revoke_licence(now(), "test", &id_b, "信息有误")
        .await
        .unwrap();
    assert!(matches!(
        f.store.revoke_licence(now(), "test", &id_b, "再次").await,
        Err(StoreError::Conflict(_))
    ));
    let revoked = f.store.licence(&id_b).await.unwrap();
    assert!(revoked.revoked());
    assert_eq!(revoked.revoke_reason.as_deref(), Some("信息有误"));
    let report = f.store.verify_audit().await.unwrap();
    assert!(report.first_break.is_none());
    let trail = f.store.recent_audit(50, None).await.unwrap();
    for action in [
        "seal.publish",
        "licence.issue",
        "licence.expire",
        "licence.revoke",
    ] {
        assert!(trail.iter().any(|e| e.action == action), "{action} audited");
    }
}

/// Two instances sharing the database each batch their own submissions; a retry that reaches
/// the other instance at the same moment hits the unique key there, its batch is rewritten
/// one by one, and it answers with the case the first recorded.
async fn two_instances_racing_one_key_record_one_case(f: &Fixture) {
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let other = Store::open(&f.url).await.unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        for store in [f.store.clone(), other.clone()] {
            let case = cases::new_case(
                &applicant,
                &version,
                &code,
                Some(&format!("race{i}")),
                format!("%PDF-race-{i}").as_bytes(),
            );
            tasks.push(tokio::spawn(async move {
                (i, store.submit_case(now(), &case).await.unwrap().0.case_no)
            }));
        }
    }
    let mut by_key: std::collections::BTreeMap<i32, std::collections::BTreeSet<String>> =
        Default::default();
    for t in tasks {
        let (i, no) = t.await.unwrap();
        by_key.entry(i).or_default().insert(no);
    }
    assert_eq!(by_key.len(), 20);
    assert!(
        by_key.values().all(|nos| nos.len() == 1),
        "both answers name one case: {by_key:?}"
    );
    assert!(f.store.verify_audit().await.unwrap().first_break.is_none());
    other.close().await;
}

/// One backend's schema, in terms both dialects share: every table's columns with their
/// nullability, and the names of the explicit indexes.
async fn schema_of(f: &Fixture) -> (Vec<(String, String, bool)>, Vec<String>) {
    let postgres = f.url.starts_with("postgres");
    let columns_sql = if postgres {
        "SELECT table_name::text, column_name::text, \
                CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END::bigint \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '_sqlx_migrations'"
    } else {
        // A primary-key column is never null in either dialect, whatever SQLite reports.
        "SELECT m.name, p.name, CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'"
    };
    let mut columns: Vec<(String, String, bool)> =
        sqlx::query_as::<_, (String, String, i64)>(columns_sql)
            .fetch_all(&f.raw)
            .await
            .unwrap()
            .into_iter()
            .map(|(t, c, n)| (t, c, n == 1))
            .collect();
    columns.sort();
    let index_sql = if postgres {
        // Indexes that back a primary key or unique constraint are the constraint's, as
        // SQLite's automatic indexes are; only the ones a migration created by name count.
        "SELECT i.indexname::text FROM pg_indexes i \
         WHERE i.schemaname = 'public' AND i.tablename <> '_sqlx_migrations' \
         AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'index' \
         AND name NOT LIKE 'sqlite_autoindex%' AND tbl_name <> '_sqlx_migrations'"
    };
    let mut indexes: Vec<String> = sqlx::query_scalar::<_, String>(index_sql)
        .fetch_all(&f.raw)
        .await
        .unwrap();
    indexes.sort();
    (columns, indexes)
}

/// The SQLite and PostgreSQL migrations describe the same schema: the same tables and
/// columns, the same nullability, the same named indexes.
#[tokio::test]
async fn sqlite_and_postgres_migrations_agree() {
    let Some(pg) = Fixture::postgres(false).await else {
        return;
    };
    let lite = Fixture::sqlite(false).await;
    let (lite_columns, lite_indexes) = schema_of(&lite).await;
    let (pg_columns, pg_indexes) = schema_of(&pg).await;
    lite.finish().await;
    pg.finish().await;
    let only = |a: &[(String, String, bool)], b: &[(String, String, bool)]| -> Vec<String> {
        a.iter()
            .filter(|x| !b.contains(x))
            .map(|(t, c, n)| format!("{t}.{c}{}", if *n { " NULL" } else { " NOT NULL" }))
            .collect()
    };
    assert!(
        lite_columns == pg_columns,
        "columns differ\n only on SQLite: {:?}\n only on PostgreSQL: {:?}",
        only(&lite_columns, &pg_columns),
        only(&pg_columns, &lite_columns)
    );
    assert_eq!(lite_indexes, pg_indexes, "named indexes differ");
}

/// A status the domain does not know is refused by the database itself.
async fn status_columns_refuse_unknown_values(f: &Fixture) {
    for sql in [
        "UPDATE item_versions SET status = 'publishd'",
        "UPDATE cases SET status = 'concluded ' WHERE 1 = 1",
    ] {
        let res = sqlx::query(sql).execute(&f.raw).await;
        if sql.contains("item_versions") {
            assert!(res.is_err(), "{sql} was accepted");
        } else {
            // No cases yet: nothing to refuse, and nothing changed.
            assert_eq!(res.unwrap().rows_affected(), 0);
        }
    }
    let (applicant, version, code) = cases::fixture_ids(f).await;
    let case = cases::new_case(&applicant, &version, &code, Some("k-status"), b"%PDF-1.7 s");
    f.store.submit_case(now(), &case).await.unwrap();
    assert!(
        sqlx::query("UPDATE cases SET status = 'done'")
            .execute(&f.raw)
            .await
            .is_err()
    );
}

/// The load-test seeding adds cases spread over statuses, with their events, to both backends.
async fn seeded_cases_fill_lists_in_every_status(f: &Fixture) {
    let total = f
        .store
        .seed_cases(2_000, "64030319580312024X")
        .await
        .unwrap();
    assert_eq!(total, 2_000);
    let open = f
        .store
        .cases_in(
            &[tongban_domain::case::CaseStatus::Submitted],
            &Scope::All,
            10_000,
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 200);
    let citizen = f
        .store
        .account_by_login("64030319580312024X")
        .await
        .unwrap();
    let mine = f.store.cases_of_applicant(&citizen.id).await.unwrap();
    assert_eq!(mine.len(), 2);
    assert_eq!(f.store.case_events(&mine[0].id).await.unwrap().len(), 2);
    // The time-limit follow-up counts them per unit, exactly, on both backends.
    let started = [
        tongban_domain::case::CaseStatus::Accepted,
        tongban_domain::case::CaseStatus::InReview,
        tongban_domain::case::CaseStatus::Decided,
    ];
    let day = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let counts = f
        .store
        .deadline_counts(&started, &Scope::All, day("2026-12-01"), day("2026-12-02"))
        .await
        .unwrap();
    assert_eq!(counts.iter().map(|c| c.open).sum::<i64>(), 600);
    assert!(
        counts
            .iter()
            .all(|c| c.overdue == c.open && c.due_soon == 0)
    );
    // The counts follow every change of a case's date (kept by triggers): one case moved
    // to tomorrow is due soon, not overdue.
    let moved = &f
        .store
        .overdue_cases(&started, &Scope::All, day("2026-12-01"), 1)
        .await
        .unwrap()[0];
    f.store
        .set_case_dues(&moved.id, day("2026-12-20"), day("2026-12-02"))
        .await
        .unwrap();
    let after = f
        .store
        .deadline_counts(&started, &Scope::All, day("2026-12-01"), day("2026-12-02"))
        .await
        .unwrap();
    assert_eq!(after.iter().map(|c| c.open).sum::<i64>(), 600);
    assert_eq!(after.iter().map(|c| c.due_soon).sum::<i64>(), 1);
    assert_eq!(after.iter().map(|c| c.overdue).sum::<i64>(), 599);
    // Another instance's part counting the moved case down and up again (as when it steps
    // a case this one counted): the sums over parts stay exact, below-zero parts and all.
    sqlx::query(
        "INSERT INTO case_due_counts (org_unit_id, status, promised_due, part, n) \
         SELECT org_unit_id, status, promised_due, 424242, -1 FROM cases WHERE id = $1",
    )
    .bind(&moved.id)
    .execute(&f.raw)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE case_due_counts SET n = n + 1 WHERE part <> 424242 AND org_unit_id = \
         (SELECT org_unit_id FROM cases WHERE id = $1) AND status = \
         (SELECT status FROM cases WHERE id = $1) AND promised_due = \
         (SELECT promised_due FROM cases WHERE id = $1)",
    )
    .bind(&moved.id)
    .execute(&f.raw)
    .await
    .unwrap();
    let parts = f
        .store
        .deadline_counts(&started, &Scope::All, day("2026-12-01"), day("2026-12-02"))
        .await
        .unwrap();
    assert_eq!(parts.iter().map(|c| c.open).sum::<i64>(), 600);
    assert_eq!(parts.iter().map(|c| c.due_soon).sum::<i64>(), 1);
    f.store
        .set_case_dues(&moved.id, moved.statutory_due, moved.promised_due)
        .await
        .unwrap();
    let overdue = f
        .store
        .overdue_cases(&started, &Scope::All, day("2026-12-01"), 50)
        .await
        .unwrap();
    assert_eq!(overdue.len(), 50);
    assert!(
        overdue
            .windows(2)
            .all(|w| w[0].promised_due <= w[1].promised_due)
    );
    assert!(
        f.store
            .deadline_counts(
                &started,
                &Scope::Nothing,
                day("2026-12-01"),
                day("2026-12-02")
            )
            .await
            .unwrap()
            .is_empty()
    );
    // Filtered, paged lists give the same answer on both backends: every filter's SQL and
    // parameters run, pages do not overlap, and a filter narrows.
    use tongban_domain::case::{CaseFilter, CaseStatus};
    let filter = |f: CaseFilter| f;
    let all_started = filter(CaseFilter {
        page: 1,
        ..CaseFilter::default()
    });
    let page1 = f
        .store
        .list_cases(
            &started,
            &Scope::All,
            false,
            &all_started,
            day("2026-12-01"),
            "x",
            51,
        )
        .await
        .unwrap();
    assert_eq!(page1.len(), 51);
    let page2 = f
        .store
        .list_cases(
            &started,
            &Scope::All,
            false,
            &CaseFilter {
                page: 2,
                ..all_started.clone()
            },
            day("2026-12-01"),
            "x",
            51,
        )
        .await
        .unwrap();
    assert_eq!(
        page2[0].id, page1[50].id,
        "page two starts where page one stopped"
    );
    // An item that has an accepted online case, whatever the seeder's spread.
    let item = page1
        .iter()
        .find(|c| c.status == CaseStatus::Accepted && c.channel == "online")
        .expect("an accepted online case on the first page")
        .implementation_code
        .clone();
    let every_filter = CaseFilter {
        statuses: vec![CaseStatus::Accepted],
        item: Some(item.clone()),
        channel: Some("online".into()),
        hall: None,
        overdue: true,
        owed: false,
        from: Some(day("2026-01-01")),
        to: Some(day("2026-12-31")),
        mine: false,
        page: 1,
    };
    let narrowed = f
        .store
        .list_cases(
            &[CaseStatus::Accepted],
            &Scope::All,
            false,
            &every_filter,
            day("2026-12-01"),
            "x",
            1000,
        )
        .await
        .unwrap();
    assert!(!narrowed.is_empty());
    assert!(narrowed.iter().all(|c| c.implementation_code == item
        && c.status == CaseStatus::Accepted
        && c.promised_due < day("2026-12-01")));
    for (hall, mine, owed) in [(Some("640303200000"), false, false), (None, true, true)] {
        let none = f
            .store
            .list_cases(
                &started,
                &Scope::Within("640303/640303200000".into()),
                true,
                &CaseFilter {
                    hall: hall.map(str::to_owned),
                    mine,
                    owed,
                    ..all_started.clone()
                },
                day("2026-12-01"),
                "nobody",
                10,
            )
            .await
            .unwrap();
        assert!(none.is_empty(), "seeded cases were taken in online");
    }
    // Seeding again adds as many more, numbered apart.
    assert_eq!(
        f.store.seed_cases(500, "64030319580312024X").await.unwrap(),
        2_500
    );
}

/// Checkpoints round-trip as signed, a taken number is a conflict, and rows are checked
/// against the sealed heads on both backends.
async fn audit_checkpoints_round_trip_and_bind_the_rows(f: &Fixture) {
    use tongban_domain::audit::checkpoint::{Checkpoint, SealedCheckpoint, SealedHeads};
    let secret = tongban_domain::seal::SealSecret::generate();
    for i in 0..3 {
        f.store
            .append_audit(now(), AuditEvent::new("a", "x", format!("t:{i}"), ""))
            .await
            .unwrap();
    }
    let heads = f.store.audit_chain_heads().await.unwrap();
    assert_eq!(heads.len(), 16);
    let c1 = SealedCheckpoint::seal(
        Checkpoint::next(None, "2026-11-27T01:00:00Z".into(), heads),
        &secret,
    );
    f.store.record_checkpoint(now(), "cli", &c1).await.unwrap();
    assert!(matches!(
        f.store.record_checkpoint(now(), "cli", &c1).await,
        Err(StoreError::Conflict(_))
    ));
    let stored = f.store.audit_checkpoints().await.unwrap();
    assert_eq!(stored, vec![c1.clone()]);
    assert!(stored[0].verifies(&secret.public_hex()));
    let report = f
        .store
        .verify_audit_against(&SealedHeads::of(&stored))
        .await
        .unwrap();
    assert!(report.is_intact(), "{report:?}");
    // The sealed head row changed (with its hash): found against the checkpoint.
    let head = c1.checkpoint.heads.iter().find(|h| h.seq > 0).unwrap();
    sqlx::query("UPDATE audit_log SET hash = 'x' WHERE part = $1 AND seq = $2")
        .bind(head.chain)
        .bind(head.seq)
        .execute(&f.raw)
        .await
        .unwrap();
    let report = f
        .store
        .verify_audit_against(&SealedHeads::of(&stored))
        .await
        .unwrap();
    assert!(report.checkpoint_break.is_some(), "{report:?}");
}
