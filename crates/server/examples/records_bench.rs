//! `cargo run --release -p server --example records_bench`: the record rules' figures at the server as
//! one JSON object on stdout, against the sandbox on loopback, fed by CCAI's documented session events
//! (A20) through the intake. An example, not a binary of the server: it needs the sandbox, which the
//! server's own build must not depend on (issue 15).
//!
//! - `connector_events_per_s`: deliveries applied per second, sustained, 16 flooding senders (the key
//!   keeps the connector's name so the figure stays comparable; the connector is now the server's).
//! - `connector_p99_ms`, `connector_p50_ms`: delivery accepted → its last Kustomer write answered, at a
//!   paced 1,000 deliveries/s; `*_flooded`: the same while flooding (queueing time).
//! - `connector_restart_lost`: accepted deliveries a kill + restart failed to apply (must be 0).
//! - `records_event_push_ms_p99`: a session event POSTed → its call's state read on the agent's SSE
//!   connection, one call at a time on an otherwise idle server (the load test's `event_push_ms_p99`
//!   is the same path under 500 agents); `records_call_record_ms_p99`: the same event → the
//!   conversation the rules chose (`CallRecord`), which waits for the rules' Kustomer writes.
//! - `kustomer_requests_per_call`: Kustomer requests one answered IVR call from a new caller costs
//!   (Start, Assigned, Active, End); `kustomer_requests_per_session_day`: the average over the day's
//!   sessions (calls, a chat, a voicemail, call backs).

#[path = "../tests/records_support/mod.rs"]
mod records_support;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use records_support::day::day;
use records_support::push::{answered_call, measure, percentile, AgentStream};
use records_support::*;
use serde_json::{json, Value};
use server::Server;

/// Concurrent CCAI senders while flooding.
const SENDERS: usize = 16;

#[tokio::main]
async fn main() {
    let seconds: u64 = std::env::args()
        .skip_while(|a| a != "--seconds")
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(6);
    let world = Arc::new(World::start().await);
    let dir = tempfile::tempdir().expect("temp dir");

    // Throughput and latency while flooding: senders play whole days until the time is up.
    let server = Arc::new(shipped(&world, dir.path().join("throughput.db")).await);
    let until = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..SENDERS {
        let (world, server) = (world.clone(), server.clone());
        tasks.push(tokio::spawn(async move {
            let mut sent = 0usize;
            let mut n = 0;
            while Instant::now() < until {
                let bodies = deliveries(
                    &day(&format!("s{s}n{n}-"), world.t0_ms()),
                    &PlayOptions {
                        seed: n as u64,
                        ..PlayOptions::default()
                    },
                );
                let st = world.play(&server, &bodies).await;
                sent += st.iter().filter(|c| **c == 200).count();
                n += 1;
            }
            sent
        }));
    }
    let mut accepted_bodies = 0;
    for t in tasks {
        accepted_bodies += t.await.expect("sender");
    }
    let idle = world.wait_idle(&server, Duration::from_secs(180)).await;
    let elapsed = started.elapsed().as_secs_f64();
    let applied = server
        .state
        .0
        .store
        .records_count_deliveries("translated")
        .unwrap_or(0);
    let flooded = samples_ms(&server.state.0.records.metrics.apply_us);
    stop(server).await;

    // Latency at a paced 1,000 deliveries/s, the rate the budget speaks of.
    let paced = paced(&world, dir.path().join("paced.db"), 1_000.0, seconds).await;

    // Restart: kill the server while it works, restart on the same file, count what never applied.
    let db = dir.path().join("restart.db");
    let server = world.server(Some(db.clone())).await;
    let mut bodies = Vec::new();
    for n in 0..40 {
        bodies.extend(deliveries(
            &day(&format!("r{n}-"), world.t0_ms()),
            &PlayOptions {
                seed: n,
                duplicate_permille: 100,
                delay_permille: 0,
            },
        ));
    }
    let half = bodies.len() / 2;
    let first = world.play(&server, &bodies[..half]).await;
    server.kill().await;
    let server = world.server(Some(db)).await;
    let rest = world.play(&server, &bodies[half..]).await;
    let restart_idle = world.wait_idle(&server, Duration::from_secs(180)).await;
    let ok = first.iter().chain(&rest).filter(|c| **c == 200).count();
    let distinct: BTreeSet<&str> = bodies
        .iter()
        .flat_map(|(_, b)| b["events"].as_array().into_iter().flatten())
        .filter_map(|e| e["event_id"].as_str())
        .collect();
    let store = &server.state.0.store;
    let done = store.records_count_deliveries("translated").unwrap_or(0)
        + store.records_count_deliveries("skipped").unwrap_or(0);
    let lost = (distinct.len() as u64).saturating_sub(done);
    server.kill().await;

    // The push: event in → on the agent's connection.
    let server = world.server(Some(dir.path().join("push.db"))).await;
    let mut agent = AgentStream::open(&server, AGENT).await;
    let push = measure(&world, &server, &mut agent, 100).await;
    world.wait_idle(&server, Duration::from_secs(60)).await;
    let record = samples_ms(&server.state.0.records.metrics.record_us);
    server.kill().await;

    // What a call costs in Kustomer requests (B4's budget).
    let (per_call, per_session) = kustomer_cost(&world, dir.path()).await;

    println!(
        "{}",
        json!({
            "connector_events_per_s": (applied as f64 / elapsed).round(),
            "connector_p99_ms": round2(percentile(&paced, 99.0)),
            "connector_p50_ms": round2(percentile(&paced, 50.0)),
            "connector_paced_events_per_s": 1000,
            "connector_p99_ms_flooded": round2(percentile(&flooded, 99.0)),
            "connector_p50_ms_flooded": round2(percentile(&flooded, 50.0)),
            "connector_restart_lost": lost,
            "connector_bench_events": applied,
            "connector_bench_accepted": accepted_bodies,
            "connector_bench_seconds": round2(elapsed),
            "connector_bench_drained": idle && restart_idle,
            "connector_restart_deliveries_200": ok,
            "records_event_push_ms_p99": round2(percentile(&push, 99.0)),
            "records_event_push_ms_p50": round2(percentile(&push, 50.0)),
            "records_call_record_ms_p99": round2(percentile(&record, 99.0)),
            "records_call_record_ms_p50": round2(percentile(&record, 50.0)),
            "kustomer_requests_per_call": round2(per_call),
            "kustomer_requests_per_session_day": round2(per_session),
        })
    );
}

