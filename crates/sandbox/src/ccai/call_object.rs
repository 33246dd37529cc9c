//! The call as CCAI documents it: the Apps API call object (API-NOTES A12), which `POST
//! /apps/api/v1/calls` answers with (A13), and `GET /manager/api/v1/calls` lists (A17, fields as A12),
//! tailed by `updated_at[from]` or `created_at[from]` (A6).
//!
//! The sandbox keeps one call model (`calls.rs`, whose own JSON the control hooks answer with); this
//! module shows it in A12's words.

use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{json, Value};

use super::calls::Call;
use super::model::CcaiState;
use super::paging::{respond, ListQuery, Row};
use crate::state::{iso_from_millis, App};

/// A12's call types for the sandbox's two directions.
pub const OUTBOUND: &str = "Voice Outbound (API)";
pub const INBOUND: &str = "Voice Inbound (API)";

/// A12's status for the sandbox's call state. A12 lists Assigned, Connecting, Connected, Finished,
/// Failed, Queued… in lowercase in its examples; A13: a new outbound call is `assigned`.
/// Not documented: which state follows which; the sandbox maps an outbound call ringing at the far end
/// to `connecting`, a call on hold to `connected`, and a declined or missed one to `failed`.
pub fn status(c: &Call) -> &'static str {
    match (c.status, c.call_type) {
        ("dialing", _) => "assigned",
        ("ringing", "outbound") => "connecting",
        ("ringing", _) => "assigned",
        ("connected" | "on_hold", _) => "connected",
        ("queued", _) => "queued",
        ("finished", _) => "finished",
        _ => "failed",
    }
}

/// Not documented: participant statuses beyond `waiting` (A12); the sandbox says `waiting`,
/// `connected`, `finished`, `failed`.
fn participant_status(c: &Call) -> &'static str {
    match status(c) {
        "connected" => "connected",
        "finished" => "finished",
        "failed" => "failed",
        _ => "waiting",
    }
}

/// Whole seconds between two monotonic times. Not documented: the unit of `*_duration` (A12).
fn seconds(from: Option<f64>, to: Option<f64>) -> Option<f64> {
    Some(((to? - from?) / 1000.0).max(0.0).floor())
}

/// The end user's id: the number's digits. Not documented: how CCAI numbers end users.
fn end_user_id(number: &str) -> Option<i64> {
    number.trim_start_matches('+').parse().ok()
}

/// The A12 call object. `now_ms` (monotonic) times a live call.
pub fn call_object(c: &Call, ccai: &CcaiState, now_ms: f64) -> Value {
    let agent = c.agent_id.and_then(|id| ccai.agent(id));
    let ended = c.ended_at_ms.or(c.connected_at_ms.map(|_| now_ms));
    let call_duration = seconds(c.connected_at_ms, ended);
    let mut participants = Vec::new();
    if let Some(a) = agent {
        participants.push(json!({
            "id": c.id * 10 + 1, "type": "agent", "status": participant_status(c), "call_id": c.id,
            "user_id": a.id, "end_user_id": null, "call_duration": call_duration, "hold_duration": 0,
            "connected_at": c.connected_at, "ended_at": c.ended_at, "fail_reason": null,
        }));
    }
    if c.connected_at.is_some() {
        participants.push(json!({
            "id": c.id * 10 + 2, "type": "end_user", "status": participant_status(c), "call_id": c.id,
            "user_id": null, "end_user_id": end_user_id(&c.end_user_number),
            "call_duration": call_duration, "hold_duration": 0, "connected_at": c.connected_at,
            "ended_at": c.ended_at, "fail_reason": null,
        }));
    }
    let failed = status(c) == "failed";
    json!({
        "id": c.id,
        "parent_id": c.parent_id,
        "lang": c.lang,
        "call_type": if c.call_type == "outbound" { OUTBOUND } else { INBOUND },
        "status": status(c),
        "created_at": iso_from_millis(c.created_at_unix_ms),
        "updated_at": iso_from_millis(c.updated_at_unix_ms),
        "queued_at": if c.call_type == "inbound" { Some(iso_from_millis(c.created_at_unix_ms)) } else { None },
        "assigned_at": c.agent_id.map(|_| iso_from_millis(c.created_at_unix_ms)),
        "connected_at": c.connected_at,
        "ends_at": c.ended_at,
        "scheduled_at": null,
        "wait_duration": 0,
        "call_duration": call_duration,
        "hold_duration": 0,
        "rating": null,
        "has_feedback": false,
        "voip_provider": "sandbox",
        "out_ticket_id": c.ticket_id,
        "out_ticket_url": null,
        "verified": false,
        "recording_url": null,
        "recording_permission": "recording_permission_not_asked",
        "voicemail_reason": null,
        "deflection": null,
        "disconnected_by": null,
        "fail_details": null,
        "fail_reason": if failed { Some(c.status) } else { None },
        "selected_menu": null,
        "menu_path": null,
        "agent_info": agent.map(|a| json!({ "id": a.id, "name": a.name(), "last_name": a.last_name,
            "first_name": a.first_name, "agent_number": a.agent_number, "avatar_url": null })),
        "end_user": { "id": end_user_id(&c.end_user_number), "identifier": c.end_user_number, "out_contact_id": null },
        "transfers": c.transfers,
        "participants": participants,
        "offer_type": null,
        "answer_type": null,
        "outbound_number": c.outbound_number,
    })
}

/// A17 + A5 + A6: `GET /manager/api/v1/calls?updated_at[from]=&created_at[from]=&sort_column=&
/// sort_direction=&page=&per=`, A12 objects. Also `agent_id[]` (Not documented: a filter by agent).
pub async fn list(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = match ListQuery::parse(pairs, &["updated_at", "created_at"]) {
        Ok(q) => q,
        Err(res) => return res,
    };
    let agents = match q.ints("agent_id[]") {
        Ok(a) => a,
        Err(res) => return res,
    };
    let now_ms = app.at_ms();
    let st = app.lock();
    let calls = &st.ccai.calls.list;
    let rows = calls
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            agents
                .as_ref()
                .is_none_or(|a| c.agent_id.is_some_and(|id| a.contains(&id)))
        })
        .map(|(index, c)| Row {
            id: c.id,
            times: vec![
                ("updated_at", Some(c.updated_at_unix_ms)),
                ("created_at", Some(c.created_at_unix_ms)),
            ],
            index,
        })
        .collect();
    respond(rows, &q, uri.path(), &headers, |i| {
        call_object(&calls[i], &st.ccai, now_ms)
    })
}
