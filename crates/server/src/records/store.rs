//! The connector's one SQLite file: the inbox (events seen), the outbox (decided operations and their
//! results), and what it learned (customer key → Kustomer customer, session → conversation, per-customer
//! cursor). Every change that matters is one transaction, so a kill at any instant leaves a state the
//! restart can finish from.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use ccai_core::records::{Channel, ConversationFacts, ConversationStatus, CustomerFacts};
use rusqlite::{params, Connection, OptionalExtension};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("stored json: {0}")]
    Json(#[from] serde_json::Error),
}

/// How an incoming event was taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Accept {
    /// New: stored, to be applied.
    New,
    /// Seen before with the same body: a retried delivery, answered 200 with no effect.
    Duplicate,
    /// Seen before with another body: a replay, refused.
    ConflictingBody,
    /// This exact timestamp + signature was used before: a replay, refused.
    ReplayedSignature,
}

/// An event waiting in the inbox.
pub struct Pending {
    pub event_id: String,
    pub seq: u64,
    pub body: String,
    pub received_at_ms: u64,
    /// `pending` (not decided yet) or `decided` (its operations are in the outbox).
    pub state: String,
}

/// One operation of the outbox.
pub struct OutboxOp {
    pub idx: u32,
    pub op: String,
    pub result_id: Option<String>,
    pub done: bool,
}

