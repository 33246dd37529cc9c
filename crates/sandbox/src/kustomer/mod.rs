//! The sandbox's Kustomer API, mounted under `/kapi` (so `{base}/kapi` plays `https://{org}.api.kustomerapp.com`).

pub mod conversations;
pub mod custom;
pub mod customers;
pub mod journal;
pub mod jsonapi;
pub mod metadata;
pub mod model;
pub mod routing;
pub mod stream;
pub mod teams;

use axum::middleware;
use axum::routing::{get, put};
use axum::Router;

use crate::state::{App, PageEvent};

/// Routes relative to `/kapi`: auth outside, then the journal and idempotency, then the handlers.
pub fn router(app: App) -> Router<App> {
    Router::new()
        .route("/v1/users/current", get(routing::current_user))
        .route("/v1/users/{id}", get(routing::user))
        .route("/v1/routing/statuses", get(routing::statuses))
        .route("/v1/routing/settings", get(teams::routing_settings))
        .route("/v1/teams", get(teams::teams))
        .route(
            "/v1/routing/users/{id}/work-sessions",
            get(routing::user_sessions).post(routing::start_session),
        )
        .route("/v1/routing/work-sessions/{id}", put(routing::put_session))
        .route(
            "/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/v1/customers/{id}",
            get(customers::get_one).patch(customers::update),
        )
        .route(
            "/v1/customers/{id}/conversations",
            get(customers::conversations),
        )
        .route(
            "/v1/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route(
            "/v1/conversations/{id}",
            get(conversations::get_one).patch(conversations::update),
        )
        .route(
            "/v1/conversations/{id}/{kind}",
            get(conversations::list_children).post(conversations::create_child),
        )
        .route(
            "/v1/metadata/{resource}",
            get(metadata::get_one)
                .put(metadata::update)
                .patch(metadata::update),
        )
        .route("/v1/sandbox-stream", get(stream::stream))
        .route("/v1/sandbox-events", get(stream::poll))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            journal::journal,
        ))
        .layer(middleware::from_fn_with_state(app, crate::auth::kustomer))
}

/// The page event for a change to records (a conversation's, or unknown/many: `None`).
pub fn records_event(conversation_id: Option<String>) -> PageEvent {
    PageEvent::Records { conversation_id }
}
