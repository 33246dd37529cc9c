//! Applies what the intake stored: per customer key, in order, each event through the outbox, exactly
//! once in effect, and pushes each call's state to its agent once the rules have placed it.
//!
//! Order: a customer key's deliveries are translated in the order CCAI generated them (`timestamp`, then
//! the state), each against the last one applied for its session (`ccai_core::records::ccai_translate`);
//! the rules' events they make are numbered in that order and applied in it. A delivery that arrives
//! late is applied when it comes: it carries the session's item as known then, so what it adds is
//! applied and what it lacks was applied already.
//!
//! Each customer key belongs to one worker (hash partitioning), so one customer's events never race,
//! while different customers proceed in parallel.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::sync::atomic::Ordering;
use std::time::Duration;

use ccai_core::records::rules::is_noop;
use ccai_core::records::writes::{plan, Write};
use ccai_core::records::{decide, ConversationKind, ConversationRef, KustomerFacts, SessionEvent};
use ccai_core::server_api::Push;
use tokio::sync::mpsc;

use super::apply::{apply, ApplyError, Created, Target};
use super::facts::gather;
use super::inbox::PushIntent;
use super::store::{Learned, Pending};
use super::translate::{translate_next, Step};
use crate::state::AppState;

/// One worker: owns the customer keys hashed to it, drains each in order.
pub async fn run_worker(state: AppState, mut rx: mpsc::UnboundedReceiver<String>) {
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
            if drain(&state, &key).await {
                dirty.remove(&key);
            }
            // Otherwise it stays dirty: the tick retries it.
        }
    }
}

/// The worker a customer key belongs to.
pub fn worker_of(customer_key: &str, workers: usize) -> usize {
    let mut h = DefaultHasher::new();
    customer_key.hash(&mut h);
    (h.finish() % workers.max(1) as u64) as usize
}

/// Applies everything the key has; true when nothing is left.
async fn drain(state: &AppState, key: &str) -> bool {
    let store = &state.0.store;
    loop {
        let mut waiting = false;
        loop {
            match translate_next(state, key) {
                Ok(Step::Took) => {}
                Ok(Step::Empty) => break,
                Ok(Step::Waiting) => {
                    waiting = true;
                    break;
                }
                Err(e) => {
                    eprintln!("ccai-server: records: translating a delivery of {key}: {e}");
                    return false;
                }
            }
        }
        let p = match store.records_next_event(key) {
            Ok(Some(p)) => p,
            Ok(None) => return !waiting,
            Err(e) => {
                eprintln!("ccai-server: records: reading the events of {key}: {e}");
                return false;
            }
        };
        if let Err(e) = process(state, key, &p).await {
            eprintln!("ccai-server: records: event {} of {key}: {e}", p.event_id);
            return false;
        }
    }
}

async fn process(state: &AppState, key: &str, p: &Pending) -> Result<(), String> {
    let store = &state.0.store;
    let records = &state.0.records;
    let Some(body) = &p.body else {
        // A delivery the rules had nothing for: only its push holds this place in the order.
        store
            .records_event_done(&p.event_id, None, "done")
            .map_err(|e| e.to_string())?;
        push(state, key, p.push.as_deref());
        return Ok(());
    };
    let event: SessionEvent = match serde_json::from_str(body) {
        Ok(e) => e,
        Err(e) => {
            // Stored by this server after its own translation: unreadable means a corrupt file. Park it.
            store
                .records_event_done(&p.event_id, None, "dead")
                .map_err(|e| e.to_string())?;
            return Err(format!("unreadable stored event: {e}"));
        }
    };
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
        store
            .records_decide(&p.event_id, &writes, &bind)
            .map_err(|e| e.to_string())?;
    }
    let (outbox, bind) = store
        .records_outbox(&p.event_id)
        .map_err(|e| e.to_string())?;
    let users = |email: &str| store.records_kustomer_user(email).ok().flatten();
    let target = Target {
        kustomer: &records.kustomer,
        prefix: &state.0.cfg.external_id_prefix,
        user_of: &users,
    };
    let mut created = Created::default();
    for row in outbox {
        let write: Write = serde_json::from_str(&row.op).map_err(|e| e.to_string())?;
        if row.done {
            remember(&write, row.result_id, &mut created);
            continue;
        }
        if !row.attempted {
            store
                .records_op_attempted(&p.event_id, row.idx)
                .map_err(|e| e.to_string())?;
        }
        let result = match apply(&target, &write, &created, row.attempted).await {
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
        let learned = match (&write, result.as_deref()) {
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
        };
        store
            .records_op_done(&p.event_id, row.idx, result.as_deref(), learned)
            .map_err(|e| e.to_string())?;
        remember(&write, result, &mut created);
    }
    let session_conv = match bind.as_str() {
        "" => None,
        "created" => created.conversation.clone(),
        id => Some(id.to_owned()),
    };
    store
        .records_event_done(
            &p.event_id,
            session_conv
                .as_deref()
                .map(|c| (event.session_id.as_str(), c)),
            "done",
        )
        .map_err(|e| e.to_string())?;
    records.metrics.applied.fetch_add(1, Ordering::Relaxed);
    if let Some(t0) = records.peek_received(&p.delivery_id) {
        records.metrics.record_apply(t0.elapsed());
    }
    push(state, key, p.push.as_deref());
    Ok(())
}

/// Tells the agent where their call is: the conversation the rules chose for the session, now.
fn push(state: &AppState, key: &str, intent: Option<&str>) {
    let Some(intent) = intent.and_then(|s| serde_json::from_str::<PushIntent>(s).ok()) else {
        return;
    };
    let store = &state.0.store;
    let conversation_id = store.records_binding(&intent.session_id).ok().flatten();
    let customer_id = store.records_customer(key).ok().flatten().map(|c| c.id);
    state.0.hub.send(
        &intent.agent_email,
        Push::Call {
            session_id: intent.session_id.clone(),
            state: intent.state,
            conversation_id,
            customer_id,
            at_ms: intent.at_ms,
        },
    );
    let records = &state.0.records;
    if let Some(t0) = records.take_received(&intent.delivery_id) {
        records.metrics.record_push(t0.elapsed());
    }
}

fn remember(write: &Write, result: Option<String>, created: &mut Created) {
    match write {
        Write::CreateCustomer { .. } => created.customer = result,
        Write::CreateConversation { .. } => created.conversation = result,
        _ => {}
    }
}
