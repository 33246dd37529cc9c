//! Status inheritance (S2) and status at sign-in (S8) carried out by the server itself, from both paths
//! an agent's Kustomer status reaches it: the owner tab's page (`POST /api/v1/status`, our selectors)
//! and Kustomer's work sessions (B8, `kustomer::work_sessions`, whatever the page's markup). The core
//! (`ccai_core::kustomer_status`) decides which reading is news, which is the same change seen by the
//! other path (written once) and which is older than what is known (never written over a newer one);
//! this file stores and queues what it decides, through the same store rows and the same company CCAI
//! scheduler as the page's changes, so per agent they stay in one order.
//!
//! Both paths decide while holding the store's lock (then the statuses' lock, always in that order), so
//! the same change arriving by both at once is still decided once.

use ccai_core::budget::StatusChange as QueuedChange;
use ccai_core::kustomer_status::{Known, KustomerStatuses, StatusPath, Verdict};
use ccai_core::mapping::MappingEntry;
use ccai_core::server_api::{KustomerStatusView, Push};
use ccai_core::status::KustomerStatusId;

use super::store::{self, Inserted, NewChange};
use crate::http::auth::Agent;
use crate::state::AppState;
use crate::store::db::Conn as Connection;
use crate::store::StoreError;

/// The prefix of the keys of changes the server makes from work-session readings (the page's keys are
/// the relay's `agent:epoch:seq`).
pub const KEY_PREFIX: &str = "kustomer:";

/// Fills the statuses from the store after a restart: the last change of every agent, so a restart
/// does not write every agent's status again.
pub fn restore(state: &AppState) -> Result<usize, StoreError> {
    let rows = store::last_kustomer_statuses(&state.0.store.lock())?;
    let mut statuses = lock(state);
    for row in &rows {
        let from_sessions = row.key.starts_with(KEY_PREFIX) || row.state == "merged";
        statuses.restore(
            &row.agent_email,
            Known {
                status: row.kustomer_status_id.clone(),
                path: if from_sessions {
                    StatusPath::WorkSessions
                } else {
                    StatusPath::Page
                },
                at_ms: row.received_at_ms,
                page_seen: row.state == "merged",
            },
        );
    }
    // The server's own S4 changes, where newer than the agent's last change (`kustomer_write.rs`).
    for (agent, status, at_ms) in store::server_statuses(&state.0.store.lock())? {
        if statuses.known(&agent).is_some_and(|k| k.at_ms > at_ms) {
            continue;
        }
        statuses.restore(
            &agent,
            Known {
                status,
                path: StatusPath::Server,
                at_ms,
                page_seen: false,
            },
        );
    }
    Ok(rows.len())
}

pub fn lock(state: &AppState) -> std::sync::MutexGuard<'_, KustomerStatuses> {
    state
        .0
        .kustomer_statuses
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// What `GET /api/v1/status` shows the agent.
pub fn view(state: &AppState, email: &str) -> KustomerStatusView {
    match lock(state).known(email) {
        Some(k) => KustomerStatusView {
            kustomer_status_id: Some(k.status.clone()),
            source: Some(k.path),
            at_ms: Some(k.at_ms),
            page_seen: k.page_seen,
        },
        None => KustomerStatusView {
            kustomer_status_id: None,
            source: None,
            at_ms: None,
            page_seen: false,
        },
    }
}

/// The page's change; the intake decides it with the store locked, after its checks passed.
pub fn page_verdict(
    state: &AppState,
    email: &str,
    kustomer_status: &str,
    received_at_ms: u64,
) -> Verdict {
    lock(state).page(email, kustomer_status, received_at_ms)
}

/// Tells the agent's connections which status they are in and which path said so.
pub fn announce(state: &AppState, email: &str, status: &str, at_ms: u64, source: StatusPath) {
    state.0.hub.send(
        email,
        Push::KustomerStatusChanged {
            kustomer_status_id: status.to_owned(),
            at_ms,
            source,
        },
    );
}

/// Work sessions show `agent` in `status`, in the answer to a request sent at `requested_at_ms`.
/// A new status is announced and, with inheritance on (S2), its CCAI twin is written once.
pub fn on_reading(
    state: &AppState,
    agent: &Agent,
    status: &str,
    requested_at_ms: u64,
) -> Result<(), StoreError> {
    // The same status as known (every poll, for nearly every agent) changes nothing: no store lock.
    if lock(state)
        .known(&agent.email)
        .is_some_and(|k| k.status == status)
    {
        return Ok(());
    }
    // Until CCAI's status names are read, nothing can be written: decide at the next poll.
    if !state.0.ccai_directory.is_loaded() {
        return Ok(());
    }
    let (_, settings) = crate::settings::current(state)?;
    let target = settings
        .inheritance
        .then(|| target(state, &settings.mapping, status));
    let now = crate::now_ms();
    let conn = state.0.store.lock();
    let verdict = lock(state).reading(&agent.email, status, requested_at_ms);
    if verdict != Verdict::New {
        return Ok(());
    }
    announce(
        state,
        &agent.email,
        status,
        requested_at_ms,
        StatusPath::WorkSessions,
    );
    match target {
        None => Ok(()),
        Some(Err(reason)) => {
            eprintln!(
                "ccai-server: {}'s kustomer status from the work sessions is not carried to ccai: {reason}",
                agent.email
            );
            Ok(())
        }
        Some(Ok((ccai_id, name))) => queue(
            state,
            &conn,
            agent,
            status,
            (ccai_id, &name),
            requested_at_ms,
            now,
        ),
    }
}

/// Stores the server's own change (durable before it is queued, like the page's) and queues it.
fn queue(
    state: &AppState,
    conn: &Connection,
    agent: &Agent,
    status: &str,
    (ccai_id, name): (i64, &str),
    requested_at_ms: u64,
    now: u64,
) -> Result<(), StoreError> {
    let key = format!("{KEY_PREFIX}{requested_at_ms}:{status}");
    let epoch = store::current_epoch(conn, &agent.email)?;
    let inserted = store::insert(
        conn,
        &NewChange {
            agent_email: &agent.email,
            ccai_agent_id: agent.ccai_agent_id,
            key: &key,
            epoch,
            kustomer_status_id: status,
            ccai_status_id: ccai_id,
            ccai_status_name: name,
            changed_at_ms: requested_at_ms,
            received_at_ms: now,
        },
    )?;
    if let Inserted::New(row) = inserted {
        let queued = state.0.ccai.set_status(QueuedChange {
            id: row.id,
            agent: row.ccai_agent_id,
            target: row.ccai_status_name,
            at_ms: state.0.ccai.now_ms(),
        });
        if queued.is_err() {
            eprintln!(
                "ccai-server: the ccai scheduler has stopped; the change waits for a restart"
            );
        }
    }
    Ok(())
}

/// The CCAI status (id, name to send) the admin's mapping gives a Kustomer status, or why none.
pub fn target(
    state: &AppState,
    mapping: &[MappingEntry],
    kustomer: &str,
) -> Result<(i64, String), String> {
    let wanted = KustomerStatusId::new(kustomer);
    let Some(row) = mapping.iter().find(|r| r.kustomer == wanted) else {
        return Err(format!(
            "kustomer status {kustomer} has no row in the admin's mapping"
        ));
    };
    state
        .0
        .ccai_directory
        .target_name(row.ccai)
        .map(|name| (row.ccai.0, name))
        .map_err(|e| e.to_string())
}
