//! API-NOTES A3: "The system limits requests to a rate of 10 request per second per customer." The
//! sandbox enforces a configurable rate (`SandboxConfig::ccai_rate`, `--ccai-rate <n>`, or the hook
//! `POST /sandbox/ccai/rate`; off by default) over a sliding 1-second window, and measures what it
//! sees either way (`GET /sandbox/ccai/rate`), so a load test can prove a client stays under it.
//!
//! Not documented (A3): the 429's body and `Retry-After`, rate headers, and what counts. The sandbox
//! counts every authenticated CCAI API request (one customer: the one credential), answers past the
//! rate with 429, `Retry-After: <whole seconds until a slot frees, at least 1>` and `{"message"}`, and
//! does not count refused requests against the rate (they count in `total` and in the windows seen).

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;

use super::model::unix_ms;
use crate::state::App;

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Window {
    times: VecDeque<Instant>,
}

impl Window {
    /// Drops what is 1 s old or older at `now`: the window is (now − 1 s, now].
    fn slide(&mut self, now: Instant) {
        while self
            .times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            self.times.pop_front();
        }
    }
}

#[derive(Default)]
struct Inner {
    limit: Option<u32>,
    /// Every request in the last second, and the accepted ones.
    seen: Window,
    accepted: Window,
    report: Report,
}

/// What `GET /sandbox/ccai/rate` shows.
#[derive(Clone, Default, Serialize)]
pub struct Report {
    /// Requests per second enforced; `null` = not enforced.
    pub limit: Option<u32>,
    /// Every authenticated CCAI API request since the last reset, refused ones included.
    pub total: u64,
    pub rejected: u64,
    /// The most requests CCAI received in any 1-second window (refused ones included): what a client
    /// sent, not what the limit let through.
    pub max_in_any_1s_window: usize,
    /// Unix ms of the first request of that window.
    pub window_start_ms: Option<i64>,
    /// The most accepted requests in any 1-second window (≤ `limit` when enforced).
    pub max_accepted_in_any_1s_window: usize,
    /// Unix ms of the last reset.
    pub since_ms: i64,
}

pub struct Rate(Mutex<Inner>);

impl Rate {
    pub fn new(limit: Option<u32>) -> Rate {
        let r = Rate(Mutex::new(Inner::default()));
        r.configure(limit);
        r
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sets the limit (`None` or 0: off) and starts the measurement afresh.
    pub fn configure(&self, limit: Option<u32>) {
        let limit = limit.filter(|n| *n > 0);
        *self.lock() = Inner {
            limit,
            report: Report {
                limit,
                since_ms: unix_ms(),
                ..Report::default()
            },
            ..Inner::default()
        };
    }

    /// Starts the measurement afresh, keeping the limit.
    pub fn reset(&self) {
        let limit = self.lock().limit;
        self.configure(limit);
    }

    pub fn report(&self) -> Report {
        self.lock().report.clone()
    }

    /// Counts one request at `now`: `Ok` to serve it, `Err(wait)` to refuse it.
    fn admit(&self, now: Instant) -> Result<(), Duration> {
        let mut g = self.lock();
        let inner = &mut *g;
        inner.report.total += 1;
        inner.seen.slide(now);
        inner.seen.times.push_back(now);
        if inner.seen.times.len() > inner.report.max_in_any_1s_window {
            inner.report.max_in_any_1s_window = inner.seen.times.len();
            let first = inner.seen.times.front().copied().unwrap_or(now);
            inner.report.window_start_ms =
                Some(unix_ms() - now.duration_since(first).as_millis() as i64);
        }
        inner.accepted.slide(now);
        if let Some(limit) = inner.limit {
            if inner.accepted.times.len() >= limit as usize {
                inner.report.rejected += 1;
                let oldest = inner.accepted.times.front().copied().unwrap_or(now);
                return Err(WINDOW.saturating_sub(now.duration_since(oldest)));
            }
        }
        inner.accepted.times.push_back(now);
        let n = inner.accepted.times.len();
        inner.report.max_accepted_in_any_1s_window =
            inner.report.max_accepted_in_any_1s_window.max(n);
        Ok(())
    }
}

/// The middleware on the CCAI API, inside its auth (a customer is a credential).
pub async fn limit(State(app): State<App>, req: Request, next: Next) -> Response {
    match app.ccai_rate.admit(Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let limit = app.ccai_rate.report().limit.unwrap_or_default();
            let body = json!({ "message": format!(
                "Too many requests: {limit} requests per second per customer (the sandbox's --ccai-rate)"
            ) });
            let mut res = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
            let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            res
        }
    }
}
