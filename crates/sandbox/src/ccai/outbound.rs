//! API-NOTES A13: `POST /apps/api/v1/calls` with `call_type: "Voice Outbound (API)"`, `agent_email`
//! (required), `ticket_id`, `end_user_number`, `outbound_number` (the tenant's default if empty) and
//! `lang` (ISO 639-1, default `en`). 201 with the A12 call object: status `assigned`, the agent
//! participant `waiting`. 400 `{"message"}` with A13's texts. The session's first events (A20: Start,
//! Assigned) follow when a call URL is set (`live_events.rs`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccai_core::records::ccai_events::SessionState;
use serde_json::{json, Value};

use super::agents::message;
use super::call_object::{call_object, OUTBOUND};
use super::calls::{is_e164, new_call, notify, system_status};
use super::model::{is_system, CcaiState, IN_CALL, OFFLINE};
use crate::state::App;

/// Not documented: the tenant's default outbound number (A13: "tenant default if empty").
pub const DEFAULT_OUTBOUND_NUMBER: &str = "+14155550100";

/// A12/A13: the deprecated spelling of the outbound type is still accepted.
const OUTBOUND_TYPES: &[&str] = &[OUTBOUND, "OutboundCall"];
/// A14's types, which the sandbox does not imitate.
const OTHER_TYPES: &[&str] = &[
    "Voice Inbound (API)",
    "Voice Scheduled (API)",
    "IncomingCall",
    "ScheduledCall",
];

fn bad(text: &str) -> Response {
    message(StatusCode::BAD_REQUEST, text)
}

/// Checks the request as A13 lists its errors. Not documented: the order of the checks (the sandbox
/// checks the call type, the agent, the number, then whether the agent can take a call). Returns the
/// agent's id.
fn check(ccai: &CcaiState, body: &Value) -> Result<i64, Response> {
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::trim);
    match text("call_type") {
        Some(t) if OUTBOUND_TYPES.contains(&t) => {}
        Some(t) if OTHER_TYPES.contains(&t) => {
            return Err(bad(
                "the sandbox imitates only \"Voice Outbound (API)\" (A13); incoming and scheduled calls (A14) are not imitated",
            ))
        }
        _ => return Err(bad("Invalid call type")),
    }
    let email = text("agent_email").filter(|e| !e.is_empty());
    let Some(email) = email else {
        return Err(bad("Agent email required"));
    };
    // Not documented: case sensitivity of `agent_email`; e-mail addresses match case-insensitively.
    let Some(agent) = ccai
        .agents
        .iter()
        .find(|a| a.email.eq_ignore_ascii_case(email))
    else {
        return Err(bad("Not a valid agent email"));
    };
    let number = text("end_user_number").filter(|n| !n.is_empty());
    let ticket = body.get("ticket_id").filter(|t| !t.is_null());
    match (number, ticket) {
        (None, None) => return Err(bad("ticket_id or end_user_number required")),
        // Not documented: the sandbox has no CRM tickets, so a ticket alone names no contact.
        (None, Some(_)) => return Err(bad("Contact not found")),
        // Not documented: the number format (A13); the sandbox wants E.164.
        (Some(n), _) if !is_e164(n) => return Err(bad("end_user_number is not well-formed")),
        _ => {}
    }
    // Not documented: the texts for a malformed `outbound_number` or `lang`.
    if let Some(n) = text("outbound_number").filter(|n| !n.is_empty()) {
        if !is_e164(n) {
            return Err(bad("outbound_number is not well-formed"));
        }
    }
    if let Some(l) = text("lang") {
        if l.len() != 2 || !l.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(bad("lang must be an ISO 639-1 code, e.g. en"));
        }
    }
    // Not documented: when an agent "is not available to take this call". Here: Offline, in a system
    // status (In-call, In-chat, Wrap-up, Missed Call), or with a call that has not ended.
    let busy = ccai
        .calls
        .list
        .iter()
        .any(|c| c.agent_id == Some(agent.id) && c.ended_at.is_none());
    if agent.status_id == OFFLINE || is_system(agent.status_id) || busy {
        return Err(bad("Agent is not available to take this call"));
    }
    Ok(agent.id)
}

/// A13's outbound call: validated, created `assigned` with the agent `waiting`; the agent goes
/// In-call (as for every call in the sandbox) and the call is announced as every call is.
pub async fn create(app: &App, body: &Value) -> Response {
    let at_ms = app.at_ms();
    let out = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        let agent_id = match check(ccai, body) {
            Ok(id) => id,
            Err(res) => return res,
        };
        let mut fields = body.clone();
        fields["agent_id"] = json!(agent_id);
        let default_number = Value::String(DEFAULT_OUTBOUND_NUMBER.into());
        let number = body.get("outbound_number").and_then(Value::as_str);
        if number.is_none_or(|n| n.trim().is_empty()) {
            fields["outbound_number"] = default_number;
        }
        let i = match new_call(ccai, &fields, "outbound", "dialing") {
            Ok(i) => i,
            Err(e) => return bad(&e),
        };
        notify(ccai, i);
        let agent = ccai.calls.list[i].agent_id;
        system_status(ccai, i, agent, IN_CALL);
        call_object(&ccai.calls.list[i], ccai, at_ms)
    };
    if let Some(id) = out["id"].as_i64() {
        super::live_events::spawn(app, id, vec![SessionState::Start, SessionState::Assigned]);
    }
    (StatusCode::CREATED, Json(out)).into_response()
}
