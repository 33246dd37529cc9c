//! Invented, used only by the extension until issue 16: the legacy form of `POST
//! /apps/api/v1/agent_statuses`, with the two guards the relay depends on (issue 5): `Idempotency-Key`
//! (a repeated key returns the first answer and has no second effect) and the `X-Owner-Epoch` fence (a
//! request whose epoch is below the highest seen for an agent is refused with 409, so a revived stale
//! owner tab cannot act), and `status_id` beside the name. A7: CCAI documents no idempotency key, and
//! no vendor honours an owner epoch. A request without any of the three gets A8's documented behaviour
//! (`agent_statuses.rs`).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::agent_statuses::{record, StatusRequest};
use super::agents::{apply_status, message, Change};
use super::model::{is_system, status_ref};
use crate::state::App;

/// The legacy request: `status_id` beside the name, `Idempotency-Key`, `X-Owner-Epoch`, refusals as
/// a 200 whose entry has `message`, unknown status 422.
pub fn handle(app: &App, lost: bool, headers: &HeaderMap, body: &[u8]) -> Response {
    let at_ms = app.at_ms();
    let mut st = app.lock();
    let ccai = &mut st.ccai;
    let req = match StatusRequest::parse(headers, body) {
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
                    call_id: None,
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
        if lost {
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
