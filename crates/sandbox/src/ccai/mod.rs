//! The sandbox's CCAI Platform API, mounted under `/ccai` (so `{base}/ccai` plays
//! `https://{subdomain}.{domain}`): the Apps API under `/apps/api/v1`, the Manager API under
//! `/manager/api/v1`.

pub mod agent_statuses;
pub mod agents;
pub mod call_control;
pub mod calls;
pub mod chat_control;
pub mod chats;
pub mod model;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::App;

/// Routes relative to `/ccai`, behind HTTP Basic.
pub fn router() -> Router<App> {
    Router::new()
        .route("/manager/api/v1/user_statuses", get(agents::user_statuses))
        .route("/manager/api/v1/agents", get(agents::agents))
        .route("/manager/api/v1/agents/{id}", get(agents::agent))
        .route(
            "/manager/api/v1/agents/{id}/activities",
            get(agents::activities),
        )
        .route(
            "/apps/api/v1/agent_statuses",
            post(agent_statuses::agent_statuses),
        )
        .merge(calls::router())
        .merge(chats::router())
        .layer(middleware::from_fn(crate::auth::ccai))
}
