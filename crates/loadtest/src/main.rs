//! The 500-agent load test (issue 15), without browsers: the sandbox and the company server in one
//! process, 500 simulated agents speaking the protocol the extension will speak.
//!
//! `cargo run --release -p loadtest -- [--agents 500] [--rates 1,10] [--factor 40] [--seed 7]
//! [--out target/bench.json]`
//!
//! Per rate: a shift start in real time (everyone signs in through the server's OAuth flow, opens the
//! push connection, claims ownership and goes Available within 60 s), then a working hour compressed
//! `--factor` times (each agent changes status every 30–120 simulated seconds and takes a call every
//! 2–5 simulated minutes, each call announced by the sandbox as CCAI's session events), with
//! impersonation attempts in the middle. CCAI's rate is enforced and measured in real seconds (a
//! vendor's limit does not compress); Kustomer's budget is enforced per real minute during the shift
//! start and per simulated minute (60 s / factor) during the hour, and reported per simulated minute.

mod agent;
mod attacks;
mod stats;
mod world;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::time::Instant;

use agent::{Log, Plan, Shared};
use stats::{max_in_window, percentile};
use world::World;

/// Kustomer's Enterprise budget (B4), per minute.
const KUSTOMER_BUDGET: u64 = 1_000;

struct Args {
    agents: usize,
    rates: Vec<u32>,
    factor: f64,
    seed: u64,
    out: Option<String>,
}

fn args() -> Args {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        raw.iter()
            .position(|a| a == flag)
            .and_then(|i| raw.get(i + 1).cloned())
    };
    Args {
        agents: get("--agents").and_then(|v| v.parse().ok()).unwrap_or(500),
        rates: get("--rates")
            .map(|v| v.split(',').filter_map(|r| r.trim().parse().ok()).collect())
            .unwrap_or_else(|| vec![1, 10]),
        factor: get("--factor").and_then(|v| v.parse().ok()).unwrap_or(40.0),
        seed: get("--seed").and_then(|v| v.parse().ok()).unwrap_or(7),
        out: get("--out"),
    }
}

#[tokio::main]
async fn main() {
    let a = args();
    let mut figures = Map::new();
    for rate in &a.rates {
        let run = run_once(&a, *rate).await;
        let suffix = if *rate == 1 { "" } else { "_10rps" };
        eprintln!(
            "loadtest at {rate} request(s)/s: {}",
            Value::Object(run.clone())
        );
        for (k, v) in run {
            let key = match k.as_str() {
                "status_e2e_ms_p50" | "status_e2e_ms_p99" => {
                    format!("{k}_500_agents{suffix}")
                }
                _ if *rate != 1 => format!("loadtest_{rate}rps_{k}"),
                _ => k,
            };
            figures.insert(key, v);
        }
    }
    let text = serde_json::to_string_pretty(&Value::Object(figures.clone())).unwrap_or_default();
    println!("{text}");
    if let Some(out) = a.out {
        // Keeps every figure already in the file (the other benches write it first).
        let mut all: Map<String, Value> = std::fs::read_to_string(&out)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        all.extend(figures);
        let text = serde_json::to_string_pretty(&Value::Object(all)).unwrap_or_default();
        if let Err(e) = std::fs::write(&out, text + "\n") {
            eprintln!("loadtest: writing {out}: {e}");
            std::process::exit(1);
        }
    }
}

