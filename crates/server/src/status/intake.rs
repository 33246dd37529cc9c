//! The checks a status change passes before it is queued, in this order:
//! 1. the same `key` from this agent before → `Duplicate` (a retry after a lost answer, also from a
//!    tab fenced since: the change was accepted then, and is not accepted twice);
//! 2. an `epoch` that is not the agent's current term → `Fenced` (another tab or computer owns it);
//! 3. a Kustomer status without a row in the admin's mapping, or a CCAI target that cannot be set by
//!    name (unknown, system-defined, a repeated name: A8, A9) → `Refused` with the reason;
//! 4. the same change the server read in Kustomer's work sessions moments before and carries already
//!    → stored as `merged`, `AlreadySet` (written to CCAI once: `status::kustomer_side`);
//! 5. stored, then queued to the scheduler → `Queued`.
//!
//! Checks 1, 2 and the insert hold the store's lock together, so an owner claim cannot slip between
//! the fence check and the insert.

use ccai_core::budget::StatusChange as QueuedChange;
use ccai_core::server_api::{StatusChange, StatusOutcome};
use ccai_core::status::CcaiStatusId;

use ccai_core::kustomer_status::{StatusPath, Verdict};

use super::kustomer_side;
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

/// A new owner term for the session's agent; every older epoch is fenced from now on, and the session
/// that held the term before is told on its own connections only (the agent's other sessions, on other
/// computers, are not concerned; a tab of that same session that claimed sees its own epoch and
/// carries on).
pub fn claim_owner(state: &AppState, session: &AgentSession) -> Result<u64, IntakeError> {
    let claimed = store::claim(
        &state.0.store.lock(),
        &session.agent.email,
        &session.session_id,
        crate::now_ms(),
    )?;
    if let Some(fenced) = &claimed.fenced_session {
        state.0.hub.send_session(
            &session.agent.email,
            fenced,
            ccai_core::server_api::Push::Fenced {
                epoch: claimed.epoch,
            },
        );
    }
    Ok(claimed.epoch)
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
    let decided = change.ccai_status_id.map(|id| {
        state
            .0
            .ccai_directory
            .target_name(CcaiStatusId(id))
            .map(|name| (CcaiStatusId(id), name))
            .map_err(|e| e.to_string())
    });
    let resolved = match decided {
        Some(d) => d,
        None => resolve(state, &change.kustomer_status_id)?,
    };
    let target = match resolved {
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
        // A target the tab decided is not a Kustomer-side change: nothing to merge with a reading.
        let verdict = match change.ccai_status_id {
            Some(_) => Verdict::New,
            None => kustomer_side::page_verdict(
                state,
                &agent.email,
                &change.kustomer_status_id,
                received_at_ms,
            ),
        };
        let inserted = store::insert(
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
        )?;
        if let (Verdict::Same { .. }, Inserted::New(row)) = (&verdict, &inserted) {
            let outcome = "read in kustomer's work sessions first and carried from there";
            store::finish(&conn, row.id, "merged", outcome, received_at_ms)?;
            return Ok(StatusOutcome::AlreadySet);
        }
        inserted
    };
    let row = match inserted {
        Inserted::New(row) => row,
        Inserted::Duplicate => return Ok(StatusOutcome::Duplicate),
    };
    // The page's Kustomer status rides along with a decided target when the page changed it: the
    // server then knows the page relayed it, and its work-session reading of the same status is not
    // news to be written again.
    if !change.kustomer_status_id.is_empty() {
        kustomer_side::announce(
            state,
            &agent.email,
            &change.kustomer_status_id,
            received_at_ms,
            StatusPath::Page,
        );
    }
    // Stored and open: the instance that acts for the company sends it. A stand-by tells the holder
    // (and a new holder queues every open change when it takes over, so none falls between).
    if !state.acts_for_company() {
        state
            .0
            .hub
            .tell_others(crate::fanout::Op::StatusQueued { change: row.id });
        return Ok(StatusOutcome::Queued);
    }
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

fn is_duplicate(conn: &crate::store::db::Conn, email: &str, key: &str) -> Result<bool, StoreError> {
    use crate::store::db::OptionalExtension;
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
    Ok(kustomer_side::target(state, &settings.mapping, kustomer)
        .map(|(id, n)| (CcaiStatusId(id), n)))
}
