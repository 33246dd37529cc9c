//! The status tables: owner epochs per agent and every status change the server accepted, durable
//! before the agent hears "queued", so a restart resumes the queue exactly where it was.

use crate::store::db::{params, Conn as Connection, OptionalExtension};

use crate::store::StoreError;

pub const SCHEMA_V1: &str = "
CREATE TABLE owner_epochs (
    agent_email TEXT PRIMARY KEY,
    epoch INTEGER NOT NULL,
    session_id TEXT NOT NULL,
    claimed_at_ms INTEGER NOT NULL
);
CREATE TABLE status_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_email TEXT NOT NULL,
    ccai_agent_id INTEGER NOT NULL,
    idem_key TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    kustomer_status_id TEXT NOT NULL,
    ccai_status_id INTEGER NOT NULL,
    ccai_status_name TEXT NOT NULL,
    changed_at_ms INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL,
    -- queued | sent | applied | failed | superseded | merged (the page relayed a change the
    -- server had read in Kustomer's work sessions and carried already: not written twice)
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    outcome TEXT,
    done_at_ms INTEGER,
    UNIQUE (agent_email, idem_key)
);
CREATE INDEX status_changes_open ON status_changes (state) WHERE state IN ('queued', 'sent');
";

/// The server's own S4 change per agent (`status/kustomer_write.rs`), so that after a restart the
/// work-session poll reading it is still the server's change, never news to write back to CCAI.
pub const SCHEMA_V2: &str = "
CREATE TABLE kustomer_server_statuses (
    agent_email TEXT PRIMARY KEY,
    kustomer_status_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
";

/// Stores that the server is setting, or has set, `agent`'s Kustomer status to `status` at `at_ms`.
pub fn put_server_status(
    conn: &Connection,
    agent: &str,
    status: &str,
    at_ms: u64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO kustomer_server_statuses (agent_email, kustomer_status_id, at_ms)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (agent_email) DO UPDATE SET kustomer_status_id = excluded.kustomer_status_id,
             at_ms = excluded.at_ms",
        params![agent, status, at_ms as i64],
    )?;
    Ok(())
}

/// Kustomer did not apply the server's change to `status`: it is not remembered as set.
pub fn drop_server_status(conn: &Connection, agent: &str, status: &str) -> Result<(), StoreError> {
    conn.execute(
        "DELETE FROM kustomer_server_statuses WHERE agent_email = ?1 AND kustomer_status_id = ?2",
        params![agent, status],
    )?;
    Ok(())
}

/// Every agent's last own change of the server, as (agent, status, ms).
pub fn server_statuses(conn: &Connection) -> Result<Vec<(String, String, u64)>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT agent_email, kustomer_status_id, at_ms FROM kustomer_server_statuses")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? as u64))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One accepted change, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub id: u64,
    pub agent_email: String,
    pub ccai_agent_id: i64,
    pub key: String,
    pub ccai_status_name: String,
    pub received_at_ms: u64,
}

/// What an insert found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    New(ChangeRow),
    /// The agent sent this key before (a retry after a lost answer, another tab's replay).
    Duplicate,
}

