//! Test hooks under `/sandbox/…` (loopback peers only): reset, the log of what CCAI received, faults,
//! and changes "made elsewhere": by CCAI itself (a call starts, wrap-up ends) or by the agent in another
//! Kustomer window.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::ccai::agents::{apply_status, one_agent_json, Change};
use crate::ccai::model::{user_status, AVAILABLE, WRAP_UP};
use crate::faults::Schedule;
use crate::kustomer::model::AGENT_USER_ID;
use crate::kustomer::routing::{set_status, Origin};
use crate::state::{App, PageEvent};

pub fn router() -> Router<App> {
    Router::new()
        .route("/reset", post(reset))
        .route("/fidelity", get(fidelity))
        .route("/ccai/received", get(received))
        .route("/ccai/agents/{id}/status", post(ccai_status))
        .route("/ccai/agents/{id}/wrap-up/end", post(end_wrap_up))
        .route("/kustomer/current-user", post(current_user))
        .route("/kustomer/status", post(kustomer_status))
        .route("/kustomer/requests", get(kustomer_requests))
        // A link that leaves nothing: the browser fires a real `beforeunload`, then stays on the page
        // (204), so a test can see what leaving would do without leaving.
        .route("/no-content", get(|| async { StatusCode::NO_CONTENT }))
        .route(
            "/faults",
            get(faults).post(schedule_faults).delete(clear_faults),
        )
        .route("/agents", post(crate::agents::seed))
        .route("/variant", get(crate::page::variant))
        .route("/variant/variant.js", get(crate::page::variant_js))
        .merge(crate::kustomer::control::router())
        .merge(crate::ccai::call_control::control_router())
        .merge(crate::ccai::hooks::control_router())
}

fn bad(text: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "message": text.into() })),
    )
        .into_response()
}

async fn reset(State(app): State<App>) -> Json<Value> {
    app.reset();
    Json(json!({ "ok": true }))
}

async fn received(State(app): State<App>) -> Json<Value> {
    Json(json!(app.lock().ccai.received))
}

#[derive(Deserialize)]
struct CcaiStatus {
    status_id: i64,
    /// For Wrap-up: when CCAI moves the agent on to Available by itself. Default: the config's
    /// `wrap_up_ms`; 0 = never (end it with `/wrap-up/end`).
    wrap_up_ms: Option<u64>,
}

/// Sets an agent's CCAI status as CCAI itself would (system statuses included), e.g. a call starts
/// (-7 In-call), ends (-6 Wrap-up), and wrap-up ends (0 Available, automatically).
async fn ccai_status(
    State(app): State<App>,
    Path(id): Path<i64>,
    Json(body): Json<CcaiStatus>,
) -> Response {
    if user_status(body.status_id).is_none() {
        return bad(format!("unknown CCAI status id {}", body.status_id));
    }
    let change = Change::system(id, body.status_id);
    let (agent, generation, instance) = {
        let mut st = app.lock();
        if apply_status(&mut st.ccai, change).is_none() {
            return (
                StatusCode::NOT_FOUND,
                Json(json!({ "message": format!("Agent {id} not found") })),
            )
                .into_response();
        }
        let agent = st
            .ccai
            .agent(id)
            .map(|a| (one_agent_json(&st.ccai, a), a.status_generation));
        let (json, generation) = agent.unwrap_or_default();
        (json, generation, st.ccai.instance)
    };
    let wrap_up_ms = body.wrap_up_ms.unwrap_or(app.cfg.wrap_up_ms);
    if body.status_id == WRAP_UP && wrap_up_ms > 0 {
        let app = app.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(wrap_up_ms)).await;
            finish_wrap_up(&app, id, Some((generation, instance)));
        });
    }
    Json(agent).into_response()
}

async fn end_wrap_up(State(app): State<App>, Path(id): Path<i64>) -> Response {
    if finish_wrap_up(&app, id, None) {
        Json(json!({ "ok": true })).into_response()
    } else {
        bad(format!("agent {id} is not in Wrap-up"))
    }
}

/// CCAI's automatic next status after wrap-up: Available. Skipped when the agent has moved on since
/// the timer was set (`expected` = generation and sandbox instance at scheduling time).
fn finish_wrap_up(app: &App, id: i64, expected: Option<(u64, u64)>) -> bool {
    let mut st = app.lock();
    let instance = st.ccai.instance;
    let still = st.ccai.agents.iter().find(|a| a.id == id).is_some_and(|a| {
        a.status_id == WRAP_UP
            && expected.is_none_or(|(g, i)| g == a.status_generation && i == instance)
    });
    if still {
        apply_status(&mut st.ccai, Change::system(id, AVAILABLE));
    }
    still
}

#[derive(Deserialize)]
struct Email {
    email: String,
}

async fn current_user(State(app): State<App>, Json(body): Json<Email>) -> Json<Value> {
    {
        let mut st = app.lock();
        if let Some(u) = st.kustomer.users.iter_mut().find(|u| u.id == AGENT_USER_ID) {
            u.email = body.email.clone();
        }
    }
    app.push(PageEvent::User {
        email: body.email.clone(),
    });
    Json(json!({ "ok": true, "email": body.email }))
}

#[derive(Deserialize)]
struct KStatus {
    status_id: String,
}

/// As if the agent changed their Kustomer status in another window: the page hears it over SSE.
async fn kustomer_status(State(app): State<App>, Json(body): Json<KStatus>) -> Response {
    let origin = Origin {
        source: "control",
        client: None,
        change: None,
    };
    match set_status(&app, AGENT_USER_ID, &body.status_id, origin) {
        Ok(session) => crate::kustomer::jsonapi::one(session),
        Err(res) => res,
    }
}

async fn faults(State(app): State<App>) -> Json<Value> {
    let st = app.lock();
    Json(json!({ "pending": st.faults.pending, "fired": st.faults.fired }))
}

async fn schedule_faults(State(app): State<App>, Json(body): Json<Schedule>) -> Json<Value> {
    let mut st = app.lock();
    let scheduled = st.faults.schedule(body);
    Json(json!({ "scheduled": scheduled, "pending": st.faults.pending }))
}

async fn clear_faults(State(app): State<App>) -> Json<Value> {
    let mut st = app.lock();
    let cleared = st.faults.pending.len();
    st.faults.pending.clear();
    Json(json!({ "cleared": cleared }))
}

async fn kustomer_requests(State(app): State<App>) -> Json<Value> {
    Json(json!(app.lock().kustomer_requests))
}

/// The fidelity ledger (issue 16): every product request to the vendors, documented or not.
async fn fidelity(State(app): State<App>) -> Json<crate::fidelity::Report> {
    Json(app.fidelity.report())
}
