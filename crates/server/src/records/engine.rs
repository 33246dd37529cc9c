//! Applies accepted events: per customer in `seq` order, each through the outbox, exactly once in effect.
//!
//! Ordering rule: the events of one customer key are applied in their `seq` order (CCAI numbers each end
//! user's events 1, 2, 3…). An event whose predecessor has not arrived waits; if the gap is still open
//! after `gap_ms`, the waiting event is applied anyway (a lost predecessor must not block the customer
//! forever) and a late predecessor is applied when it comes, logged as out of order.
//!
//! Each customer key belongs to one worker (hash partitioning), so one customer's events never race,
//! while different customers proceed in parallel.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ccai_core::records::{decide, ConversationKind, ConversationRef, Operation, SessionEvent};
use tokio::sync::mpsc;

use crate::apply::{apply, ApplyError, Created};
use crate::facts::{gather, FieldCache};
use crate::kustomer::Kustomer;
use crate::lookup::CustomerLookup;
use crate::store::{Learned, Pending, Store};

/// Figures for the bench and the tests.
#[derive(Default)]
pub struct Metrics {
    pub applied: AtomicU64,
    pub failed_ops: AtomicU64,
    /// Event accepted → its last Kustomer call answered, in microseconds (events accepted by this process).
    pub latencies_us: Mutex<Vec<u64>>,
}

pub struct Engine {
    pub store: Store,
    pub kustomer: Kustomer,
    pub fields: FieldCache,
    pub lookup: CustomerLookup,
    pub sdk_mapping: BTreeMap<String, String>,
    pub gap_ms: u64,
    pub metrics: Metrics,
    received: Mutex<HashMap<String, Instant>>,
    workers: Vec<mpsc::UnboundedSender<String>>,
}

