//! Applies what the intake stored: per customer key, in order, each event through the outbox, exactly
//! once in effect, and pushes each call's state to its agent once the rules have placed it.
//!
//! Order: a customer key's deliveries are translated in the order CCAI generated them (`timestamp`, then
//! the state), each against the last one applied for its session (`ccai_core::records::ccai_translate`);
//! the rules' events they make are numbered in that order and applied in it. A delivery that arrives
//! late is applied when it comes: it carries the session's item as known then, so what it adds is
//! applied and what it lacks was applied already.
//!
//! A customer key is drained by one worker at a time (`KeyQueue`), so one customer's events never race,
//! while different customers proceed in parallel on whichever workers are free.

use std::collections::{HashSet, VecDeque};
use std::sync::atomic::Ordering;
use std::time::Duration;

use ccai_core::records::rules::is_noop;
use ccai_core::records::writes::{plan, Write};
use ccai_core::records::{decide, ConversationKind, ConversationRef, KustomerFacts, SessionEvent};
use ccai_core::server_api::Push;
use tokio::sync::Notify;

use super::apply::{apply, ApplyError, Created, Target};
use super::facts::gather;
use super::inbox::PushIntent;
use super::store::{Learned, Pending};
use super::translate::{translate_next, Step};
use crate::state::AppState;
use crate::store::db::Conn;

/// The customer keys with work, shared by all the workers: a free worker takes the first ready key that
/// no other worker is draining. One customer's events never race (a key is drained by one worker at a
/// time, in order), and no customer's work waits behind another customer's that merely shares a worker
/// (with keys hashed to workers, a delivery waited for whatever its worker was doing: most of the
/// latency's tail at 1,000 deliveries/s).
///
/// A key that could not finish (it waits for an earlier session's end, or a store error) is retried on
/// the tick, or on news of its own, not on every other key's news.
#[derive(Default)]
pub struct KeyQueue {
    keys: std::sync::Mutex<Keys>,
    ready_now: Notify,
}

#[derive(Default)]
struct Keys {
    /// Keys to drain, oldest news first; `queued` is the same set.
    ready: VecDeque<String>,
    queued: HashSet<String>,
    /// Keys a worker drains now.
    draining: HashSet<String>,
    /// Keys with news while a worker drained them: drained again when it is done.
    again: HashSet<String>,
    /// Keys that could not finish, for the tick.
    waiting: HashSet<String>,
}

impl Keys {
    /// Puts `key` in line unless it is there already; true when it was not.
    fn enqueue(&mut self, key: String) -> bool {
        let new = self.queued.insert(key.clone());
        if new {
            self.ready.push_back(key);
        }
        new
    }
}

impl KeyQueue {
    fn keys(&self) -> std::sync::MutexGuard<'_, Keys> {
        self.keys.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// There is work for `key`.
    pub fn notify(&self, key: &str) {
        let mut k = self.keys();
        if k.draining.contains(key) {
            k.again.insert(key.to_owned());
            return;
        }
        k.waiting.remove(key);
        if k.enqueue(key.to_owned()) {
            drop(k);
            self.ready_now.notify_one();
        }
    }

    /// The next key to drain, marked as drained.
    async fn take(&self) -> String {
        loop {
            {
                let mut k = self.keys();
                if let Some(key) = k.ready.pop_front() {
                    k.queued.remove(&key);
                    k.draining.insert(key.clone());
                    let more = !k.ready.is_empty();
                    drop(k);
                    if more {
                        // One stored wake-up stands for many keys: pass it on.
                        self.ready_now.notify_one();
                    }
                    return key;
                }
            }
            self.ready_now.notified().await;
        }
    }

    /// A worker is done with `key`; `finished`: nothing is left of it.
    fn done(&self, key: String, finished: bool) {
        let mut k = self.keys();
        k.draining.remove(&key);
        if k.again.remove(&key) {
            k.enqueue(key);
            drop(k);
            self.ready_now.notify_one();
        } else if !finished {
            k.waiting.insert(key);
        }
    }

