//! Two things every Kustomer request passes through: the request journal (`GET /sandbox/kustomer/requests`,
//! so tests can see what the connector or the extension called) and `Idempotency-Key` on POSTs (same
//! key → the first answer again, marked `Idempotent-Replayed: true`, and no second record).
//!
//! A key is global to the Kustomer API; reusing it for another method or path is a 422, which catches a
//! client bug instead of answering with an unrelated record. A request still running under a key makes
//! a second one with that key wait for nothing: it gets 409 and may retry. Answers of 5xx are not kept.

use axum::body::Body;
use axum::extract::{OriginalUri, Request, State};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::jsonapi;
use crate::state::{App, IdempotentEntry};

#[derive(Clone, Serialize)]
pub struct Logged {
    pub seq: u64,
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub idempotency_key: Option<String>,
    pub replayed: bool,
    /// The request's `User-Agent` (a browser always sends one; the company server's client sends
    /// none), so a test can tell a request from the browser from one of the server.
    pub user_agent: Option<String>,
    /// It carried an `Authorization` header (an API key or OAuth token): a product request, not the
    /// imitated page's own (its session cookie).
    pub authorised: bool,
}

pub async fn journal(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().to_string(), |u| u.0.to_string());
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_owned())
        .filter(|k| !k.is_empty() && method == Method::POST);
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorised = req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    let at_ms = app.at_ms();
    let (res, replayed) = match &key {
        None => (next.run(req).await, false),
        Some(k) => idempotent(&app, k, &method, &path, req, next).await,
    };
    if !path.contains("/v1/sandbox-") {
        let mut st = app.lock();
        let seq = st.kustomer_requests.len() as u64 + 1;
        st.kustomer_requests.push(Logged {
            seq,
            at_ms,
            method: method.to_string(),
            path,
            status: res.status().as_u16(),
            idempotency_key: key,
            replayed,
            user_agent,
            authorised,
        });
    }
    res
}

async fn idempotent(
    app: &App,
    key: &str,
    method: &Method,
    path: &str,
    req: Request,
    next: Next,
) -> (Response, bool) {
    let scoped = format!("{method} {path}");
    {
        let mut st = app.lock();
        match st.kustomer_idempotency.get(key) {
            Some((owner, _)) if owner != &scoped => {
                let detail = format!("Idempotency-Key '{key}' was already used for {owner}");
                return (
                    jsonapi::error(StatusCode::UNPROCESSABLE_ENTITY, detail),
                    false,
                );
            }
            Some((_, IdempotentEntry::InFlight)) => {
                let detail = format!(
                    "a request with Idempotency-Key '{key}' is still in progress; retry shortly"
                );
                return (jsonapi::error(StatusCode::CONFLICT, detail), false);
            }
            Some((
                _,
                IdempotentEntry::Done {
                    status,
                    content_type,
                    body,
                },
            )) => {
                let mut res = (
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::OK),
                    body.clone(),
                )
                    .into_response();
                if let Some(ct) = content_type
                    .as_ref()
                    .and_then(|c| HeaderValue::from_str(c).ok())
                {
                    res.headers_mut()
                        .insert(axum::http::header::CONTENT_TYPE, ct);
                }
                res.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return (res, true);
            }
            None => {
                st.kustomer_idempotency
                    .insert(key.to_owned(), (scoped.clone(), IdempotentEntry::InFlight));
            }
        }
    }
    let res = next.run(req).await;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut st = app.lock();
    if parts.status.is_server_error() {
        st.kustomer_idempotency.remove(key);
    } else {
        let content_type = parts
            .headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let entry = IdempotentEntry::Done {
            status: parts.status.as_u16(),
            content_type,
            body: bytes.to_vec(),
        };
        st.kustomer_idempotency
            .insert(key.to_owned(), (scoped, entry));
    }
    (Response::from_parts(parts, Body::from(bytes)), false)
}