/// Each agent's latest change: `(email, view)`.
pub fn latest_changes(
    conn: &Connection,
) -> Result<Vec<(String, ccai_core::server_api::ChangeView)>, StoreError> {
    let mut q = conn.prepare(
        "SELECT c.agent_email, c.ccai_status_name, c.state, c.outcome, c.received_at_ms
         FROM status_changes c
         WHERE c.id = (SELECT MAX(id) FROM status_changes WHERE agent_email = c.agent_email)",
    )?;
    let rows = q
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                ccai_core::server_api::ChangeView {
                    ccai_status: r.get(1)?,
                    state: r.get(2)?,
                    outcome: r.get(3)?,
                    received_at_ms: r.get::<_, i64>(4)? as u64,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The latest `limit` failed changes, newest first.
pub fn recent_failures(
    conn: &Connection,
    limit: u32,
) -> Result<Vec<ccai_core::server_api::Refusal>, StoreError> {
    let mut q = conn.prepare(
        "SELECT agent_email, ccai_status_name, COALESCE(outcome, ''), COALESCE(done_at_ms, received_at_ms)
         FROM status_changes WHERE state = 'failed' ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = q
        .query_map([limit as i64], |r| {
            Ok(ccai_core::server_api::Refusal {
                email: r.get(0)?,
                ccai_status: r.get(1)?,
                reason: r.get(2)?,
                at_ms: r.get::<_, i64>(3)? as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// How many changes are open (accepted, not yet answered by CCAI).
pub fn open_count(conn: &Connection) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM status_changes WHERE state IN ('queued', 'sent')",
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// Every agent's owner epoch.
pub fn epochs(conn: &Connection) -> Result<Vec<(String, u64)>, StoreError> {
    let mut q = conn.prepare("SELECT agent_email, epoch FROM owner_epochs")?;
    let rows = q
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The agent's current owner epoch (0: never claimed).
pub fn current_epoch(conn: &Connection, agent_email: &str) -> Result<u64, StoreError> {
    let epoch: Option<i64> = conn
        .query_row(
            "SELECT epoch FROM owner_epochs WHERE agent_email = ?1",
            [agent_email],
            |r| r.get(0),
        )
        .optional()?;
    Ok(epoch.unwrap_or(0) as u64)
}

/// A new term for the agent: one more than any before, in one statement, so two computers claiming at
/// once get two different epochs and the later one wins.
pub fn claim(
    conn: &Connection,
    agent_email: &str,
    session_id: &str,
    now_ms: u64,
) -> Result<Claimed, StoreError> {
    let fenced: Option<String> = conn
        .query_row(
            "SELECT session_id FROM owner_epochs WHERE agent_email = ?1",
            [agent_email],
            |r| r.get(0),
        )
        .optional()?;
    let epoch: i64 = conn.query_row(
        "INSERT INTO owner_epochs (agent_email, epoch, session_id, claimed_at_ms)
         VALUES (?1, 1, ?2, ?3)
         ON CONFLICT (agent_email) DO UPDATE SET
             epoch = owner_epochs.epoch + 1, session_id = excluded.session_id,
             claimed_at_ms = excluded.claimed_at_ms
         RETURNING epoch",
        params![agent_email, session_id, now_ms as i64],
        |r| r.get(0),
    )?;
    Ok(Claimed {
        epoch: epoch as u64,
        fenced_session: fenced,
    })
}

/// A new owner term: its epoch, and the session that held the term before (whose tabs are fenced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub epoch: u64,
    pub fenced_session: Option<String>,
}

/// The relay key of a stored change (for `StatusSuperseded`'s `by_key`).
pub fn key_of(conn: &Connection, id: u64) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT idem_key FROM status_changes WHERE id = ?1",
            [id as i64],
            |r| r.get(0),
        )
        .optional()?)
}

/// The fields of a change the handler checked, to be stored.
pub struct NewChange<'a> {
    pub agent_email: &'a str,
    pub ccai_agent_id: i64,
    pub key: &'a str,
    pub epoch: u64,
    pub kustomer_status_id: &'a str,
    pub ccai_status_id: i64,
    pub ccai_status_name: &'a str,
    pub changed_at_ms: u64,
    pub received_at_ms: u64,
}

pub fn insert(conn: &Connection, c: &NewChange<'_>) -> Result<Inserted, StoreError> {
    let id: Option<i64> = conn
        .query_row(
            "INSERT INTO status_changes (agent_email, ccai_agent_id, idem_key, epoch,
                 kustomer_status_id, ccai_status_id, ccai_status_name, changed_at_ms,
                 received_at_ms, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'queued')
             ON CONFLICT (agent_email, idem_key) DO NOTHING
             RETURNING id",
            params![
                c.agent_email,
                c.ccai_agent_id,
                c.key,
                c.epoch as i64,
                c.kustomer_status_id,
                c.ccai_status_id,
                c.ccai_status_name,
                c.changed_at_ms as i64,
                c.received_at_ms as i64
            ],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match id {
        Some(id) => Inserted::New(ChangeRow {
            id: id as u64,
            agent_email: c.agent_email.to_owned(),
            ccai_agent_id: c.ccai_agent_id,
            key: c.key.to_owned(),
            ccai_status_name: c.ccai_status_name.to_owned(),
            received_at_ms: c.received_at_ms,
        }),
        None => Inserted::Duplicate,
    })
}

/// A change from `SELECT id, agent_email, ccai_agent_id, idem_key, ccai_status_name,
/// received_at_ms`.
fn change_row(r: &crate::store::db::Row<'_>) -> crate::store::db::Result<ChangeRow> {
    Ok(ChangeRow {
        id: r.get::<_, i64>(0)? as u64,
        agent_email: r.get(1)?,
        ccai_agent_id: r.get(2)?,
        key: r.get(3)?,
        ccai_status_name: r.get(4)?,
        received_at_ms: r.get::<_, i64>(5)? as u64,
    })
}

/// Changes not yet answered, in the order they were accepted (a restart queues them again).
pub fn open_changes(conn: &Connection) -> Result<Vec<ChangeRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, agent_email, ccai_agent_id, idem_key, ccai_status_name, received_at_ms
         FROM status_changes WHERE state IN ('queued', 'sent') ORDER BY id",
    )?;
    let rows = stmt
        .query_map([], change_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One change, if it is still open.
pub fn open_change(conn: &Connection, id: u64) -> Result<Option<ChangeRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT id, agent_email, ccai_agent_id, idem_key, ccai_status_name, received_at_ms
             FROM status_changes WHERE id = ?1 AND state IN ('queued', 'sent')",
            [id as i64],
            change_row,
        )
        .optional()?)
}

