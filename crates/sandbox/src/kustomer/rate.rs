//! Kustomer's rate limit (API-NOTES B4): one org-wide 60-second budget shared by every API key and app
//! user; past it, 429 until the window resets; `x-ratelimit-limit`, `-remaining` and `-reset` on every
//! answer. Off unless configured (`SandboxConfig::kustomer_budget_per_min`, `--kustomer-budget`, or
//! `PUT /sandbox/kustomer/rate`).
//!
//! Not documented, the sandbox's choices: the window is fixed (it starts with the first request after
//! the last one ended, and lasts 60 s); `x-ratelimit-reset` is the whole seconds until it ends; a
//! refused request does not use budget; the page's own requests (its `ksession` cookie: Kustomer's web
//! app, not an API client) are not counted; the OAuth token endpoint is not counted.
//!
//! Every counted request, refused or not, is also measured for `GET /sandbox/kustomer/rate`: the most
//! requests seen in any sliding 60 s window, the total, and how many were refused.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use super::access::Caller;
use super::jsonapi;
use crate::state::App;

const WINDOW: Duration = Duration::from_secs(60);

pub struct RateLimit(Mutex<Inner>);

struct Inner {
    budget: Option<u32>,
    window_start: Option<Instant>,
    used: u32,
    recent: VecDeque<Instant>,
    measured: Measured,
}

/// What `GET /sandbox/kustomer/rate` answers.
#[derive(Clone, Default, Serialize)]
pub struct Measured {
    pub budget: Option<u32>,
    pub max_in_any_60s_window: usize,
    pub total: u64,
    pub refused: u64,
}

/// The verdict on one request, with the values of its headers.
struct Verdict {
    allowed: bool,
    limit: u32,
    remaining: u32,
    reset_s: u64,
}

impl RateLimit {
    pub fn new(budget: Option<u32>) -> RateLimit {
        RateLimit(Mutex::new(Inner {
            budget,
            window_start: None,
            used: 0,
            recent: VecDeque::new(),
            measured: Measured::default(),
        }))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn measured(&self) -> Measured {
        let inner = self.lock();
        Measured {
            budget: inner.budget,
            ..inner.measured.clone()
        }
    }

    /// Clears the measurements and the current window (the budget stays).
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.window_start = None;
        inner.used = 0;
        inner.recent.clear();
        inner.measured = Measured::default();
    }

    pub fn set_budget(&self, budget: Option<u32>) {
        let mut inner = self.lock();
        inner.budget = budget;
        inner.window_start = None;
        inner.used = 0;
    }

    fn admit(&self, now: Instant) -> Option<Verdict> {
        let mut inner = self.lock();
        inner.recent.push_back(now);
        while inner
            .recent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= WINDOW)
        {
            inner.recent.pop_front();
        }
        let in_window = inner.recent.len();
        let m = &mut inner.measured;
        m.total += 1;
        m.max_in_any_60s_window = m.max_in_any_60s_window.max(in_window);
        let limit = inner.budget?;
        let start = match inner.window_start {
            Some(s) if now.duration_since(s) < WINDOW => s,
            _ => {
                inner.used = 0;
                inner.window_start = Some(now);
                now
            }
        };
        let allowed = inner.used < limit;
        if allowed {
            inner.used += 1;
        } else {
            inner.measured.refused += 1;
        }
        let left = WINDOW.saturating_sub(now.duration_since(start));
        Some(Verdict {
            allowed,
            limit,
            remaining: limit - inner.used,
            reset_s: left.as_secs() + u64::from(left.subsec_nanos() > 0),
        })
    }
}

/// The budget's layer, inside auth (it needs the caller).
pub async fn middleware(State(app): State<App>, req: Request, next: Next) -> Response {
    let counted = req
        .extensions()
        .get::<Caller>()
        .is_some_and(|c| !c.is_page());
    if !counted {
        return next.run(req).await;
    }
    let Some(v) = app.kustomer_rate.admit(Instant::now()) else {
        return next.run(req).await;
    };
    let mut res = if v.allowed {
        next.run(req).await
    } else {
        jsonapi::error(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "rate limit exceeded: {} requests per minute for the org; retry in {} s",
                v.limit, v.reset_s
            ),
        )
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", u64::from(v.limit)),
        ("x-ratelimit-remaining", u64::from(v.remaining)),
        ("x-ratelimit-reset", v.reset_s),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
    res
}
