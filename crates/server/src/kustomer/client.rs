//! Kustomer's REST API with the company's API key (B2), as the record rules use it, and its retry
//! policy:
//!
//! - 429: the org's per-minute budget is spent (B4). Every request of this client waits until
//!   `x-ratelimit-reset` (or `Retry-After`), not just the one that was refused, so the server stops
//!   spending a budget the rest of the company shares.
//! - 5xx: Kustomer answered and did not do it (Not documented: we take a 5xx as "not applied"), so the
//!   request is sent again after a backoff.
//! - No answer (a timeout, a connection cut after the request went out): the write may or may not have
//!   happened, and Kustomer has no idempotency keys (B18). Reads and updates are sent again (they are
//!   harmless twice); a creation answers `Ambiguous`, and its caller looks it up by its natural key
//!   before it decides to send it again. A connection that was never made is always retried.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The first retry waits this long; each next one twice as long, up to `BACKOFF_CAP`.
const BACKOFF_START: Duration = Duration::from_millis(20);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// One request's time limit: a Kustomer that never answers is a failure to handle, not a hang. Generous,
/// because a creation that times out is ambiguous (B18): a note then is not sent again.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a 429 makes us wait (B4's window is a minute).
const MAX_PAUSE: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum KustomerError {
    /// A 4xx other than 429: sending it again cannot help.
    #[error("kustomer refused {method} {path}: {status} {body}")]
    Refused {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("kustomer answered {path} with unreadable json: {detail}")]
    BadJson { path: String, detail: String },
    /// A creation got no answer: it may have been applied.
    #[error("no answer from kustomer to {method} {path} ({detail}): it may have been applied")]
    Ambiguous {
        method: String,
        path: String,
        detail: String,
    },
}

impl KustomerError {
    /// A 404: the thing looked up does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, KustomerError::Refused { status: 404, .. })
    }
}

/// What to do when a request got no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repeat {
    /// Send it again: a read or an update.
    Blind,
    /// Answer `Ambiguous`: a creation, which its caller looks up first.
    Never,
}

/// Counts for `/stats`, the tests and the bench.
#[derive(Default)]
pub struct Counts {
    /// Requests sent (every attempt).
    pub requests: AtomicU64,
    /// 429s received.
    pub throttled: AtomicU64,
}

pub struct Kustomer {
    http: reqwest::Client,
    /// e.g. `https://acme.api.kustomerapp.com` (the part before `/v1/…`).
    base: String,
    key: String,
    /// Set by a 429: no request leaves before this instant.
    paused_until: Mutex<Option<Instant>>,
    pub counts: Counts,
}

