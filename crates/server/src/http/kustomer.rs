//! What a signed-in agent's status sync needs of Kustomer, which only the server may ask (the API key
//! never reaches a browser):
//!
//! - `GET /api/v1/catalogs/kustomer`: Kustomer's routing statuses (B7), the list the admin's mapping
//!   editor reads too (`catalogs::kustomer_statuses`), read at most once a minute for every agent's
//!   tabs (`kustomer::catalog_cache`).
//! - `PUT /api/v1/kustomer-status`: bidirectional sync (S4), the session's own agent's Kustomer status
//!   set through their work session (B8, `status::kustomer_write`).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use ccai_core::server_api::{KustomerStatusList, KustomerStatusRequest, KustomerStatusSet};

use super::auth::AgentSession;
use super::error;
use crate::kustomer::catalog_cache;
use crate::state::AppState;
use crate::status::kustomer_write::{self, WriteError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/catalogs/kustomer", get(statuses))
        .route("/api/v1/kustomer-status", put(set_status))
}

async fn statuses(State(state): State<AppState>, _agent: AgentSession) -> Response {
    match catalog_cache::kustomer_statuses(&state).await {
        Ok(list) => Json(list.iter().cloned().collect::<KustomerStatusList>()).into_response(),
        Err(e) => error(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

async fn set_status(
    State(state): State<AppState>,
    session: AgentSession,
    body: Result<Json<KustomerStatusRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(b) => b,
        Err(rejection) => return error(StatusCode::BAD_REQUEST, rejection.body_text()),
    };
    let status = req.kustomer_status_id.trim();
    match kustomer_write::set_own_status(&state, &session.agent, status).await {
        Ok(work_session_id) => Json(KustomerStatusSet {
            kustomer_status_id: status.to_owned(),
            work_session_id,
        })
        .into_response(),
        Err(e) => {
            let code = match e {
                WriteError::EmptyStatus => StatusCode::BAD_REQUEST,
                WriteError::NoLiveSession => StatusCode::CONFLICT,
                WriteError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
                WriteError::Kustomer(_) => StatusCode::BAD_GATEWAY,
                WriteError::Timeout => StatusCode::GATEWAY_TIMEOUT,
            };
            error(code, e.to_string())
        }
    }
}
