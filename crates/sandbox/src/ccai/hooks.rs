//! The CCAI side's test hooks under `/sandbox/ccai/…` (loopback only): the rate limit and its
//! measurement (A3), the log of when each status was applied (the load test's clock), and the session
//! events (A20): the channels' settings as CCAI's portal holds them, the day's script, one call for an
//! agent, and the log of deliveries.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::call_session::{call, CallError, CallRequest};
use super::day::day;
use super::delivery_order::{deliveries, PlayOptions};
use super::rate::Report;
use super::session_events::{Channel, Endpoint};
use crate::state::App;

pub fn control_router() -> Router<App> {
    Router::new()
        .route("/ccai/rate", get(rate).post(set_rate).delete(reset_rate))
        .route("/ccai/applied", get(applied))
        .route(
            "/ccai/session-events/settings",
            get(settings).post(set_settings),
        )
        .route(
            "/ccai/session-events/log",
            get(deliveries_log).delete(clear_log),
        )
        .route("/ccai/session-events/day", post(play_day))
        .route("/ccai/agents/{id}/call", post(agent_call))
}

fn say(code: StatusCode, text: impl Into<String>) -> Response {
    (code, Json(json!({ "message": text.into() }))).into_response()
}

async fn settings(State(app): State<App>) -> Json<Value> {
    Json(app.ccai_events.settings())
}

/// `{"call"?: {url, username, password} | null, "chat"?: …}`: as an admin fills in CCAI's External
/// Session Events settings, one channel at a time (`null` clears it).
#[derive(Deserialize)]
struct Settings {
    #[serde(default, deserialize_with = "present")]
    call: Option<Option<Endpoint>>,
    #[serde(default, deserialize_with = "present")]
    chat: Option<Option<Endpoint>>,
}

/// Tells a key set to `null` (clear) from an absent key (leave alone).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<Endpoint>>, D::Error> {
    Option::<Endpoint>::deserialize(d).map(Some)
}

async fn set_settings(State(app): State<App>, Json(body): Json<Settings>) -> Json<Value> {
    for (channel, endpoint) in [(Channel::Call, body.call), (Channel::Chat, body.chat)] {
        if let Some(e) = endpoint {
            app.ccai_events.set(channel, e);
        }
    }
    Json(app.ccai_events.settings())
}

#[derive(Deserialize)]
struct After {
    after: Option<u64>,
}

/// Every delivery, oldest first: `[{seq, channel, session_ids, event_ids, states, sent_at_ms,
/// elapsed_ms, status, error}]`.
async fn deliveries_log(State(app): State<App>, Query(q): Query<After>) -> Json<Value> {
    Json(json!(app.ccai_events.log_after(q.after.unwrap_or(0))))
}

async fn clear_log(State(app): State<App>) -> Json<Value> {
    app.ccai_events.clear_log();
    Json(json!({ "ok": true }))
}

#[derive(Deserialize)]
struct DayRequest {
    #[serde(default)]
    tag: String,
    /// Sessions start after this (Unix ms); default now.
    t0_ms: Option<u64>,
    #[serde(flatten)]
    opts: PlayOptions,
}

/// Plays the day's script to the configured URLs and answers when done: `{count, statuses}`.
async fn play_day(State(app): State<App>, Json(body): Json<DayRequest>) -> Response {
    let t0 = body.t0_ms.unwrap_or(super::model::unix_ms() as u64);
    let list = deliveries(&day(&body.tag, t0), &body.opts);
    match app.ccai_events.play(&list).await {
        Ok(statuses) => {
            Json(json!({ "count": statuses.len(), "statuses": statuses })).into_response()
        }
        Err(e) => say(StatusCode::CONFLICT, e.to_string()),
    }
}

#[derive(Deserialize)]
struct CallHook {
    #[serde(flatten)]
    req: CallRequest,
    /// Answer after the last delivery (with the deliveries) instead of at once.
    #[serde(default)]
    wait: bool,
}

/// `POST /sandbox/ccai/agents/{id}/call` `{end_user_number?, outbound?, talk_ms?, step_ms?, wait?}`:
/// one call for the agent, its session events sent to the call channel's URL. 202 `{call_id}` at
/// once, or 200 `{call_id, deliveries}` with `wait`.
async fn agent_call(
    State(app): State<App>,
    Path(id): Path<i64>,
    Json(body): Json<CallHook>,
) -> Response {
    match call(&app, id, body.req, body.wait).await {
        Ok((call_id, None)) => {
            (StatusCode::ACCEPTED, Json(json!({ "call_id": call_id }))).into_response()
        }
        Ok((call_id, Some(d))) => {
            Json(json!({ "call_id": call_id, "deliveries": d })).into_response()
        }
        Err(e @ CallError::NoAgent(_)) => say(StatusCode::NOT_FOUND, e.to_string()),
        Err(e @ CallError::Number(_)) => say(StatusCode::BAD_REQUEST, e.to_string()),
        Err(e) => say(StatusCode::CONFLICT, e.to_string()),
    }
}

async fn rate(State(app): State<App>) -> Json<Report> {
    Json(app.ccai_rate.report())
}

#[derive(Deserialize)]
struct SetRate {
    /// Requests per second; `null` or 0 turns the limit off.
    limit: Option<u32>,
}

/// `{"limit": n | null}`: sets the limit and starts the measurement afresh.
async fn set_rate(State(app): State<App>, Json(body): Json<SetRate>) -> Json<Report> {
    app.ccai_rate.configure(body.limit);
    Json(app.ccai_rate.report())
}

/// Starts the measurement afresh, keeping the limit.
async fn reset_rate(State(app): State<App>) -> Json<Report> {
    app.ccai_rate.reset();
    Json(app.ccai_rate.report())
}

#[derive(Deserialize)]
struct AppliedQuery {
    after: Option<u64>,
    agent_id: Option<i64>,
}

/// `GET /sandbox/ccai/applied?after=<seq>&agent_id=`: every status applied to an agent, oldest first:
/// `[{seq, agent_id, status_id, status, applied_at_ms (Unix), source, changed}]`.
async fn applied(State(app): State<App>, Query(q): Query<AppliedQuery>) -> Json<Value> {
    let st = app.lock();
    let after = q.after.unwrap_or(0);
    let list: Vec<&super::activity_logs::Applied> = st
        .ccai
        .log
        .applied
        .iter()
        .skip(after as usize)
        .filter(|a| q.agent_id.is_none_or(|id| a.agent_id == id))
        .collect();
    Json(json!(list))
}
