//! Agents' status changes on their way to CCAI, exactly once and in order, without the vendors' help
//! (A7, A8: no idempotency key, no precondition): the server de-duplicates the relay's idempotency
//! `key`, fences stale owner epochs (also across computers), stores each change before answering
//! "queued", and hands it to the company's one CCAI scheduler, which merges changes into bulk
//! `agent_statuses` requests. Outcomes are stored and pushed to the agent.
//!
//! - `store`: the tables (owner epochs, changes).
//! - `intake`: the checks of `POST /api/v1/status` and `POST /api/v1/owner`.
//! - this file: resuming the queue at start, and carrying the scheduler's reports to the store and the
//!   agent's push connections.

pub mod intake;
pub mod store;

use ccai_core::budget::StatusChange as QueuedChange;
use ccai_core::server_api::Push;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::ccai::activity::ActivityTail;
use crate::ccai::directory;
use crate::ccai::scheduler::{CcaiScheduler, StatusReport};
use crate::kustomer::work_sessions::WorkSessions;
use crate::state::AppState;
use crate::store::StoreError;

/// Starts the status side of the server: outcomes to the store and agents, the queue as it was before
/// a restart, the directory, CCAI's activity tail and Kustomer's work sessions.
pub async fn start(
    state: &AppState,
    reports: mpsc::UnboundedReceiver<StatusReport>,
    tasks: &mut JoinSet<()>,
) -> Result<(), StoreError> {
    tasks.spawn(carry_reports(state.clone(), reports));
    let resumed = resume(state, &state.0.ccai)?;
    if resumed > 0 {
        eprintln!("ccai-server: {resumed} status changes from before the restart are queued again");
    }
    tasks.spawn(directory::keep_fresh(state.clone()));
    tasks.spawn(ActivityTail::new(state.clone()).run(state.0.cfg.activity_interval));
    tasks.spawn(WorkSessions::new(state.clone()).run(state.0.cfg.work_sessions_interval));
    Ok(())
}

/// Queues every change accepted before a restart and not yet answered, in the order they came.
/// A change that was in flight when the server stopped is sent again: setting a status CCAI may
/// already have set has no second effect, and a later change of the same agent supersedes it anyway.
pub fn resume(state: &AppState, sched: &CcaiScheduler) -> Result<usize, StoreError> {
    let rows = store::open_changes(&state.0.store.lock())?;
    let now = sched.now_ms();
    for row in &rows {
        let _ = sched.set_status(QueuedChange {
            id: row.id,
            agent: row.ccai_agent_id,
            target: row.ccai_status_name.clone(),
            at_ms: now,
        });
    }
    Ok(rows.len())
}

/// Stores each outcome and tells the agent. Runs for the server's life.
pub async fn carry_reports(state: AppState, mut reports: mpsc::UnboundedReceiver<StatusReport>) {
    while let Some(report) = reports.recv().await {
        if let Err(e) = carry(&state, report) {
            eprintln!("ccai-server: storing a status outcome failed: {e}");
        }
    }
}

fn carry(state: &AppState, report: StatusReport) -> Result<(), StoreError> {
    let now = crate::now_ms();
    let (id, row_state, outcome) = match &report {
        StatusReport::Sent { changes, .. } => {
            return store::mark_sent(&state.0.store.lock(), changes);
        }
        StatusReport::Applied { change, status } => (*change, "applied", status.clone()),
        StatusReport::Failed { change, reason } => (*change, "failed", reason.clone()),
        StatusReport::Superseded { change, by } => {
            (*change, "superseded", format!("superseded by change {by}"))
        }
    };
    let finished = store::finish(&state.0.store.lock(), id, row_state, &outcome, now)?;
    let Some((email, key)) = finished else {
        return Ok(());
    };
    let push = match report {
        StatusReport::Applied { status, .. } => Push::StatusApplied {
            key,
            ccai_status: status,
            applied_at_ms: now,
        },
        StatusReport::Superseded { .. } => Push::StatusFailed {
            key,
            reason: "superseded by a later change of yours, which is sent instead".to_owned(),
        },
        StatusReport::Failed { reason, .. } => Push::StatusFailed { key, reason },
        StatusReport::Sent { .. } => return Ok(()),
    };
    state.0.hub.send(&email, push);
    Ok(())
}
