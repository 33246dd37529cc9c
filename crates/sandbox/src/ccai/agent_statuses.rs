//! The Apps API status change (`POST /apps/api/v1/agent_statuses`), with the two guards the relay
//! depends on (issue 5): `Idempotency-Key` (a repeated key returns the first answer and has no second
//! effect) and the `X-Owner-Epoch` fence (a request whose epoch is below the highest seen for an agent
//! is refused with 409, so a revived stale owner tab cannot act). Everything received is logged for
//! `GET /sandbox/ccai/received`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::agents::{apply_status, message, Change};
use super::model::{self, is_system, status_ref, user_status, Received};
use crate::faults::LostResponse;
use crate::state::App;

/// The fields of an `agent_statuses` request that the sandbox reads; unknown keys are ignored.
pub struct StatusRequest {
    pub status: Option<String>,
    pub status_id: Option<i64>,
    pub agent_ids: Vec<i64>,
    pub team_ids: Vec<i64>,
    pub key: Option<String>,
    pub epoch: Option<u64>,
}

impl StatusRequest {
    /// Lenient parse (also used to log requests that a fault answered). `Err` is a client error.
    pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<StatusRequest, String> {
        let header = |n: &str| {
            headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().to_owned())
        };
        let epoch = match header("x-owner-epoch") {
            Some(e) => Some(
                e.parse::<u64>()
                    .map_err(|_| format!("X-Owner-Epoch must be an unsigned integer, got '{e}'"))?,
            ),
            None => None,
        };
        let v: Value =
            serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
        let ids = |k: &str| -> Vec<i64> {
            v.get(k)
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_i64).collect())
                .unwrap_or_default()
        };
        Ok(StatusRequest {
            status: v.get("status").and_then(Value::as_str).map(str::to_owned),
            status_id: v.get("status_id").and_then(Value::as_i64),
            agent_ids: ids("agent_ids"),
            team_ids: ids("team_ids"),
            key: header("idempotency-key").filter(|k| !k.is_empty()),
            epoch,
        })
    }

    fn resolve_status(&self) -> Option<&'static model::UserStatus> {
        match (self.status_id, &self.status) {
            (Some(id), _) => user_status(id),
            (None, Some(name)) => model::user_status_by_name(name),
            (None, None) => None,
        }
    }

    /// The agents named directly and through their teams, in order, without repeats.
    pub fn agents(&self, ccai: &model::CcaiState) -> Vec<i64> {
        let mut out: Vec<i64> = Vec::new();
        let teams = ccai
            .teams
            .iter()
            .filter(|(t, _)| self.team_ids.contains(t))
            .flat_map(|(_, m)| m.iter().copied());
        for id in self.agent_ids.iter().copied().chain(teams) {
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }
}

/// Logs a request per agent into the received list.
pub fn record(
    ccai: &mut model::CcaiState,
    at_ms: f64,
    req: &StatusRequest,
    agents: &[i64],
    outcome: &str,
    applied: bool,
) {
    let status = req.resolve_status();
    let ids: Vec<Option<i64>> = if agents.is_empty() {
        vec![None]
    } else {
        agents.iter().map(|a| Some(*a)).collect()
    };
    for agent_id in ids {
        let seq = ccai.seq();
        ccai.received.push(Received {
            seq,
            at_ms,
            agent_id,
            status_id: status.map(|s| s.id).or(req.status_id),
            status_name: status
                .map(|s| s.name.to_owned())
                .or_else(|| req.status.clone()),
            idempotency_key: req.key.clone(),
            epoch: req.epoch,
            applied,
            duplicate: outcome == "duplicate",
            outcome: outcome.into(),
            response_lost: false,
        });
    }
}

