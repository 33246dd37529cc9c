//! Calls: the one call model behind A13's outbound calls (`outbound.rs`), A17's list (`call_object.rs`),
//! the control hooks that play the far end and ring an incoming call (`call_control.rs`), and the
//! session events each call sends (A20, `live_events.rs`). Each call moves the agent's CCAI status as
//! CCAI does (In-call while connected, Wrap-up after).
//!
//! Lifecycle: outbound `dialing → ringing → connected → finished`; inbound `ringing → connected →
//! finished`, or `missed`. Answering, hold, mute, keypad and transfer happen in CCAI's own agent adapter
//! (A16: no API), so the sandbox offers none of them.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::agents::{apply_status, Change};
use super::model::unix_ms;
use super::model::{CcaiState, AVAILABLE, IN_CALL, MISSED_CALL, WRAP_UP};
use crate::state::{iso_now, App};

#[derive(Default)]
pub struct Calls {
    pub list: Vec<Call>,
}

pub struct Call {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// `outbound` or `inbound`.
    pub call_type: &'static str,
    pub status: &'static str,
    pub agent_id: Option<i64>,
    pub end_user_number: String,
    pub ticket_id: Option<String>,
    pub menu_id: Option<i64>,
    pub lang: String,
    pub transfers: Vec<Value>,
    pub created_at: String,
    pub connected_at: Option<String>,
    pub connected_at_ms: Option<f64>,
    pub ended_at: Option<String>,
    pub ended_at_ms: Option<f64>,
    /// A12 `created_at` and `updated_at` (A6: "changes on every modification"), Unix ms.
    pub created_at_unix_ms: i64,
    pub updated_at_unix_ms: i64,
    /// A13 `outbound_number` (the tenant's default when the request gives none).
    pub outbound_number: Option<String>,
    /// Its session events (A20): the seed of their ids, how many were sent, the last timestamp.
    pub events: super::live_events::Run,
}

pub(super) fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

pub(super) fn call_json(c: &Call, ccai: &CcaiState, now_ms: f64) -> Value {
    let agent = c
        .agent_id
        .and_then(|id| ccai.agents.iter().find(|a| a.id == id));
    let duration_s = c.connected_at_ms.map(|t| {
        ((c.ended_at_ms.unwrap_or(now_ms) - t) / 1000.0)
            .max(0.0)
            .floor()
    });
    json!({
        "id": c.id,
        "parent_id": c.parent_id,
        "lang": c.lang,
        "call_type": c.call_type,
        "status": c.status,
        "created_at": c.created_at,
        "queued_at": c.created_at,
        "connected_at": c.connected_at,
        "ended_at": c.ended_at,
        "duration": duration_s,
        "agent": agent.map(|a| json!({ "id": a.id, "email": a.email, "name": a.name() })),
        "agent_email": agent.map(|a| a.email.clone()),
        "end_user_number": c.end_user_number,
        "ticket_id": c.ticket_id,
        "menu_id": c.menu_id,
        "recording_permission": "recording_allowed",
        "transfers": c.transfers,
    })
}

/// `+` then 8–15 digits: the Apps API wants E.164 (the extension normalises before calling).
pub(super) fn is_e164(n: &str) -> bool {
    n.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

/// CCAI moves the agent because of call `i` (A11 entries carry its `call_id`).
pub(super) fn system_status(ccai: &mut CcaiState, i: usize, agent_id: Option<i64>, status_id: i64) {
    if let Some(agent_id) = agent_id {
        let mut change = Change::system(agent_id, status_id);
        change.call_id = Some(ccai.calls.list[i].id);
        apply_status(ccai, change);
    }
}

/// Runs `f` on the call under the lock; answers the call as it is after.
pub(super) fn with_call(
    app: &App,
    id: i64,
    f: impl FnOnce(&mut CcaiState, usize, f64) -> Result<(), String>,
) -> Response {
    let at_ms = app.at_ms();
    let out = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        let Some(i) = ccai.calls.list.iter().position(|c| c.id == id) else {
            return message(StatusCode::NOT_FOUND, format!("Call {id} not found"));
        };
        if let Err(e) = f(ccai, i, at_ms) {
            return message(StatusCode::CONFLICT, e);
        }
        ccai.calls.list[i].updated_at_unix_ms = unix_ms();
        call_json(&ccai.calls.list[i], ccai, at_ms)
    };
    Json(out).into_response()
}

