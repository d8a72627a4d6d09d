//! Durable write throughput: submissions per second with 64 concurrent clients, beside the
//! single-row durable commit rate measured in the same run, on SQLite (group commit) and,
//! when `TONGBAN_BENCH_DATABASE_URL` names a PostgreSQL server, on PostgreSQL.
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
    println!(
        "{label}: durable submissions with {CLIENTS} clients {submissions:.0}/s; one client {sequential:.0}/s; \
         single-row durable commits {single:.0}/s; 64 clients / single-row {:.1}x; 64 clients / one client {:.1}x",
        submissions / single,
        submissions / sequential
    );
    store.close().await;
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