pub async fn agent_statuses(
    State(app): State<App>,
    lost: Option<Extension<LostResponse>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let at_ms = app.at_ms();
    let mut st = app.lock();
    let ccai = &mut st.ccai;
    let req = match StatusRequest::parse(&headers, &body) {
        Ok(r) => r,
        Err(e) => {
            let empty = StatusRequest {
                status: None,
                status_id: None,
                agent_ids: vec![],
                team_ids: vec![],
                key: None,
                epoch: None,
            };
            record(ccai, at_ms, &empty, &[], "bad_request", false);
            return message(StatusCode::BAD_REQUEST, e);
        }
    };
    let agents = req.agents(ccai);
    if let Some((code, body)) = req
        .key
        .as_ref()
        .and_then(|k| ccai.idempotency.get(k))
        .cloned()
    {
        record(ccai, at_ms, &req, &agents, "duplicate", false);
        let code = StatusCode::from_u16(code).unwrap_or(StatusCode::OK);
        return (code, Json(body)).into_response();
    }
    if agents.is_empty() {
        record(ccai, at_ms, &req, &agents, "bad_request", false);
        return message(
            StatusCode::BAD_REQUEST,
            "agent_ids or team_ids must name at least one agent",
        );
    }
    if let Some(epoch) = req.epoch {
        if let Some((agent_id, highest)) = agents
            .iter()
            .filter_map(|a| ccai.epochs.get(a).map(|h| (*a, *h)))
            .find(|(_, highest)| epoch < *highest)
        {
            record(ccai, at_ms, &req, &agents, "stale_epoch", false);
            let body = json!({
                "error": "stale_owner_epoch",
                "message": format!("X-Owner-Epoch {epoch} is older than {highest}, the newest seen for agent {agent_id}: another tab owns this agent now"),
                "agent_id": agent_id,
                "epoch": epoch,
                "highest_epoch": highest,
            });
            return (StatusCode::CONFLICT, Json(body)).into_response();
        }
        for a in &agents {
            ccai.epochs.insert(*a, epoch);
        }
    }
    let Some(target) = req.resolve_status() else {
        record(ccai, at_ms, &req, &agents, "unknown_status", false);
        let what = req
            .status_id
            .map(|i| format!("id {i}"))
            .or(req.status.clone())
            .unwrap_or_default();
        return message(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("Status '{what}' not found"),
        );
    };
    let mut answer = Vec::new();
    for agent_id in agents {
        let Some(agent) = ccai.agents.iter().find(|a| a.id == agent_id) else {
            record(ccai, at_ms, &req, &[agent_id], "unknown_agent", false);
            answer.push(
                json!({ "agent_id": agent_id, "message": format!("Agent {agent_id} not found") }),
            );
            continue;
        };
        let mut entry = json!({
            "agent_id": agent.id,
            "name": agent.name(),
            "email": agent.email,
            "agent_number": agent.agent_number,
            "previous_status": status_ref(agent.status_id)["name"],
            "previous_status_id": agent.status_id,
        });
        let current = agent.status_id;
        let refusal = if is_system(current) {
            Some(format!(
                "Agent can't be changed from system status '{}'",
                status_ref(current)["name"].as_str().unwrap_or("")
            ))
        } else if is_system(target.id) {
            Some(format!(
                "Agent can't be changed to system status '{}'",
                target.name
            ))
        } else {
            None
        };
        let (outcome, applied) = match refusal {
            Some(text) => {
                entry["message"] = json!(text);
                ("refused_system_status", false)
            }
            None => {
                let change = Change {
                    agent_id,
                    status_id: target.id,
                    source: "api",
                    reason: None,
                    key: req.key.clone(),
                    epoch: req.epoch,
                };
                apply_status(ccai, at_ms, change);
                (
                    if current == target.id {
                        "unchanged"
                    } else {
                        "applied"
                    },
                    true,
                )
            }
        };
        let now = ccai
            .agents
            .iter()
            .find(|a| a.id == agent_id)
            .map_or(current, |a| a.status_id);
        entry["current_status"] = status_ref(now)["name"].clone();
        entry["current_status_id"] = json!(now);
        record(ccai, at_ms, &req, &[agent_id], outcome, applied);
        if lost.is_some() {
            if let Some(last) = ccai.received.last_mut() {
                last.response_lost = true;
            }
        }
        answer.push(entry);
    }
    let body = Value::Array(answer);
    if let Some(k) = &req.key {
        ccai.idempotency.insert(k.clone(), (200, body.clone()));
    }
    let latest = ccai.activities.last().map_or(0, |a| a.seq);
    drop(st);
    app.activity_seq
        .send_if_modified(|s| std::mem::replace(s, latest) != latest);
    Json(body).into_response()
}
