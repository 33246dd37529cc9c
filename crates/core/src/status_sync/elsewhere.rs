//! Another computer took the agent's status (issue 16). Within one browser the Web Lock and the
//! storage fence decide the owner; across computers only the company server can: each owner term
//! claims an epoch there at its first write, and every older epoch is fenced (its writes answered
//! 409, its session pushed `Fenced`). A fenced term here does not fight back: it keeps its queue,
//! sends nothing and says so ([`SyncNotice::TakenElsewhere`]) until the agent picks a status on this
//! computer, whose write claims again. Re-electing at once instead would have two computers take the
//! status from each other at every change.

use super::vocab::{SyncNotice, Write};
use super::StatusSync;

impl StatusSync {
    /// The service pushed that a later owner term holds the agent's status (the company server's
    /// `Fenced` with an epoch above the one this tab claimed).
    pub fn handle_taken_elsewhere(&mut self, now_ms: u64) {
        self.tick(now_ms);
        if let Some(t) = self.term.as_mut() {
            // The write in flight is answered 409 next; it stays queued under its key.
            if self.in_flight.is_some() {
                t.relay.abandon_in_flight();
            }
        }
        self.park();
    }

    /// The answer to `write` was "taken elsewhere". A write of an earlier term of this tab changes
    /// nothing now, nor one sent before the agent took the status back (the next write claims).
    pub(super) fn on_taken_elsewhere(&mut self, write: &Write) {
        let current = self
            .term
            .as_ref()
            .is_some_and(|t| t.epoch == write.epoch && t.claimed);
        if let Some(t) = self.term.as_mut() {
            t.relay.abandon_in_flight();
        }
        if current {
            self.park();
        }
        self.after_answer();
    }

    fn park(&mut self) {
        let Some(term) = self.term.as_mut() else {
            return;
        };
        if term.stopping.is_some() || term.parked {
            return;
        }
        term.parked = true;
        self.notify(SyncNotice::TakenElsewhere);
        self.show_sync_state();
    }

    /// The agent acts on this computer: its next write claims the status back.
    pub(super) fn unpark(&mut self) {
        let Some(term) = self.term.as_mut().filter(|t| t.parked) else {
            return;
        };
        term.parked = false;
        term.claimed = false;
        if self.shown == Some(SyncNotice::TakenElsewhere) {
            self.shown = None;
            self.actions.push_back(super::vocab::Action::ClearNotice);
        }
    }

    /// Whether another computer holds the status and this tab waits for the agent.
    pub fn taken_elsewhere(&self) -> bool {
        self.term.as_ref().is_some_and(|t| t.parked)
    }
}
