//! Calling the next number at the district centre (issue 16): `--windows` windows (30) each
//! call, serve and call again while `--waiting` people (500) stay in the queue — every call
//! is answered by a new number taken, so the queue never shrinks. Prints the call's p50, p99
//! and max latency and the screen's address for `wrk`. Started by `bench/queue.sh`:
//!
//! ```text
//! cargo bench -p tongban --bench queue -- --base http://127.0.0.1:18711 --calls 3000 --serve-ms 1000
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "Hongsibu2026";

struct Args {
    base: String,
    windows: usize,
    waiting: usize,
    calls: usize,
    /// How long each window serves a person before calling the next (0: back to back).
    serve_ms: u64,
}

fn args() -> Args {
    let mut a = Args {
        base: "http://127.0.0.1:18711".into(),
        windows: 30,
        waiting: 500,
        calls: 3000,
        serve_ms: 1000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().unwrap_or_default();
        match flag.as_str() {
            "--base" => a.base = value(),
            "--windows" => a.windows = value().parse().unwrap_or(a.windows),
            "--waiting" => a.waiting = value().parse().unwrap_or(a.waiting),
            "--calls" => a.calls = value().parse().unwrap_or(a.calls),
            "--serve-ms" => a.serve_ms = value().parse().unwrap_or(a.serve_ms),
            _ => {}
        }
    }
    a
}

async fn take(http: &reqwest::Client, base: &str, hall: &str, kind: &str) {
    let res = http
        .post(format!("{base}/api/v1/halls/{hall}/tickets"))
        .json(&json!({"window_kind": kind}))
        .send()
        .await
        .expect("take a number");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

async fn step(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    window: &str,
    ticket: &str,
    action: &str,
) {
    let res = http
        .post(format!(
            "{base}/api/v1/windows/{window}/tickets/{ticket}/actions"
        ))
        .bearer_auth(token)
        .json(&json!({"action": action}))
        .send()
        .await
        .expect("a step");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let session: Value = http
        .post(format!("{}/api/v1/sessions", a.base))
        .json(&json!({"login": "clerk", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = session["token"]
        .as_str()
        .expect("the clerk logs in")
        .to_owned();
    let halls: Value = http
        .get(format!("{}/api/v1/halls", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let centre = halls
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["kind"] == "district_centre")
        .expect("the district centre")
        .clone();
    let hall = centre["id"].as_str().unwrap().to_owned();
    // Windows of every kind, the centre's first `windows`, each calling its own kind's queue.
    let windows: Vec<(String, String)> = centre["windows"]
        .as_array()
        .unwrap()
        .iter()
        .take(a.windows)
        .map(|w| {
            (
                w["id"].as_str().unwrap().to_owned(),
                w["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // Fill the queues in proportion to the windows of each kind.
    let t = Instant::now();
    for i in 0..a.waiting {
        let kind = &windows[i % windows.len()].1;
        take(&http, &a.base, &hall, kind).await;
    }
    println!(
        "{} numbers taken in {:.1} s",
        a.waiting,
        t.elapsed().as_secs_f64()
    );

    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (window, kind) in windows.clone() {
        let (http, base, token, hall, done) = (
            http.clone(),
            a.base.clone(),
            token.clone(),
            hall.clone(),
            done.clone(),
        );
        let calls = a.calls;
        let serve_ms = a.serve_ms;
        let seed = tasks.len() as u64 + 1;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            // Windows are not in step: each person takes between half and one and a half
            // times the mean to serve (a fixed LCG per window, so runs repeat), and the
            // windows open over the first mean service time.
            let mut rng = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut next = move || {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (rng >> 33) % serve_ms.max(1)
            };
            tokio::time::sleep(Duration::from_millis(next())).await;
            while done.fetch_add(1, Ordering::Relaxed) < calls {
                let t = Instant::now();
                let res = http
                    .post(format!("{base}/api/v1/windows/{window}/call-next"))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                let body: Value = if status == 200 {
                    res.json().await.unwrap()
                } else {
                    Value::Null
                };
                latencies.push(t.elapsed());
                assert!(status == 200 || status == 204, "call-next {status}");
                // Someone new takes a number for each one called: the queue stays as long.
                take(&http, &base, &hall, &kind).await;
                if let Some(ticket) = body["ticket_id"].as_str() {
                    step(&http, &base, &token, &window, ticket, "start").await;
                    if serve_ms > 0 {
                        tokio::time::sleep(Duration::from_millis(serve_ms / 2 + next())).await;
                    }
                    step(&http, &base, &token, &window, ticket, "end").await;
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| {
        all[((all.len() as f64 * p).ceil() as usize)
            .saturating_sub(1)
            .min(all.len() - 1)]
    };
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let queue: Value = http
        .get(format!("{}/api/v1/halls/{hall}/queue", a.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let waiting: i64 = queue["queues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["waiting"].as_i64().unwrap())
        .sum();
    println!(
        "{} calls by {} windows in {:.1} s ({:.0} calls/s; each window serves {} ms on average, then starts, ends and a new number is taken)",
        all.len(),
        windows.len(),
        elapsed.as_secs_f64(),
        all.len() as f64 / elapsed.as_secs_f64(),
        a.serve_ms
    );
    println!(
        "call-next latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (target p99 < 20 ms); {waiting} waiting at the end",
        ms(pct(0.50)),
        ms(pct(0.99)),
        ms(all[all.len() - 1])
    );
    println!("DISPLAY={}/halls/{hall}/display", a.base);
}