    /// The tick: every key that could not finish is ready again.
    fn retry_waiting(&self) {
        let mut k = self.keys();
        let waiting = std::mem::take(&mut k.waiting);
        let mut any = false;
        for key in waiting {
            any |= k.enqueue(key);
        }
        drop(k);
        if any {
            self.ready_now.notify_one();
        }
    }
}

/// Makes the keys that could not finish ready again every 250 ms.
pub async fn run_tick(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        state.0.records.queue.retry_waiting();
    }
}

/// One worker: drains whichever ready key comes first, one at a time.
pub async fn run_worker(state: AppState) {
    let queue = &state.0.records.queue;
    loop {
        let key = queue.take().await;
        // Only the instance that acts for the company writes to Kustomer (issue 18): the work
        // stays in the inbox for the holder, which takes every unfinished key when it takes over.
        if !state.acts_for_company() {
            queue.done(key, true);
            continue;
        }
        let finished = drain(&state, &key).await;
        queue.done(key, finished);
    }
}

/// Applies everything the key has; true when nothing is left.
async fn drain(state: &AppState, key: &str) -> bool {
    loop {
        // The store's work runs on the blocking pool: a worker waiting for SQLite must not hold one of
        // the runtime's few threads, which serve the intake, the pushes and every other request.
        let (st, k) = (state.clone(), key.to_owned());
        let next = tokio::task::spawn_blocking(move || next_event(&st, &k))
            .await
            .unwrap_or_else(|e| Err(format!("the store's task failed: {e}")));
        let p = match next {
            Ok(Next::Event(p)) => p,
            Ok(Next::Nothing { waiting }) => return !waiting,
            Err(e) => {
                eprintln!("ccai-server: records: {key}: {e}");
                return false;
            }
        };
        if let Err(e) = process(state, key, &p).await {
            eprintln!("ccai-server: records: event {} of {key}: {e}", p.event_id);
            return false;
        }
    }
}

/// How many deliveries a worker translates in one transaction on one connection before it lets
/// others have the store.
const TRANSLATIONS_PER_TURN: usize = 16;

/// What a customer key has to apply next.
enum Next {
    Event(Pending),
    /// Nothing now; `waiting`: a delivery waits for an earlier session's end.
    Nothing {
        waiting: bool,
    },
}

/// Translates the key's pending deliveries, then reads its next event (synchronous: the store only,
/// on one connection held throughout; the worker's share of the store comes in one turn, not one per
/// query).
fn next_event(state: &AppState, key: &str) -> Result<Next, String> {
    let mut conn = state.0.store.lock();
    let mut waiting = false;
    loop {
        // A turn's translations commit together (one commit's cost, not one per delivery); a failed
        // one rolls the turn back, and the next turn does it again from the same rows.
        let tx = conn
            .transaction()
            .map_err(|e| format!("translating a delivery: {e}"))?;
        let mut in_this_turn = 0;
        let more = loop {
            match translate_next(state, &tx, key) {
                Ok(Step::Took) => {
                    in_this_turn += 1;
                    if in_this_turn == TRANSLATIONS_PER_TURN {
                        break true;
                    }
                }
                Ok(Step::Empty) => break false,
                Ok(Step::Waiting) => {
                    waiting = true;
                    break false;
                }
                Err(e) => return Err(format!("translating a delivery: {e}")),
            }
        };
        tx.commit()
            .map_err(|e| format!("translating a delivery: {e}"))?;
        if !more {
            break;
        }
        // A long backlog (a restart) does not keep the intake from the store meanwhile.
        drop(conn);
        conn = state.0.store.lock();
    }
    match conn.records_next_event(key) {
        Ok(Some(p)) => Ok(Next::Event(p)),
        Ok(None) => Ok(Next::Nothing { waiting }),
        Err(e) => Err(format!("reading the events: {e}")),
    }
}

