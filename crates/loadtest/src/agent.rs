//! One simulated agent: signs in through the server's OAuth flow as a browser would, keeps one push
//! connection (SSE) open, claims ownership, and works: status changes and calls on a seeded schedule.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ccai_core::server_api::{Push, StatusChange};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::world::{SeededAgent, World, STATUSES};

/// Wall-clock milliseconds (the server stamps `applied_at_ms` on the same clock).
pub fn wall_ms() -> u64 {
    server::now_ms()
}

pub struct Tokens {
    pub session: String,
    pub refresh: String,
}

/// What the agents saw, shared with the collector.
#[derive(Default)]
pub struct Log {
    /// key → wall ms when the change was sent to the server.
    pub sent: HashMap<String, u64>,
    /// How long each `POST /api/v1/status` took to be answered `Queued` (the intake's share of a
    /// change's latency), ms.
    pub post_ms: Vec<u64>,
    /// key → (wall ms CCAI's answer reached the server, wall ms the push arrived).
    pub applied: HashMap<String, (u64, u64)>,
    pub failed: HashMap<String, String>,
    /// (call session id, wall ms the push arrived).
    pub call_pushes: Vec<(String, u64)>,
    /// (call session id, wall ms the conversation the rules chose arrived).
    pub record_pushes: Vec<(String, u64)>,
    pub refused: Vec<String>,
    pub sign_in_ms: Vec<u64>,
    pub sign_in_failed: Vec<String>,
    pub calls_started: u64,
    pub calls_refused: u64,
}

pub type Shared = Arc<Mutex<Log>>;

fn lock(log: &Shared) -> std::sync::MutexGuard<'_, Log> {
    log.lock().unwrap_or_else(|e| e.into_inner())
}

/// The whole sign-in of `email`: Kustomer's page session, the server's `/auth/start`, Kustomer's
/// authorize page (PKCE), the server's callback; the tokens from the final redirect's fragment.
pub async fn sign_in(world: &World, email: &str) -> Result<Tokens, String> {
    let http = &world.http;
    let login: Value = http
        .get(world.sb("/sandbox/login"))
        .query(&[("email", email)])
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let cookie = login["cookie"]
        .as_str()
        .ok_or("no page session")?
        .to_owned();
    let start = http
        .get(world.api("/auth/start"))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let authorize = location(&start).ok_or(format!("/auth/start answered {}", start.status()))?;
    let approved = http
        .get(authorize)
        .header("cookie", cookie)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let callback =
        location(&approved).ok_or(format!("authorize answered {}", approved.status()))?;
    let done = http.get(callback).send().await.map_err(|e| e.to_string())?;
    let fin = location(&done).ok_or(format!("callback answered {}", done.status()))?;
    let (_, fragment) = fin.split_once('#').ok_or("no fragment")?;
    let url = reqwest::Url::parse(&format!("x:?{fragment}")).map_err(|e| e.to_string())?;
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    Ok(Tokens {
        session: get("session").ok_or("no session in the fragment")?,
        refresh: get("refresh").ok_or("no refresh in the fragment")?,
    })
}

fn location(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Opens the push connection; every push goes to `log` (and to `tap`, if given).
pub async fn listen(
    world: &World,
    session: &str,
    log: Shared,
    tap: Option<mpsc::UnboundedSender<Push>>,
) -> Result<(), String> {
    let resp = world
        .http
        .get(world.api("/api/v1/events"))
        .bearer_auth(session)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !resp.status().is_success() {
        return Err(format!("events answered {}", resp.status()));
    }
    tokio::spawn(async move {
        let mut stream = resp.bytes_stream();
        let mut buf = String::new();
        while let Some(Ok(chunk)) = stream.next().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let frame: String = buf.drain(..end + 2).collect();
                let now = wall_ms();
                for line in frame.lines() {
                    let Some(data) = line.strip_prefix("data:") else {
                        continue;
                    };
                    let Ok(push) = serde_json::from_str::<Push>(data.trim()) else {
                        continue;
                    };
                    record(&log, &push, now);
                    if let Some(t) = &tap {
                        let _ = t.send(push);
                    }
                }
            }
        }
    });
    Ok(())
}

fn record(log: &Shared, push: &Push, now: u64) {
    let mut l = lock(log);
    match push {
        Push::StatusApplied {
            key, applied_at_ms, ..
        } => {
            l.applied.insert(key.clone(), (*applied_at_ms, now));
        }
        Push::StatusSuperseded { key, by_key } => {
            l.failed
                .insert(key.clone(), format!("superseded by {by_key}"));
        }
        Push::StatusFailed { key, reason } => {
            l.failed.insert(key.clone(), reason.clone());
        }
        Push::Call { session_id, .. } => l.call_pushes.push((session_id.clone(), now)),
        Push::CallRecord { session_id, .. } => l.record_pushes.push((session_id.clone(), now)),
        _ => {}
    }
}

