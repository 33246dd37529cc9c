//! The few vendor calls identity makes (sign-in, the agent directory, the start check), and how their
//! failures read. Each names the vendor and the operation, so an operator can tell what failed.

use reqwest::{RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    #[error("{vendor} did not answer {what}: {source}")]
    Unreachable {
        vendor: &'static str,
        what: &'static str,
        source: reqwest::Error,
    },
    #[error("{vendor} answered {what} with {status}: {body}")]
    Status {
        vendor: &'static str,
        what: &'static str,
        status: StatusCode,
        body: String,
    },
    #[error("{vendor} answered {what} with a body we cannot read: {detail}")]
    Body {
        vendor: &'static str,
        what: &'static str,
        detail: String,
    },
    /// A request through the company's CCAI budget (`crate::ccai::scheduler`) that got no answer.
    #[error("{vendor} did not answer {what}: {detail}")]
    NoAnswer {
        vendor: &'static str,
        what: &'static str,
        detail: String,
    },
}

impl VendorError {
    /// The HTTP status the vendor answered, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            VendorError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

pub const KUSTOMER: &str = "Kustomer";
pub const CCAI: &str = "CCAI";

/// Sends `req` and reads a JSON body of type `T` from a 2xx answer.
pub async fn json<T: DeserializeOwned>(
    vendor: &'static str,
    what: &'static str,
    req: RequestBuilder,
) -> Result<(T, reqwest::header::HeaderMap), VendorError> {
    let res = req
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|source| VendorError::Unreachable {
            vendor,
            what,
            source,
        })?;
    let status = res.status();
    let headers = res.headers().clone();
    let text = res
        .text()
        .await
        .map_err(|source| VendorError::Unreachable {
            vendor,
            what,
            source,
        })?;
    if !status.is_success() {
        return Err(VendorError::Status {
            vendor,
            what,
            status,
            // A vendor's error body is for the log, cut short; it never reaches a browser as HTML.
            body: text.chars().take(300).collect(),
        });
    }
    let body = serde_json::from_str(&text).map_err(|e| VendorError::Body {
        vendor,
        what,
        detail: e.to_string(),
    })?;
    Ok((body, headers))
}

/// A Manager API request with the company's credentials (A1, A2: Basic `subdomain:token`).
pub fn ccai_manager(http: &reqwest::Client, cfg: &Config, path: &str) -> RequestBuilder {
    http.get(format!("{}/manager/api/v1/{path}", cfg.ccai_base))
        .basic_auth(&cfg.ccai_subdomain, Some(&cfg.ccai_api_token))
}

/// A Kustomer API GET with a bearer token: the API key or an agent's own OAuth token (B1).
pub fn kustomer_get(
    http: &reqwest::Client,
    cfg: &Config,
    path: &str,
    token: &str,
) -> RequestBuilder {
    http.get(format!("{}/v1/{path}", cfg.kustomer_api))
        .bearer_auth(token)
}
