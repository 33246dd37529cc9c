//! Manager API agents, user statuses and the agent activity feed, and [`apply_status`], the one place
//! where an agent's CCAI status changes (API, call, wrap-up end or control hook alike).

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::model::{self, status_ref, Activity, Agent, USER_STATUSES};
use crate::state::App;

pub fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

pub async fn user_statuses() -> Json<Value> {
    let list: Vec<Value> = USER_STATUSES
        .iter()
        .map(|s| json!({ "id": s.id, "name": s.name, "color": s.color }))
        .collect();
    Json(Value::Array(list))
}

pub fn agent_json(a: &Agent) -> Value {
    json!({
        "id": a.id,
        "email": a.email,
        "first_name": a.first_name,
        "last_name": a.last_name,
        "name": a.name(),
        "agent_number": a.agent_number,
        "status": status_ref(a.status_id),
        "status_changed_at_ms": a.status_changed_at_ms,
        "team_ids": a.team_ids,
    })
}

pub async fn agents(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
) -> Json<Value> {
    let st = app.lock();
    let list = st
        .ccai
        .agents
        .iter()
        .filter(|a| {
            q.get("email")
                .is_none_or(|e| a.email.eq_ignore_ascii_case(e.trim()))
        })
        .map(agent_json)
        .collect();
    Json(Value::Array(list))
}

pub async fn agent(State(app): State<App>, Path(id): Path<i64>) -> Response {
    let st = app.lock();
    match st.ccai.agents.iter().find(|a| a.id == id) {
        Some(a) => Json(agent_json(a)).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Agent {id} not found")),
    }
}

/// `?since=<seq>` returns activities after that sequence number, oldest first. `?wait_ms=` (a sandbox
/// extension, ≤ 30000) long-polls: when nothing is newer, it waits for the next activity.
pub async fn activities(
    State(app): State<App>,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let since: u64 = q.get("since").and_then(|s| s.parse().ok()).unwrap_or(0);
    let wait_ms: u64 = q
        .get("wait_ms")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
        .min(30_000);
    let mut seqs = app.activity_seq.subscribe();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(wait_ms);
    loop {
        {
            let st = app.lock();
            if !st.ccai.agents.iter().any(|a| a.id == id) {
                return message(StatusCode::NOT_FOUND, format!("Agent {id} not found"));
            }
            let list: Vec<&Activity> = st
                .ccai
                .activities
                .iter()
                .filter(|a| a.agent_id == id && a.seq > since)
                .collect();
            if !list.is_empty() || tokio::time::Instant::now() >= deadline {
                return Json(json!(list)).into_response();
            }
        }
        if tokio::time::timeout_at(deadline, seqs.changed())
            .await
            .is_err()
        {
            continue; // deadline: answer with what there is (nothing)
        }
    }
}

/// A status change to apply on CCAI's side.
pub struct Change {
    pub agent_id: i64,
    pub status_id: i64,
    /// `api`, `system` or `control` (see [`Activity::source`]).
    pub source: &'static str,
    pub reason: Option<String>,
    pub key: Option<String>,
    pub epoch: Option<u64>,
}

/// Moves an agent to a status and records the activity. The caller holds the lock and has checked
/// that the move is allowed. Returns the previous status id, or `None` for an unknown agent.
pub fn apply_status(ccai: &mut model::CcaiState, at_ms: f64, change: Change) -> Option<i64> {
    let seq = ccai.seq();
    let agent = ccai.agent_mut(change.agent_id)?;
    let previous = agent.status_id;
    if previous == change.status_id {
        return Some(previous);
    }
    agent.status_id = change.status_id;
    agent.status_changed_at_ms = at_ms;
    agent.status_generation += 1;
    ccai.activities.push(Activity {
        seq,
        at_ms,
        agent_id: change.agent_id,
        kind: "status_change",
        previous_status: status_ref(previous),
        current_status: status_ref(change.status_id),
        source: change.source,
        reason: change.reason,
        idempotency_key: change.key,
        epoch: change.epoch,
        call: None,
    });
    Some(previous)
}