impl Kustomer {
    pub fn new(base: &str, key: &str) -> Result<Kustomer, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(64)
            .build()?;
        Ok(Kustomer {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            paused_until: Mutex::new(None),
            counts: Counts::default(),
        })
    }

    /// Sends one request until it gets a definite answer (see the module's policy).
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        repeat: Repeat,
    ) -> Result<Value, KustomerError> {
        let url = format!("{}{}", self.base, path);
        let mut backoff = BACKOFF_START;
        let mut attempt: u32 = 0;
        loop {
            self.wait_for_budget().await;
            attempt += 1;
            self.counts.requests.fetch_add(1, Ordering::Relaxed);
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.key);
            if let Some(b) = body {
                req = req.json(b);
            }
            let wait = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        let text = resp.text().await.unwrap_or_default();
                        if text.trim().is_empty() {
                            return Ok(Value::Null);
                        }
                        return serde_json::from_str(&text).map_err(|e| KustomerError::BadJson {
                            path: path.to_owned(),
                            detail: e.to_string(),
                        });
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        self.counts.throttled.fetch_add(1, Ordering::Relaxed);
                        let pause =
                            reset_after(resp.headers(), crate::now_ms() / 1000).unwrap_or(backoff);
                        self.pause(pause);
                        Duration::ZERO
                    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
                        backoff
                    } else {
                        let text = resp.text().await.unwrap_or_default();
                        return Err(KustomerError::Refused {
                            method: method.to_string(),
                            path: path.to_owned(),
                            status: status.as_u16(),
                            body: text,
                        });
                    }
                }
                // Never connected: nothing was sent.
                Err(e) if e.is_connect() => backoff,
                Err(e) if repeat == Repeat::Never => {
                    return Err(KustomerError::Ambiguous {
                        method: method.to_string(),
                        path: path.to_owned(),
                        detail: e.to_string(),
                    })
                }
                Err(_) => backoff,
            };
            if attempt.is_multiple_of(10) {
                eprintln!(
                    "ccai-server: kustomer {method} {path} still failing after {attempt} attempts"
                );
            }
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(BACKOFF_CAP);
        }
    }

    pub async fn get(&self, path: &str) -> Result<Value, KustomerError> {
        self.send(Method::GET, path, None, Repeat::Blind).await
    }

    /// A lookup: `None` when Kustomer answers 404.
    pub async fn find(&self, path: &str) -> Result<Option<Value>, KustomerError> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A creation (`POST`), never repeated after an unanswered attempt.
    pub async fn create(&self, path: &str, body: &Value) -> Result<Value, KustomerError> {
        self.send(Method::POST, path, Some(body), Repeat::Never)
            .await
    }

    /// An update (`PATCH`): the same values set twice are harmless, so it is repeated until answered.
    pub async fn update(&self, path: &str, body: &Value) -> Result<(), KustomerError> {
        self.send(Method::PATCH, path, Some(body), Repeat::Blind)
            .await?;
        Ok(())
    }

    /// B14's upload: a multipart `POST` of `fields` then the file (last, as `file`) to the URL
    /// `POST /v1/attachments` answered. No API key: the URL carries its own authorisation.
    pub async fn upload(
        &self,
        url: &str,
        fields: &[(String, String)],
        name: &str,
        content_type: &str,
        content: &[u8],
    ) -> Result<(), KustomerError> {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.clone(), v.clone());
        }
        let part = reqwest::multipart::Part::bytes(content.to_vec())
            .file_name(name.to_owned())
            .mime_str(content_type)
            .map_err(|e| KustomerError::Refused {
                method: "POST".into(),
                path: url.to_owned(),
                status: 0,
                body: e.to_string(),
            })?;
        form = form.part("file", part);
        self.counts.requests.fetch_add(1, Ordering::Relaxed);
        let resp = self
            .http
            .post(url)
            .multipart(form)
            .send()
            .await
            .map_err(|e| KustomerError::Ambiguous {
                method: "POST".into(),
                path: url.to_owned(),
                detail: e.to_string(),
            })?;
        if resp.status().is_success() {
            return Ok(());
        }
        Err(KustomerError::Refused {
            method: "POST".into(),
            path: url.to_owned(),
            status: resp.status().as_u16(),
            body: resp.text().await.unwrap_or_default(),
        })
    }

    /// How long every request of the org must still wait after Kustomer's last 429 (B4), if at all:
    /// the server's other Kustomer users (the standing check) yield to it too.
    pub fn paused_for(&self) -> Option<Duration> {
        let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        until.and_then(|t| t.checked_duration_since(Instant::now()))
    }

    fn pause(&self, d: Duration) {
        let until = Instant::now() + d.min(MAX_PAUSE);
        let mut p = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }

    async fn wait_for_budget(&self) {
        let until = *self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(t) = until {
            tokio::time::sleep_until(t.into()).await;
        }
    }
}

/// How long a 429 asks us to wait. B4 names `x-ratelimit-reset`; Not documented: its unit. A value
/// above 10^9 is read as the reset's epoch second, a smaller one as seconds to wait; `Retry-After`
/// (seconds) is the fallback.
pub fn reset_after(headers: &reqwest::header::HeaderMap, now_s: u64) -> Option<Duration> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let secs = match number("x-ratelimit-reset") {
        Some(v) if v > 1e9 => (v - now_s as f64).max(0.0),
        Some(v) => v,
        None => number("retry-after")?,
    };
    Some(Duration::from_secs_f64(secs.min(MAX_PAUSE.as_secs_f64())))
}

/// `data.id` of a JSON:API answer.
pub fn data_id(v: &Value) -> Option<String> {
    v.get("data")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Percent-encodes a path segment or query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn a_429_waits_for_the_reset_in_either_unit() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        let now = 1_800_000_000;
        let rows = [
            (h(&[("x-ratelimit-reset", "12")]), Some(12.0)),
            (h(&[("x-ratelimit-reset", "1800000007")]), Some(7.0)),
            (h(&[("x-ratelimit-reset", "1799999990")]), Some(0.0)),
            (h(&[("retry-after", "3")]), Some(3.0)),
            (h(&[("x-ratelimit-reset", "9999")]), Some(60.0)),
            (h(&[]), None),
        ];
        for (headers, want) in rows {
            assert_eq!(
                reset_after(&headers, now).map(|d| d.as_secs_f64()),
                want,
                "{headers:?}"
            );
        }
    }
}
