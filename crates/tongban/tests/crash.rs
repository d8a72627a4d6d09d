//! Durability under a crash: many concurrent online submissions, the server killed with
//! SIGKILL part-way, restarted on the same data. Every submission that was acknowledged with
//! 201 must be there with its material, and no half-written case may exist.

use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};

const CITIZEN: &str = "64030319580312024X";
const PASSWORD: &str = "Hongsibu2026";

fn start(dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_tongban"))
        .arg("--data-dir")
        .arg(dir)
        .args([
            "--log",
            "warn",
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .env_remove("TONGBAN_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start tongban")
}

async fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if reqwest::get(format!("{base}/readyz"))
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("server did not become ready");
}

async fn token(client: &reqwest::Client, base: &str) -> String {
    let res: Value = client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"login": CITIZEN, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    res["token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_submissions_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(dir.path(), port);
    wait_ready(&base).await;
    let client = reqwest::Client::new();
    let bearer = token(&client, &base).await;
    let items: Value = client
        .get(format!("{base}/api/v1/items?q=居住证办理"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let code = items["items"][0]["implementation_code"]
        .as_str()
        .unwrap()
        .to_owned();

    // 32 clients submit as fast as they can; each remembers what was acknowledged.
    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop_at = Instant::now() + Duration::from_secs(20);
    let mut clients = Vec::new();
    for c in 0..32 {
        let (client, base, bearer, code, acknowledged) = (
            client.clone(),
            base.clone(),
            bearer.clone(),
            code.clone(),
            acknowledged.clone(),
        );
        clients.push(tokio::spawn(async move {
            let mut n = 0;
            while Instant::now() < stop_at {
                n += 1;
                let pdf = format!("%PDF-1.7 client {c} submission {n}");
                let body = json!({
                    "implementation_code": code,
                    "situation": "连续就读",
                    "materials": [{"name": "在校就读证明", "filename": "school.pdf",
                        "content_base64": base64::engine::general_purpose::STANDARD.encode(&pdf)}]
                });
                let res = client
                    .post(format!("{base}/api/v1/cases"))
                    .bearer_auth(&bearer)
                    .header("Idempotency-Key", format!("{c}-{n}"))
                    .json(&body)
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        if let Ok(v) = r.json::<Value>().await {
                            let no = v["case_no"].as_str().unwrap_or_default().to_owned();
                            acknowledged
                                .lock()
                                .unwrap()
                                .insert(no, tongban_domain::case::sha256_hex(pdf.as_bytes()));
                        }
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        }));
    }
    // Let submissions pile up, then pull the plug mid-stream.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill().expect("SIGKILL");
    server.wait().unwrap();
    for c in clients {
        let _ = c.await;
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() >= 10,
        "only {} submissions before the kill",
        acknowledged.len()
    );

    // Restart on the same data: every acknowledged case is there, whole.
    let mut server = start(dir.path(), port);
    wait_ready(&base).await;
    let bearer = token(&client, &base).await;
    for (no, sha) in &acknowledged {
        let res = client
            .get(format!("{base}/api/v1/cases/{no}"))
            .bearer_auth(&bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            reqwest::StatusCode::OK,
            "acknowledged case {no} lost"
        );
        let view: Value = res.json().await.unwrap();
        assert_eq!(view["materials"][0]["sha256"], sha.as_str(), "{no}");
    }
    server.kill().unwrap();
    server.wait().unwrap();

    // No half-written case: every case has its material and its first timeline entry.
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", dir.path().join("tongban.db").display());
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect_with(AnyConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
        .fetch_one(&pool)
        .await
        .unwrap();
    let broken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM cases c WHERE \
         NOT EXISTS (SELECT 1 FROM case_materials m WHERE m.case_id = c.id) \
         OR NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id) \
         OR NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.target = 'case:' || c.case_no)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(total >= acknowledged.len() as i64);
    assert_eq!(broken, 0, "half-written cases found");
    let verify = Command::new(env!("CARGO_BIN_EXE_tongban"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    eprintln!(
        "crash test: {} acknowledged, {} stored, all whole",
        acknowledged.len(),
        total
    );
}
