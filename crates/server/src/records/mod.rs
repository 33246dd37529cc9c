//! The record rules at the server (what was the connector): CCAI's session events in (`crate::intake`,
//! A20's documented format), Kustomer records out, exactly once in effect, in order per customer,
//! surviving restarts, and each call's state pushed to its agent with the conversation the rules chose
//! (screen pop, A3). The rules themselves are `ccai_core::records` (pure); this module is their I/O.
//!
//! - `inbox`: the deliveries as stored before the intake answers; `translate`: one into the rules' events.
//! - `engine`: per-customer ordering, the outbox, the pushes.
//! - `facts`: what the rules read, from the store and Kustomer; `lookup`: the customer a caller already is.
//! - `apply`: one planned write as Kustomer requests (look-up before create).
//! - `store`: the component's tables; `agents`: CCAI agent id → e-mail → Kustomer user.

pub mod agents;
pub mod apply;
pub mod engine;
pub mod facts;
pub mod inbox;
pub mod lookup;
pub mod store;
pub mod translate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ccai_core::records::ccai_events::SessionEventsBody;
use ccai_core::records::ccai_translate::customer_key;
use ccai_core::records::Channel;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::kustomer::client::Kustomer;
use crate::state::AppState;
use crate::store::StoreError;
use facts::FieldCache;
use inbox::{Incoming, Taken};
use lookup::CustomerLookup;

/// Figures for `/stats`, the bench and the tests.
#[derive(Default)]
pub struct Metrics {
    /// Rules' events applied.
    pub applied: AtomicU64,
    /// Writes Kustomer refused for good (logged).
    pub failed_ops: AtomicU64,
    /// Notes and messages that may have been made and were not sent again (B18: no key to look up).
    pub not_repeated: AtomicU64,
    /// Delivery accepted → its events' last Kustomer write answered, in microseconds.
    pub apply_us: Mutex<Vec<u64>>,
    /// Delivery accepted → its push handed to the agent's connections, in microseconds.
    pub push_us: Mutex<Vec<u64>>,
}

impl Metrics {
    pub fn record_apply(&self, d: Duration) {
        push_capped(&self.apply_us, d);
    }

    pub fn record_push(&self, d: Duration) {
        push_capped(&self.push_us, d);
    }
}

/// Keeps the last 100,000 samples: enough for a p99, bounded for a server that runs for months.
fn push_capped(v: &Mutex<Vec<u64>>, d: Duration) {
    let mut v = v.lock().unwrap_or_else(|e| e.into_inner());
    if v.len() >= 100_000 {
        v.drain(..50_000);
    }
    v.push(d.as_micros() as u64);
}

/// The record rules' part of the server's state.
pub struct Records {
    pub kustomer: Kustomer,
    pub fields: FieldCache,
    pub lookup: CustomerLookup,
    pub metrics: Metrics,
    /// Delivery id → when the intake took it (for the latency figures).
    received: Mutex<HashMap<String, Instant>>,
    workers: Vec<mpsc::UnboundedSender<String>>,
}

/// The receiving ends of the workers' queues, for `spawn`.
pub struct Workers(Vec<mpsc::UnboundedReceiver<String>>);

