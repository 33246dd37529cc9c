//! The record rules at the server (what was the connector): CCAI's session events in (`crate::intake`,
//! A20's documented format), Kustomer records out, exactly once in effect, in order per customer,
//! surviving restarts, and each call's state pushed to its agent with the conversation the rules chose
//! (screen pop, A3). The rules themselves are `ccai_core::records` (pure); this module is their I/O.
//!
//! - `inbox`: the deliveries as stored before the intake answers; `translate`: one into the rules' events.
//! - `engine`: per-customer ordering, the outbox, the pushes.
//! - `facts`: what the rules read, from the store and Kustomer; `lookup`: the customer a caller already is.
//! - `apply`: one planned write as Kustomer requests (look-up before create); `notes`: the notes,
//!   combined into bulk requests when they come faster than Kustomer answers.
//! - `store`: the component's tables; `agents`: CCAI agent id → e-mail → Kustomer user.

pub mod agents;
pub mod apply;
pub mod engine;
pub mod facts;
pub mod inbox;
pub mod lookup;
pub mod notes;
pub mod store;
pub mod translate;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ccai_core::records::ccai_events::SessionEventsBody;
use ccai_core::records::ccai_translate::customer_key;
use ccai_core::records::Channel;
use tokio::task::JoinSet;

use crate::config::Config;
use crate::kustomer::client::Kustomer;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use ccai_core::server_api::Push;
use facts::FieldCache;
use inbox::{call_state, Incoming, Taken};
use lookup::CustomerLookup;
use notes::{NoteQueue, Notes};

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
    /// Delivery accepted → its call's state (`Push::Call`) handed to the agent's connections, in
    /// microseconds.
    pub push_us: Mutex<Vec<u64>>,
    /// Delivery accepted → the conversation the rules chose (`Push::CallRecord`) handed to the agent's
    /// connections, in microseconds (this one waits for the rules' Kustomer writes).
    pub record_us: Mutex<Vec<u64>>,
}

impl Metrics {
    pub fn record_apply(&self, d: Duration) {
        push_capped(&self.apply_us, d);
    }

    pub fn record_push(&self, d: Duration) {
        push_capped(&self.push_us, d);
    }

    pub fn record_record(&self, d: Duration) {
        push_capped(&self.record_us, d);
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

/// What the door needs to push a call's state at once, before it stores anything: kept in memory, so
/// that the push never waits for the store (which the record workers keep busy under load).
#[derive(Default)]
pub struct CallPushes {
    /// CCAI agent id → e-mail of the signed-in agent, and when it was read from the store.
    agents: Mutex<HashMap<i64, (String, Instant)>>,
    /// Session → CCAI's `timestamp` and the state's rank last pushed: a delivery no later than that is
    /// old news (a retry, or a late one) and pushes nothing.
    latest: Mutex<HashMap<String, (u64, u8)>>,
}

/// How long the door trusts its memory of an agent's e-mail before reading the store again (a CCAI
/// id's e-mail changes only when another person signs in with it; the read waits for the store).
pub const AGENT_TTL: Duration = Duration::from_secs(600);

impl CallPushes {
    /// The e-mail of the signed-in agent with this CCAI id (`None`: nobody signed in with it).
    fn agent_email(&self, store: &Store, ccai_agent_id: i64) -> Result<Option<String>, StoreError> {
        if let Some((email, at)) = self
            .agents
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&ccai_agent_id)
        {
            if at.elapsed() < AGENT_TTL {
                return Ok(Some(email.clone()));
            }
        }
        let email = store.records_agent_email(ccai_agent_id)?;
        let mut agents = self.agents.lock().unwrap_or_else(|e| e.into_inner());
        match &email {
            Some(e) => {
                agents.insert(ccai_agent_id, (e.clone(), Instant::now()));
            }
            None => {
                agents.remove(&ccai_agent_id);
            }
        }
        Ok(email)
    }

    /// Whether `(timestamp, rank)` is later than anything pushed for `session`; remembers it if so.
    fn is_news(&self, session: &str, timestamp: u64, rank: u8) -> bool {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if latest
            .get(session)
            .is_some_and(|seen| *seen >= (timestamp, rank))
        {
            return false;
        }
        if latest.len() >= 100_000 {
            // A day's sessions at most: forgetting them all costs, at worst, one stale push.
            latest.clear();
        }
        latest.insert(session.to_owned(), (timestamp, rank));
        true
    }
}

/// The record rules' part of the server's state.
pub struct Records {
    pub kustomer: Kustomer,
    pub fields: FieldCache,
    pub lookup: CustomerLookup,
    pub notes: Notes,
    pub pushes: CallPushes,
    pub metrics: Metrics,
    /// Delivery id → when the intake took it (for the latency figures).
    received: Mutex<HashMap<String, Instant>>,
    /// Session → (agent, conversation) last told by `Push::CallRecord`, so that each of a session's
    /// deliveries does not tell it again. In memory: after a restart it is told once more.
    told: Mutex<HashMap<String, (String, String)>>,
    /// The customer keys with work, for the workers.
    queue: engine::KeyQueue,
}

/// How many workers to start, and the receiving end of the notes' queue, for `spawn`.
pub struct Workers(usize, NoteQueue);

impl Records {
    pub fn new(cfg: &Config) -> Result<(Records, Workers), reqwest::Error> {
        let (notes, note_queue) = Notes::new();
        let records = Records {
            kustomer: Kustomer::new(&cfg.kustomer_api, &cfg.kustomer_api_key)?,
            fields: FieldCache::default(),
            lookup: CustomerLookup::default(),
            notes,
            pushes: CallPushes::default(),
            metrics: Metrics::default(),
            received: Mutex::new(HashMap::new()),
            told: Mutex::new(HashMap::new()),
            queue: engine::KeyQueue::default(),
        };
        Ok((records, Workers(cfg.records_workers.max(1), note_queue)))
    }

