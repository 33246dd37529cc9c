//! CCAI's deliveries (A20) as the intake stores them, before it answers, and the transaction that turns
//! one into the rules' events.

use crate::store::db::{params, OptionalExtension};
use ccai_core::records::ccai_events::{CcaiSessionEvent, SessionState};
use ccai_core::records::Channel;
use ccai_core::server_api::CallState;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::store::channel_text;
use crate::store::db::Conn;
use crate::store::{Store, StoreError};

/// What the intake did with one delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Stored, to be applied.
    New { customer_key: String },
    /// Seen before (CCAI retried): nothing to do.
    Duplicate,
    /// Acknowledged and logged, nothing else (an unknown agent or session).
    Ignored(String),
}

/// One delivery to take: the event, its channel, and the customer key its session gets if it is new.
pub struct Incoming<'a> {
    pub event: &'a CcaiSessionEvent,
    pub channel: Channel,
    pub customer_key: String,
}

/// A stored delivery waiting for its translation.
pub struct Delivery {
    pub event_id: String,
    pub channel: Channel,
    pub session_id: String,
    pub ts: u64,
    pub received_at_ms: u64,
    pub body: String,
}

/// What a delivery asks for once its events are applied: tell its agent the conversation the rules
/// chose for the session (`Push::CallRecord`). The call's state itself was pushed by the intake.
/// (Rows written before the split also carry `state` and `at_ms`; they are ignored.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushIntent {
    pub delivery_id: String,
    pub agent_email: String,
    pub session_id: String,
    /// The call ended with this delivery: the session's last telling.
    #[serde(default)]
    pub ends: bool,
}

/// The agent's call state at an A20 state: Assigned rings (the agent accepted the offer), Active is
/// connected, End ended. Start, Routing and Final concern no agent's screen.
pub fn call_state(s: &SessionState) -> Option<CallState> {
    match s {
        SessionState::Assigned => Some(CallState::Ringing),
        SessionState::Active => Some(CallState::Connected),
        SessionState::End => Some(CallState::Ended),
        _ => None,
    }
}

/// What the server applied of a session so far.
#[derive(Default)]
pub struct SessionSoFar {
    pub last_body: Option<String>,
    pub max_rank: u8,
}

impl Store {
    /// Takes one body's deliveries, in one transaction: each new one is stored with its session's
    /// customer key (the key of the session's first delivery, so that all of a session's deliveries go
    /// to one worker, in order). A Final for a session never seen is not a session the server knows: its
    /// wrap-up has no record to join.
    pub fn records_accept(
        &self,
        incoming: &[Incoming<'_>],
        now_ms: u64,
    ) -> Result<Vec<Taken>, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(incoming.len());
        for inc in incoming {
            let e = inc.event;
            let id = e.event_id.to_string();
            let body = serde_json::to_string(e)?;
            let hash = hex(&Sha256::digest(body.as_bytes()));
            let seen: Option<String> = tx
                .prepare_cached("SELECT body_hash FROM records_deliveries WHERE event_id = ?1")?
                .query_row([&id], |r| r.get(0))
                .optional()?;
            if let Some(h) = seen {
                if h != hash {
                    eprintln!("ccai-server: records: event {id} came again with another body; the first is kept");
                }
                out.push(Taken::Duplicate);
                continue;
            }
            let session = e.session_id();
            let key: Option<String> = tx
                .prepare_cached(
                    "SELECT customer_key FROM records_session_state WHERE session_id = ?1",
                )?
                .query_row([&session], |r| r.get(0))
                .optional()?;
            let key = match key {
                Some(k) => {
                    tx.prepare_cached("UPDATE records_session_state SET first_ts = CASE WHEN first_ts < ?2 THEN first_ts ELSE ?2 END WHERE session_id = ?1")?
            .execute(params![session, e.timestamp as i64],
                    )?;
                    k
                }
                None if e.state == SessionState::Final => {
                    out.push(Taken::Ignored(format!(
                        "unknown session {session}: a Final for a session never seen"
                    )));
                    continue;
                }
                None => {
                    tx.prepare_cached(
                        "INSERT INTO records_session_state (session_id, customer_key, first_ts)
                         VALUES (?1, ?2, ?3)",
                    )?
                    .execute(params![
                        session,
                        inc.customer_key,
                        e.timestamp as i64
                    ])?;
                    inc.customer_key.clone()
                }
            };
            tx.prepare_cached("INSERT INTO records_deliveries (event_id, body_hash, channel, session_id, customer_key,
                    ts, rank, body, received_at_ms, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending')")?
            .execute(params![
                    id,
                    hash,
                    channel_text(inc.channel),
                    session,
                    key,
                    e.timestamp as i64,
                    i64::from(e.state.rank()),
                    body,
                    now_ms as i64
                ],
            )?;
            out.push(Taken::New { customer_key: key });
        }
        tx.commit()?;
        Ok(out)
    }

    /// Deliveries by state (`pending`, `translated`, `skipped`), for the tests and `/stats`.
    pub fn records_count_deliveries(&self, state: &str) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .prepare_cached("SELECT COUNT(*) FROM records_deliveries WHERE state = ?1")?
            .query_row([state], |r| r.get::<_, i64>(0))? as u64)
    }
}

