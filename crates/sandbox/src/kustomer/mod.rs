//! The sandbox's Kustomer API, mounted under `/kapi` (so `{base}/kapi` plays `https://{org}.api.kustomerapp.com`).

pub mod access;
pub mod attachments;
pub mod control;
pub mod conversations;
pub mod custom;
pub mod customer_index;
pub mod customers;
pub mod journal;
pub mod jsonapi;
pub mod lookup;
pub mod messages;
pub mod metadata;
pub mod model;
pub mod notes;
pub mod oauth;
pub mod rate;
pub mod routing;
pub mod stream;
pub mod users;
pub mod work_sessions;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::state::{App, PageEvent};

/// Routes relative to `/kapi`. The OAuth token endpoint (B3) takes no bearer; every `/v1` route passes
/// auth and roles (`access.rs`), then the org's budget (`rate.rs`, B4), then the journal, then its
/// handler. Each route's API-NOTES section is in its handler's module.
pub fn router(app: App) -> Router<App> {
    let api = Router::new()
        .route("/v1/users/current", get(users::current_user))
        .route("/v1/auth/tokens/current", get(users::current_token))
        .route("/v1/users/{id}", get(users::user))
        .route("/v1/routing/statuses", get(routing::statuses))
        .route("/v1/routing/work-sessions", get(work_sessions::list))
        .route(
            "/v1/routing/users/{id}/work-sessions",
            get(work_sessions::of_user).post(work_sessions::start),
        )
        .route(
            "/v1/routing/work-sessions/{id}",
            get(work_sessions::get_one).put(work_sessions::put),
        )
        .route(
            "/v1/customers",
            get(customers::list).post(customers::create),
        )
        .route(
            "/v1/customers/{id}",
            get(customers::get_one)
                .patch(customers::update)
                .put(customers::replace),
        )
        .route(
            "/v1/customers/{id}/conversations",
            get(customers::conversations),
        )
        .route(
            "/v1/customers/{id}/messages",
            post(messages::create_for_customer),
        )
        .route("/v1/messages", post(messages::create))
        .route("/v1/notes", post(notes::create))
        .route("/v1/notes/bulk", post(notes::bulk))
        .route(
            "/v1/notes/{id}",
            axum::routing::patch(notes::update).put(notes::update),
        )
        .route("/v1/attachments", post(attachments::create))
        .route(
            "/v1/conversations",
            get(conversations::list).post(conversations::create),
        )
        .route(
            "/v1/conversations/{id}",
            get(conversations::get_one)
                .patch(conversations::update)
                .put(conversations::replace),
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
        .layer(middleware::from_fn_with_state(
            app.clone(),
            rate::middleware,
        ))
        .layer(middleware::from_fn_with_state(
            app.clone(),
            access::middleware,
        ));
    // The token endpoint is journaled too, so a test can count a client's token requests.
    let token = Router::new()
        .route("/oauth/token", post(oauth::token::token))
        .layer(middleware::from_fn_with_state(app, journal::journal));
    token.merge(api)
}

/// The page event for a change to records (a conversation's, or unknown/many: `None`).
pub fn records_event(conversation_id: Option<String>) -> PageEvent {
    PageEvent::Records { conversation_id }
}
