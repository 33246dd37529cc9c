//! CCAI's HTTP API as the server speaks it: HTTP Basic with the company's subdomain and API token
//! (API-NOTES A2), the Apps and Manager bases (A1), and nothing the docs do not name: no
//! `Idempotency-Key`, no `X-Owner-Epoch` (A7 says no such header exists).
//!
//! The client only makes one request and classifies the answer; when to make it, and whether to try
//! again, is the scheduler's (`super::scheduler`), so every request of the server spends the one
//! company budget.

use std::time::Duration;

use reqwest::header::{LINK, RETRY_AFTER};
use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::vendor::{VendorError, CCAI};

/// One request's time limit: a CCAI that never answers is a dropped connection, not a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum CcaiError {
    /// The connection dropped or timed out: CCAI may or may not have done it.
    #[error("ccai did not answer {path}: {detail}")]
    Unreachable { path: String, detail: String },
    #[error("ccai answered {path} with {status}: {message}")]
    Status {
        path: String,
        status: u16,
        message: String,
    },
    #[error("ccai answered {path} with unreadable json: {detail}")]
    BadJson { path: String, detail: String },
    #[error("the company's ccai budget gave up on {path} after retries")]
    GaveUp { path: String },
    #[error("the ccai scheduler has stopped")]
    Stopped,
    /// Not sent: this instance does not hold the company's lease (issue 18), or cannot confirm it.
    #[error("not sent to ccai ({path}): {reason}")]
    Fenced { path: String, reason: String },
}

/// Checked before every CCAI request: `Err(reason)` stops it unsent (the company lease's fence).
pub type Fence = std::sync::Arc<dyn Fn() -> Result<(), String> + Send + Sync>;

/// One CCAI request, described before it is sent (the scheduler may send it again).
#[derive(Debug, Clone)]
pub struct CcaiCall {
    pub method: Method,
    /// From the API root, e.g. `/manager/api/v1/agents` or `/apps/api/v1/calls`.
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Option<serde_json::Value>,
}

impl CcaiCall {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: Method::GET,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    pub fn post(path: impl Into<String>, body: serde_json::Value) -> Self {
        Self {
            method: Method::POST,
            path: path.into(),
            query: Vec::new(),
            body: Some(body),
        }
    }

    pub fn query(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_owned(), value.to_string()));
        self
    }
}

/// CCAI's answer, whatever its status: the caller decides what a 4xx means for it.
#[derive(Debug, Clone)]
pub struct CcaiResponse {
    pub path: String,
    pub status: u16,
    pub body: Vec<u8>,
    /// The `Link` header (A5), for `ccai_core::paging::has_next`.
    pub link: Option<String>,
    /// Not documented: a `Retry-After` on 429 (A3). Honoured when present, in seconds.
    pub retry_after_ms: Option<u64>,
}

impl CcaiResponse {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as `T` for a 2xx; otherwise the error with CCAI's `{"message"}` (A4) or the text.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, CcaiError> {
        if !self.is_success() {
            return Err(self.error());
        }
        serde_json::from_slice(&self.body).map_err(|e| CcaiError::BadJson {
            path: self.path.clone(),
            detail: e.to_string(),
        })
    }

    pub fn error(&self) -> CcaiError {
        let message = serde_json::from_slice::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_owned))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&self.body)
                    .chars()
                    .take(300)
                    .collect()
            });
        CcaiError::Status {
            path: self.path.clone(),
            status: self.status,
            message,
        }
    }
}

#[derive(Clone)]
pub struct CcaiClient {
    http: reqwest::Client,
    /// `https://{subdomain}.{domain}` (A1), without a trailing slash.
    base: String,
    subdomain: String,
    token: String,
    fence: Option<Fence>,
}

impl CcaiClient {
    pub fn new(base: &str, subdomain: &str, token: &str) -> Result<Self, CcaiError> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(16)
            .build()
            .map_err(|e| CcaiError::Unreachable {
                path: base.to_owned(),
                detail: e.to_string(),
            })?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            subdomain: subdomain.to_owned(),
            token: token.to_owned(),
            fence: None,
        })
    }

    /// Every request first asks `fence`; a refusal is a `CcaiError::Fenced` and nothing goes out.
    pub fn with_fence(mut self, fence: Fence) -> Self {
        self.fence = Some(fence);
        self
    }

    /// Makes the request once.
    pub async fn send(&self, call: &CcaiCall) -> Result<CcaiResponse, CcaiError> {
        if let Some(fence) = &self.fence {
            fence().map_err(|reason| CcaiError::Fenced {
                path: call.path.clone(),
                reason,
            })?;
        }
        let url = format!("{}{}", self.base, call.path);
        let mut req = self
            .http
            .request(call.method.clone(), &url)
            .basic_auth(&self.subdomain, Some(&self.token));
        if !call.query.is_empty() {
            req = req.query(&call.query);
        }
        if let Some(body) = &call.body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| CcaiError::Unreachable {
            path: call.path.clone(),
            detail: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let link = resp
            .headers()
            .get(LINK)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after_ms = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(|s| s * 1_000);
        let body = resp.bytes().await.map_err(|e| CcaiError::Unreachable {
            path: call.path.clone(),
            detail: e.to_string(),
        })?;
        Ok(CcaiResponse {
            path: call.path.clone(),
            status,
            body: body.to_vec(),
            link,
            retry_after_ms,
        })
    }
}

/// A Manager API GET through the company's budget, for the parts of the server that speak
/// [`VendorError`] (sign-in's directory, the settings' catalogs): the body as `T`, and the `Link`
/// header.
pub async fn manager_get<T: DeserializeOwned>(
    state: &crate::state::AppState,
    what: &'static str,
    call: CcaiCall,
) -> Result<(T, Option<String>), VendorError> {
    let no_answer = |e: CcaiError| VendorError::NoAnswer {
        vendor: CCAI,
        what,
        detail: e.to_string(),
    };
    let resp = state
        .0
        .ccai
        .request(ccai_core::budget::Priority::Read, call)
        .await
        .map_err(no_answer)?;
    if !resp.is_success() {
        return Err(VendorError::Status {
            vendor: CCAI,
            what,
            status: reqwest::StatusCode::from_u16(resp.status)
                .unwrap_or(reqwest::StatusCode::BAD_GATEWAY),
            body: String::from_utf8_lossy(&resp.body)
                .chars()
                .take(300)
                .collect(),
        });
    }
    let body = serde_json::from_slice(&resp.body).map_err(|e| VendorError::Body {
        vendor: CCAI,
        what,
        detail: e.to_string(),
    })?;
    Ok((body, resp.link))
}