/// A11: the agent's widget "receives a notification" of call `i` (offered or assigned to them).
pub(super) fn notify(ccai: &mut CcaiState, i: usize) {
    let (id, agent) = (ccai.calls.list[i].id, ccai.calls.list[i].agent_id);
    if let Some(agent_id) = agent {
        let status = ccai.agent(agent_id).map_or(AVAILABLE, |a| a.status_id);
        ccai.log.notification(agent_id, status, unix_ms(), id);
    }
}

pub(super) fn new_call(
    ccai: &mut CcaiState,
    body: &Value,
    call_type: &'static str,
    status: &'static str,
) -> Result<usize, String> {
    let number = body
        .get("end_user_number")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned();
    if !is_e164(&number) {
        return Err(format!(
            "end_user_number must be E.164 (+ and 8-15 digits), got '{number}'"
        ));
    }
    let agent_id = match (
        body.get("agent_id").and_then(Value::as_i64),
        body.get("agent_email").and_then(Value::as_str),
    ) {
        (Some(id), _) => id,
        (None, Some(email)) => ccai
            .agents
            .iter()
            .find(|a| a.email.eq_ignore_ascii_case(email))
            .map(|a| a.id)
            .ok_or(format!("no agent with e-mail {email}"))?,
        (None, None) => return Err("agent_id or agent_email is required".into()),
    };
    if !ccai.agents.iter().any(|a| a.id == agent_id) {
        return Err(format!("Agent {agent_id} not found"));
    }
    let id = 1000 + ccai.calls.list.len() as i64 + 1;
    let now = unix_ms();
    ccai.calls.list.push(Call {
        id,
        parent_id: body.get("parent_id").and_then(Value::as_i64),
        call_type,
        status,
        agent_id: Some(agent_id),
        end_user_number: number,
        ticket_id: body.get("ticket_id").and_then(|t| {
            t.as_str()
                .map(str::to_owned)
                .or(t.as_i64().map(|n| n.to_string()))
        }),
        menu_id: body.get("menu_id").and_then(Value::as_i64),
        lang: body
            .get("lang")
            .and_then(Value::as_str)
            .unwrap_or("en")
            .to_owned(),
        transfers: Vec::new(),
        created_at: iso_now(),
        connected_at: None,
        connected_at_ms: None,
        ended_at: None,
        ended_at_ms: None,
        created_at_unix_ms: now,
        updated_at_unix_ms: now,
        outbound_number: body
            .get("outbound_number")
            .and_then(Value::as_str)
            .map(str::to_owned),
        events: super::live_events::Run::new(),
    });
    Ok(ccai.calls.list.len() - 1)
}

/// `POST /apps/api/v1/calls` (API-NOTES A13), answered by [`super::outbound::create`].
pub async fn create(State(app): State<App>, body: axum::body::Bytes) -> Response {
    // A4: a 400 says why in `{"message"}`, also for a body that is not JSON.
    let body: Value = match serde_json::from_slice(&body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return message(StatusCode::BAD_REQUEST, "the body must be a JSON object"),
    };
    super::outbound::create(&app, &body).await
}

pub(super) fn end(ccai: &mut CcaiState, i: usize, at_ms: f64, status: &'static str) {
    let was_connected = ccai.calls.list[i].connected_at.is_some();
    let c = &mut ccai.calls.list[i];
    c.status = status;
    c.ended_at = Some(iso_now());
    c.ended_at_ms = Some(at_ms);
    let agent = c.agent_id;
    let next = match (status, was_connected) {
        ("missed", _) => MISSED_CALL,
        (_, true) => WRAP_UP,
        _ => AVAILABLE,
    };
    let current = agent
        .and_then(|a| ccai.agents.iter().find(|x| x.id == a))
        .map(|a| a.status_id);
    // A declined or missed ring never put the agent In-call: only leave In-call, or go to Missed Call.
    if current == Some(IN_CALL) || next == MISSED_CALL {
        system_status(ccai, i, agent, next);
    }
}

pub(super) fn connect(ccai: &mut CcaiState, i: usize, at_ms: f64) {
    let c = &mut ccai.calls.list[i];
    c.status = "connected";
    c.connected_at = Some(iso_now());
    c.connected_at_ms = Some(at_ms);
    let agent = c.agent_id;
    system_status(ccai, i, agent, IN_CALL);
}

pub fn router() -> Router<App> {
    Router::new().route("/apps/api/v1/calls", post(create))
}