pub fn mark_sent(conn: &Connection, ids: &[u64]) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE status_changes SET state = 'sent', attempts = attempts + 1
         WHERE id = ?1 AND state IN ('queued', 'sent')",
    )?;
    for id in ids {
        stmt.execute([*id as i64])?;
    }
    Ok(())
}

/// Ends a change (`applied`, `failed`, `superseded`); returns its agent and key, if it was open.
pub fn finish(
    conn: &Connection,
    id: u64,
    state: &str,
    outcome: &str,
    now_ms: u64,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row(
            "UPDATE status_changes SET state = ?2, outcome = ?3, done_at_ms = ?4
             WHERE id = ?1 AND state IN ('queued', 'sent')
             RETURNING agent_email, idem_key",
            params![id as i64, state, outcome, now_ms as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The last change stored for an agent: what the server last knew of their Kustomer status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastStatus {
    pub agent_email: String,
    pub key: String,
    pub kustomer_status_id: String,
    pub received_at_ms: u64,
    pub state: String,
}

/// Every agent's last stored change (a restart restores what the server knew).
pub fn last_kustomer_statuses(conn: &Connection) -> Result<Vec<LastStatus>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT agent_email, idem_key, kustomer_status_id, received_at_ms, state
         FROM status_changes
         WHERE id IN (SELECT MAX(id) FROM status_changes GROUP BY agent_email)",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(LastStatus {
                agent_email: r.get(0)?,
                key: r.get(1)?,
                kustomer_status_id: r.get(2)?,
                received_at_ms: r.get::<_, i64>(3)? as u64,
                state: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// When the server received each change (`idem_key` → ms), for the load test's "at the server →
/// applied" figure.
pub fn received_at_by_key(
    conn: &Connection,
) -> Result<std::collections::HashMap<String, u64>, StoreError> {
    let mut stmt = conn.prepare("SELECT idem_key, received_at_ms FROM status_changes")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}
