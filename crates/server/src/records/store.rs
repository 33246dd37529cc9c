//! The record rules' tables in the server's SQLite file (component `records`): the rules' events made
//! from CCAI's deliveries (`inbox.rs` keeps the deliveries themselves), the outbox (each event's planned
//! writes: whether each went out, whether it is done, what it created), and what the server learned
//! (customer key → Kustomer customer, conversations, session → conversation). Every change that
//! matters is one transaction, so a kill at any instant leaves a state the restart finishes from.

use crate::store::db::{self, params, OptionalExtension};
use ccai_core::records::{Channel, ConversationFacts, ConversationStatus, CustomerFacts};

use crate::store::{Store, StoreError};

/// The component's first schema (`store::MIGRATIONS`).
pub const SCHEMA_V1: &str = "
CREATE TABLE records_deliveries (
    event_id TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    channel TEXT NOT NULL,
    session_id TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    ts INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX records_deliveries_pending ON records_deliveries(customer_key, state, ts, rank);
CREATE TABLE records_session_state (
    session_id TEXT PRIMARY KEY,
    customer_key TEXT NOT NULL,
    first_ts INTEGER NOT NULL,
    last_body TEXT,
    max_rank INTEGER NOT NULL DEFAULT 0,
    waited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX records_session_state_by_customer ON records_session_state(customer_key, max_rank);
CREATE TABLE records_events (
    event_id TEXT PRIMARY KEY,
    delivery_id TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT,
    push TEXT,
    received_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX records_events_by_customer ON records_events(customer_key, state, seq);
CREATE TABLE records_ops (
    event_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    op TEXT NOT NULL,
    result_id TEXT,
    attempted INTEGER NOT NULL DEFAULT 0,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, idx)
);
CREATE TABLE records_customers (
    customer_key TEXT PRIMARY KEY,
    kustomer_id TEXT NOT NULL,
    created_by_session TEXT
);
CREATE TABLE records_conversations (
    id TEXT PRIMARY KEY,
    customer_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    menu TEXT,
    voicemail INTEGER NOT NULL,
    created_order INTEGER NOT NULL
);
CREATE INDEX records_conversations_by_customer ON records_conversations(customer_key, created_order);
CREATE TABLE records_bindings (session_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
";

/// The component's second step: the intake asks whether a session already has a later delivery (so
/// that a late one does not push a stale call state).
pub const SCHEMA_V2: &str = "
CREATE INDEX records_deliveries_by_session ON records_deliveries(session_id, ts, rank);
";

/// The third: the door no longer asks the store whether a delivery is the latest of its session (it
/// pushes before storing, from memory: `super::CallPushes`), so the second step's index goes.
pub const SCHEMA_V3: &str = "
DROP INDEX IF EXISTS records_deliveries_by_session;
";

/// The fourth: what is still to apply, indexed on its own (partial indexes that hold only unfinished
/// rows, so they stay as small as the backlog): counting the backlog and finding the unfinished keys
/// at a restart read those rows, not every delivery and event ever taken.
pub const SCHEMA_V4: &str = "
CREATE INDEX records_deliveries_unfinished ON records_deliveries(customer_key) WHERE state = 'pending';
CREATE INDEX records_events_unfinished ON records_events(customer_key)
    WHERE state IN ('pending', 'decided');
";

/// A rules' event waiting to be applied.
pub struct Pending {
    pub event_id: String,
    /// The CCAI delivery it was made from.
    pub delivery_id: String,
    pub seq: u64,
    /// `None`: a place in the order that only carries a push (a delivery the rules have nothing for).
    pub body: Option<String>,
    pub push: Option<String>,
    pub received_at_ms: u64,
    /// `pending` (not decided yet) or `decided` (its writes are in the outbox).
    pub state: String,
}

/// One write of the outbox.
pub struct OutboxOp {
    pub idx: u32,
    pub op: String,
    pub result_id: Option<String>,
    /// It went out at least once (its end may be unknown).
    pub attempted: bool,
    pub done: bool,
}

impl Store {
    /// `Conn::records_binding` on a connection of its own.
    pub fn records_binding(&self, session_id: &str) -> Result<Option<String>, StoreError> {
        self.lock().records_binding(session_id)
    }

    /// `Conn::records_customer` on a connection of its own.
    pub fn records_customer(&self, key: &str) -> Result<Option<CustomerFacts>, StoreError> {
        self.lock().records_customer(key)
    }

    /// Customer keys with deliveries or events still to apply (after a restart).
    pub fn records_unfinished(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut st = conn.prepare_cached(
            "SELECT customer_key FROM records_events WHERE state IN ('pending', 'decided')
             UNION SELECT customer_key FROM records_deliveries WHERE state = 'pending'",
        )?;
        let keys = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(keys)
    }

    /// Deliveries not translated and events not applied yet (the partial indexes of `SCHEMA_V4`: the
    /// conditions are written as there, so that both engines use them).
    pub fn records_backlog(&self) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .prepare_cached(
                "SELECT (SELECT COUNT(*) FROM records_deliveries WHERE state = 'pending')
                      + (SELECT COUNT(*) FROM records_events WHERE state IN ('pending', 'decided'))",
            )?
            .query_row([], |r| r.get::<_, i64>(0))? as u64)
    }

    /// Remembers the Kustomer customer a lookup found for `key` (`created_by_session` stays empty: the
    /// server did not create it, so R18 never treats it as new). A customer already recorded, created
    /// by the server or found before, is kept as it is.
    pub fn records_remember_found_customer(
        &self,
        key: &str,
        kustomer_id: &str,
    ) -> Result<(), StoreError> {
        self.lock()
            .prepare_cached(
                "INSERT INTO records_customers (customer_key, kustomer_id, created_by_session)
             VALUES (?1, ?2, NULL) ON CONFLICT DO NOTHING",
            )?
            .execute(params![key, kustomer_id])?;
        Ok(())
    }

    /// Records a conversation someone else started (a person, another channel) when the server first
    /// sees it among a customer's latest, so that a session joined to it is bound like any other.
    /// `channel: None` is stored as `other`. A conversation already recorded is kept as it is.
    pub fn records_remember_conversation(
        &self,
        customer_key: &str,
        c: &ConversationFacts,
    ) -> Result<(), StoreError> {
        self.lock().prepare_cached("INSERT INTO records_conversations (id, customer_key, channel, menu, voicemail, created_order)
             VALUES (?1, ?2, ?3, ?4, ?5,
                     (SELECT COALESCE(MAX(created_order), 0) + 1 FROM records_conversations))
             ON CONFLICT DO NOTHING")?
            .execute(params![
                c.id,
                customer_key,
                c.channel.map_or("other", channel_text),
                c.menu,
                c.voicemail
            ],
        )?;
        Ok(())
    }

    /// A conversation the server created or has seen, with status `Open` as a placeholder: the caller asks
    /// Kustomer for the real status.
    pub fn records_conversation(&self, id: &str) -> Result<Option<ConversationFacts>, StoreError> {
        Ok(self
            .lock()
            .prepare_cached(
                "SELECT id, channel, menu, voicemail FROM records_conversations WHERE id = ?1",
            )?
            .query_row([id], conversation_row)
            .optional()?)
    }
}

/// What an operation taught the server.
pub enum Learned<'a> {
    Customer {
        key: &'a str,
        id: &'a str,
        created_by_session: &'a str,
    },
    Conversation {
        customer_key: &'a str,
        id: &'a str,
        channel: Channel,
        menu: Option<&'a str>,
        voicemail: bool,
    },
}

fn conversation_row(r: &db::Row<'_>) -> db::Result<ConversationFacts> {
    let channel: String = r.get(1)?;
    Ok(ConversationFacts {
        id: r.get(0)?,
        status: ConversationStatus::Open,
        channel: match channel.as_str() {
            "chat" => Some(Channel::Chat),
            "voice" => Some(Channel::Voice),
            _ => None,
        },
        menu: r.get(2)?,
        voicemail: r.get::<_, i64>(3)? != 0,
    })
}

pub fn channel_text(c: Channel) -> &'static str {
    match c {
        Channel::Voice => "voice",
        Channel::Chat => "chat",
    }
}