async fn process(state: &AppState, key: &str, p: &Pending) -> Result<(), String> {
    let store = &state.0.store;
    let records = &state.0.records;
    let Some(body) = &p.body else {
        // A delivery the rules had nothing for: only its push holds this place in the order.
        let mut conn = store.lock();
        conn.in_transaction(|tx| tx.records_event_done(&p.event_id, None, "done"))
            .map_err(|e| e.to_string())?;
        push(state, &conn, key, p.push.as_deref());
        return Ok(());
    };
    let event: SessionEvent = match serde_json::from_str(body) {
        Ok(e) => e,
        Err(e) => {
            // Stored by this server after its own translation: unreadable means a corrupt file. Park it.
            store
                .lock()
                .in_transaction(|tx| tx.records_event_done(&p.event_id, None, "dead"))
                .map_err(|e| e.to_string())?;
            return Err(format!("unreadable stored event: {e}"));
        }
    };
    // The write this run marked as about to go out (in the commit before it): its `attempted` is ours,
    // not a previous run's, so it is sent as new. Any other attempted write's end is unknown.
    let mut marked: Option<u32> = None;
    let mut decided = None;
    if p.state == "pending" {
        let facts = if is_noop(&event) {
            KustomerFacts::default()
        } else {
            gather(state, &event, key)
                .await
                .map_err(|e| e.to_string())?
        };
        let d = decide(&event, &facts);
        let writes: Vec<String> = plan(&d.ops)
            .iter()
            .map(serde_json::to_string)
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        let bind = match &d.bind_session {
            Some(ConversationRef::Existing(id)) => id.clone(),
            Some(ConversationRef::Created) => "created".to_owned(),
            None => String::new(),
        };
        marked = (!writes.is_empty()).then_some(0);
        decided = Some((writes, bind));
    }
    // The decision's commit and the outbox's read on one connection.
    let (outbox, bind) = {
        let mut conn = store.lock();
        if let Some((writes, bind)) = &decided {
            conn.records_decide(&p.event_id, writes, bind)
                .map_err(|e| e.to_string())?;
        }
        conn.records_outbox(&p.event_id)
            .map_err(|e| e.to_string())?
    };
    let users = |email: &str| store.records_kustomer_user(email).ok().flatten();
    let target = Target {
        kustomer: &records.kustomer,
        prefix: &state.0.cfg.external_id_prefix,
        user_of: &users,
        notes: &records.notes,
    };
    let mut created = Created::default();
    // The last write's end, committed with the event's end: nothing is awaited between the two.
    let mut last_done: Option<(u32, Write, Option<String>)> = None;
    for (i, row) in outbox.iter().enumerate() {
        let write: Write = serde_json::from_str(&row.op).map_err(|e| e.to_string())?;
        if row.done {
            remember(&write, row.result_id.clone(), &mut created);
            continue;
        }
        let maybe_sent = row.attempted && marked != Some(row.idx);
        if !row.attempted {
            store
                .lock()
                .records_op_attempted(&p.event_id, row.idx)
                .map_err(|e| e.to_string())?;
        }
        let result = match apply(&target, &write, &created, maybe_sent).await {
            Ok(done) => {
                if done.not_repeated {
                    records.metrics.not_repeated.fetch_add(1, Ordering::Relaxed);
                }
                done.id
            }
            Err(e @ (ApplyError::Kustomer(_) | ApplyError::UnknownUser(_))) => {
                // A definite refusal: trying again cannot help. The write is parked as failed so the
                // customer's later events are not blocked; the log says what was lost.
                eprintln!(
                    "ccai-server: records: event {} write {}: {e}",
                    p.event_id, row.idx
                );
                records.metrics.failed_ops.fetch_add(1, Ordering::Relaxed);
                None
            }
            Err(e) => {
                eprintln!(
                    "ccai-server: records: event {} write {}: {e}",
                    p.event_id, row.idx
                );
                records.metrics.failed_ops.fetch_add(1, Ordering::Relaxed);
                None
            }
        };
        let next = outbox
            .get(i + 1)
            .filter(|r| !r.done && !r.attempted)
            .map(|r| r.idx);
        if i + 1 == outbox.len() {
            remember(&write, result.clone(), &mut created);
            last_done = Some((row.idx, write, result));
            break;
        }
        store
            .lock()
            .in_transaction(|tx| {
                let learned = learned_from(&write, result.as_deref(), key, &event);
                tx.records_op_done(&p.event_id, row.idx, result.as_deref(), learned, next)
            })
            .map_err(|e| e.to_string())?;
        marked = next;
        remember(&write, result, &mut created);
    }
    let session_conv = match bind.as_str() {
        "" => None,
        "created" => created.conversation.clone(),
        id => Some(id.to_owned()),
    };
    // The last write's end, the event's end and what its push reads, on one connection.
    let mut conn = store.lock();
    conn.in_transaction(|tx| {
        if let Some((idx, write, result)) = &last_done {
            let learned = learned_from(write, result.as_deref(), key, &event);
            tx.records_op_done(&p.event_id, *idx, result.as_deref(), learned, None)?;
        }
        tx.records_event_done(
            &p.event_id,
            session_conv
                .as_deref()
                .map(|c| (event.session_id.as_str(), c)),
            "done",
        )
    })
    .map_err(|e| e.to_string())?;
    records.metrics.applied.fetch_add(1, Ordering::Relaxed);
    if let Some(t0) = records.peek_received(&p.delivery_id) {
        records.metrics.record_apply(t0.elapsed());
    }
    push(state, &conn, key, p.push.as_deref());
    Ok(())
}

