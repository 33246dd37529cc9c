//! `POST /api/v1/owner`, `POST /api/v1/status`, `POST /api/v1/calls`: what an agent's owner tab asks
//! of CCAI, always as the session's own agent (identity comes only from the session token).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use ccai_core::budget::Priority;
use ccai_core::server_api::{OwnerClaim, StatusChange, StatusOutcome};
use serde::{Deserialize, Serialize};

use super::auth::AgentSession;
use super::error;
use crate::ccai::client::{CcaiCall, CcaiError};
use crate::state::AppState;
use crate::status::intake::{self, IntakeError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/owner", post(owner))
        .route("/api/v1/status", post(status))
        .route("/api/v1/calls", post(call))
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
        Ok(outcome) => {
            let code = match outcome {
                StatusOutcome::Queued | StatusOutcome::Duplicate => StatusCode::OK,
                StatusOutcome::Fenced { .. } => StatusCode::CONFLICT,
                StatusOutcome::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (code, Json(outcome)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `POST /api/v1/calls` body: the number as the agent clicked it.
#[derive(Deserialize)]
pub struct CallRequest {
    pub number: String,
}

/// What became of a click-to-call.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum CallOutcome {
    /// 201: CCAI assigned the call to the agent (A13).
    Started { e164: String },
    /// 202: CCAI wants the agent to finish in its widget (pick an outbound number or a ticket).
    FinishInWidget { e164: String },
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
            Json(CallOutcome::Started { e164: number.e164 }).into_response()
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
