//! The far end of calls, played by test hooks under `/sandbox/ccai/calls` (loopback only): ring an
//! incoming call to an agent; ring, answer, hang up or miss. `answer` also plays the agent answering an
//! incoming call in CCAI's own adapter (A16: no API does it). Each step sends the session's events (A20)
//! when a call URL is set (`live_events.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ccai_core::records::ccai_events::SessionState;
use serde_json::{json, Value};

use super::calls::{call_json, connect, end, message, new_call, with_call};
use crate::state::App;

/// Control hooks under `/sandbox/ccai/calls`: the far end and incoming calls.
pub fn control_router() -> Router<App> {
    Router::new()
        .route("/ccai/calls/incoming", post(incoming))
        .route("/ccai/calls/{id}/{event}", post(far_end))
}

/// `{agent_id?: 11, end_user_number, ticket_id?, menu_id?}`: rings an inbound call to the agent.
async fn incoming(State(app): State<App>, Json(mut body): Json<Value>) -> Response {
    if body.get("agent_id").is_none() && body.get("agent_email").is_none() {
        body["agent_id"] = json!(super::model::PAGE_AGENT_ID);
    }
    let at_ms = app.at_ms();
    let out = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        let i = match new_call(ccai, &body, "inbound", "ringing") {
            Ok(i) => i,
            Err(e) => return message(StatusCode::BAD_REQUEST, e),
        };
        super::calls::notify(ccai, i);
        call_json(&ccai.calls.list[i], ccai, at_ms)
    };
    if let Some(id) = out["id"].as_i64() {
        let states = vec![
            SessionState::Start,
            SessionState::Routing,
            SessionState::Assigned,
        ];
        super::live_events::spawn(&app, id, states);
    }
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `ring` (outbound: the far end rings), `answer` (the far end picks up, or the agent answers an
/// incoming call in CCAI's adapter), `hangup` (the far end hangs up), `miss` (an inbound ring times
/// out: the agent goes to Missed Call). Answers once the step's session events are sent.
async fn far_end(State(app): State<App>, Path((id, event)): Path<(i64, String)>) -> Response {
    let states = match event.as_str() {
        "answer" => vec![SessionState::Active],
        "hangup" => vec![SessionState::End, SessionState::Final],
        "miss" => vec![SessionState::End],
        _ => vec![],
    };
    let res = far_end_model(&app, id, event);
    if res.status().is_success() {
        super::live_events::send(&app, id, &states).await;
    }
    res
}

fn far_end_model(app: &App, id: i64, event: String) -> Response {
    with_call(app, id, move |ccai, i, at_ms| {
        let c = &ccai.calls.list[i];
        let (status, outbound) = (c.status, c.call_type == "outbound");
        match event.as_str() {
            "ring" if outbound && status == "dialing" => ccai.calls.list[i].status = "ringing",
            "answer" if matches!(status, "dialing" | "ringing") => connect(ccai, i, at_ms),
            "hangup" if c.ended_at.is_none() => end(ccai, i, at_ms, "finished"),
            "miss" if !outbound && status == "ringing" => end(ccai, i, at_ms, "missed"),
            "ring" | "answer" | "hangup" | "miss" => {
                return Err(format!("call {id} is {status}: the far end can't {event}"))
            }
            other => return Err(format!("unknown far-end event '{other}'")),
        }
        Ok(())
    })
}
