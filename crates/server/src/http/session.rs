//! The session's own routes: refresh, sign-out, and who am I.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccai_core::server_api::{Me, RefreshRequest};

use super::auth::{AgentSession, AuthError};
use crate::session;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/refresh", post(refresh))
        .route("/auth/signout", post(signout))
        .route("/api/v1/me", get(me))
}

async fn refresh(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    let body: RefreshRequest = match super::parse_json(&body) {
        Ok(b) => b,
        Err(r) => return r,
    };
    match session::refresh(&state, &body.refresh, crate::now_ms()) {
        Ok(tokens) => Json(tokens).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Signs out the session that makes the request (the extension's "Sign out").
async fn signout(State(state): State<AppState>, s: AgentSession) -> Response {
    match session::sign_out_session(&state, &s.session_id, "signed out", crate::now_ms()) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => AuthError::Internal(e.to_string()).into_response(),
    }
}

async fn me(State(state): State<AppState>, s: AgentSession) -> Response {
    let expires = match state.0.store.session(&s.session_id) {
        Ok(Some(row)) => row.token_expires_ms,
        Ok(None) => return AuthError::Unknown.into_response(),
        Err(e) => return AuthError::Internal(e.to_string()).into_response(),
    };
    Json(Me {
        admin: state.0.cfg.is_admin(&s.agent.email),
        email: s.agent.email,
        name: s.agent.name,
        kustomer_user_id: s.agent.kustomer_user_id,
        ccai_agent_id: s.agent.ccai_agent_id,
        session_expires_at_ms: expires,
    })
    .into_response()
}