impl Records {
    pub fn new(cfg: &Config) -> Result<(Records, Workers), reqwest::Error> {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..cfg.records_workers.max(1))
            .map(|_| mpsc::unbounded_channel())
            .unzip();
        let records = Records {
            kustomer: Kustomer::new(&cfg.kustomer_api, &cfg.kustomer_api_key)?,
            fields: FieldCache::default(),
            lookup: CustomerLookup::default(),
            metrics: Metrics::default(),
            received: Mutex::new(HashMap::new()),
            workers: txs,
        };
        Ok((records, Workers(rxs)))
    }

    /// Tells the customer's worker there is work.
    pub fn notify(&self, customer_key: &str) {
        let i = engine::worker_of(customer_key, self.workers.len());
        // A closed channel means the server is stopping; the inbox keeps the delivery for the restart.
        let _ = self.workers[i].send(customer_key.to_owned());
    }

    fn received_at(&self, delivery_id: &str, at: Instant) {
        let mut m = self.received.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 50_000 {
            m.retain(|_, t| t.elapsed() < Duration::from_secs(60));
        }
        m.insert(delivery_id.to_owned(), at);
    }

    fn peek_received(&self, delivery_id: &str) -> Option<Instant> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(delivery_id)
            .copied()
    }

    fn take_received(&self, delivery_id: &str) -> Option<Instant> {
        self.received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(delivery_id)
    }

    /// Events not yet applied (deliveries not translated, events not done).
    pub fn backlog(state: &AppState) -> Result<u64, StoreError> {
        let s = &state.0.store;
        Ok(s.records_count_deliveries("pending")?
            + s.records_count("pending")?
            + s.records_count("decided")?)
    }

    /// Figures for `/stats`.
    pub fn stats(state: &AppState) -> serde_json::Value {
        let r = &state.0.records;
        let m = &r.metrics;
        serde_json::json!({
            "applied": m.applied.load(Ordering::Relaxed),
            "failed_writes": m.failed_ops.load(Ordering::Relaxed),
            "writes_not_repeated": m.not_repeated.load(Ordering::Relaxed),
            "backlog": Records::backlog(state).unwrap_or(0),
            "kustomer_requests": r.kustomer.counts.requests.load(Ordering::Relaxed),
            "kustomer_throttled": r.kustomer.counts.throttled.load(Ordering::Relaxed),
        })
    }
}

/// Starts the workers, and resumes what a previous run accepted but did not finish.
pub fn spawn(
    state: &AppState,
    workers: Workers,
    tasks: &mut JoinSet<()>,
) -> Result<(), StoreError> {
    for rx in workers.0 {
        tasks.spawn(engine::run_worker(state.clone(), rx));
    }
    for key in state.0.store.records_unfinished()? {
        state.0.records.notify(&key);
    }
    Ok(())
}

/// What the intake did with a body, per event.
pub struct Accepted {
    pub new: usize,
    pub duplicates: usize,
    /// `(event id, why)`: acknowledged and logged, nothing else.
    pub ignored: Vec<(String, String)>,
}

/// Stores a body's deliveries (before the intake answers) and wakes their workers. An event naming an
/// agent the server does not know is ignored: logged, acknowledged, nothing else.
pub fn accept(
    state: &AppState,
    channel: Channel,
    body: &SessionEventsBody,
    at: Instant,
) -> Result<Accepted, StoreError> {
    let store = &state.0.store;
    let mut ignored = Vec::new();
    let mut incoming = Vec::new();
    for e in &body.events {
        if let Some(a) = &e.item.agent_info {
            if store.records_agent_email(a.id)?.is_none() {
                ignored.push((
                    e.event_id.to_string(),
                    format!("unknown agent {}: not signed in to this server", a.id),
                ));
                continue;
            }
        }
        incoming.push(Incoming {
            event: e,
            channel,
            customer_key: customer_key(channel, e).as_text(),
        });
    }
    let taken = store.records_accept(&incoming, crate::now_ms())?;
    let mut out = Accepted {
        new: 0,
        duplicates: 0,
        ignored,
    };
    for (inc, t) in incoming.iter().zip(taken) {
        match t {
            Taken::New { customer_key } => {
                out.new += 1;
                let id = inc.event.event_id.to_string();
                state.0.records.received_at(&id, at);
                state.0.records.notify(&customer_key);
            }
            Taken::Duplicate => out.duplicates += 1,
            Taken::Ignored(why) => out.ignored.push((inc.event.event_id.to_string(), why)),
        }
    }
    for (id, why) in &out.ignored {
        eprintln!("ccai-server: session event {id} acknowledged, not applied: {why}");
    }
    Ok(out)
}
