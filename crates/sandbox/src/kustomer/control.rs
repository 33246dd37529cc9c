//! Kustomer's test hooks (mounted under `/sandbox`, loopback only): signing in to the page as any
//! user, registering OAuth clients (apps installed in the org, B3), deactivating users (B6), and the
//! rate limit's budget and measurements (B4).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};

use super::oauth::{random_token, OAuthClient};
use super::users::set_active;
use crate::auth::SESSION_COOKIE;
use crate::state::{App, PageEvent};

pub fn router() -> Router<App> {
    Router::new()
        .route("/login", get(login))
        .route("/oauth/clients", get(clients).post(register_client))
        .route("/kustomer/users/{id}/deactivate", post(deactivate))
        .route("/kustomer/users/{id}/reactivate", post(reactivate))
        .route(
            "/kustomer/rate",
            get(rate).put(set_budget).delete(clear_rate),
        )
}

fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

#[derive(Deserialize)]
struct Login {
    email: String,
    /// Where to go after signing in: a path on this origin (the authorize page's sign-in form).
    next: Option<String>,
}

/// `GET /sandbox/login?email=…[&next=/path]`: this browser (or client) is now signed in to the page
/// as that user: a fresh `ksession` cookie. With `next`, 302 there; else 200 with the user and cookie.
async fn login(State(app): State<App>, Query(q): Query<Login>) -> Response {
    let token = random_token();
    let user = {
        let mut st = app.lock();
        let Some(u) = st.kustomer.user_by_email(&q.email) else {
            return message(
                StatusCode::NOT_FOUND,
                format!("no Kustomer user has the e-mail {}", q.email),
            );
        };
        if !u.active {
            return message(
                StatusCode::FORBIDDEN,
                format!("user {} is deactivated", u.id),
            );
        }
        let (id, email) = (u.id.clone(), u.email.clone());
        st.kustomer.page_sessions.insert(token.clone(), id.clone());
        (id, email)
    };
    let cookie = format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
    let mut res = match q.next.as_deref() {
        Some(next) if next.starts_with('/') && !next.starts_with("//") => {
            Redirect::to(next).into_response()
        }
        _ => Json(json!({ "userId": user.0, "email": user.1, "cookie": format!("{SESSION_COOKIE}={token}") }))
            .into_response(),
    };
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

async fn clients(State(app): State<App>) -> Json<Value> {
    Json(json!(*app.oauth_clients()))
}

/// Registers (or replaces, by `clientId`) an OAuth client: `{clientId, clientSecret?, redirectUris}`.
async fn register_client(State(app): State<App>, Json(client): Json<OAuthClient>) -> Response {
    if client.client_id.is_empty() || client.redirect_uris.is_empty() {
        return message(
            StatusCode::BAD_REQUEST,
            "clientId and at least one redirectUris entry are required",
        );
    }
    let mut all = app.oauth_clients();
    all.retain(|c| c.client_id != client.client_id);
    all.push(client.clone());
    (StatusCode::CREATED, Json(json!(client))).into_response()
}

async fn deactivate(State(app): State<App>, Path(id): Path<String>) -> Response {
    active(&app, &id, false)
}

async fn reactivate(State(app): State<App>, Path(id): Path<String>) -> Response {
    active(&app, &id, true)
}

fn active(app: &App, id: &str, on: bool) -> Response {
    if !set_active(app, id, on) {
        return message(StatusCode::NOT_FOUND, format!("user {id} not found"));
    }
    app.push(PageEvent::Records {
        conversation_id: None,
    });
    Json(json!({ "id": id, "active": on })).into_response()
}

async fn rate(State(app): State<App>) -> Json<Value> {
    Json(json!(app.kustomer_rate.measured()))
}

#[derive(Deserialize)]
struct Budget {
    budget: Option<u32>,
}

/// `PUT /sandbox/kustomer/rate {"budget": 1000 | null}`: sets the per-minute budget (a new window).
async fn set_budget(State(app): State<App>, Json(b): Json<Budget>) -> Json<Value> {
    app.kustomer_rate.set_budget(b.budget);
    Json(json!(app.kustomer_rate.measured()))
}

/// `DELETE /sandbox/kustomer/rate`: clears the measurements and the current window.
async fn clear_rate(State(app): State<App>) -> Json<Value> {
    app.kustomer_rate.clear();
    Json(json!(app.kustomer_rate.measured()))
}
