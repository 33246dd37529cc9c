//! The connector: CCAI Platform session events in (signed webhooks), Kustomer records out, exactly once
//! in effect, in order per customer, surviving restarts. The rules themselves are `ccai_core::records`
//! (pure); this crate is the I/O shell around them.
//!
//! - `ingest`: the webhook door (signature, replay, durable inbox).
//! - `engine`: per-customer ordering, the outbox, execution.
//! - `facts`: what the rules read, from the store and Kustomer.
//! - `lookup`: the Kustomer customer a new caller already is (by phone).
//! - `apply`: one operation as Kustomer calls.
//! - `kustomer`: the HTTP client and its retry policy.
//! - `store`: the SQLite file.
//! - `signature`: HMAC-SHA256 of `timestamp.body`.

pub mod apply;
pub mod config;
pub mod engine;
pub mod facts;
pub mod ingest;
pub mod kustomer;
pub mod lookup;
pub mod signature;
pub mod store;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;

pub use config::Config;
use engine::Engine;
use ingest::Door;
use kustomer::Kustomer;
use store::Store;

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("listening on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// A running connector. Dropping it (or `kill`) stops every task it started at once, mid-request if need
/// be: the in-process stand-in for a killed process.
pub struct Connector {
    pub addr: SocketAddr,
    pub engine: Arc<Engine>,
    door: Arc<Door>,
    tasks: JoinSet<()>,
}

impl Connector {
    pub async fn start(cfg: Config) -> Result<Connector, StartError> {
        let store = Store::open(&cfg.db)?;
        let kustomer = Kustomer::new(&cfg.kustomer_url, &cfg.kustomer_key, &cfg.agents);
        let (engine, receivers) = Engine::new(
            store,
            kustomer,
            cfg.sdk_mapping.clone(),
            cfg.phone_countries.clone(),
            cfg.gap_ms,
            cfg.workers,
        );
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
        let door = Arc::new(Door {
            engine: engine.clone(),
            secret: cfg.secret.clone(),
            stopped: Default::default(),
        });
        let mut tasks = JoinSet::new();
        for rx in receivers {
            tasks.spawn(engine.clone().run_worker(rx));
        }
        let app = ingest::router(door.clone());
        tasks.spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                eprintln!("connector: server stopped: {e}");
            }
        });
        let pruner = engine.clone();
        tasks.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let horizon = engine::now_ms() / 1000 - 2 * signature::MAX_SKEW_S;
                if let Err(e) = pruner.store.prune_signatures(horizon) {
                    eprintln!("connector: pruning signatures: {e}");
                }
            }
        });
        // Resume what a previous run accepted but did not finish.
        for key in engine.store.unfinished_customers()? {
            engine.notify(&key, None);
        }
        Ok(Connector {
            addr,
            engine,
            door,
            tasks,
        })
    }

    pub fn webhook_url(&self) -> String {
        format!("http://{}{}", self.addr, ingest::WEBHOOK_PATH)
    }

    /// Stops everything now, as a crash would: no draining, no goodbye.
    pub async fn kill(mut self) {
        self.door.stopped.store(true, Ordering::SeqCst);
        self.tasks.abort_all();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Waits until every accepted event is applied, or `limit` passes. True when idle.
    pub async fn wait_idle(&self, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let s = &self.engine.store;
            let left =
                s.count_events("pending").unwrap_or(1) + s.count_events("decided").unwrap_or(1);
            if left == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
