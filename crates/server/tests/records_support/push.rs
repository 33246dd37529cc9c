//! An agent's push connection as the extension will hold it (`GET /api/v1/events`, server-sent events),
//! and the measure of `event_push_ms`: a session event POSTed to the intake → its push read on the
//! agent's connection.

use std::time::{Duration, Instant};

use ccai_core::server_api::{CallState, Push};
use serde_json::{json, Value};
use server::Server;
use tokio::sync::mpsc;

use super::day::{agent, Session};
use super::World;

/// The pushes one agent's connection receives, each with the instant it was read.
pub struct AgentStream {
    rx: mpsc::UnboundedReceiver<(Instant, Push)>,
}

impl AgentStream {
    /// Signs `email` in (a session, as the OAuth flow would end) and opens their push connection.
    pub async fn open(server: &Server, email: &str) -> AgentStream {
        let tokens = server::session::open(&server.state, email, server::now_ms())
            .expect("a session for the agent");
        let before = server.state.0.hub.connections_of(email);
        let mut resp = reqwest::Client::new()
            .get(format!("{}/api/v1/events", server.url()))
            .bearer_auth(&tokens.session)
            .send()
            .await
            .expect("events connection");
        assert!(resp.status().is_success(), "events: {}", resp.status());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut buf = String::new();
            while let Ok(Some(chunk)) = resp.chunk().await {
                let at = Instant::now();
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let frame: String = buf.drain(..end + 2).collect();
                    for line in frame.lines() {
                        if let Some(data) = line.strip_prefix("data:") {
                            if let Ok(p) = serde_json::from_str::<Push>(data.trim()) {
                                let _ = tx.send((at, p));
                            }
                        }
                    }
                }
            }
        });
        let until = Instant::now() + Duration::from_secs(5);
        while server.state.0.hub.connections_of(email) <= before {
            assert!(Instant::now() < until, "the push connection never opened");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        AgentStream { rx }
    }

    /// The next call push for `session` in `state`, with when it was read (other pushes are skipped).
    pub async fn call(&mut self, session: &str, state: CallState) -> (Instant, Push) {
        let until = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(until, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no {state:?} push for {session}"))
                .expect("the push connection stays open");
            if let (
                _,
                Push::Call {
                    session_id,
                    state: s,
                    ..
                },
            ) = &next
            {
                if session_id == session && *s == state {
                    return next;
                }
            }
        }
    }

    /// The next `CallRecord` for `session` (the conversation the rules chose), with when it was read.
    pub async fn record(&mut self, session: &str) -> (Instant, Push) {
        let until = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(until, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("no CallRecord push for {session}"))
                .expect("the push connection stays open");
            if let (_, Push::CallRecord { session_id, .. }) = &next {
                if session_id == session {
                    return next;
                }
            }
        }
    }

    /// Every push that arrives within `wait`.
    pub async fn drain(&mut self, wait: Duration) -> Vec<Push> {
        let until = tokio::time::Instant::now() + wait;
        let mut out = Vec::new();
        while let Ok(Some((_, p))) = tokio::time::timeout_at(until, self.rx.recv()).await {
            out.push(p);
        }
        out
    }
}

/// One answered IVR call from `phone`, as CCAI delivers it: Start, Assigned, Active, End.
pub fn answered_call(session: &str, phone: &str, t0_ms: u64) -> Vec<Value> {
    let mut s = Session::new(
        "",
        "call",
        json!({ "id": session, "call_type": "IVR", "lang": "en", "dn": phone, "menu_path": "Support" }),
    );
    s.at("Start", t0_ms + 1, json!({}))
        .at(
            "Assigned",
            t0_ms + 2,
            json!({ "agent_info": agent(super::AGENT_ID) }),
        )
        .at("Active", t0_ms + 3, json!({}))
        .at(
            "End",
            t0_ms + 4,
            json!({ "status": "finished", "call_duration": 30.0 }),
        );
    s.deliveries
}

/// Plays `calls` answered calls one after the other and measures, for each Assigned, Active and End
/// delivery, POST sent → push read on the agent's connection. Answers the samples in milliseconds.
pub async fn measure(
    world: &World,
    server: &Server,
    stream: &mut AgentStream,
    calls: usize,
) -> Vec<f64> {
    let mut samples = Vec::new();
    for i in 0..calls {
        let session = format!("push{i}");
        let phone = format!("+1415666{i:04}");
        let deliveries = answered_call(&session, &phone, world.t0_ms() + i as u64 * 10);
        for (d, state) in deliveries.iter().zip([
            None,
            Some(CallState::Ringing),
            Some(CallState::Connected),
            Some(CallState::Ended),
        ]) {
            let body = json!({ "count": 1, "events": [d] });
            let sent = Instant::now();
            let (st, answer) = world
                .post_events(server, "call", &body, (super::USER, super::PASSWORD))
                .await;
            assert_eq!(st, 200, "{answer}");
            if let Some(state) = state {
                let (at, _) = stream.call(&session, state).await;
                samples.push(at.duration_since(sent).as_secs_f64() * 1000.0);
            }
        }
    }
    samples
}

/// The `p`th percentile (0–100) of `samples`.
pub fn percentile(samples: &[f64], p: f64) -> f64 {
    let mut v = samples.to_vec();
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return 0.0;
    }
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}