pub struct Store {
    conn: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT PRIMARY KEY,
    body_hash TEXT NOT NULL,
    customer_key TEXT NOT NULL,
    seq INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at_ms INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_customer ON events(customer_key, state, seq);
CREATE TABLE IF NOT EXISTS signatures (sig TEXT PRIMARY KEY, ts INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS ops (
    event_id TEXT NOT NULL,
    idx INTEGER NOT NULL,
    op TEXT NOT NULL,
    result_id TEXT,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (event_id, idx)
);
CREATE TABLE IF NOT EXISTS customers (
    customer_key TEXT PRIMARY KEY,
    kustomer_id TEXT NOT NULL,
    created_by_session TEXT
);
CREATE TABLE IF NOT EXISTS conversations (
    id TEXT PRIMARY KEY,
    customer_key TEXT NOT NULL,
    channel TEXT NOT NULL,
    menu TEXT,
    voicemail INTEGER NOT NULL,
    created_order INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_by_customer ON conversations(customer_key, created_order);
CREATE TABLE IF NOT EXISTS sessions (session_id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cursors (customer_key TEXT PRIMARY KEY, next_seq INTEGER NOT NULL);
";

impl Store {
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        // WAL + synchronous=NORMAL: a commit survives a killed process (the case the tests and the
        // restart figure measure); a power cut may lose the last commits, whose webhooks CCAI then retries
        // because... they were answered. Set `synchronous=FULL` where power loss matters more than speed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes an event into the inbox, in one transaction with the signature it came with.
    #[allow(clippy::too_many_arguments)]
    pub fn accept(
        &self,
        event_id: &str,
        body_hash: &str,
        customer_key: &str,
        seq: u64,
        body: &str,
        signature: &str,
        ts: u64,
        now_ms: u64,
    ) -> Result<Accept, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let fresh_sig = tx.execute(
            "INSERT OR IGNORE INTO signatures (sig, ts) VALUES (?1, ?2)",
            params![format!("{ts}.{signature}"), ts as i64],
        )? == 1;
        if !fresh_sig {
            return Ok(Accept::ReplayedSignature);
        }
        let seen: Option<String> = tx
            .query_row(
                "SELECT body_hash FROM events WHERE event_id = ?1",
                [event_id],
                |r| r.get(0),
            )
            .optional()?;
        let answer = match seen {
            Some(h) if h == body_hash => Accept::Duplicate,
            Some(_) => Accept::ConflictingBody,
            None => {
                tx.execute(
                    "INSERT INTO events (event_id, body_hash, customer_key, seq, body, received_at_ms, state)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
                    params![event_id, body_hash, customer_key, seq as i64, body, now_ms as i64],
                )?;
                Accept::New
            }
        };
        tx.commit()?;
        Ok(answer)
    }

    /// Forgets signatures too old to pass the timestamp check anyway.
    pub fn prune_signatures(&self, older_than_s: u64) -> Result<(), StoreError> {
        self.lock().execute(
            "DELETE FROM signatures WHERE ts < ?1",
            [older_than_s as i64],
        )?;
        Ok(())
    }

    /// Customer keys with events still to apply (after a restart).
    pub fn unfinished_customers(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut st = conn.prepare(
            "SELECT DISTINCT customer_key FROM events WHERE state IN ('pending', 'decided')",
        )?;
        let keys = st
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(keys)
    }

    /// The customer's lowest unapplied event, and the next sequence number the customer expects.
    pub fn next_pending(&self, customer_key: &str) -> Result<Option<(Pending, u64)>, StoreError> {
        let conn = self.lock();
        let next_seq: u64 = conn
            .query_row(
                "SELECT next_seq FROM cursors WHERE customer_key = ?1",
                [customer_key],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map_or(1, |n| n as u64);
        let p = conn
            .query_row(
                "SELECT event_id, seq, body, received_at_ms, state FROM events
                 WHERE customer_key = ?1 AND state IN ('pending', 'decided')
                 ORDER BY seq LIMIT 1",
                [customer_key],
                |r| {
                    Ok(Pending {
                        event_id: r.get(0)?,
                        seq: r.get::<_, i64>(1)? as u64,
                        body: r.get(2)?,
                        received_at_ms: r.get::<_, i64>(3)? as u64,
                        state: r.get(4)?,
                    })
                },
            )
            .optional()?;
        Ok(p.map(|p| (p, next_seq)))
    }

    /// Stores the decision: the event's operations go to the outbox, in one transaction.
    pub fn record_decision(
        &self,
        event_id: &str,
        ops: &[String],
        bind_session: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        for (i, op) in ops.iter().enumerate() {
            tx.execute(
                "INSERT OR REPLACE INTO ops (event_id, idx, op) VALUES (?1, ?2, ?3)",
                params![event_id, i as i64, op],
            )?;
        }
        // The binding is kept as an outbox row too, so a resumed event still knows it.
        tx.execute(
            "INSERT OR REPLACE INTO ops (event_id, idx, op, done) VALUES (?1, -1, ?2, 1)",
            params![event_id, bind_session.unwrap_or("")],
        )?;
        tx.execute(
            "UPDATE events SET state = 'decided' WHERE event_id = ?1",
            [event_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The outbox of one event, in order, and its stored session binding (`""` when none).
    pub fn outbox(&self, event_id: &str) -> Result<(Vec<OutboxOp>, String), StoreError> {
        let conn = self.lock();
        let mut st = conn
            .prepare("SELECT idx, op, result_id, done FROM ops WHERE event_id = ?1 ORDER BY idx")?;
        let mut bind = String::new();
        let mut out = Vec::new();
        let rows = st.query_map([event_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)? != 0,
            ))
        })?;
        for row in rows {
            let (idx, op, result_id, done) = row?;
            if idx < 0 {
                bind = op;
            } else {
                out.push(OutboxOp {
                    idx: idx as u32,
                    op,
                    result_id,
                    done,
                });
            }
        }
        Ok((out, bind))
    }

    /// Marks one operation done, with what it created, and records the new customer or conversation.
    pub fn op_done(
        &self,
        event_id: &str,
        idx: u32,
        result_id: Option<&str>,
        learned: Option<Learned<'_>>,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        tx.execute(
            "UPDATE ops SET done = 1, result_id = ?3 WHERE event_id = ?1 AND idx = ?2",
            params![event_id, idx as i64, result_id],
        )?;
        match learned {
            Some(Learned::Customer {
                key,
                id,
                created_by_session,
            }) => {
                tx.execute(
                    "INSERT OR REPLACE INTO customers (customer_key, kustomer_id, created_by_session)
                     VALUES (?1, ?2, ?3)",
                    params![key, id, created_by_session],
                )?;
            }
            Some(Learned::Conversation {
                customer_key,
                id,
                channel,
                menu,
                voicemail,
            }) => {
                tx.execute(
                    "INSERT OR IGNORE INTO conversations (id, customer_key, channel, menu, voicemail, created_order)
                     VALUES (?1, ?2, ?3, ?4, ?5,
                             (SELECT COALESCE(MAX(created_order), 0) + 1 FROM conversations))",
                    params![id, customer_key, channel_text(channel), menu, voicemail],
                )?;
            }
            None => {}
        }
        tx.commit()?;
        Ok(())
    }

    /// The event is fully applied: bind its session, move the customer's cursor past it.
    pub fn event_done(
        &self,
        event_id: &str,
        customer_key: &str,
        seq: u64,
        session: Option<(&str, &str)>,
        state: &str,
    ) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        if let Some((session_id, conversation_id)) = session {
            tx.execute(
                "INSERT OR REPLACE INTO sessions (session_id, conversation_id) VALUES (?1, ?2)",
                params![session_id, conversation_id],
            )?;
        }
        tx.execute(
            "INSERT INTO cursors (customer_key, next_seq) VALUES (?1, ?2)
             ON CONFLICT(customer_key) DO UPDATE SET next_seq = MAX(next_seq, excluded.next_seq)",
            params![customer_key, (seq + 1) as i64],
        )?;
        tx.execute(
            "UPDATE events SET state = ?2 WHERE event_id = ?1",
            params![event_id, state],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn customer(&self, key: &str) -> Result<Option<CustomerFacts>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT kustomer_id, created_by_session FROM customers WHERE customer_key = ?1",
                [key],
                |r| {
                    Ok(CustomerFacts {
                        id: r.get(0)?,
                        created_by_session: r.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    /// Remembers the Kustomer customer a lookup found for `key` (`created_by_session` stays empty: the
    /// connector did not create it, so R18 never treats it as new). A customer already recorded, created
    /// by the connector or found before, is kept as it is.
    pub fn remember_found_customer(&self, key: &str, kustomer_id: &str) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO customers (customer_key, kustomer_id, created_by_session)
             VALUES (?1, ?2, NULL)",
            params![key, kustomer_id],
        )?;
        Ok(())
    }

    /// Records a conversation someone else started (a person, another channel) when the connector first
    /// sees it among a customer's latest, so that a session joined to it is bound like any other.
    /// `channel: None` is stored as `other`. A conversation already recorded is kept as it is.
    pub fn remember_conversation(
        &self,
        customer_key: &str,
        c: &ConversationFacts,
    ) -> Result<(), StoreError> {
        self.lock().execute(
            "INSERT OR IGNORE INTO conversations (id, customer_key, channel, menu, voicemail, created_order)
             VALUES (?1, ?2, ?3, ?4, ?5,
                     (SELECT COALESCE(MAX(created_order), 0) + 1 FROM conversations))",
            params![
                c.id,
                customer_key,
                c.channel.map_or("other", channel_text),
                c.menu,
                c.voicemail
            ],
        )?;
        Ok(())
    }

    /// A conversation the connector created or has seen, with status `Open` as a placeholder: the caller asks
    /// Kustomer for the real status.
    pub fn conversation(&self, id: &str) -> Result<Option<ConversationFacts>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT id, channel, menu, voicemail FROM conversations WHERE id = ?1",
                [id],
                conversation_row,
            )
            .optional()?)
    }

    pub fn session_conversation(
        &self,
        session_id: &str,
    ) -> Result<Option<ConversationFacts>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT c.id, c.channel, c.menu, c.voicemail FROM sessions s
                 JOIN conversations c ON c.id = s.conversation_id WHERE s.session_id = ?1",
                [session_id],
                conversation_row,
            )
            .optional()?)
    }

    /// Counts of events by state, for the figures and the tests.
    pub fn count_events(&self, state: &str) -> Result<u64, StoreError> {
        Ok(self.lock().query_row(
            "SELECT COUNT(*) FROM events WHERE state = ?1",
            [state],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

/// What an operation taught the connector.
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

fn conversation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ConversationFacts> {
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
