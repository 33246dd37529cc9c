//! `cargo run --release -p connector --bin connector-bench`: the connector's figures as one JSON object
//! on stdout: `connector_events_per_s` (sustained, against the sandbox on loopback), `connector_p99_ms`
//! (event accepted → its last Kustomer call answered), `connector_restart_lost` (accepted events that a
//! kill + restart failed to apply; must be 0).

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use connector::{Config, Connector};
use sandbox::ccai_webhooks::{day, deliveries, play, PlayOptions};
use sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Map, Value};

const SECRET: &[u8] = b"bench-secret";
const KEY: &str = "sandbox-kustomer-key";
/// Concurrent CCAI senders.
const SENDERS: usize = 16;

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args()
        .skip_while(|a| a != "--seconds")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let sandbox = Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let base = sandbox.base_url();
    create_fields(&base).await;
    let dir = std::env::temp_dir().join(format!("connector-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let t0 = connector::engine::now_ms() + 1_000;

    // Throughput and latency: senders play whole days until the time is up; then the connector drains.
    let conn = start(&base, dir.join("throughput.db")).await;
    let url = conn.webhook_url();
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut sent = 0usize;
            let mut n = 0;
            while Instant::now() < until {
                let bodies = deliveries(
                    &day(&format!("s{s}n{n}-"), t0),
                    &PlayOptions {
                        seed: n as u64,
                        ..PlayOptions::default()
                    },
                );
                let st = play(&url, SECRET, &bodies).await.expect("plays");
                sent += st.iter().filter(|c| **c == 200).count();
                n += 1;
            }
            sent
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += t.await.expect("sender");
    }
    let idle = conn.wait_idle(Duration::from_secs(120)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let applied = conn.engine.metrics.applied.load(Ordering::Relaxed);
    let mut lat = conn
        .engine
        .metrics
        .latencies_us
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    lat.sort_unstable();
    let p99 = lat
        .get(((lat.len() as f64) * 0.99) as usize)
        .copied()
        .unwrap_or(0) as f64
        / 1000.0;
    let p50 = lat.get(lat.len() / 2).copied().unwrap_or(0) as f64 / 1000.0;
    conn.kill().await;

    // Latency at the budget's rate: flooding (above) measures capacity, and its p99 is queueing time.
    // Here events arrive at 1,000/s, paced, which is the rate the budget speaks of.
    let paced = paced_latency(&base, dir.join("paced.db"), t0, 1_000.0, seconds).await;

    // Restart: kill the connector while it works, restart on the same file, count what never applied.
    let db = dir.join("restart.db");
    let conn = start(&base, db.clone()).await;
    let mut bodies = Vec::new();
    for n in 0..40 {
        bodies.extend(deliveries(
            &day(&format!("r{n}-"), t0),
            &PlayOptions {
                seed: n,
                duplicate_permille: 100,
                delay_permille: 0,
            },
        ));
    }
    let half = bodies.len() / 2;
    let first = play(&conn.webhook_url(), SECRET, &bodies[..half])
        .await
        .expect("plays");
    conn.kill().await;
    let conn = start(&base, db).await;
    let rest = play(&conn.webhook_url(), SECRET, &bodies[half..])
        .await
        .expect("plays");
    let restart_idle = conn.wait_idle(Duration::from_secs(120)).await;
    let ok = first.iter().chain(&rest).filter(|c| **c == 200).count() as u64;
    let distinct: std::collections::BTreeSet<&str> = bodies
        .iter()
        .filter_map(|b| b["event_id"].as_str())
        .collect();
    let done = conn.engine.store.count_events("done").unwrap_or(0);
    let lost = (distinct.len() as u64).saturating_sub(done);
    conn.kill().await;
    sandbox.stop().await;
    let _ = std::fs::remove_dir_all(&dir);

    println!(
        "{}",
        json!({
            "connector_events_per_s": (applied as f64 / elapsed).round(),
            "connector_p99_ms": (paced.1 * 100.0).round() / 100.0,
            "connector_p50_ms": (paced.0 * 100.0).round() / 100.0,
            "connector_paced_events_per_s": 1000,
            "connector_p99_ms_flooded": (p99 * 100.0).round() / 100.0,
            "connector_p50_ms_flooded": (p50 * 100.0).round() / 100.0,
            "connector_restart_lost": lost,
            "connector_bench_events": applied,
            "connector_bench_accepted": accepted,
            "connector_bench_seconds": (elapsed * 100.0).round() / 100.0,
            "connector_bench_drained": idle && restart_idle,
            "connector_restart_deliveries_200": ok,
        })
    );
}

async fn start(base: &str, db: std::path::PathBuf) -> Connector {
    let mut cfg = Config::new(&format!("{base}/kapi"), KEY, SECRET, db);
    cfg.sdk_mapping
        .insert("plan".into(), "loyaltyPlanStr".into());
    cfg.agents
        .insert("agent@example.com".into(), "u-agent-1".into());
    cfg.agents
        .insert("bo@example.com".into(), "u-agent-2".into());
    Connector::start(cfg).await.expect("connector starts")
}

async fn create_fields(base: &str) {
    let http = reqwest::Client::new();
    let mut conv = Map::new();
    for f in ccai_core::records::fields::ALL
        .iter()
        .filter(|f| **f != "customUserIdStr")
    {
        conv.insert((*f).into(), json!({ "displayName": f }));
    }
    conv.insert(
        "loyaltyPlanStr".into(),
        json!({ "displayName": "Loyalty plan" }),
    );
    let customer = json!({ "customUserIdStr": { "displayName": "Custom user id" } });
    for (resource, props) in [
        ("conversation", Value::Object(conv)),
        ("customer", customer),
    ] {
        http.patch(format!("{base}/kapi/v1/metadata/{resource}"))
            .bearer_auth(KEY)
            .json(&json!({ "properties": props }))
            .send()
            .await
            .expect("metadata");
    }
}

/// Sends whole days at `rate` events per second (four paced senders) for `seconds`, then returns the
/// connector's (p50, p99) in ms from event accepted to its last Kustomer call answered.
async fn paced_latency(
    base: &str,
    db: std::path::PathBuf,
    t0: u64,
    rate: f64,
    seconds: u64,
) -> (f64, f64) {
    const PACED_SENDERS: usize = 4;
    let conn = start(base, db).await;
    let url = conn.webhook_url();
    let until = Instant::now() + Duration::from_secs(seconds);
    let gap = Duration::from_secs_f64(PACED_SENDERS as f64 / rate);
    let mut tasks = Vec::new();
    for s in 0..PACED_SENDERS {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut n = 0;
            'days: while Instant::now() < until {
                let bodies = deliveries(
                    &day(&format!("p{s}n{n}-"), t0),
                    &PlayOptions {
                        seed: n as u64,
                        ..PlayOptions::default()
                    },
                );
                for body in bodies {
                    tick.tick().await;
                    if Instant::now() >= until {
                        break 'days;
                    }
                    let _ = play(&url, SECRET, std::slice::from_ref(&body)).await;
                }
                n += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    conn.wait_idle(Duration::from_secs(120)).await;
    let mut lat = conn
        .engine
        .metrics
        .latencies_us
        .lock()
        .map(|l| l.clone())
        .unwrap_or_default();
    conn.kill().await;
    lat.sort_unstable();
    let at = |q: f64| {
        lat.get(((lat.len() as f64) * q) as usize)
            .copied()
            .unwrap_or(0) as f64
            / 1000.0
    };
    (at(0.5), at(0.99))
}
