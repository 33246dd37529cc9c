//! The HTTP surface. Each part of the server contributes its own router; this file only puts them
//! together (add yours with one `.merge(...)` line).

pub mod admin;
pub mod auth;
pub mod kustomer;
pub mod operations;
pub mod session;
pub mod status;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ccai_core::server_api::ApiError;

use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/stats", get(stats))
        .merge(crate::oauth::router())
        .merge(session::router())
        .merge(crate::push::router())
        .merge(admin::router())
        .merge(operations::router())
        .merge(status::router())
        .merge(kustomer::router())
        .merge(crate::intake::router())
        .with_state(state)
}

/// Any error as the API answers it: `{"error": "<words>"}` with `status`.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            error: message.into(),
        }),
    )
        .into_response()
}

/// Reads a JSON body of type `T`, or answers 400 with what is wrong in words (axum's own rejection
/// is plain text; every answer of this API is `{"error": …}`).
#[allow(clippy::result_large_err)]
pub fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Response> {
    serde_json::from_slice(body).map_err(|e| {
        error(
            StatusCode::BAD_REQUEST,
            format!("the request body is not valid: {e}"),
        )
    })
}

async fn healthz() -> &'static str {
    "ok"
}

async fn stats(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "push_connections": state.0.hub.connection_count(),
    }))
}