async fn run_once(a: &Args, rate: u32) -> Map<String, Value> {
    let begun = Instant::now();
    let world = Arc::new(World::start(a.agents + 3, rate, KUSTOMER_BUDGET).await);
    let mut missing = world.missing.clone();
    let (workers, spare) = world.agents.split_at(world.agents.len().saturating_sub(3));
    let plan = Plan {
        factor: a.factor,
        shift_ms: 60_000,
        hour_ms: (3_600_000.0 / a.factor) as u64,
        seed: a.seed,
    };
    let log: Shared = Arc::new(Mutex::new(Log::default()));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for (n, me) in workers.iter().enumerate() {
        tasks.push(tokio::spawn(agent::work(
            world.clone(),
            me.clone(),
            n,
            plan,
            t0,
            log.clone(),
        )));
    }

    // The shift start: everyone Available within 60 s?
    tokio::time::sleep_until(t0 + Duration::from_millis(plan.shift_ms)).await;
    let (signed_in, available_by_60s) = {
        let l = lock(&log);
        let firsts: Vec<&String> = l.sent.keys().filter(|k| k.ends_with(":1")).collect();
        let ok = firsts
            .iter()
            .filter(|k| l.applied.contains_key(**k))
            .count();
        (l.sign_in_ms.len(), ok)
    };
    let kustomer_before_hour = kustomer_requests(&world).await.len();
    let _ = world
        .http
        .put(world.sb("/sandbox/kustomer/rate"))
        .json(&json!({ "budget": (KUSTOMER_BUDGET as f64 * a.factor) as u64 }))
        .send()
        .await;

    // Impersonation attempts in the middle of the hour.
    tokio::time::sleep(Duration::from_millis(plan.hour_ms / 2)).await;
    let attack = match spare {
        [m, v, l] => attacks::run(&world, m, v, l).await,
        _ => attacks::Report {
            attempts: 0,
            succeeded: 0,
            details: vec!["no spare agents to attack with".into()],
        },
    };
    for t in tasks {
        let _ = t.await;
    }
    // Outcomes still on their way.
    for _ in 0..60 {
        let waiting = {
            let l = lock(&log);
            l.sent.len() - l.applied.len() - l.failed.len()
        };
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let ccai = world.get_json(&world.sb("/sandbox/ccai/rate")).await;
    if ccai.is_none() {
        missing.push("GET /sandbox/ccai/rate (the measured CCAI rate)".into());
    }
    let deliveries = world
        .get_json(&world.sb("/sandbox/ccai/session-events/log"))
        .await;
    let k_all = kustomer_requests(&world).await;
    let window_ms = (60_000.0 / a.factor) as u64;
    let k_shift = max_in_window(&k_all[..kustomer_before_hour.min(k_all.len())], 60_000);
    let k_hour = max_in_window(&k_all[kustomer_before_hour.min(k_all.len())..], window_ms);

    let l = lock(&log);
    let e2e: Vec<u64> = l
        .applied
        .iter()
        .filter_map(|(k, (applied_at, _))| Some(applied_at.saturating_sub(*l.sent.get(k)?)))
        .collect();
    let push_ms = event_push_ms(&l.call_pushes, deliveries.as_ref());
    if l.call_pushes.is_empty() {
        missing.push("Push::Call on the agents' connections (session events → push)".into());
    }
    let superseded = l
        .failed
        .values()
        .filter(|r| r.starts_with("superseded"))
        .count();
    let mut out = Map::new();
    out.insert(
        "ccai_requests_per_s_max_500_agents".into(),
        ccai.as_ref()
            .map_or(Value::Null, |c| c["max_in_any_1s_window"].clone()),
    );
    out.insert("status_e2e_ms_p50".into(), json!(percentile(&e2e, 50.0)));
    out.insert("status_e2e_ms_p99".into(), json!(percentile(&e2e, 99.0)));
    out.insert(
        "event_push_ms_p99".into(),
        json!(percentile(&push_ms, 99.0)),
    );
    out.insert(
        "kustomer_requests_per_min_500_agents".into(),
        json!(k_shift.max(k_hour)),
    );
    out.insert("impersonation_succeeded".into(), json!(attack.succeeded));
    out.insert(
        "loadtest_impersonation_attempts".into(),
        json!(attack.attempts),
    );
    out.insert("loadtest_time_factor".into(), json!(a.factor));
    out.insert("loadtest_agents_signed_in".into(), json!(signed_in));
    out.insert("loadtest_available_by_60s".into(), json!(available_by_60s));
    out.insert(
        "loadtest_sign_in_ms_p99".into(),
        json!(percentile(&l.sign_in_ms, 99.0)),
    );
    out.insert("loadtest_status_changes_sent".into(), json!(l.sent.len()));
    out.insert(
        "loadtest_status_changes_applied".into(),
        json!(l.applied.len()),
    );
    out.insert(
        "loadtest_status_changes_superseded".into(),
        json!(superseded),
    );
    out.insert(
        "loadtest_status_changes_failed".into(),
        json!(l.failed.len() - superseded),
    );
    out.insert(
        "loadtest_status_changes_refused".into(),
        json!(l.refused.len()),
    );
    out.insert("loadtest_calls".into(), json!(l.calls_started));
    out.insert("loadtest_kustomer_requests".into(), json!(k_all.len()));
    out.insert(
        "loadtest_ccai_requests".into(),
        ccai.as_ref().map_or(Value::Null, |c| c["total"].clone()),
    );
    out.insert(
        "loadtest_ccai_rejected_429".into(),
        ccai.as_ref().map_or(Value::Null, |c| c["rejected"].clone()),
    );
    out.insert("loadtest_seconds".into(), json!(begun.elapsed().as_secs()));
    for (i, d) in l.sign_in_failed.iter().take(3).enumerate() {
        out.insert(format!("loadtest_sign_in_failure_{i}"), json!(d));
    }
    for (i, d) in l.refused.iter().take(3).enumerate() {
        out.insert(format!("loadtest_refused_{i}"), json!(d));
    }
    for (i, d) in attack.details.iter().enumerate() {
        out.insert(format!("loadtest_impersonation_{i}"), json!(d));
    }
    if !missing.is_empty() {
        out.insert("loadtest_missing".into(), json!(missing));
    }
    out
}

fn lock(log: &Shared) -> std::sync::MutexGuard<'_, Log> {
    log.lock().unwrap_or_else(|e| e.into_inner())
}

/// Times (ms) of the Kustomer API requests the sandbox counted, in order.
async fn kustomer_requests(world: &World) -> Vec<u64> {
    world
        .get_json(&world.sb("/sandbox/kustomer/requests"))
        .await
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["at_ms"].as_f64().map(|t| t as u64))
        .collect()
}

/// Session event sent by CCAI (the sandbox's delivery log) → the push on the agent's connection: for
/// each push, the latest delivery of the same session sent before it arrived.
fn event_push_ms(pushes: &[(String, u64)], deliveries: Option<&Value>) -> Vec<u64> {
    let Some(list) = deliveries.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut by_session: std::collections::HashMap<String, Vec<u64>> = Default::default();
    for d in list {
        let Some(sent) = d["sent_at_ms"].as_f64() else {
            continue;
        };
        for s in d["session_ids"].as_array().into_iter().flatten() {
            let id = match s {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            by_session.entry(id).or_default().push(sent as u64);
        }
    }
    pushes
        .iter()
        .filter_map(|(session, at)| {
            let sent = by_session
                .get(session)?
                .iter()
                .filter(|t| **t <= *at)
                .max()?;
            Some(at - sent)
        })
        .collect()
}