/// Tells the agent which conversation the rules chose for their call (screen pop), once it is known and
/// unless they were told already. `store`: the connection the caller holds.
fn push(state: &AppState, store: &Conn, key: &str, intent: Option<&str>) {
    let Some(intent) = intent.and_then(|s| serde_json::from_str::<PushIntent>(s).ok()) else {
        return;
    };
    let records = &state.0.records;
    let Some(conversation_id) = store.records_binding(&intent.session_id).ok().flatten() else {
        return;
    };
    if !records.first_telling(
        &intent.session_id,
        &intent.agent_email,
        &conversation_id,
        intent.ends,
    ) {
        return;
    }
    let customer_id = store.records_customer(key).ok().flatten().map(|c| c.id);
    state.0.hub.send(
        &intent.agent_email,
        Push::CallRecord {
            session_id: intent.session_id.clone(),
            conversation_id,
            customer_id,
        },
    );
    if let Some(t0) = records.take_received(&intent.delivery_id) {
        records.metrics.record_record(t0.elapsed());
    }
}

/// What a write's answer taught the server, to store with its end.
fn learned_from<'a>(
    write: &'a Write,
    result: Option<&'a str>,
    key: &'a str,
    event: &'a SessionEvent,
) -> Option<Learned<'a>> {
    match (write, result) {
        (Write::CreateCustomer { .. }, Some(id)) => Some(Learned::Customer {
            key,
            id,
            created_by_session: &event.session_id,
        }),
        (Write::CreateConversation { kind, channel, .. }, Some(id)) => {
            Some(Learned::Conversation {
                customer_key: key,
                id,
                channel: *channel,
                menu: event.session.menu.as_deref(),
                voicemail: *kind == ConversationKind::Voicemail,
            })
        }
        _ => None,
    }
}

fn remember(write: &Write, result: Option<String>, created: &mut Created) {
    match write {
        Write::CreateCustomer { .. } => created.customer = result,
        Write::CreateConversation { .. } => created.conversation = result,
        _ => {}
    }
}
