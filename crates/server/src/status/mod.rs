//! Agents' status changes on their way to CCAI, exactly once and in order, without the vendors' help
//! (A7, A8: no idempotency key, no precondition): the server de-duplicates the relay's idempotency
//! `key`, fences stale owner epochs (also across computers), stores each change before answering
//! "queued", and hands it to the company's one CCAI scheduler, which merges changes into bulk
//! `agent_statuses` requests. Outcomes are stored and pushed to the agent.
//!
//! - `store`: the tables (owner epochs, changes).
//! - `intake`: the checks of `POST /api/v1/status` and `POST /api/v1/owner`.
//! - `kustomer_side`: S2 and S8 from both paths of an agent's Kustomer status (page, work sessions),
//!   each change written once and never an older reading over a newer one.
//! - `kustomer_write`: S4 on the server, the agent's own Kustomer status set through their work
//!   session (B8), recorded so the work-session poll does not carry it back to CCAI.
//! - this file: resuming the queue at start, and carrying the scheduler's reports to the store and the
//!   agent's push connections.

pub mod intake;
pub mod kustomer_side;
pub mod kustomer_write;
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
    kustomer_side::restore(state)?;
    match &state.0.lease {
        None => {
            let resumed = resume(state, &state.0.ccai)?;
            if resumed > 0 {
                eprintln!(
                    "ccai-server: {resumed} status changes from before the restart are queued again"
                );
            }
        }
        Some(lease) => {
            tasks.spawn(follow_lease(state.clone(), lease.watch()));
        }
    }
    tasks.spawn(directory::keep_fresh(state.clone()));
    tasks.spawn(ActivityTail::new(state.clone()).run(state.0.cfg.activity_interval));
    tasks.spawn(WorkSessions::new(state.clone()).run(state.0.cfg.work_sessions_interval));
    Ok(())
}

/// Several instances (issue 18): when this one comes to act for the company it queues every open
/// change, whoever accepted it (a dead holder's queue, a stand-by's), and wakes the record rules'
/// workers for every unfinished customer; when it stops, it forgets what it had not sent, which stays
/// open for the next holder.
async fn follow_lease(state: AppState, mut token: tokio::sync::watch::Receiver<Option<u64>>) {
    let mut acting = None;
    loop {
        let now = *token.borrow_and_update();
        if now != acting {
            state.0.ccai.forget_statuses();
            state.0.ccai_directory.current.forget();
            if now.is_some() {
                let resumed = resume(&state, &state.0.ccai)
                    .and_then(|s| Ok((s, crate::records::resume(&state)?)));
                match resumed {
                    Ok((s, r)) if s + r > 0 => eprintln!(
                        "ccai-server: acting for the company: {s} open status changes queued, {r} customers' session events to apply"
                    ),
                    Ok(_) => {}
                    Err(e) => {
                        // Not acting on a queue it could not read: try again in a moment.
                        eprintln!("ccai-server: reading the open status changes: {e}");
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                        continue;
                    }
                }
            }
            acting = now;
        }
        if token.changed().await.is_err() {
            return;
        }
    }
}

/// A stand-by's change, for the instance that acts for the company: queued if it is still open.
pub fn queue_stored(state: &AppState, change: u64) {
    if !state.acts_for_company() {
        return;
    }
    match store::open_change(&state.0.store.lock(), change) {
        Ok(Some(row)) => {
            let _ = state.0.ccai.set_status(QueuedChange {
                id: row.id,
                agent: row.ccai_agent_id,
                target: row.ccai_status_name,
                at_ms: state.0.ccai.now_ms(),
            });
        }
        Ok(None) => {}
        Err(e) => eprintln!("ccai-server: reading status change {change}: {e}"),
    }
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

/// The most reports stored in one transaction.
const REPORTS_PER_COMMIT: usize = 512;

/// Stores each outcome and tells the agent. Runs for the server's life.
///
/// The reports waiting at a moment (a bulk answer brings one per agent) are stored in one transaction
/// and pushed after its commit: one commit per report made a 500-agent shift queue its outcomes
/// behind the disk.
pub async fn carry_reports(state: AppState, mut reports: mpsc::UnboundedReceiver<StatusReport>) {
    let mut batch = Vec::new();
    while reports.recv_many(&mut batch, REPORTS_PER_COMMIT).await > 0 {
        match carry(&state, &batch) {
            Ok(pushes) => {
                for (email, push) in pushes {
                    state.0.hub.send(&email, push);
                }
            }
            Err(e) => eprintln!("ccai-server: storing status outcomes failed: {e}"),
        }
        batch.clear();
    }
}

/// CCAI answered that the agent's status is now `status`: the server's own reading of it.
fn note_applied(state: &AppState, email: &str, status: &str, at_ms: u64) {
    let directory = &state.0.ccai_directory;
    if let (Some(agent), Some(status)) = (
        directory.agent_id_by_email(email),
        directory.status_named(status),
    ) {
        directory.current.note(agent, status, at_ms as i64);
    }
}

/// Stores `reports` in one transaction; returns what to push to whom once it is committed.
fn carry(state: &AppState, reports: &[StatusReport]) -> Result<Vec<(String, Push)>, StoreError> {
    let now = crate::now_ms();
    let mut conn = state.0.store.lock();
    let tx = conn.transaction()?;
    let mut pushes = Vec::new();
    for report in reports {
        let (id, row_state, outcome) = match report {
            StatusReport::Sent { changes, .. } => {
                store::mark_sent(&tx, changes)?;
                continue;
            }
            StatusReport::Applied { change, status, .. } => (*change, "applied", status.clone()),
            StatusReport::Failed { change, reason } => (*change, "failed", reason.clone()),
            StatusReport::Superseded { change, by } => {
                (*change, "superseded", format!("superseded by change {by}"))
            }
        };
        let Some((email, key)) = store::finish(&tx, id, row_state, &outcome, now)? else {
            continue;
        };
        if let StatusReport::Applied { status, at_ms, .. } = report {
            note_applied(state, &email, status, *at_ms);
        }
        let push = match report {
            StatusReport::Applied { status, at_ms, .. } => Push::StatusApplied {
                key,
                ccai_status: status.clone(),
                applied_at_ms: *at_ms,
            },
            StatusReport::Superseded { by, .. } => Push::StatusSuperseded {
                key,
                by_key: store::key_of(&tx, *by)?.unwrap_or_default(),
            },
            StatusReport::Failed { reason, .. } => Push::StatusFailed {
                key,
                reason: reason.clone(),
            },
            StatusReport::Sent { .. } => continue,
        };
        pushes.push((email, push));
    }
    tx.commit()?;
    Ok(pushes)
}
