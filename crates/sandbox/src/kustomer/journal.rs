//! The request journal every Kustomer request passes through (`GET /sandbox/kustomer/requests`), so
//! tests can see what the server or the page called. Kustomer has no idempotency key (B18): an
//! `Idempotency-Key` header is ignored like any unknown header.

use axum::extract::{OriginalUri, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::state::App;

#[derive(Clone, Serialize)]
pub struct Logged {
    pub seq: u64,
    pub at_ms: f64,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The request's `User-Agent` (a browser always sends one; the company server's client sends
    /// none), so a test can tell a request from the browser from one of the server.
    pub user_agent: Option<String>,
    /// It carried an `Authorization` header (an API key or OAuth token): a product request, not the
    /// imitated page's own (its session cookie).
    pub authorised: bool,
}

pub async fn journal(State(app): State<App>, req: Request, next: Next) -> Response {
    let method = req.method().to_string();
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().to_string(), |u| u.0.to_string());
    let user_agent = req
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let authorised = req
        .headers()
        .contains_key(axum::http::header::AUTHORIZATION);
    let at_ms = app.at_ms();
    let res = next.run(req).await;
    if !path.contains("/v1/sandbox-") {
        let mut st = app.lock();
        let seq = st.kustomer_requests.len() as u64 + 1;
        st.kustomer_requests.push(Logged {
            seq,
            at_ms,
            method,
            path,
            status: res.status().as_u16(),
            user_agent,
            authorised,
        });
    }
    res
}
