//! Full case lifecycles over HTTP, as a load tester drives them: apply (citizen) → accept
//! (window clerk) → start review → decide → conclude with the licence issued (department
//! reviewer). Every lifecycle is by the same citizen, so their wallet grows by one licence
//! each time: the rate must stay flat as it does.
//!
//! Bounded in time and in count; talks only to the address it is given (a local server or
//! load balancer). Started by `bench/lifecycle.sh`:
//!
//! ```text
//! cargo bench -p tongban --bench lifecycle -- --base http://127.0.0.1:18700 --seconds 20 --clients 32
//! ```

use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "Hongsibu2026";
const CITIZEN: &str = "64030319580312024X";

struct Args {
    base: String,
    seconds: u64,
    clients: usize,
    item: String,
    reviewer: String,
    max: usize,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:18700".into(),
        seconds: 20,
        clients: 32,
        item: "社会保障卡申领".into(),
        reviewer: "reviewer_rsj".into(),
        max: 200_000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => a.base = value(),
            "--seconds" => a.seconds = value().parse().unwrap_or(a.seconds),
            "--clients" => a.clients = value().parse().unwrap_or(a.clients),
            "--item" => a.item = value(),
            "--reviewer" => a.reviewer = value(),
            "--max" => a.max = value().parse().unwrap_or(a.max),
            _ => {} // `cargo bench` adds `--bench`.
        }
    }
    a
}

async fn token(http: &reqwest::Client, base: &str, login: &str) -> String {
    let res: Value = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"login": login, "password": PASSWORD}))
        .send()
        .await
        .expect("log in")
        .json()
        .await
        .expect("session");
    res["token"].as_str().expect("a token").to_owned()
}

struct Roles {
    citizen: String,
    clerk: String,
    reviewer: String,
    code: String,
    /// A small file for each material the applicant must bring (the rest come from the
    /// citizen's licences), so that every case can be accepted.
    materials: Value,
}

/// One lifecycle; returns the case number.
async fn lifecycle(
    http: &reqwest::Client,
    base: &str,
    roles: &Roles,
    key: &str,
) -> Result<String, String> {
    let res = http
        .post(format!("{base}/api/v1/cases"))
        .bearer_auth(&roles.citizen)
        .header("Idempotency-Key", key)
        .json(
            &json!({"implementation_code": roles.code, "situation": "", "form": {},
            "materials": roles.materials}),
        )
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != reqwest::StatusCode::CREATED {
        return Err(format!(
            "apply: {} {}",
            res.status(),
            res.text().await.unwrap_or_default()
        ));
    }
    let created: Value = res.json().await.map_err(|e| e.to_string())?;
    let no = created["case_no"].as_str().unwrap_or_default().to_owned();
    for (token, body) in [
        (&roles.clerk, json!({"action": "accept"})),
        (&roles.reviewer, json!({"action": "start_review"})),
        (
            &roles.reviewer,
            json!({"action": "decide", "approve": true, "opinion": "同意"}),
        ),
        (&roles.reviewer, json!({"action": "conclude"})),
    ] {
        let res = http
            .post(format!("{base}/api/v1/cases/{no}/actions"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !res.status().is_success() {
            return Err(format!(
                "{body}: {} {}",
                res.status(),
                res.text().await.unwrap_or_default()
            ));
        }
    }
    Ok(no)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    let a = args();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(a.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let items: Value = http
        .get(format!("{}/api/v1/items?q={}", a.base, a.item))
        .send()
        .await
        .expect("the platform answers")
        .json()
        .await
        .unwrap();
    let code = items["items"][0]["implementation_code"]
        .as_str()
        .expect("the item is published")
        .to_owned();
    let item: Value = http
        .get(format!("{}/api/v1/items/{code}", a.base))
        .send()
        .await
        .expect("the item")
        .json()
        .await
        .unwrap();
    let materials: Vec<Value> = item["materials"]
        .as_array()
        .expect("materials")
        .iter()
        .filter(|m| m["necessity"] != "Optional" && m["source"]["kind"] != "government")
        .map(|m| {
            use base64::Engine;
            let name = m["name"].as_str().unwrap_or_default();
            json!({"name": name, "filename": "scan.pdf",
                "content_base64": base64::engine::general_purpose::STANDARD
                    .encode(format!("%PDF-1.4 {name}"))})
        })
        .collect();
    let roles = std::sync::Arc::new(Roles {
        citizen: token(&http, &a.base, CITIZEN).await,
        clerk: token(&http, &a.base, "clerk").await,
        reviewer: token(&http, &a.base, &a.reviewer).await,
        code,
        materials: json!(materials),
    });
    let started = Instant::now();
    let deadline = started + Duration::from_secs(a.seconds);
    let run = format!(
        "{:x}",
        started.elapsed().as_nanos() ^ u128::from(std::process::id())
    );
    let left = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(a.max));
    let mut tasks = Vec::new();
    for c in 0..a.clients {
        let (http, base, roles, run, left) = (
            http.clone(),
            a.base.clone(),
            roles.clone(),
            run.clone(),
            left.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut done: Vec<(Instant, Duration)> = Vec::new();
            let mut errors = 0usize;
            let mut n = 0usize;
            while Instant::now() < deadline
                && left
                    .fetch_update(
                        std::sync::atomic::Ordering::Relaxed,
                        std::sync::atomic::Ordering::Relaxed,
                        |l| l.checked_sub(1),
                    )
                    .is_ok()
            {
                let t = Instant::now();
                match lifecycle(&http, &base, &roles, &format!("lc-{run}-{c}-{n}")).await {
                    Ok(_) => done.push((Instant::now(), t.elapsed())),
                    Err(e) => {
                        errors += 1;
                        if errors <= 3 {
                            eprintln!("client {c}: {e}");
                        }
                    }
                }
                n += 1;
            }
            (done, errors)
        }));
    }
    let mut all: Vec<(Instant, Duration)> = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (d, e) = t.await.unwrap();
        all.extend(d);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<Duration> = all.iter().map(|(_, d)| *d).collect();
    latencies.sort();
    // Throughput per fifth of the run: flat means the growing wallet costs nothing.
    let fifth = a.seconds as f64 / 5.0;
    let per_fifth: Vec<String> = (0..5)
        .map(|i| {
            let n = all
                .iter()
                .filter(|(at, _)| {
                    let s = at.duration_since(started).as_secs_f64();
                    s >= fifth * i as f64 && s < fifth * (i + 1) as f64
                })
                .count();
            format!("{:.0}", n as f64 / fifth)
        })
        .collect();
    let wallet: Value = http
        .get(format!("{}/api/v1/me/licenses", a.base))
        .bearer_auth(&roles.citizen)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null);
    println!(
        "lifecycles: {} in {elapsed:.1} s = {:.1}/s ({} clients, {} errors)",
        all.len(),
        all.len() as f64 / elapsed,
        a.clients,
        errors
    );
    println!("per fifth of the run (/s): {}", per_fifth.join(" "));
    println!(
        "lifecycle latency: p50 {:.0} ms, p99 {:.0} ms",
        percentile(&latencies, 0.5).as_secs_f64() * 1000.0,
        percentile(&latencies, 0.99).as_secs_f64() * 1000.0
    );
    println!(
        "citizen's wallet at the end: {} licences",
        wallet.as_array().map_or(0, Vec::len)
    );
}
