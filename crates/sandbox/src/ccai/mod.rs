//! The sandbox's CCAI Platform API, mounted under `/ccai` (so `{base}/ccai` plays
//! `https://{subdomain}.{domain}`): the Apps API under `/apps/api/v1`, the Manager API under
//! `/manager/api/v1`.

pub mod activity_logs;
pub mod agent_statuses;
pub mod agents;
pub mod call_control;
pub mod call_object;
pub mod call_session;
pub mod calls;
pub mod day;
pub mod delivery_order;
pub mod hooks;
pub mod live_events;
pub mod model;
pub mod outbound;
pub mod paging;
pub mod rate;
pub mod seed;
pub mod session_events;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::App;

/// Routes relative to `/ccai`, behind HTTP Basic (A2), then the rate limit (A3).
pub fn router(app: App) -> Router<App> {
    Router::new()
        .route("/manager/api/v1/user_statuses", get(agents::user_statuses))
        .route("/manager/api/v1/agents", get(agents::agents))
        .route(
            "/manager/api/v1/agent_activity_logs",
            get(activity_logs::agent_activity_logs),
        )
        .route("/manager/api/v1/calls", get(call_object::list))
        .route(
            "/apps/api/v1/agent_statuses",
            post(agent_statuses::agent_statuses),
        )
        .merge(calls::router())
        .layer(middleware::from_fn_with_state(app, rate::limit))
        .layer(middleware::from_fn(crate::auth::ccai))
}
