//! Users, routing statuses and work sessions: where Kustomer keeps an agent's status.
//!
//! An agent's status lives on their live work session (API-NOTES.md). Setting a status of type
//! `offline` ends the session (`signedOutAt`); going back online needs a new session, which the sandbox
//! starts with `POST /v1/routing/users/{id}/work-sessions` (a sandbox extension: the real API's way to
//! sign in is not documented). Every change is pushed to the page, whoever made it.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::jsonapi::{self, PageQuery};
use super::model::{routing_status, WorkSession, AGENT_USER_ID, ROUTING_STATUSES};
use crate::state::{iso_now, App, PageEvent};

/// Kustomer's default page size is larger; the sandbox's is small on purpose so that every client
/// follows `links.next` (two pages with the seeds).
const STATUS_PAGE_SIZE: usize = 4;

fn user_json(id: &str, name: &str, email: &str) -> Value {
    json!({
        "type": "user",
        "id": id,
        "attributes": { "name": name, "displayName": name, "email": email },
    })
}

pub async fn current_user(State(app): State<App>) -> Response {
    let st = app.lock();
    match st.kustomer.users.iter().find(|u| u.id == AGENT_USER_ID) {
        Some(u) => jsonapi::one(user_json(&u.id, &u.name, &u.email)),
        None => jsonapi::not_found("user", AGENT_USER_ID),
    }
}

pub async fn user(State(app): State<App>, Path(id): Path<String>) -> Response {
    let st = app.lock();
    match st.kustomer.users.iter().find(|u| u.id == id) {
        Some(u) => jsonapi::one(user_json(&u.id, &u.name, &u.email)),
        None => jsonapi::not_found("user", &id),
    }
}

pub async fn statuses(Query(q): Query<PageQuery>) -> Response {
    let items = ROUTING_STATUSES
        .iter()
        .map(|s| {
            json!({
                "type": "user_status",
                "id": s.id,
                "attributes": { "name": s.name, "statusType": s.status_type, "system": s.system },
            })
        })
        .collect();
    jsonapi::page(items, &q, STATUS_PAGE_SIZE, "/kapi/v1/routing/statuses")
}

fn session_json(w: &WorkSession) -> Value {
    json!({
        "type": "work_session",
        "id": w.id,
        "attributes": {
            "statusId": w.status_id,
            "signedInAt": w.signed_in_at,
            "signedOutAt": w.signed_out_at,
            "updatedAt": w.updated_at,
        },
        "relationships": {
            "user": { "data": { "type": "user", "id": w.user_id } },
            "status": { "data": { "type": "user_status", "id": w.status_id } },
        },
    })
}

/// The user's work sessions, the live one (if any) first, then newest first.
pub async fn user_sessions(
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
    jsonapi::page(items, &q, 100, &path)
}

/// Who changed a status, for the page's echo suppression.
pub struct Origin {
    pub source: &'static str,
    pub client: Option<String>,
    pub change: Option<u64>,
}

impl Origin {
    /// `page` when the page sent `X-Sandbox-Client`, `api` otherwise.
    pub fn from_headers(headers: &HeaderMap) -> Origin {
        let get = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let client = get("x-sandbox-client");
        Origin {
            source: if client.is_some() { "page" } else { "api" },
            change: get("x-sandbox-change").and_then(|c| c.parse().ok()),
            client,
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody {
    status_id: String,
}

fn status_body(body: &Value) -> Result<StatusBody, Response> {
    serde_json::from_value(jsonapi::attributes(body)).map_err(|_| {
        jsonapi::error(
            StatusCode::BAD_REQUEST,
            "body must be {\"statusId\": \"<routing status id>\"}",
        )
    })
}

pub async fn put_session(
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
        let detail = format!(
            "work session {id} has ended; start a new one with POST /v1/routing/users/{}/work-sessions",
            w.user_id
        );
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

/// Starts a new live session (ending any other): how an agent comes back from Offline.
pub async fn start_session(
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

/// Sets a user's status as Kustomer would wherever it came from: on the live session, or on a new one
/// when there is none (an offline status with no live session changes nothing). Returns the session.
pub fn set_status(
    app: &App,
    user_id: &str,
    status_id: &str,
    origin: Origin,
) -> Result<Value, Response> {
    let mut st = app.lock();
    let Some(status) = routing_status(status_id) else {
        return Err(jsonapi::error(
            StatusCode::BAD_REQUEST,
            format!("unknown statusId {status_id}"),
        ));
    };
    if !st.kustomer.users.iter().any(|u| u.id == user_id) {
        return Err(jsonapi::not_found("user", user_id));
    }
    let now = iso_now();
    let offline = status.status_type == "offline";
    let idx = match st
        .kustomer
        .work_sessions
        .iter()
        .position(|w| w.user_id == user_id && w.signed_out_at.is_none())
    {
        Some(i) => i,
        None if offline => {
            return Err(jsonapi::error(
                StatusCode::CONFLICT,
                "the user is already offline",
            ));
        }
        None => {
            let id = st.kustomer.new_id('b');
            st.kustomer.work_sessions.push(WorkSession {
                id,
                user_id: user_id.into(),
                status_id: status.id.into(),
                signed_in_at: now.clone(),
                signed_out_at: None,
                updated_at: now.clone(),
            });
            st.kustomer.work_sessions.len() - 1
        }
    };
    let w = &mut st.kustomer.work_sessions[idx];
    w.status_id = status.id.into();
    w.updated_at = now.clone();
    if offline {
        w.signed_out_at = Some(now);
    }
    let out = session_json(w);
    let event = status_event(w, origin);
    drop(st);
    app.push(event);
    Ok(out)
}

fn status_event(w: &WorkSession, origin: Origin) -> PageEvent {
    PageEvent::Status {
        user_id: w.user_id.clone(),
        status_id: w.status_id.clone(),
        work_session_id: w.id.clone(),
        source: origin.source.into(),
        client: origin.client,
        change: origin.change,
    }
}
