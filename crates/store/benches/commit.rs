//! Durable write throughput: submissions per second with 64 concurrent clients, beside the
//! single-row durable commit rate measured in the same run, on SQLite (group commit) and,
//! when `TONGBAN_BENCH_DATABASE_URL` names a PostgreSQL server, on PostgreSQL; and 一件事
//! applications of five members beside them (issue 13: at most 2× a single submission).
//! Run: `cargo bench -p tongban-store --bench commit`.

use std::str::FromStr;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use tongban_domain::audit::AuditEvent;
use tongban_domain::case::sha256_hex;
use tongban_store::{NewCase, NewMaterial, Store, demo};

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 40;
const SINGLE_ROWS: usize = 300;
const ROUNDS: usize = 5;

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Single-item submissions per second with `CLIENTS` clients, each on its own day.
async fn singles_per_second(
    store: &Store,
    (applicant, version, code): (&str, &str, &str),
    first_day: NaiveDate,
    round: usize,
) -> f64 {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (store, applicant, version, code) = (
            store.clone(),
            applicant.to_owned(),
            version.to_owned(),
            code.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let day = first_day + chrono::Days::new(c as u64);
            for n in 0..PER_CLIENT {
                let pdf = format!("%PDF-1.7 round {round} {c} {n}").into_bytes();
                let key = format!("r{round}-{c}-{n}");
                let case = bench_case(&code, &version, &applicant, key, day, pdf);
                store.submit_case(now(), &case).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (CLIENTS * PER_CLIENT) as f64 / t.elapsed().as_secs_f64()
}

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-27T09:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn bench_case(
    code: &str,
    version: &str,
    applicant: &str,
    key: String,
    day: NaiveDate,
    pdf: Vec<u8>,
) -> NewCase {
    NewCase {
        implementation_code: code.to_owned(),
        item_version_id: version.to_owned(),
        item_name: "bench".into(),
        org_code: "D-SJJ".into(),
        applicant_id: applicant.to_owned(),
        situation: String::new(),
        form: "{}".into(),
        status: tongban_domain::case::CaseStatus::Submitted,
        channel: "online".into(),
        first_responder: None,
        intake_org_id: None,
        assistance: String::new(),
        progress: Default::default(),
        idempotency_key: Some(key),
        submitted_on: day,
        statutory_due: day,
        promised_due: day,
        materials: vec![NewMaterial {
            name: "申请书".into(),
            filename: "a.pdf".into(),
            content_type: "application/pdf".into(),
            sha256: sha256_hex(&pdf),
            content: pdf,
            waived_by: None,
        }],
        told_by_bundle: false,
    }
}

async fn measure(label: &str, store: Store) {
    demo::load(&store, now(), &|p| format!("bench:{}", p.expose()))
        .await
        .unwrap();
    let applicant = store
        .account_by_login(demo::DEMO_ACCOUNTS[7].login)
        .await
        .unwrap()
        .id;
    let item = store.published_items().await.unwrap().remove(0);

    let t = Instant::now();
    for i in 0..SINGLE_ROWS {
        store
            .append_audit(
                now(),
                AuditEvent::new("bench", "bench.row", format!("row:{i}"), ""),
            )
            .await
            .unwrap();
    }
    let single = SINGLE_ROWS as f64 / t.elapsed().as_secs_f64();

    let day = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
    let sequential = {
        let t = Instant::now();
        for n in 0..SINGLE_ROWS {
            let pdf = format!("%PDF-1.7 sequential {n}").into_bytes();
            store
                .submit_case(
                    now(),
                    &bench_case(
                        &item.item.implementation_code,
                        &item.version_id,
                        &applicant,
                        format!("s-{n}"),
                        day,
                        pdf,
                    ),
                )
                .await
                .unwrap();
        }
        SINGLE_ROWS as f64 / t.elapsed().as_secs_f64()
    };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (store, applicant, version, code) = (
            store.clone(),
            applicant.clone(),
            item.version_id.clone(),
            item.item.implementation_code.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in 0..PER_CLIENT {
                let pdf = format!("%PDF-1.7 bench {c} {n}").into_bytes();
                let case = bench_case(&code, &version, &applicant, format!("{c}-{n}"), day, pdf);
                store.submit_case(now(), &case).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let submissions = (CLIENTS * PER_CLIENT) as f64 / t.elapsed().as_secs_f64();
    // 一件事 (issue 13): applications of five members beside single submissions, in
    // alternating rounds (the disk's pace drifts over a run), once with every member started
    // at once (the worst case) and once as the newborn's bundle is (one starts, four wait).
    let bundle = store.published_bundle("YJS-CHUSHENG").await.unwrap();
    let ids = (
        applicant.as_str(),
        item.version_id.as_str(),
        item.item.implementation_code.as_str(),
    );
    let (mut worst, mut usual) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let first = day + chrono::Days::new(1 + 3 * CLIENTS as u64 * round as u64);
        let singles = singles_per_second(&store, ids, first, round).await;
        let one = bundles_per_second(
            &store,
            ids,
            &bundle,
            1,
            first + chrono::Days::new(CLIENTS as u64),
        )
        .await;
        let five = bundles_per_second(
            &store,
            ids,
            &bundle,
            5,
            first + chrono::Days::new(2 * CLIENTS as u64),
        )
        .await;
        usual.push(singles / one);
        worst.push(singles / five);
        println!(
            "{label}: round {round}: single-item {singles:.0}/s, bundles (one started) {one:.0}/s, \
             bundles (five started) {five:.0}/s"
        );
    }
    println!(
        "{label}: a 5-member bundle costs {:.2}x a single-item submission (median of {ROUNDS} \
         rounds; one member started, four waiting), {:.2}x with all five started",
        median(&mut usual),
        median(&mut worst)
    );
    println!(
        "{label}: durable submissions with {CLIENTS} clients {submissions:.0}/s; one client {sequential:.0}/s; \
         single-row durable commits {single:.0}/s; 64 clients / single-row {:.1}x; 64 clients / one client {:.1}x",
        submissions / single,
        submissions / sequential
    );
    store.close().await;
}

/// Bundle applications per second with `CLIENTS` clients, `started` of five members started at
/// once (the rest wait for the first), each client filing on its own day from `first_day`
/// (case numbers run 9,999 per item a day).
async fn bundles_per_second(
    store: &Store,
    (applicant, version, code): (&str, &str, &str),
    bundle: &tongban_store::PublishedBundle,
    started: usize,
    first_day: NaiveDate,
) -> f64 {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let (store, applicant, version, code, bundle) = (
            store.clone(),
            applicant.to_owned(),
            version.to_owned(),
            code.to_owned(),
            bundle.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let day = first_day + chrono::Days::new(c as u64);
            for n in 0..PER_CLIENT {
                let pdf = format!("%PDF-1.7 bundle {started} {c} {n}").into_bytes();
                let case = bench_case(&code, &version, &applicant, String::new(), day, pdf);
                let child = |i: usize| tongban_store::NewBundleChild {
                    implementation_code: format!("{code}{i}"),
                    item_name: "bench".into(),
                    situation: String::new(),
                    form: "{}".into(),
                    depends_on: if i < started {
                        Vec::new()
                    } else {
                        vec![format!("{code}0")]
                    },
                    case: (i < started).then(|| tongban_store::NewCase {
                        told_by_bundle: true,
                        ..case.clone()
                    }),
                };
                let new = tongban_store::NewBundleCase {
                    bundle_code: bundle.code.clone(),
                    bundle_version_id: bundle.version_id.clone(),
                    bundle_name: "bench".into(),
                    applicant_id: applicant.clone(),
                    answers: "{}".into(),
                    form: "{}".into(),
                    channel: "online".into(),
                    first_responder: None,
                    intake_org_id: None,
                    assistance: String::new(),
                    idempotency_key: Some(format!("b{started}-{first_day}-{c}-{n}")),
                    submitted_on: day,
                    promised_due: day,
                    children: (0..5).map(child).collect(),
                    materials: case.materials.clone(),
                };
                store.submit_bundle(now(), &new).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (CLIENTS * PER_CLIENT) as f64 / t.elapsed().as_secs_f64()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&tongban_store::sqlite_url_in(dir.path()))
        .await
        .unwrap();
    measure("sqlite (group commit)", store).await;

    if let Ok(admin_url) = std::env::var("TONGBAN_BENCH_DATABASE_URL") {
        sqlx::any::install_default_drivers();
        let name = format!("tongban_bench_{}", std::process::id());
        let admin = AnyPoolOptions::new()
            .max_connections(1)
            .connect_with(AnyConnectOptions::from_str(&admin_url).unwrap())
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .unwrap();
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => admin_url.clone(),
        };
        let store = Store::open(&url).await.unwrap();
        measure("postgres (group commit)", store).await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE {name} WITH (FORCE)"
        )))
        .execute(&admin)
        .await
        .unwrap();
    }
}
