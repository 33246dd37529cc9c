//! Fault injection (issue 5): scheduled misbehaviour on the CCAI or the Kustomer API, so clients can be
//! tested against 401, 429 with Retry-After, 500, 503, latency, a dropped connection, and the ambiguous
//! case where the change is applied but the response never arrives.
//!
//! Faults wait in one queue, in the order scheduled. Each request to a service takes the first pending
//! fault that matches it (service, optional path prefix, optional method), so one fault affects exactly
//! one request.

use std::collections::VecDeque;
use std::time::Duration;

use axum::extract::{ConnectInfo, OriginalUri, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::ccai::agent_statuses::{record, StatusRequest};
use crate::kustomer::jsonapi;
use crate::net::Peer;
use crate::state::App;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Ccai,
    Kustomer,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this status code instead of serving the request (nothing is applied).
    Status {
        code: u16,
        retry_after_s: Option<u64>,
    },
    /// Wait, then serve the request normally.
    Latency { ms: u64 },
    /// Close the connection without a response; nothing is applied.
    Drop,
    /// Serve the request (the change is applied), then close the connection without the response.
    LostResponse,
}

impl Fault {
    fn label(&self) -> String {
        match self {
            Fault::Status { code, .. } => format!("fault_status_{code}"),
            Fault::Latency { ms } => format!("fault_latency_{ms}"),
            Fault::Drop => "fault_drop".into(),
            Fault::LostResponse => "fault_lost_response".into(),
        }
    }
}

/// Request body of `POST /sandbox/faults`.
#[derive(Deserialize)]
pub struct Schedule {
    pub service: Service,
    /// Matched against the full path (`/ccai/apps/api/v1/agent_statuses`) or the path below the
    /// service's base (`/apps/api/v1/agent_statuses`).
    pub path_prefix: Option<String>,
    /// e.g. `POST`; any method when absent.
    pub method: Option<String>,
    pub faults: Vec<Fault>,
    /// The list is scheduled this many times in a row (default 1).
    pub times: Option<u32>,
}

#[derive(Clone, Serialize)]
pub struct Pending {
    pub id: u64,
    pub service: Service,
    pub path_prefix: Option<String>,
    pub method: Option<String>,
    pub fault: Fault,
}

#[derive(Clone, Serialize)]
pub struct Fired {
    pub id: u64,
    pub at_ms: f64,
    pub service: Service,
    pub method: String,
    pub path: String,
    pub fault: Fault,
}

#[derive(Default)]
pub struct FaultQueue {
    pub pending: VecDeque<Pending>,
    pub fired: Vec<Fired>,
    next_id: u64,
}

impl FaultQueue {
    pub fn schedule(&mut self, s: Schedule) -> usize {
        let before = self.pending.len();
        for _ in 0..s.times.unwrap_or(1) {
            for fault in &s.faults {
                self.next_id += 1;
                self.pending.push_back(Pending {
                    id: self.next_id,
                    service: s.service,
                    path_prefix: s.path_prefix.clone(),
                    method: s.method.as_ref().map(|m| m.to_ascii_uppercase()),
                    fault: fault.clone(),
                });
            }
        }
        self.pending.len() - before
    }

    fn take(
        &mut self,
        service: Service,
        method: &str,
        full: &str,
        relative: &str,
    ) -> Option<Pending> {
        let i = self.pending.iter().position(|p| {
            p.service == service
                && p.method.as_deref().is_none_or(|m| m == method)
                && p.path_prefix
                    .as_deref()
                    .is_none_or(|pre| full.starts_with(pre) || relative.starts_with(pre))
        })?;
        self.pending.remove(i)
    }
}

pub async fn ccai(
    State(app): State<App>,
    peer: ConnectInfo<Peer>,
    req: Request,
    next: Next,
) -> Response {
    inject(app, Service::Ccai, peer.0, req, next).await
}

pub async fn kustomer(
    State(app): State<App>,
    peer: ConnectInfo<Peer>,
    req: Request,
    next: Next,
) -> Response {
    inject(app, Service::Kustomer, peer.0, req, next).await
}

/// Marks a request whose response a `lost_response` fault will drop (the received log says so).
#[derive(Clone, Copy)]
pub struct LostResponse;

async fn inject(app: App, service: Service, peer: Peer, mut req: Request, next: Next) -> Response {
    let relative = req.uri().path().to_owned();
    let full = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| relative.clone(), |u| u.path().to_owned());
    let method = req.method().as_str().to_owned();
    // The page's own live channel is sandbox plumbing, not part of Kustomer's API: faults meant for
    // the connector or the extension must not be eaten by it.
    if full.contains("/v1/sandbox-") {
        return next.run(req).await;
    }
    let at_ms = app.at_ms();
    let pending = {
        let mut st = app.lock();
        let p = st.faults.take(service, &method, &full, &relative);
        if let Some(p) = &p {
            st.faults.fired.push(Fired {
                id: p.id,
                at_ms,
                service,
                method: method.clone(),
                path: full.clone(),
                fault: p.fault.clone(),
            });
        }
        p
    };
    let Some(pending) = pending else {
        return next.run(req).await;
    };
    match pending.fault {
        Fault::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        Fault::LostResponse => {
            req.extensions_mut().insert(LostResponse);
            let res = next.run(req).await;
            peer.cut.cut();
            res
        }
        ref f @ (Fault::Drop | Fault::Status { .. }) => {
            let label = f.label();
            // The agent_statuses log is "everything CCAI receives": refused requests belong in it too.
            if service == Service::Ccai
                && method == "POST"
                && relative == "/apps/api/v1/agent_statuses"
            {
                let body = axum::body::to_bytes(req.into_body(), 1 << 20)
                    .await
                    .unwrap_or_default();
                if let Ok(parsed) = StatusRequest::parse(&body) {
                    let mut st = app.lock();
                    let agents = parsed.agents(&st.ccai);
                    record(&mut st.ccai, at_ms, &parsed, &agents, &label, false);
                }
            }
            match pending.fault {
                Fault::Status {
                    code,
                    retry_after_s,
                } => status_response(service, code, retry_after_s),
                _ => {
                    peer.cut.cut();
                    StatusCode::SERVICE_UNAVAILABLE.into_response()
                }
            }
        }
    }
}

fn status_response(service: Service, code: u16, retry_after_s: Option<u64>) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let text = format!(
        "injected fault: {}",
        status.canonical_reason().unwrap_or("error")
    );
    let mut res = match service {
        Service::Ccai => (status, Json(json!({ "message": text }))).into_response(),
        Service::Kustomer => jsonapi::error(status, text),
    };
    let retry = retry_after_s.or(if code == 429 { Some(1) } else { None });
    if let Some(s) = retry {
        if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    res
}
