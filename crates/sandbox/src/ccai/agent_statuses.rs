//! API-NOTES A8: `POST /apps/api/v1/agent_statuses` `{status (a NAME), agent_ids, team_ids}`, all three
//! required; success is a JSON array, one entry per agent `{agent_id, name, email, agent_number,
//! previous_status, current_status}` (names); "transitions to and from system-defined statuses like
//! In-Call trigger an error"; bulk by team or by agent list. Everything received is logged for
//! `GET /sandbox/ccai/received`, every status applied for `GET /sandbox/ccai/applied`. Unknown keys and
//! headers are ignored (A4; A7: CCAI has no idempotency key).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::agents::{apply_status, message, Change};
use super::model::{self, is_system, status_ref, Received};
use crate::faults::LostResponse;
use crate::state::App;

/// The fields of an `agent_statuses` request that the sandbox reads; unknown keys are ignored.
pub struct StatusRequest {
    pub status: Option<String>,
    pub agent_ids: Vec<i64>,
    pub team_ids: Vec<i64>,
}

impl StatusRequest {
    /// Lenient parse, for the received log (also of requests that a fault answered): what can be
    /// read, with missing fields empty. `Err` when the body is not JSON.
    pub fn parse(body: &[u8]) -> Result<StatusRequest, String> {
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
            agent_ids: ids("agent_ids"),
            team_ids: ids("team_ids"),
        })
    }

    /// The status the request names, by A8's name.
    pub fn resolve_status(&self) -> Option<&'static model::UserStatus> {
        self.status.as_deref().and_then(model::user_status_by_name)
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
            status_id: status.map(|s| s.id),
            status_name: status
                .map(|s| s.name.to_owned())
                .or_else(|| req.status.clone()),
            applied,
            outcome: outcome.into(),
            response_lost: false,
        });
    }
}

/// `POST /apps/api/v1/agent_statuses` (A8).
pub async fn agent_statuses(
    State(app): State<App>,
    lost: Option<Extension<LostResponse>>,
    body: axum::body::Bytes,
) -> Response {
    documented(&app, lost.is_some(), &body)
}

/// The three fields A8 marks required, or the 400 that says which is missing or malformed.
/// Not documented: the status code and texts of these errors (A4's `{"message"}` with 400 here).
fn parse(body: &[u8]) -> Result<StatusRequest, String> {
    let v: Value = serde_json::from_slice(body).map_err(|_| "the body must be a JSON object")?;
    let status = match v.get("status") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(_) => return Err("status must be a status name, e.g. \"Available\"".into()),
        None => return Err("status is required".into()),
    };
    let ids = |k: &str| -> Result<Vec<i64>, String> {
        match v.get(k) {
            None => Err(format!("{k} is required (an array of ids, may be empty)")),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_i64().ok_or(format!("{k} must hold integer ids")))
                .collect(),
            Some(_) => Err(format!("{k} must be an array of integer ids")),
        }
    };
    Ok(StatusRequest {
        status: Some(status),
        agent_ids: ids("agent_ids")?,
        team_ids: ids("team_ids")?,
    })
}

fn documented(app: &App, lost: bool, body: &[u8]) -> Response {
    let at_ms = app.at_ms();
    let mut st = app.lock();
    let ccai = &mut st.ccai;
    let refuse =
        |ccai: &mut model::CcaiState, req: &StatusRequest, agents: &[i64], outcome: &str| {
            record(ccai, at_ms, req, agents, outcome, false);
        };
    let req = match parse(body) {
        Ok(r) => r,
        Err(e) => {
            let empty = parse_lenient(body);
            refuse(ccai, &empty, &[], "bad_request");
            return message(StatusCode::BAD_REQUEST, e);
        }
    };
    // Not documented: unknown ids. The whole request is refused with A4's 404, nothing applied.
    let unknown_team = req
        .team_ids
        .iter()
        .find(|t| !ccai.teams.iter().any(|(id, _)| id == *t));
    let unknown_agent = req.agent_ids.iter().find(|a| ccai.agent(**a).is_none());
    if let Some(text) = unknown_team
        .map(|t| format!("Team {t} not found"))
        .or(unknown_agent.map(|a| format!("Agent {a} not found")))
    {
        refuse(ccai, &req, &[], "unknown_agent");
        return message(StatusCode::NOT_FOUND, text);
    }
    let agents = req.agents(ccai);
    if agents.is_empty() {
        refuse(ccai, &req, &agents, "bad_request");
        return message(
            StatusCode::BAD_REQUEST,
            "agent_ids and team_ids name no agent",
        );
    }
    // Not documented: case sensitivity (A8 writes "available", its example "Available": the sandbox
    // matches either) and repeated names (A9: two "Meal"s; the first in user_statuses order wins, the
    // built-in).
    let name = req.status.clone().unwrap_or_default();
    let Some(target) = model::user_status_by_name(&name) else {
        refuse(ccai, &req, &agents, "unknown_status");
        return message(
            StatusCode::BAD_REQUEST,
            format!("Status '{name}' not found"),
        );
    };
    // A8: a transition to a system-defined status is an error. Not documented: its code and shape.
    if is_system(target.id) {
        refuse(ccai, &req, &agents, "refused_system_status");
        return message(
            StatusCode::BAD_REQUEST,
            format!(
                "Transitions to system-defined statuses are not allowed: '{}'",
                target.name
            ),
        );
    }
    let mut answer = Vec::with_capacity(agents.len());
    for agent_id in agents {
        let Some(agent) = ccai.agent(agent_id) else {
            continue;
        };
        let current = agent.status_id;
        let mut entry = json!({
            "agent_id": agent.id,
            "name": agent.name(),
            "email": agent.email,
            "agent_number": agent.agent_number,
            "previous_status": status_ref(current)["name"],
        });
        // A8: a transition from a system-defined status is an error. Not documented: a mixed batch.
        // The sandbox applies the others and answers 200; this agent's entry shows the status
        // unchanged (`current_status` = `previous_status`) and a `message`.
        let outcome = if is_system(current) {
            entry["message"] = json!(format!(
                "Transitions from system-defined statuses are not allowed: agent {agent_id} is '{}'",
                status_ref(current)["name"].as_str().unwrap_or("")
            ));
            "refused_system_status"
        } else {
            let change = Change {
                agent_id,
                status_id: target.id,
                source: "api",
                call_id: None,
            };
            apply_status(ccai, change);
            if current == target.id {
                "unchanged"
            } else {
                "applied"
            }
        };
        let now = ccai.agent(agent_id).map_or(current, |a| a.status_id);
        entry["current_status"] = status_ref(now)["name"].clone();
        record(
            ccai,
            at_ms,
            &req,
            &[agent_id],
            outcome,
            outcome != "refused_system_status",
        );
        if lost {
            if let Some(last) = ccai.received.last_mut() {
                last.response_lost = true;
            }
        }
        answer.push(entry);
    }
    Json(Value::Array(answer)).into_response()
}

/// What can be read of a malformed request, for the received log.
fn parse_lenient(body: &[u8]) -> StatusRequest {
    StatusRequest::parse(body).unwrap_or(StatusRequest {
        status: None,
        agent_ids: vec![],
        team_ids: vec![],
    })
}
