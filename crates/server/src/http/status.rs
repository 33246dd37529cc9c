//! `POST /api/v1/owner`, `POST /api/v1/status`, `POST /api/v1/calls`: what an agent's owner tab asks
//! of CCAI, always as the session's own agent (identity comes only from the session token).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ccai_core::budget::Priority;
use ccai_core::server_api::{
    AgentCcai, CallOutcome, CallRequest, ClaimedChange, KustomerStatusView, OwnerClaim,
    StatusChange, StatusOutcome,
};

use super::auth::AgentSession;
use super::error;
use crate::ccai::client::{CcaiCall, CcaiError};
use crate::state::AppState;
use crate::status::intake::{self, IntakeError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/owner", post(owner))
        .route("/api/v1/owner/status", post(owner_status))
        .route("/api/v1/status", post(status).get(kustomer_status))
        .route("/api/v1/calls", post(call))
        .route("/api/v1/ccai", axum::routing::get(agent_ccai))
}

impl IntoResponse for IntakeError {
    fn into_response(self) -> Response {
        let code = match self {
            IntakeError::BadRequest(_) => StatusCode::BAD_REQUEST,
            IntakeError::Stopped | IntakeError::NotReady => StatusCode::SERVICE_UNAVAILABLE,
            IntakeError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        error(code, self.to_string())
    }
}

async fn owner(
    State(state): State<AppState>,
    session: AgentSession,
) -> Result<Json<OwnerClaim>, IntakeError> {
    let epoch = intake::claim_owner(&state, &session)?;
    Ok(Json(OwnerClaim { epoch }))
}

async fn status(
    State(state): State<AppState>,
    session: AgentSession,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Response {
    let Json(change) = match body {
        Ok(b) => b,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    match intake::accept(&state, &session, &change) {
        Ok(outcome) => (code_of(&outcome), Json(outcome)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// A new term and its first change: `owner` then `status`, answered at once.
async fn owner_status(
    State(state): State<AppState>,
    session: AgentSession,
    body: Result<Json<StatusChange>, JsonRejection>,
) -> Response {
    let Json(mut change) = match body {
        Ok(b) => b,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let claimed = intake::claim_owner(&state, &session)
        .and_then(|epoch| {
            change.epoch = epoch;
            intake::accept(&state, &session, &change)
        })
        .map(|outcome| ClaimedChange {
            epoch: change.epoch,
            outcome,
        });
    match claimed {
        Ok(claimed) => (code_of(&claimed.outcome), Json(claimed)).into_response(),
        Err(e) => e.into_response(),
    }
}

fn code_of(outcome: &StatusOutcome) -> StatusCode {
    match outcome {
        StatusOutcome::Queued | StatusOutcome::Duplicate | StatusOutcome::AlreadySet => {
            StatusCode::OK
        }
        StatusOutcome::Fenced { .. } => StatusCode::CONFLICT,
        StatusOutcome::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// `GET /api/v1/status`: the agent's Kustomer status as the server knows it, and which path supplied
/// it (the page or Kustomer's work sessions), so the adapter can say which one is in use.
async fn kustomer_status(
    State(state): State<AppState>,
    session: AgentSession,
) -> Json<KustomerStatusView> {
    Json(crate::status::kustomer_side::view(
        &state,
        &session.agent.email,
    ))
}

/// `GET /api/v1/ccai`: the tenant's statuses (as the server last read them) and the agent's status at
/// CCAI now: as the server knows it while it tails CCAI's activity log (`ccai::current`), else read
/// (A10's `id[]` filter, one request through the company's budget at read priority). What the
/// adapter's status menu shows, and where an owner term starts from.
async fn agent_ccai(State(state): State<AppState>, session: AgentSession) -> Response {
    let statuses = state.0.ccai_directory.statuses();
    if statuses.is_empty() {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            IntakeError::NotReady.to_string(),
        );
    }
    let id = session.agent.ccai_agent_id;
    // Known without asking while this instance tails CCAI's log for the company (`ccai::current`).
    let lag = state.0.cfg.activity_interval * 3;
    let known = state
        .acts_for_company()
        .then(|| {
            state
                .0
                .ccai_directory
                .current
                .fresh(id, std::time::Instant::now(), lag)
        })
        .flatten();
    let current = match known {
        Some(status) => Some(status),
        None => match read_agent_status(&state, id).await {
            Ok(read) => read,
            Err(e) => return error(StatusCode::BAD_GATEWAY, e.to_string()),
        },
    };
    Json(AgentCcai {
        ccai_agent_id: id,
        statuses,
        current,
    })
    .into_response()
}

/// The agent's status, read from CCAI (A10's `id[]` filter, at read priority), and noted as known.
async fn read_agent_status(
    state: &AppState,
    id: i64,
) -> Result<Option<ccai_core::status::CcaiStatus>, crate::vendor::VendorError> {
    let read_at = crate::now_ms() as i64;
    let call = CcaiCall::get("/manager/api/v1/agents")
        .query("id[]", id)
        .query("per", 1);
    let (agents, _): (Vec<crate::ccai::directory::CcaiAgent>, _) =
        crate::ccai::client::manager_get(state, "GET agents?id[]", call).await?;
    let current = agents
        .into_iter()
        .find(|a| a.id == id)
        .and_then(|a| a.status)
        .map(|s| s.as_status());
    if let Some(s) = &current {
        state.0.ccai_directory.current.note(id, s.clone(), read_at);
    }
    Ok(current)
}

/// Click-to-call as the session's agent (A13). Sent once: CCAI documents no idempotency, and a
/// retried `POST /calls` may start a second call (A7), so a dropped connection is reported, never
/// retried.
async fn call(
    State(state): State<AppState>,
    session: AgentSession,
    body: Result<Json<CallRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let countries = phone_countries(&state);
    let number = match ccai_core::phone::normalise(&req.number, &countries) {
        Ok(n) => n,
        Err(e) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("{}: {e}", req.number.chars().take(64).collect::<String>()),
            )
        }
    };
    let call = CcaiCall::post(
        "/apps/api/v1/calls",
        serde_json::json!({
            "call_type": "Voice Outbound (API)",
            "agent_email": session.agent.email,
            "end_user_number": number.e164,
        }),
    );
    match state.0.ccai.request(Priority::Urgent, call).await {
        Ok(resp) if resp.status == 201 || resp.status == 200 => {
            // A12's `id` (a number in CCAI's examples; taken as text either way). A body without it
            // still started the call.
            let call_id = resp
                .json::<serde_json::Value>()
                .ok()
                .and_then(|v| match &v["id"] {
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    serde_json::Value::String(s) => Some(s.clone()),
                    _ => None,
                });
            Json(CallOutcome::Started {
                e164: number.e164,
                call_id,
            })
            .into_response()
        }
        Ok(resp) if resp.status == 202 => {
            Json(CallOutcome::FinishInWidget { e164: number.e164 }).into_response()
        }
        Ok(resp) if resp.status == 429 => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "ccai is busy (429); the call did not start: try again in a moment",
        ),
        Ok(resp) if (400..500).contains(&resp.status) => {
            error(StatusCode::UNPROCESSABLE_ENTITY, resp.error().to_string())
        }
        Ok(resp) => error(
            StatusCode::BAD_GATEWAY,
            format!(
                "{}; the call may or may not have started: look at ccai's widget before trying again",
                resp.error()
            ),
        ),
        Err(e @ CcaiError::Stopped) => error(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
        Err(e) => error(
            StatusCode::BAD_GATEWAY,
            format!("{e}; the call may or may not have started: look at ccai's widget before trying again"),
        ),
    }
}

fn phone_countries(state: &AppState) -> Vec<String> {
    crate::settings::current(state)
        .map(|(_, s)| s.phone_countries)
        .ok()
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| ccai_core::settings::SyncSettings::default().phone_countries)
}
