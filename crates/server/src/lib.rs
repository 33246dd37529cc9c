//! The company server (issue 15): holds the CCAI API token and the Kustomer API key, signs agents in as
//! themselves (Kustomer OAuth 2.0 + PKCE), spends one CCAI budget for the company, receives CCAI's session
//! events and runs the record rules, pushes what concerns an agent to that agent, keeps the admin's
//! settings. The decisions live in `ccai_core`; this crate carries out their effects.
//!
//! - `config`: settings (secrets from the environment).
//! - `store`: SQLite or PostgreSQL, and the migrations; `lease`: which instance acts for the company.
//! - `oauth`, `session`: sign-in and agent sessions; `http::auth` turns a request into an agent.
//! - `push`: the hub and `GET /api/v1/events`.
//! - `settings`: the company's settings (admin API in `http::admin`, with the status lists of
//!   `catalogs` and F1's custom fields, `fields`).
//! - `intake`, `records`: CCAI's session events in (A20), the record rules' Kustomer writes out, each
//!   call's state pushed to its agent; `kustomer::client`: Kustomer with the API key.

pub mod agent_tokens;
pub mod catalogs;
pub mod ccai;
pub mod config;
pub mod directory;
pub mod fanout;
pub mod fields;
pub mod http;
pub mod intake;
pub mod kustomer;
pub mod lease;
pub mod oauth;
pub mod preflight;
pub mod push;
pub mod records;
pub mod sealed;
pub mod session;
pub mod settings;
pub mod standing;
pub mod state;
pub mod status;
pub mod store;
pub mod vendor;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::serve::ListenerExt;
use tokio::task::JoinSet;

pub use config::Config;
use state::{AppState, Inner};
use store::Store;

/// Milliseconds since the Unix epoch (the one place the server reads the wall clock for it).
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("checking the vendors at start: {0}")]
    Vendor(#[from] vendor::VendorError),
    #[error("building the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("building the ccai client: {0}")]
    Ccai(#[from] ccai::client::CcaiError),
}

/// A running server. Dropping it (or `kill`) stops every task it started at once, mid-request if need be:
/// the in-process stand-in for a killed process.
pub struct Server {
    pub addr: SocketAddr,
    pub state: AppState,
    tasks: JoinSet<()>,
}

impl Server {
    pub async fn start(mut cfg: Config) -> Result<Server, StartError> {
        let store = Arc::new(Store::open_waiting(&cfg.db, cfg.db_connections, cfg.db_wait).await?);
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .build()?;
        if cfg.check_vendors {
            preflight::check_vendors(&http, &cfg).await?;
        }
        let listener = tokio::net::TcpListener::bind(cfg.listen)
            .await
            .map_err(|source| StartError::Listen {
                addr: cfg.listen,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| StartError::Listen {
            addr: cfg.listen,
            source,
        })?;
        // Empty: this server's own callback at the address it just bound (tests, a first local run).
        if cfg.oauth_redirect_uri.is_empty() {
            cfg.oauth_redirect_uri = format!("http://{addr}/auth/callback");
        }
        let mut ccai_client = ccai::client::CcaiClient::new(
            &cfg.ccai_base,
            &cfg.ccai_subdomain,
            &cfg.ccai_api_token,
        )?;
        // On PostgreSQL several instances may share the company: only the lease's holder sends to
        // CCAI, and every send checks it (a fenced send is a transient failure: the change waits).
        let instance = lease::instance_name(addr);
        let (lease, lease_task) = if matches!(cfg.db, store::Database::Postgres(_)) {
            let (lease, task) = lease::start(
                store.clone(),
                lease::company_of(&cfg),
                instance.clone(),
                lease::settings_of(&cfg),
            );
            let (fence_lease, fence_store) = (lease.clone(), store.clone());
            ccai_client = ccai_client.with_fence(Arc::new(move || fence_lease.check(&fence_store)));
            (Some(lease), Some(task))
        } else {
            (None, None)
        };
        let budget = ccai_core::budget::Config {
            rate_per_s: cfg.ccai_rate_per_s,
            spread: cfg.ccai_spread,
            ..ccai_core::budget::Config::default()
        };
        let (ccai, status_reports, scheduler) =
            ccai::scheduler::CcaiScheduler::new(ccai_client, budget);
        let agent_tokens = agent_tokens::AgentTokens::new(&cfg.oauth_client_secret);
        let (records, workers) = records::Records::new(&cfg)?;
        let state = AppState(Arc::new(Inner {
            ccai_directory: ccai::directory::Directory::new(ccai.clone()),
            ccai,
            cfg,
            store,
            lease,
            hub: push::Hub::default(),
            directory: directory::Directory::default(),
            agent_tokens,
            http,
            records,
            kustomer_statuses: Default::default(),
            kustomer_catalog: Default::default(),
        }));
        let mut tasks = JoinSet::new();
        if let Some(task) = lease_task {
            tasks.spawn(task);
        }
        if let store::Database::Postgres(url) = &state.0.cfg.db {
            let config = store::pg_config(&state.0.cfg.db, url)?;
            let (bus, task) = fanout::start(config, instance, state.clone());
            tasks.spawn(task);
            // Ready to serve pushes only once it hears the other instances.
            if !bus.wait_listening(std::time::Duration::from_secs(5)).await {
                eprintln!(
                    "ccai-server: not yet listening to the other instances' pushes; still trying"
                );
            }
            state.0.hub.attach(bus);
        }
        tasks.spawn(scheduler);
        status::start(&state, status_reports, &mut tasks).await?;
        let app = http::router(state.clone());
        // Nagle would hold a small answer or push event behind the peer's delayed ACK (~40 ms).
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("ccai-server: stopped serving: {e}");
            }
        });
        tasks.spawn(standing::run(state.clone()));
        records::spawn(&state, workers, &mut tasks)?;
        Ok(Server { addr, state, tasks })
    }

    /// `http://{addr}`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops everything now, as a crash would: no draining, no goodbye.
    pub async fn kill(mut self) {
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }
}
