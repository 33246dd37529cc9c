//! The checks a status change passes before it is queued, in this order:
//! 1. the same `key` from this agent before → `Duplicate` (a retry after a lost answer, also from a
//!    tab fenced since: the change was accepted then, and is not accepted twice);
//! 2. an `epoch` that is not the agent's current term → `Fenced` (another tab or computer owns it);
//! 3. a Kustomer status without a row in the admin's mapping, or a CCAI target that cannot be set by
//!    name (unknown, system-defined, a repeated name: A8, A9) → `Refused` with the reason;
//! 4. stored, then queued to the scheduler → `Queued`.
//!
//! Checks 1, 2 and the insert hold the store's lock together, so an owner claim cannot slip between
//! the fence check and the insert.

use ccai_core::budget::StatusChange as QueuedChange;
use ccai_core::mapping::MappingEntry;
use ccai_core::server_api::{StatusChange, StatusOutcome};
use ccai_core::status::{CcaiStatusId, KustomerStatusId};

use super::store::{self, Inserted, NewChange};
use crate::http::auth::AgentSession;
use crate::state::AppState;
use crate::store::StoreError;

/// The longest idempotency key kept: the relay's are `agent:epoch:seq`, far shorter.
pub const MAX_KEY: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("{0}")]
    BadRequest(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the ccai scheduler has stopped")]
    Stopped,
    #[error("ccai's status list is not read yet; try again in a few seconds")]
    NotReady,
}

/// A new owner term for the session's agent; every older epoch is fenced from now on, and the
/// agent's push connections are told (the one that claimed sees its own epoch and carries on).
pub fn claim_owner(state: &AppState, session: &AgentSession) -> Result<u64, IntakeError> {
    let epoch = store::claim(
        &state.0.store.lock(),
        &session.agent.email,
        &session.session_id,
        crate::now_ms(),
    )?;
    state.0.hub.send(
        &session.agent.email,
        ccai_core::server_api::Push::Fenced { epoch },
    );
    Ok(epoch)
}

pub fn accept(
    state: &AppState,
    session: &AgentSession,
    change: &StatusChange,
) -> Result<StatusOutcome, IntakeError> {
    if change.key.is_empty() || change.key.len() > MAX_KEY {
        return Err(IntakeError::BadRequest(format!(
            "key must be 1 to {MAX_KEY} characters"
        )));
    }
    let agent = &session.agent;
    if !state.0.ccai_directory.is_loaded() {
        return Err(IntakeError::NotReady);
    }
    // Resolved before taking the lock: the catalogue is in memory, the mapping one small read.
    let target = match resolve(state, &change.kustomer_status_id)? {
        Ok(t) => t,
        Err(reason) => {
            let conn = state.0.store.lock();
            if is_duplicate(&conn, &agent.email, &change.key)? {
                return Ok(StatusOutcome::Duplicate);
            }
            return Ok(StatusOutcome::Refused { reason });
        }
    };
    let received_at_ms = crate::now_ms();
    let inserted = {
        let conn = state.0.store.lock();
        if is_duplicate(&conn, &agent.email, &change.key)? {
            return Ok(StatusOutcome::Duplicate);
        }
        let current = store::current_epoch(&conn, &agent.email)?;
        if change.epoch != current {
            return Ok(StatusOutcome::Fenced {
                current_epoch: current,
            });
        }
        store::insert(
            &conn,
            &NewChange {
                agent_email: &agent.email,
                ccai_agent_id: agent.ccai_agent_id,
                key: &change.key,
                epoch: change.epoch,
                kustomer_status_id: &change.kustomer_status_id,
                ccai_status_id: target.0 .0,
                ccai_status_name: &target.1,
                changed_at_ms: change.changed_at_ms,
                received_at_ms,
            },
        )?
    };
    let row = match inserted {
        Inserted::New(row) => row,
        Inserted::Duplicate => return Ok(StatusOutcome::Duplicate),
    };
    state
        .0
        .ccai
        .set_status(QueuedChange {
            id: row.id,
            agent: row.ccai_agent_id,
            target: row.ccai_status_name,
            at_ms: state.0.ccai.now_ms(),
        })
        .map_err(|_| IntakeError::Stopped)?;
    Ok(StatusOutcome::Queued)
}

fn is_duplicate(conn: &rusqlite::Connection, email: &str, key: &str) -> Result<bool, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT 1 FROM status_changes WHERE agent_email = ?1 AND idem_key = ?2",
            [email, key],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The CCAI status (id and the name to send) for a Kustomer status, or why there is none.
fn resolve(
    state: &AppState,
    kustomer: &str,
) -> Result<Result<(CcaiStatusId, String), String>, IntakeError> {
    let (_, settings) = crate::settings::current(state)?;
    let rows: Vec<MappingEntry> = settings.mapping;
    let wanted = KustomerStatusId::new(kustomer);
    let Some(row) = rows.iter().find(|r| r.kustomer == wanted) else {
        return Ok(Err(format!(
            "kustomer status {kustomer} has no row in the admin's mapping"
        )));
    };
    Ok(state
        .0
        .ccai_directory
        .target_name(row.ccai)
        .map(|name| (row.ccai, name))
        .map_err(|e| e.to_string()))
}
