//! The sandbox: a fake Kustomer (its agent page and API) and a fake CCAI Platform API on one loopback
//! origin, with test hooks and fault injection. Used in-process by the end-to-end and company-server
//! tests, and as a binary for people (`cargo run -p sandbox -- --port 8123`).
//!
//! URL layout, so that a real tenant changes only base URLs:
//! - `/` and `/app/…` — the agent page; `/static/…` its assets.
//! - `/kapi/v1/…` — Kustomer's API (Bearer `sandbox-kustomer-key`, or the page's `ksession` cookie).
//! - `/ccai/apps/api/v1/…`, `/ccai/manager/api/v1/…` — CCAI's APIs (Basic `sandbox:sandbox-ccai-token`).
//! - `/sandbox/…` — control hooks, loopback peers only.
//!
//! Architecture invariant: the sandbox binds 127.0.0.1 only, and keeps everything in memory.

// Handlers' helpers return a ready `Response` as their error: built once, on a cold path.
#![allow(clippy::result_large_err)]

mod agents;
mod auth;
pub mod ccai;
mod control;
mod faults;
pub mod fidelity;
pub mod kustomer;
mod net;
mod page;
mod state;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::middleware;
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use auth::{CCAI_TOKEN, CCAI_USER, KUSTOMER_API_KEY};
pub use kustomer::oauth::OAuthClient;
pub use page::CSP;
pub use state::App;

/// The binary's default port.
pub const DEFAULT_PORT: u16 = 8123;

#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// 0 picks a free port (tests).
    pub port: u16,
    /// The signed-in agent's e-mail, in Kustomer (user `u-agent-1`) and in CCAI (agent 11).
    pub agent_email: String,
    /// How long CCAI keeps an agent in Wrap-up before moving them to Available by itself, when a test
    /// hook starts Wrap-up without saying. 0 = until `/sandbox/ccai/agents/{id}/wrap-up/end`.
    pub wrap_up_ms: u64,
    /// Kustomer's OAuth clients (API-NOTES B3); more can be registered with `/sandbox/oauth/clients`.
    pub oauth_clients: Vec<OAuthClient>,
    /// How long a Kustomer OAuth access token lives (not documented; the sandbox's default is 3,600 s).
    pub oauth_access_ttl_s: u64,
    /// Kustomer's org-wide requests per 60 s (API-NOTES B4; Enterprise 1,000). `None`: no limit.
    pub kustomer_budget_per_min: Option<u32>,
    /// CCAI's rate limit in requests per second per customer (API-NOTES A3 documents 10); `None` = not
    /// enforced (still measured: `GET /sandbox/ccai/rate`).
    pub ccai_rate: Option<u32>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: DEFAULT_PORT,
            agent_email: "agent@example.com".into(),
            wrap_up_ms: 5000,
            oauth_clients: Vec::new(),
            oauth_access_ttl_s: 3600,
            kustomer_budget_per_min: None,
            ccai_rate: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("port {port} on 127.0.0.1 is already in use: stop whatever listens there, or start the sandbox on another port with --port <PORT> (--port 0 picks a free one)")]
    PortInUse { port: u16 },
    #[error("could not start the sandbox on 127.0.0.1:{port}: {source}")]
    Io { port: u16, source: std::io::Error },
}

/// A running sandbox. Dropping it leaves the server running until the runtime ends; call [`Sandbox::stop`].
pub struct Sandbox {
    pub addr: SocketAddr,
    app: App,
    task: JoinHandle<()>,
}

impl Sandbox {
    pub async fn start(cfg: SandboxConfig) -> Result<Sandbox, SandboxError> {
        let port = cfg.port;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port))
            .await
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::AddrInUse => SandboxError::PortInUse { port },
                _ => SandboxError::Io { port, source },
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| SandboxError::Io { port, source })?;
        let app = state::Shared::new(cfg);
        let service = router(app.clone()).into_make_service_with_connect_info::<net::Peer>();
        let mut stop = app.shutdown.subscribe();
        let server = axum::serve(net::CuttableListener(listener), service).with_graceful_shutdown(
            async move {
                let _ = stop.wait_for(|s| *s).await;
            },
        );
        let task = tokio::spawn(async move {
            let _ = server.await;
        });
        Ok(Sandbox { addr, app, task })
    }

    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The shared state, for in-process tests that want to look inside.
    pub fn app(&self) -> &App {
        &self.app
    }

    /// Restores the seeds and clears logs, faults and caches (same as `POST /sandbox/reset`).
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Stops accepting, ends the event streams, and waits (briefly) for open requests to finish.
    pub async fn stop(self) {
        self.app.shutdown.send_replace(true);
        let mut task = self.task;
        if tokio::time::timeout(Duration::from_secs(3), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
}

/// The whole application. The Kustomer and CCAI routers sit behind fault injection, which sits outside
/// their auth, so a test can inject a 401 even with good credentials.
pub fn router(app: App) -> Router {
    // Outermost, the fidelity ledger: a request refused by an injected fault was still made.
    let fidelity = || middleware::from_fn_with_state(app.clone(), fidelity::record);
    let kustomer = kustomer::router(app.clone())
        .layer(middleware::from_fn_with_state(
            app.clone(),
            faults::kustomer,
        ))
        .layer(fidelity());
    let ccai = ccai::router(app.clone())
        .layer(middleware::from_fn_with_state(app.clone(), faults::ccai))
        .layer(fidelity());
    let control = control::router().layer(middleware::from_fn(auth::loopback_only));
    Router::new()
        .merge(page::router())
        // The storage service Kustomer's attachment uploads go to (API-NOTES B14).
        .route(
            "/uploads/kustomer",
            axum::routing::post(kustomer::attachments::upload).layer(fidelity()),
        )
        .nest("/kapi", kustomer)
        .nest("/ccai", ccai)
        .nest("/sandbox", control)
        .fallback(fidelity::unknown)
        .with_state(app)
}
