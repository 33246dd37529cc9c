//! Work sessions (API-NOTES B8): one agent's shift from their first routing status until an `offline`
//! one (`signedOutAt` set, `active` false, read-only after); at most one live session per user.
//!
//! - `GET /v1/routing/work-sessions?user=true|false&active=true|false&statusType=…` — B8. `user=true`
//!   is the caller's own sessions, `false` (or absent) every user's; `active=true` the live ones;
//!   `statusType` `available`, `unavailable` or `busy`. Paged per B5.
//! - `GET /v1/routing/users/{id}/work-sessions`, `GET /v1/routing/work-sessions/{id}` — B8.
//! - `PUT /v1/routing/work-sessions/{id}` — B8. Not documented: the body; the sandbox takes
//!   `{"statusId"}`, and a status of type `offline` ends the session; an ended session → 409.
//! - `POST /v1/routing/users/{id}/work-sessions` `{"statusId"}` — not in API-NOTES: the imitated
//!   page's own way back from Offline (`static/app.js`, `variant.js`). The product does not call it.
//!
//! The page's status menu and the API share this one model (`routing::set_status`): a change from
//! either is pushed to the page.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{json, Value};

use super::access::Caller;
use super::jsonapi::{self, PageQuery};
use super::model::{routing_status, WorkSession};
use super::routing::{set_status, status_event, Origin};
use crate::state::{iso_now, App};

pub fn session_json(w: &WorkSession) -> Value {
    jsonapi::related(
        "work_session",
        &w.id,
        json!({
            "statusId": w.status_id,
            "active": w.signed_out_at.is_none(),
            "signedInAt": w.signed_in_at,
            "signedOutAt": w.signed_out_at,
            "updatedAt": w.updated_at,
        }),
        &[
            ("user", "user", &w.user_id),
            ("status", "user_status", &w.status_id),
        ],
    )
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    user: Option<String>,
    active: Option<String>,
    status_type: Option<String>,
}

fn flag(name: &str, value: Option<&str>) -> Result<bool, Response> {
    match value {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(jsonapi::error(
            StatusCode::BAD_REQUEST,
            format!("{name} must be true or false, got '{other}'"),
        )),
    }
}

/// Org-wide (or the caller's, `user=true`) work sessions. Not documented: the order; the sandbox lists
/// them oldest first, so a session started while a client pages through is appended, never skipped.
pub async fn list(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Query(f): Query<Filter>,
    Query(page): Query<PageQuery>,
) -> Response {
    let (mine, active) = match (
        flag("user", f.user.as_deref()),
        flag("active", f.active.as_deref()),
    ) {
        (Ok(m), Ok(a)) => (m, a),
        (Err(res), _) | (_, Err(res)) => return res,
    };
    if let Some(t) = f.status_type.as_deref() {
        if !["available", "unavailable", "busy"].contains(&t) {
            return jsonapi::error(
                StatusCode::BAD_REQUEST,
                format!("statusType must be available, unavailable or busy, got '{t}'"),
            );
        }
    }
    // The API key's machine user has no work sessions of its own.
    let me = caller.user_id().unwrap_or("");
    let st = app.lock();
    let items: Vec<Value> = st
        .kustomer
        .work_sessions
        .iter()
        .filter(|w| !mine || w.user_id == me)
        .filter(|w| !active || w.signed_out_at.is_none())
        .filter(|w| {
            f.status_type
                .as_deref()
                .is_none_or(|t| routing_status(&w.status_id).is_some_and(|s| s.status_type == t))
        })
        .map(session_json)
        .collect();
    drop(st);
    let mut path = "/kapi/v1/routing/work-sessions".to_owned();
    let mut sep = '?';
    for (k, v) in [
        ("user", f.user.as_deref()),
        ("active", f.active.as_deref()),
        ("statusType", f.status_type.as_deref()),
    ] {
        if let Some(v) = v {
            path.push_str(&format!("{sep}{k}={v}"));
            sep = '&';
        }
    }
    jsonapi::page_capped(items, &page, 100, 100, &path)
}

pub async fn get_one(State(app): State<App>, Path(id): Path<String>) -> Response {
    let st = app.lock();
    match st.kustomer.work_sessions.iter().find(|w| w.id == id) {
        Some(w) => jsonapi::one(session_json(w)),
        None => jsonapi::not_found("work session", &id),
    }
}

/// The user's work sessions, the live one (if any) first, then newest first.
pub async fn of_user(
    State(app): State<App>,
    Path(user_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    let st = app.lock();
    let mut sessions: Vec<&WorkSession> = st
        .kustomer
        .work_sessions
        .iter()
        .filter(|w| w.user_id == user_id)
        .collect();
    sessions.reverse();
    sessions.sort_by_key(|w| w.signed_out_at.is_some());
    let items = sessions.into_iter().map(session_json).collect();
    let path = format!("/kapi/v1/routing/users/{user_id}/work-sessions");
    jsonapi::page_capped(items, &q, 100, 100, &path)
}

/// Not documented: the PUT's body (B8). The sandbox takes exactly `{"statusId": "<routing status id>"}`,
/// the body the company server sends (`crates/server/src/status/kustomer_write.rs`), and nothing else.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusBody {
    status_id: String,
}

fn status_body(body: &Value) -> Result<StatusBody, Response> {
    serde_json::from_value(body.clone()).map_err(|_| {
        jsonapi::error(
            StatusCode::BAD_REQUEST,
            "body must be {\"statusId\": \"<routing status id>\"}",
        )
    })
}

pub async fn put(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let body = match status_body(&body) {
        Ok(b) => b,
        Err(res) => return res,
    };
    let origin = Origin::from_headers(&headers);
    let mut st = app.lock();
    let Some(status) = routing_status(&body.status_id) else {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            format!("unknown statusId {}", body.status_id),
        );
    };
    let Some(w) = st.kustomer.work_sessions.iter_mut().find(|w| w.id == id) else {
        return jsonapi::not_found("work session", &id);
    };
    if w.signed_out_at.is_some() {
        let detail = format!("work session {id} has ended (read-only)");
        return jsonapi::error(StatusCode::CONFLICT, detail);
    }
    let now = iso_now();
    w.status_id = status.id.into();
    w.updated_at = now.clone();
    if status.status_type == "offline" {
        w.signed_out_at = Some(now);
    }
    let out = session_json(w);
    let event = status_event(w, origin);
    drop(st);
    app.push(event);
    jsonapi::one(out)
}

/// The page's plumbing (not in API-NOTES): starts a new live session (ending any other), for the page
/// coming back from Offline.
pub async fn start(
    State(app): State<App>,
    Path(user_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let body = match status_body(&body) {
        Ok(b) => b,
        Err(res) => return res,
    };
    match set_status(
        &app,
        &user_id,
        &body.status_id,
        Origin::from_headers(&headers),
    ) {
        Ok(session) => jsonapi::created(session),
        Err(res) => res,
    }
}