    /// Tells the workers there is work for the customer.
    pub fn notify(&self, customer_key: &str) {
        self.queue.notify(customer_key);
    }

    fn received_at(&self, delivery_id: &str, at: Instant) {
        let mut m = self.received.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 50_000 {
            m.retain(|_, t| t.elapsed() < Duration::from_secs(60));
        }
        m.insert(delivery_id.to_owned(), at);
    }

    /// Whether `agent` still has to be told that `session` is in `conversation`; remembers it told.
    /// The call's end forgets the session (`done`), which keeps the map as small as the live calls.
    fn first_telling(&self, session: &str, agent: &str, conversation: &str, done: bool) -> bool {
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        let new = told
            .get(session)
            .is_none_or(|(a, c)| a != agent || c != conversation);
        if done {
            told.remove(session);
        } else if new {
            if told.len() > 50_000 {
                // Sessions whose end never came: forget them all rather than grow (worst case: one
                // more identical push).
                told.clear();
            }
            told.insert(
                session.to_owned(),
                (agent.to_owned(), conversation.to_owned()),
            );
        }
        new
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
        state.0.store.records_backlog()
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
    tasks.spawn(notes::run(state.clone(), workers.1));
    tasks.spawn(engine::run_tick(state.clone()));
    for _ in 0..workers.0 {
        tasks.spawn(engine::run_worker(state.clone()));
    }
    // With a lease, the instance takes the unfinished work when it comes to act (`acting`).
    if state.0.lease.is_none() {
        resume(state)?;
    }
    Ok(())
}

/// Wakes the workers for every customer with work the inbox holds unfinished (a restart, a takeover).
pub fn resume(state: &AppState) -> Result<usize, StoreError> {
    let keys = state.0.store.records_unfinished()?;
    for key in &keys {
        state.0.records.notify(key);
    }
    Ok(keys.len())
}

/// A stand-by's word that it stored work for `customer_key`: the holder's workers take it.
pub fn queue_stored(state: &AppState, customer_key: &str) {
    if state.acts_for_company() {
        state.0.records.notify(customer_key);
    }
}

/// What the intake did with a body, per event.
pub struct Accepted {
    pub new: usize,
    pub duplicates: usize,
    /// `(event id, why)`: acknowledged and logged, nothing else.
    pub ignored: Vec<(String, String)>,
}

/// Tells each agent named at once where their call is (`Push::Call`), before anything is stored or
/// written to Kustomer, then stores the body's deliveries (before the intake answers) and wakes their
/// workers. An event naming an agent the server does not know is ignored: logged, acknowledged,
/// nothing else. A push for a delivery the store then fails to take is harmless: CCAI sends it again,
/// and the same state again is no news.
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
        let mut agent = None;
        if let Some(a) = &e.item.agent_info {
            match state.0.records.pushes.agent_email(store, a.id)? {
                Some(email) => agent = Some(email),
                None => {
                    ignored.push((
                        e.event_id.to_string(),
                        format!("unknown agent {}: not signed in to this server", a.id),
                    ));
                    continue;
                }
            }
        }
        if let (Some(call), Some(agent)) = (call_state(&e.state), &agent) {
            let session_id = e.session_id();
            if state
                .0
                .records
                .pushes
                .is_news(&session_id, e.timestamp, e.state.rank())
            {
                state.0.hub.send(
                    agent,
                    Push::Call {
                        session_id,
                        state: call,
                        at_ms: e.timestamp,
                    },
                );
                state.0.records.metrics.record_push(at.elapsed());
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
                if state.acts_for_company() {
                    state.0.records.notify(&customer_key);
                } else {
                    // Stored: the holder applies it (told now, or at its takeover).
                    state.0.hub.tell_others(crate::fanout::Op::RecordsQueued {
                        customer_key: customer_key.clone(),
                    });
                }
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
