//! The door for CCAI's external session events (API-NOTES A20): `POST /ccai/session-events/call` and
//! `/chat` (one URL per channel, as CCAI's portal sets them), HTTP Basic with the username and password
//! the admin entered there, the documented body `{"count": n, "events": [...]}`.
//!
//! - A wrong or missing password: 401 with the reason, logged, nothing stored.
//! - A body that is not the documented format (not JSON, a missing field, a `count` that is not the
//!   number of events, an event id that is not a UUID): 400 with the reason, logged, nothing stored (one
//!   bad event refuses the body, so that CCAI's log shows it and nothing is half-taken).
//! - An event naming an agent or a session the server does not know: logged and acknowledged (2xx),
//!   nothing else.
//! - Otherwise every event is stored in the inbox, in one transaction, BEFORE the answer: once CCAI has
//!   its 200, the events survive a kill. A repeated event (same `event_id`) is acknowledged and ignored.
//!
//! Not documented (A20): the expected response code, retries, a timeout. We answer 200 with counts once
//! stored, and 503 when the store failed (nothing was taken, so CCAI may send it again).

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine as _;
use ccai_core::records::ccai_events::SessionEventsBody;
use ccai_core::records::Channel;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::http::error;
use crate::records;
use crate::state::AppState;

pub const PATH: &str = "/ccai/session-events/{channel}";

pub fn router() -> Router<AppState> {
    Router::new().route(PATH, post(receive))
}

/// The URL to enter in CCAI's portal for `channel` (`call` or `chat`), given the server's public base.
pub fn url(base: &str, channel: &str) -> String {
    format!(
        "{}/ccai/session-events/{channel}",
        base.trim_end_matches('/')
    )
}

async fn receive(
    State(state): State<AppState>,
    Path(channel): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let at = Instant::now();
    let channel = match channel.as_str() {
        "call" => Channel::Voice,
        "chat" => Channel::Chat,
        other => {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("no session-event channel {other:?}: use call or chat"),
            )
        }
    };
    if let Err(why) = check_basic(
        &headers,
        &state.0.cfg.ccai_events_username,
        &state.0.cfg.ccai_events_password,
    ) {
        let mut r = refuse(StatusCode::UNAUTHORIZED, why);
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"ccai-session-events\""),
        );
        return r;
    }
    let parsed: SessionEventsBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("not CCAI's session-event format: {e}"),
            )
        }
    };
    if let Err(e) = parsed.check() {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("not CCAI's session-event format: {e}"),
        );
    }
    // Storing waits for the store, which the record workers keep busy: on the blocking pool, so the
    // runtime's threads go on serving (the calls' pushes are sent from memory before the store).
    let st = state.clone();
    let accepted = tokio::task::spawn_blocking(move || {
        records::accept(&st, channel, &parsed, at).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(format!("the store's task failed: {e}")));
    match accepted {
        Ok(a) => (
            StatusCode::OK,
            Json(json!({
                "accepted": a.new,
                "duplicates": a.duplicates,
                "ignored": a.ignored.iter().map(|(id, why)| json!({ "event_id": id, "reason": why })).collect::<Vec<_>>(),
            })),
        )
            .into_response(),
        Err(e) => {
            eprintln!("ccai-server: session events not stored: {e}");
            // Not stored, so not acknowledged: CCAI may send them again.
            error(
                StatusCode::SERVICE_UNAVAILABLE,
                "the events could not be stored; send them again",
            )
        }
    }
}

fn refuse(status: StatusCode, why: String) -> Response {
    eprintln!(
        "ccai-server: session events refused ({}): {why}",
        status.as_u16()
    );
    error(status, why)
}

/// Checks `Authorization: Basic` against the configured pair. The comparison is of SHA-256 digests, so
/// its time does not depend on how much of the password was right.
fn check_basic(headers: &HeaderMap, user: &str, password: &str) -> Result<(), String> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or("missing Authorization: CCAI sends the username and password of its portal as HTTP Basic")?
        .to_str()
        .map_err(|_| "the Authorization header is not text")?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
        .ok_or("the Authorization header is not HTTP Basic")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .map_err(|_| "the Basic credentials are not base64")?;
    let text = String::from_utf8(decoded).map_err(|_| "the Basic credentials are not UTF-8")?;
    let (u, p) = text
        .split_once(':')
        .ok_or("the Basic credentials have no username:password")?;
    let same = |a: &str, b: &str| Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes());
    // Both compared, always, so a wrong username takes as long as a wrong password.
    let (user_ok, password_ok) = (same(u, user), same(p, password));
    if user_ok && password_ok {
        Ok(())
    } else {
        Err("wrong username or password for the session events".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_checked_with_a_reason() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::AUTHORIZATION,
                HeaderValue::from_str(v).expect("header"),
            );
            m
        };
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let rows = [
            (h(&format!("Basic {}", b64("ccai:s3cret"))), Ok(())),
            (
                h(&format!("Basic {}", b64("ccai:wrong"))),
                Err("wrong username"),
            ),
            (
                h(&format!("Basic {}", b64("other:s3cret"))),
                Err("wrong username"),
            ),
            (h("Bearer abc"), Err("not HTTP Basic")),
            (h("Basic !!!"), Err("not base64")),
            (
                h(&format!("Basic {}", b64("nocolon"))),
                Err("no username:password"),
            ),
            (HeaderMap::new(), Err("missing Authorization")),
        ];
        for (headers, want) in rows {
            let got = check_basic(&headers, "ccai", "s3cret");
            match want {
                Ok(()) => assert_eq!(got, Ok(()), "{headers:?}"),
                Err(part) => assert!(
                    got.as_ref().is_err_and(|e| e.contains(part)),
                    "{headers:?}: {got:?}"
                ),
            }
        }
    }
}