impl db::Conn {
    /// Stores the decision: the event's writes go to the outbox, in one transaction, the first marked as
    /// about to go out (what `records_op_attempted` would commit next: one commit instead of two).
    pub fn records_decide(
        &mut self,
        event_id: &str,
        writes: &[String],
        bind_session: &str,
    ) -> Result<(), StoreError> {
        let tx = self.transaction()?;
        for (i, w) in writes.iter().enumerate() {
            tx.prepare_cached(
                "INSERT INTO records_ops (event_id, idx, op) VALUES (?1, ?2, ?3)
                 ON CONFLICT (event_id, idx) DO UPDATE SET op = excluded.op, result_id = NULL,
                    attempted = 0, done = 0",
            )?
            .execute(params![event_id, i as i64, w])?;
        }
        if !writes.is_empty() {
            tx.prepare_cached(
                "UPDATE records_ops SET attempted = 1 WHERE event_id = ?1 AND idx = 0",
            )?
            .execute([event_id])?;
        }
        // The binding is kept as an outbox row too, so a resumed event still knows it.
        tx.prepare_cached(
            "INSERT INTO records_ops (event_id, idx, op, done) VALUES (?1, -1, ?2, 1)
             ON CONFLICT (event_id, idx) DO UPDATE SET op = excluded.op, result_id = NULL,
                attempted = 0, done = 1",
        )?
        .execute(params![event_id, bind_session])?;
        tx.prepare_cached("UPDATE records_events SET state = 'decided' WHERE event_id = ?1")?
            .execute([event_id])?;
        tx.commit()?;
        Ok(())
    }
    /// The outbox of one event, in order, and its stored session binding (`""` when none).
    pub fn records_outbox(&self, event_id: &str) -> Result<(Vec<OutboxOp>, String), StoreError> {
        let mut st = self.prepare_cached(
            "SELECT idx, op, result_id, attempted, done FROM records_ops WHERE event_id = ?1 ORDER BY idx",
        )?;
        let mut bind = String::new();
        let mut out = Vec::new();
        let rows = st.query_map([event_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)? != 0,
                r.get::<_, i64>(4)? != 0,
            ))
        })?;
        for row in rows {
            let (idx, op, result_id, attempted, done) = row?;
            if idx < 0 {
                bind = op;
            } else {
                out.push(OutboxOp {
                    idx: idx as u32,
                    op,
                    result_id,
                    attempted,
                    done,
                });
            }
        }
        Ok((out, bind))
    }
    /// Remembers that a write is about to go out: from here on its end is unknown until `op_done`.
    pub fn records_op_attempted(&self, event_id: &str, idx: u32) -> Result<(), StoreError> {
        self.prepare_cached(
            "UPDATE records_ops SET attempted = 1 WHERE event_id = ?1 AND idx = ?2",
        )?
        .execute(params![event_id, idx as i64])?;
        Ok(())
    }
    /// Marks one write done, with what it created, and records the new customer or conversation, in
    /// the caller's transaction.
    ///
    /// `next`: the write that goes out right after, marked as about to go out in the same commit.
    pub fn records_op_done(
        &self,
        event_id: &str,
        idx: u32,
        result_id: Option<&str>,
        learned: Option<Learned<'_>>,
        next: Option<u32>,
    ) -> Result<(), StoreError> {
        let tx = self;
        tx.prepare_cached(
            "UPDATE records_ops SET done = 1, result_id = ?3 WHERE event_id = ?1 AND idx = ?2",
        )?
        .execute(params![event_id, idx as i64, result_id])?;
        if let Some(next) = next {
            tx.prepare_cached(
                "UPDATE records_ops SET attempted = 1 WHERE event_id = ?1 AND idx = ?2",
            )?
            .execute(params![event_id, next as i64])?;
        }
        match learned {
            Some(Learned::Customer {
                key,
                id,
                created_by_session,
            }) => {
                tx.prepare_cached(
                    "INSERT INTO records_customers (customer_key, kustomer_id, created_by_session)
                     VALUES (?1, ?2, ?3)
                     ON CONFLICT (customer_key) DO UPDATE SET kustomer_id = excluded.kustomer_id,
                        created_by_session = excluded.created_by_session",
                )?
                .execute(params![key, id, created_by_session])?;
            }
            Some(Learned::Conversation {
                customer_key,
                id,
                channel,
                menu,
                voicemail,
            }) => {
                tx.prepare_cached("INSERT INTO records_conversations (id, customer_key, channel, menu, voicemail, created_order)
                     VALUES (?1, ?2, ?3, ?4, ?5,
                             (SELECT COALESCE(MAX(created_order), 0) + 1 FROM records_conversations))
             ON CONFLICT DO NOTHING")?
            .execute(params![id, customer_key, channel_text(channel), menu, voicemail],
                )?;
            }
            None => {}
        }
        Ok(())
    }
    /// The event is fully applied: bind its session to its conversation (in the caller's
    /// transaction, which may also hold its last write's end).
    pub fn records_event_done(
        &self,
        event_id: &str,
        session: Option<(&str, &str)>,
        state: &str,
    ) -> Result<(), StoreError> {
        let tx = self;
        if let Some((session_id, conversation_id)) = session {
            tx.prepare_cached(
                "INSERT INTO records_bindings (session_id, conversation_id) VALUES (?1, ?2)
                 ON CONFLICT (session_id) DO UPDATE SET conversation_id = excluded.conversation_id",
            )?
            .execute(params![session_id, conversation_id])?;
        }
        tx.prepare_cached("UPDATE records_events SET state = ?2 WHERE event_id = ?1")?
            .execute(params![event_id, state])?;
        Ok(())
    }

    /// The conversation a session is bound to, by id only (for pushes).
    pub fn records_binding(&self, session_id: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .prepare_cached("SELECT conversation_id FROM records_bindings WHERE session_id = ?1")?
            .query_row([session_id], |r| r.get(0))
            .optional()?)
    }
    pub fn records_customer(&self, key: &str) -> Result<Option<CustomerFacts>, StoreError> {
        Ok(self
            .prepare_cached("SELECT kustomer_id, created_by_session FROM records_customers WHERE customer_key = ?1")?
            .query_row([key],
                |r| {
                    Ok(CustomerFacts {
                        id: r.get(0)?,
                        created_by_session: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }
    pub fn records_session_conversation(
        &self,
        session_id: &str,
    ) -> Result<Option<ConversationFacts>, StoreError> {
        Ok(self
            .prepare_cached(
                "SELECT c.id, c.channel, c.menu, c.voicemail FROM records_bindings s
                 JOIN records_conversations c ON c.id = s.conversation_id WHERE s.session_id = ?1",
            )?
            .query_row([session_id], conversation_row)
            .optional()?)
    }

    /// The customer's next event to apply, in order.
    pub fn records_next_event(&self, customer_key: &str) -> Result<Option<Pending>, StoreError> {
        Ok(self
            .prepare_cached("SELECT event_id, seq, body, push, received_at_ms, state, delivery_id FROM records_events
                 WHERE customer_key = ?1 AND state IN ('pending', 'decided')
                 ORDER BY seq LIMIT 1")?
            .query_row([customer_key],
                |r| {
                    Ok(Pending {
                        event_id: r.get(0)?,
                        seq: r.get::<_, i64>(1)? as u64,
                        body: r.get(2)?,
                        push: r.get(3)?,
                        received_at_ms: r.get::<_, i64>(4)? as u64,
                        state: r.get(5)?,
                        delivery_id: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }
}