/// A server as shipped (the tests' world runs fewer record workers, 8, to keep their runs small): the
/// throughput and latency figures are the server's with its default `--records-workers`.
async fn shipped(world: &World, db: std::path::PathBuf) -> Server {
    let mut cfg = world.config(db);
    cfg.records_workers = server::config::DEFAULT_RECORDS_WORKERS;
    world.server_with(cfg).await
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn samples_ms(v: &std::sync::Mutex<Vec<u64>>) -> Vec<f64> {
    v.lock()
        .map(|l| l.iter().map(|us| *us as f64 / 1000.0).collect())
        .unwrap_or_default()
}

async fn stop(server: Arc<Server>) {
    if let Ok(s) = Arc::try_unwrap(server) {
        s.kill().await;
    }
}

/// Sends whole days at `rate` deliveries per second (four paced senders) for `seconds`; answers the
/// samples of delivery accepted → its last Kustomer write answered, in ms.
async fn paced(world: &Arc<World>, db: std::path::PathBuf, rate: f64, seconds: u64) -> Vec<f64> {
    const PACED_SENDERS: usize = 4;
    let server = Arc::new(shipped(world, db).await);
    let until = Instant::now() + Duration::from_secs(seconds);
    let gap = Duration::from_secs_f64(PACED_SENDERS as f64 / rate);
    let mut tasks = Vec::new();
    for s in 0..PACED_SENDERS {
        let (world, server) = (world.clone(), server.clone());
        tasks.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(gap);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut n = 0;
            'days: while Instant::now() < until {
                let bodies = deliveries(
                    &day(&format!("p{s}n{n}-"), world.t0_ms()),
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
                    let _ = world.play(&server, std::slice::from_ref(&body)).await;
                }
                n += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    world.wait_idle(&server, Duration::from_secs(180)).await;
    let out = samples_ms(&server.state.0.records.metrics.apply_us);
    stop(server).await;
    out
}

/// Kustomer requests per answered call from a new caller, and per session of the day.
async fn kustomer_cost(world: &World, dir: &std::path::Path) -> (f64, f64) {
    const CALLS: usize = 20;
    let server = world.server(Some(dir.join("cost.db"))).await;
    let requests = |s: &Server| {
        s.state
            .0
            .records
            .kustomer
            .counts
            .requests
            .load(Ordering::Relaxed)
    };
    let before = requests(&server);
    for i in 0..CALLS {
        let events: Vec<Value> = answered_call(
            &format!("cost{i}"),
            &format!("+1415777{i:04}"),
            world.t0_ms(),
        );
        for e in events {
            world
                .post_events(
                    &server,
                    "call",
                    &json!({ "count": 1, "events": [e] }),
                    (USER, PASSWORD),
                )
                .await;
        }
    }
    world.wait_idle(&server, Duration::from_secs(60)).await;
    let per_call = (requests(&server) - before) as f64 / CALLS as f64;
    let before = requests(&server);
    let the_day = day("cost-", world.t0_ms());
    let sessions: usize = the_day.iter().map(Vec::len).sum();
    let bodies = deliveries(&the_day, &PlayOptions::default());
    world.play(&server, &bodies).await;
    world.wait_idle(&server, Duration::from_secs(60)).await;
    let per_session = (requests(&server) - before) as f64 / sessions as f64;
    server.kill().await;
    (per_call, per_session)
}
