//! Routing statuses (API-NOTES B7) and the one way a user's status changes (`set_status`), shared by
//! the page's menu, the API (`work_sessions.rs`) and the control hooks.
//!
//! An agent's status lives on their live work session (B8). Setting a status of type `offline` ends the
//! session (`signedOutAt`); the next change starts a new one. Every change is pushed to the page,
//! whoever made it.

use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::jsonapi::{self, PageQuery};
use super::model::{routing_status, WorkSession, ROUTING_STATUSES};
use super::work_sessions::session_json;
use crate::state::{iso_now, App, PageEvent};

/// Kustomer's default page size is larger; the sandbox's is small on purpose so that every client
/// follows `links.next` (two pages with the seeds).
const STATUS_PAGE_SIZE: usize = 4;

pub async fn statuses(Query(q): Query<PageQuery>) -> Response {
    let items = ROUTING_STATUSES
        .iter()
        .map(|s| {
            jsonapi::resource(
                "user_status",
                s.id,
                json!({ "name": s.name, "statusType": s.status_type, "system": s.system }),
            )
        })
        .collect();
    jsonapi::page(items, &q, STATUS_PAGE_SIZE, "/kapi/v1/routing/statuses")
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
        None => st.kustomer.start_session(user_id, status.id, &now),
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

pub fn status_event(w: &WorkSession, origin: Origin) -> PageEvent {
    PageEvent::Status {
        user_id: w.user_id.clone(),
        status_id: w.status_id.clone(),
        work_session_id: w.id.clone(),
        source: origin.source.into(),
        client: origin.client,
        change: origin.change,
    }
}