/// The schedule, in simulated seconds, compressed by `factor` into real time.
#[derive(Clone, Copy)]
pub struct Plan {
    pub factor: f64,
    pub shift_ms: u64,
    pub hour_ms: u64,
    pub seed: u64,
}

impl Plan {
    fn real(&self, simulated_s: u64) -> Duration {
        Duration::from_millis((simulated_s as f64 * 1_000.0 / self.factor) as u64)
    }
}

/// One agent's shift: sign in within the shift start, go Available, then change status every 30–120
/// simulated seconds and take a call every 2–5 simulated minutes until the hour is over.
pub async fn work(
    world: Arc<World>,
    me: SeededAgent,
    n: usize,
    plan: Plan,
    t0: Instant,
    log: Shared,
) {
    let mut rng = fastrand::Rng::with_seed(plan.seed ^ (n as u64).wrapping_mul(0x9E37_79B9));
    // Everyone signs in during the first 80 % of the shift start, then goes Available.
    tokio::time::sleep_until(t0 + Duration::from_millis(rng.u64(0..plan.shift_ms * 8 / 10))).await;
    let started = Instant::now();
    let tokens = match sign_in(&world, &me.email).await {
        Ok(t) => t,
        Err(e) => {
            lock(&log).sign_in_failed.push(format!("{}: {e}", me.email));
            return;
        }
    };
    if let Err(e) = listen(&world, &tokens.session, log.clone(), None).await {
        lock(&log).sign_in_failed.push(format!("{}: {e}", me.email));
        return;
    }
    let claim: Value = match world
        .http
        .post(world.api("/api/v1/owner"))
        .bearer_auth(&tokens.session)
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let epoch = claim["epoch"].as_u64().unwrap_or(0);
    lock(&log)
        .sign_in_ms
        .push(started.elapsed().as_millis() as u64);
    let mut seq = 0u64;
    let mut current = 0usize;
    change(&world, &tokens.session, &me, epoch, &mut seq, 0, &log).await;

    let hour_start = t0 + Duration::from_millis(plan.shift_ms);
    let end = hour_start + Duration::from_millis(plan.hour_ms);
    let mut next_change = hour_start + plan.real(rng.u64(30..=120));
    // The hour is a slice of a working day: a first call anywhere within one interval, as calls
    // arrive in steady state (not all held back until two minutes in).
    let mut next_call = hour_start + plan.real(rng.u64(0..=300));
    let mut busy_until = Instant::now();
    loop {
        let next = next_change.min(next_call);
        if next >= end {
            break;
        }
        tokio::time::sleep_until(next).await;
        if next == next_call {
            next_call += plan.real(rng.u64(120..=300));
            // A 60-second conversation and CCAI's steps around it, compressed like everything else.
            let talk_ms = plan.real(60).as_millis() as u64;
            let step_ms = plan.real(3).as_millis() as u64;
            let r = world
                .http
                .post(world.sb(&format!("/sandbox/ccai/agents/{}/call", me.ccai_agent_id)))
                .json(&json!({ "talk_ms": talk_ms, "step_ms": step_ms }))
                .send()
                .await;
            if r.is_ok_and(|r| r.status().is_success()) {
                lock(&log).calls_started += 1;
                // In-call, Wrap-up: CCAI refuses status changes then (A8), so the agent waits.
                busy_until = Instant::now() + Duration::from_millis(talk_ms + 8 * step_ms);
            } else {
                lock(&log).calls_refused += 1;
            }
        } else {
            next_change += plan.real(rng.u64(30..=120));
            if Instant::now() < busy_until {
                continue;
            }
            let mut pick = rng.usize(0..STATUSES.len());
            if pick == current {
                pick = (pick + 1) % STATUSES.len();
            }
            current = pick;
            change(&world, &tokens.session, &me, epoch, &mut seq, pick, &log).await;
        }
    }
}

async fn change(
    world: &World,
    session: &str,
    me: &SeededAgent,
    epoch: u64,
    seq: &mut u64,
    status: usize,
    log: &Shared,
) {
    *seq += 1;
    let key = format!("{}:{epoch}:{seq}", me.ccai_agent_id);
    let body = StatusChange {
        key: key.clone(),
        epoch,
        kustomer_status_id: STATUSES[status].0.into(),
        changed_at_ms: wall_ms(),
        ccai_status_id: None,
    };
    let posted = wall_ms();
    lock(log).sent.insert(key.clone(), posted);
    let r = world
        .http
        .post(world.api("/api/v1/status"))
        .bearer_auth(session)
        .json(&body)
        .send()
        .await;
    match r {
        Ok(r) if r.status().is_success() => lock(log).post_ms.push(wall_ms() - posted),
        Ok(r) => {
            let code = r.status();
            let text = r.text().await.unwrap_or_default();
            lock(log).refused.push(format!("{key}: {code} {text}"));
        }
        Err(e) => lock(log).refused.push(format!("{key}: {e}")),
    }
}