/// The translation's queries, on a connection the worker holds for a whole run of them
/// (`engine::next_event`): one pool checkout instead of one per query.
impl Conn {
    /// The customer key's next delivery to translate: the earliest CCAI generated.
    pub fn records_next_delivery(
        &self,
        customer_key: &str,
    ) -> Result<Option<Delivery>, StoreError> {
        Ok(self
            .prepare_cached("SELECT event_id, channel, session_id, ts, received_at_ms, body FROM records_deliveries
                 WHERE customer_key = ?1 AND state = 'pending'
                 ORDER BY ts, rank, received_at_ms LIMIT 1")?
            .query_row([customer_key],
                |r| {
                    let channel: String = r.get(1)?;
                    Ok(Delivery {
                        event_id: r.get(0)?,
                        channel: if channel == "chat" {
                            Channel::Chat
                        } else {
                            Channel::Voice
                        },
                        session_id: r.get(2)?,
                        ts: r.get::<_, i64>(3)? as u64,
                        received_at_ms: r.get::<_, i64>(4)? as u64,
                        body: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    /// A session of the same customer that started before `ts` and has not ended (End not applied):
    /// a later session's deliveries wait for it, so that one customer's sessions apply in order even
    /// when CCAI's deliveries cross.
    pub fn records_open_earlier_session(
        &self,
        customer_key: &str,
        session_id: &str,
        ts: u64,
    ) -> Result<Option<String>, StoreError> {
        Ok(self
            .prepare_cached(
                "SELECT session_id FROM records_session_state
                 WHERE customer_key = ?1 AND session_id != ?2 AND first_ts < ?3 AND max_rank < 5
                   AND waited = 0
                 ORDER BY first_ts LIMIT 1",
            )?
            .query_row(params![customer_key, session_id, ts as i64], |r| r.get(0))
            .optional()?)
    }

    /// Stops waiting for a session whose end never came (it no longer holds the customer's later ones).
    pub fn records_stop_waiting_for(&self, session_id: &str) -> Result<(), StoreError> {
        self.prepare_cached("UPDATE records_session_state SET waited = 1 WHERE session_id = ?1")?
            .execute([session_id])?;
        Ok(())
    }

    pub fn records_session_so_far(&self, session_id: &str) -> Result<SessionSoFar, StoreError> {
        Ok(self
            .prepare_cached(
                "SELECT last_body, max_rank FROM records_session_state WHERE session_id = ?1",
            )?
            .query_row([session_id], |r| {
                Ok(SessionSoFar {
                    last_body: r.get(0)?,
                    max_rank: r.get::<_, i64>(1)?.clamp(0, 6) as u8,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    /// Stores one delivery's translation: its events (numbered after the key's last), the push it
    /// asks for (on its last event, or on a place of its own), the session's new state. Inside the
    /// caller's transaction (`engine::next_event` commits a turn of translations at once).
    #[allow(clippy::too_many_arguments)]
    pub fn records_translated(
        &self,
        delivery: &CcaiSessionEvent,
        customer_key: &str,
        events: &[(String, String)],
        push: Option<&PushIntent>,
        fresh: bool,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        let id = delivery.event_id.to_string();
        let push = push.map(serde_json::to_string).transpose()?;
        let tx = self;
        let mut seq: i64 = tx
            .prepare_cached(
                "SELECT COALESCE(MAX(seq), 0) FROM records_events WHERE customer_key = ?1",
            )?
            .query_row([customer_key], |r| r.get(0))?;
        let mut rows: Vec<(String, Option<&str>)> = events
            .iter()
            .map(|(eid, body)| (eid.clone(), Some(body.as_str())))
            .collect();
        if rows.is_empty() && push.is_some() {
            rows.push((format!("{id}#push"), None));
        }
        let last = rows.len();
        for (i, (eid, body)) in rows.into_iter().enumerate() {
            seq += 1;
            let p = if i + 1 == last { push.as_deref() } else { None };
            tx.prepare_cached(
                "INSERT INTO records_events (event_id, delivery_id, customer_key, seq, body, push,
                    received_at_ms, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending') ON CONFLICT DO NOTHING",
            )?
            .execute(params![eid, id, customer_key, seq, body, p, now_ms as i64])?;
        }
        if fresh {
            tx.prepare_cached(
                "UPDATE records_session_state SET last_body = ?2, max_rank = CASE WHEN max_rank > ?3 THEN max_rank ELSE ?3 END
                 WHERE session_id = ?1",
            )?
            .execute(params![
                delivery.session_id(),
                serde_json::to_string(delivery)?,
                i64::from(delivery.state.rank())
            ])?;
        }
        tx.prepare_cached(
            "UPDATE records_deliveries SET state = 'translated' WHERE event_id = ?1",
        )?
        .execute([&id])?;
        Ok(())
    }

    /// A delivery acknowledged but not applied (its reason is logged by the caller).
    pub fn records_delivery_skipped(&self, event_id: &str) -> Result<(), StoreError> {
        self.prepare_cached("UPDATE records_deliveries SET state = 'skipped' WHERE event_id = ?1")?
            .execute([event_id])?;
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
