//! The webhook door: `POST /webhooks/ccai`. Verifies the signature and the timestamp, refuses replays,
//! and stores the event in the inbox in one transaction BEFORE answering 200: once CCAI has its 200, the
//! event survives a kill.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccai_core::records::SessionEvent;
use serde_json::json;

use crate::engine::{now_ms, Engine};
use crate::signature::{body_hash, verify, MAX_SKEW_S};
use crate::store::Accept;

pub const WEBHOOK_PATH: &str = "/webhooks/ccai";

pub struct Door {
    pub engine: Arc<Engine>,
    pub secret: Vec<u8>,
    /// Set when the connector is killed in-process: in-flight connections must not write any more.
    pub stopped: AtomicBool,
}

pub fn router(door: Arc<Door>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(webhook))
        .route("/healthz", get(|| async { "ok" }))
        .route("/stats", get(stats))
        .with_state(door)
}

fn refuse(why: &str) -> Response {
    eprintln!("connector: webhook refused: {why}");
    (StatusCode::UNAUTHORIZED, Json(json!({ "error": why }))).into_response()
}

async fn webhook(State(door): State<Arc<Door>>, headers: HeaderMap, body: Bytes) -> Response {
    let t0 = Instant::now();
    if door.stopped.load(Ordering::SeqCst) {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (ts_h, sig_h) = (header("x-ccai-timestamp"), header("x-ccai-signature"));
    let now = now_ms();
    let ts = match verify(&door.secret, ts_h, sig_h, &body, now / 1000) {
        Ok(ts) => ts,
        Err(e) => return refuse(&e.to_string()),
    };
    let event: SessionEvent = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({ "error": format!("not a session event: {e}") })),
            )
                .into_response()
        }
    };
    let key = event.customer_key().as_text();
    let text = String::from_utf8_lossy(&body);
    let accepted = door.engine.store.accept(
        &event.event_id,
        &body_hash(&body),
        &key,
        event.seq,
        &text,
        sig_h.unwrap_or_default(),
        ts,
        now,
    );
    match accepted {
        Ok(Accept::New) => {
            door.engine.notify(&key, Some((&event.event_id, t0)));
            (StatusCode::OK, Json(json!({ "status": "accepted" }))).into_response()
        }
        Ok(Accept::Duplicate) => {
            (StatusCode::OK, Json(json!({ "status": "duplicate" }))).into_response()
        }
        Ok(Accept::ConflictingBody) => refuse(&format!(
            "replay: event {} was seen with another body",
            event.event_id
        )),
        Ok(Accept::ReplayedSignature) => refuse("replay: timestamp and signature already used"),
        Err(e) => {
            eprintln!("connector: storing event {}: {e}", event.event_id);
            // Not stored, so not acknowledged: CCAI retries.
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn stats(State(door): State<Arc<Door>>) -> Response {
    let s = &door.engine.store;
    let m = &door.engine.metrics;
    Json(json!({
        "applied": m.applied.load(Ordering::Relaxed),
        "failed_ops": m.failed_ops.load(Ordering::Relaxed),
        "pending": s.count_events("pending").unwrap_or(0) + s.count_events("decided").unwrap_or(0),
        "done": s.count_events("done").unwrap_or(0),
        "signature_window_s": MAX_SKEW_S,
    }))
    .into_response()
}
