//! Who may call what. Kustomer: see `kustomer/access.rs` (API key, OAuth token or the page's session
//! cookie). CCAI: HTTP Basic with the subdomain as user and the company API token as password
//! (API-NOTES.md). Control hooks: loopback peers only, checked on the connection's real peer address,
//! not on a header.

use axum::extract::{ConnectInfo, Request};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde_json::json;

use crate::net::Peer;

pub const KUSTOMER_API_KEY: &str = "sandbox-kustomer-key";
pub const CCAI_USER: &str = "sandbox";
pub const CCAI_TOKEN: &str = "sandbox-ccai-token";
pub const SESSION_COOKIE: &str = "ksession";

/// CCAI: HTTP Basic `sandbox:sandbox-ccai-token`.
pub async fn ccai(req: Request, next: Next) -> Response {
    let ok = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .and_then(|raw| String::from_utf8(raw).ok())
        .is_some_and(|pair| pair == format!("{CCAI_USER}:{CCAI_TOKEN}"));
    if ok {
        next.run(req).await
    } else {
        let body = json!({ "message": "Unauthorized: HTTP Basic with the subdomain and an API token is required" });
        let mut res = (StatusCode::UNAUTHORIZED, Json(body)).into_response();
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Basic realm=\"ccai\""),
        );
        res
    }
}

/// Control hooks change the world without credentials, so only this machine may use them. The server
/// binds 127.0.0.1 anyway; this is the second lock.
pub async fn loopback_only(
    ConnectInfo(peer): ConnectInfo<Peer>,
    req: Request,
    next: Next,
) -> Response {
    if peer.addr.ip().is_loopback() {
        next.run(req).await
    } else {
        let body = json!({ "message": "sandbox control endpoints accept loopback peers only" });
        (StatusCode::FORBIDDEN, Json(body)).into_response()
    }
}
