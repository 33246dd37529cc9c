//! The CCAI side's test hooks under `/sandbox/ccai/…` (loopback only): the rate limit and its
//! measurement (A3), and the log of when each status was applied (the load test's clock).

use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::rate::Report;
use crate::state::App;

pub fn control_router() -> Router<App> {
    Router::new()
        .route("/ccai/rate", get(rate).post(set_rate).delete(reset_rate))
        .route("/ccai/applied", get(applied))
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