impl Engine {
    pub fn new(
        store: Store,
        kustomer: Kustomer,
        sdk_mapping: BTreeMap<String, String>,
        phone_countries: Vec<String>,
        gap_ms: u64,
        workers: usize,
    ) -> (Arc<Engine>, Vec<mpsc::UnboundedReceiver<String>>) {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..workers.max(1))
            .map(|_| mpsc::unbounded_channel())
            .unzip();
        let engine = Engine {
            store,
            kustomer,
            fields: FieldCache::default(),
            lookup: CustomerLookup::new(phone_countries),
            sdk_mapping,
            gap_ms,
            metrics: Metrics::default(),
            received: Mutex::new(HashMap::new()),
            workers: txs,
        };
        (Arc::new(engine), rxs)
    }

    /// Tells the customer's worker there is work; `accepted_at` starts the latency clock.
    pub fn notify(&self, customer_key: &str, event_id: Option<(&str, Instant)>) {
        if let Some((id, at)) = event_id {
            self.received
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id.to_owned(), at);
        }
        let mut h = DefaultHasher::new();
        customer_key.hash(&mut h);
        let i = (h.finish() % self.workers.len() as u64) as usize;
        // A closed channel means the connector is stopping; the inbox keeps the event for the restart.
        let _ = self.workers[i].send(customer_key.to_owned());
    }

    /// One worker: owns the customer keys hashed to it, drains each in order.
    pub async fn run_worker(self: Arc<Self>, mut rx: mpsc::UnboundedReceiver<String>) {
        let mut dirty: BTreeSet<String> = BTreeSet::new();
        let mut tick = tokio::time::interval(Duration::from_millis(250));
        loop {
            tokio::select! {
                key = rx.recv() => match key {
                    Some(k) => { dirty.insert(k); }
                    None => return,
                },
                _ = tick.tick() => {}
            }
            while let Ok(k) = rx.try_recv() {
                dirty.insert(k);
            }
            let keys: Vec<String> = dirty.iter().cloned().collect();
            for key in keys {
                match self.drain(&key).await {
                    Drained::Empty => {
                        dirty.remove(&key);
                    }
                    // Stays dirty: the tick retries it, for the gap timeout.
                    Drained::Waiting => {}
                }
            }
        }
    }

    async fn drain(&self, key: &str) -> Drained {
        loop {
            let next = match self.store.next_pending(key) {
                Ok(n) => n,
                Err(e) => {
                    eprintln!("connector: reading inbox of {key}: {e}");
                    return Drained::Waiting;
                }
            };
            let Some((p, next_seq)) = next else {
                return Drained::Empty;
            };
            if p.seq > next_seq {
                let waited = now_ms().saturating_sub(p.received_at_ms);
                if waited < self.gap_ms {
                    return Drained::Waiting;
                }
                eprintln!(
                    "connector: {key}: seq {} still missing after {waited} ms; applying seq {}",
                    next_seq, p.seq
                );
            } else if p.seq < next_seq.saturating_sub(1) {
                eprintln!(
                    "connector: {key}: seq {} arrived after {}; applied out of order",
                    p.seq,
                    next_seq - 1
                );
            }
            if let Err(e) = self.process(key, &p).await {
                eprintln!("connector: event {} of {key}: {e}", p.event_id);
                return Drained::Waiting;
            }
        }
    }

    async fn process(&self, key: &str, p: &Pending) -> Result<(), String> {
        let event: SessionEvent = match serde_json::from_str(&p.body) {
            Ok(e) => e,
            Err(e) => {
                // Accepted bodies were parsed at the door; this is storage corruption. Park it.
                self.store
                    .event_done(&p.event_id, key, p.seq, None, "dead")
                    .map_err(|e| e.to_string())?;
                return Err(format!("unreadable stored event: {e}"));
            }
        };
        if p.state == "pending" {
            let facts = gather(
                &self.store,
                &self.kustomer,
                &self.fields,
                &self.lookup,
                &self.sdk_mapping,
                &event,
                key,
            )
            .await
            .map_err(|e| e.to_string())?;
            let d = decide(&event, &facts);
            let ops: Vec<String> = d
                .ops
                .iter()
                .map(serde_json::to_string)
                .collect::<Result<_, _>>()
                .map_err(|e| e.to_string())?;
            let bind = match &d.bind_session {
                Some(ConversationRef::Existing(id)) => id.clone(),
                Some(ConversationRef::Created) => "created".to_owned(),
                None => String::new(),
            };
            self.store
                .record_decision(&p.event_id, &ops, Some(&bind))
                .map_err(|e| e.to_string())?;
        }
        let (outbox, bind) = self.store.outbox(&p.event_id).map_err(|e| e.to_string())?;
        let mut created = Created::default();
        for row in outbox {
            let op: Operation = serde_json::from_str(&row.op).map_err(|e| e.to_string())?;
            if row.done {
                remember(&op, row.result_id, &mut created);
                continue;
            }
            let idem = format!("{}/{}", p.event_id, row.idx);
            let result = match apply(&self.kustomer, &op, &created, &idem).await {
                Ok(r) => r,
                Err(ApplyError::Kustomer(e)) => {
                    // A definite refusal (4xx): retrying cannot help. The operation is parked as failed
                    // so the customer's later events are not blocked; the log says what was lost.
                    eprintln!("connector: event {} op {}: {e}", p.event_id, row.idx);
                    self.metrics.failed_ops.fetch_add(1, Ordering::Relaxed);
                    None
                }
                Err(e) => {
                    eprintln!("connector: event {} op {}: {e}", p.event_id, row.idx);
                    self.metrics.failed_ops.fetch_add(1, Ordering::Relaxed);
                    None
                }
            };
            let learned = match (&op, result.as_deref()) {
                (Operation::CreateCustomer { .. }, Some(id)) => Some(Learned::Customer {
                    key,
                    id,
                    created_by_session: &event.session_id,
                }),
                (Operation::CreateConversation { kind, channel, .. }, Some(id)) => {
                    Some(Learned::Conversation {
                        customer_key: key,
                        id,
                        channel: *channel,
                        menu: event.session.menu.as_deref(),
                        voicemail: *kind == ConversationKind::Voicemail,
                    })
                }
                _ => None,
            };
            self.store
                .op_done(&p.event_id, row.idx, result.as_deref(), learned)
                .map_err(|e| e.to_string())?;
            remember(&op, result, &mut created);
        }
        let session_conv = match bind.as_str() {
            "" => None,
            "created" => created.conversation.clone(),
            id => Some(id.to_owned()),
        };
        self.store
            .event_done(
                &p.event_id,
                key,
                p.seq,
                session_conv
                    .as_deref()
                    .map(|c| (event.session_id.as_str(), c)),
                "done",
            )
            .map_err(|e| e.to_string())?;
        self.metrics.applied.fetch_add(1, Ordering::Relaxed);
        let started = self
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&p.event_id);
        if let Some(t0) = started {
            self.metrics
                .latencies_us
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(t0.elapsed().as_micros() as u64);
        }
        Ok(())
    }
}

enum Drained {
    Empty,
    Waiting,
}

fn remember(op: &Operation, result: Option<String>, created: &mut Created) {
    match op {
        Operation::CreateCustomer { .. } => created.customer = result,
        Operation::CreateConversation { .. } => created.conversation = result,
        _ => {}
    }
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
