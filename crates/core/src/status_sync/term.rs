//! An owner term: its start (queue restored, reconciler signed in, held pick relayed), its one write
//! at a time, and its end (in-flight write finished, queue stored, ownership told).

use crate::ownership::{Epoch, OwnerAction, OwnerEvent};
use crate::reconcile::{Decision, Reconciler, SyncEvent};
use crate::relay::{Backoff, Outcome, Relay, RelayReport};
use crate::status::CcaiStatusId;

use super::vocab::{Action, Role, SyncNotice, Write};
use super::{StatusSync, Stopping, Term};

impl StatusSync {
    pub(super) fn owner_event(&mut self, event: OwnerEvent) {
        let actions = self.ownership.handle(event, self.now_ms);
        for action in actions {
            self.owner_action(action);
        }
        // The election may have decided for a held pick: this tab's term took it (after its sign-in),
        // or another tab owns.
        if self.held.is_some() {
            self.release_held();
        }
    }

    fn owner_action(&mut self, action: OwnerAction) {
        match action {
            OwnerAction::RequestLock { steal } => {
                self.actions.push_back(Action::RequestLock { steal })
            }
            OwnerAction::ReleaseLock => self.actions.push_back(Action::ReleaseLock),
            OwnerAction::Broadcast { msg } => self.actions.push_back(Action::Broadcast(msg)),
            OwnerAction::BecameOwner { epoch } => {
                self.actions.push_back(Action::WriteFence(epoch));
                self.view.role = Role::Owner;
            }
            OwnerAction::BecameFollower { .. } => self.view.role = Role::Follower,
            OwnerAction::StartRelay { epoch } => self.start_term(epoch),
            OwnerAction::StopRelay => self.stop_term(),
        }
    }

    /// A new term: restore the queue the previous owner stored (same keys), take the service's status
    /// as read at the grant, and sign the reconciler in, which applies the Kustomer status at once (S8).
    fn start_term(&mut self, epoch: Epoch) {
        let Some(started) = self.started.as_ref() else {
            return;
        };
        let start = self.term_start.take().unwrap_or_default();
        let relay = match start.snapshot {
            Some(snapshot) => Relay::restore(snapshot),
            None => Relay::new(
                started.agent.clone(),
                Backoff::default(),
                self.seed.wrapping_add(epoch.term),
            ),
        };
        let reconciler = started
            .inheritance
            .then(|| Reconciler::new(started.config, started.mapping.clone()));
        let inheritance = started.inheritance;
        self.term = Some(Term {
            epoch,
            relay,
            reconciler,
            stopping: None,
            parked: false,
            claimed: false,
        });
        if !inheritance {
            self.notify(SyncNotice::InheritanceOff);
        }
        self.watch_generation += 1;
        self.watching = true;
        if let Some(current) = start.current {
            self.view.current = Some(current);
        }
        self.sign_in();
        self.pump();
        self.actions.push_back(Action::Watch {
            generation: self.watch_generation,
            since: start.since,
        });
    }

    /// Feeds `SignedIn` once both sides are known; until the page reports, its first facts do it.
    pub(super) fn sign_in(&mut self) {
        let (Some(kustomer), Some(ccai), Some(started)) = (
            self.kustomer.clone(),
            self.view.current,
            self.started.as_ref(),
        ) else {
            return;
        };
        let picked = self.picked_before_page.take();
        let event = SyncEvent::SignedIn {
            kustomer,
            ccai: picked.map_or(ccai, |(status, _)| status),
            kustomer_email: self.kustomer_email.clone().unwrap_or_default(),
            ccai_email: started.agent_email.clone(),
            at_ms: self.now_ms,
            ccai_picked_at_ms: picked.map(|(_, at)| at),
        };
        self.reconcile(event);
    }

    /// The pick held during the election: relayed by the new term, or refused if this tab follows.
    fn release_held(&mut self) {
        self.view.busy = false;
        if let Some(status) = self.held.take() {
            self.handle_choice(status, self.now_ms);
        }
    }

    pub(super) fn reconcile(&mut self, event: SyncEvent) {
        let Some(reconciler) = self.term.as_mut().and_then(|t| t.reconciler.as_mut()) else {
            return;
        };
        let decisions = reconciler.handle(event);
        self.decide(decisions);
    }

    /// Carries out the reconciler's decisions.
    pub(super) fn decide(&mut self, decisions: Vec<Decision>) {
        for decision in decisions {
            match decision {
                Decision::SetCcai { status } => {
                    self.enqueue(status);
                    self.pump();
                }
                Decision::SetKustomer { status } => self.set_kustomer(status),
                Decision::Deferred { ccai, reason } => {
                    self.notify(SyncNotice::Deferred { ccai, reason })
                }
                Decision::Report { notice } => self.notify(SyncNotice::Report(notice)),
            }
        }
    }

    /// Queues a change and stores the queue at once: a change accepted while another is in flight
    /// must survive this tab's crash too.
    pub(super) fn enqueue(&mut self, status: CcaiStatusId) {
        if let Some(term) = self.term.as_mut() {
            term.relay.enqueue(status, &term.epoch, self.now_ms);
            self.persist(false);
        }
    }

    /// When the relay wants to be polled again, if it could send then.
    pub(super) fn relay_timeout(&self) -> Option<u64> {
        if self.in_flight.is_some() {
            return None;
        }
        self.may_write()?;
        self.term.as_ref()?.relay.poll_timeout()
    }

    /// Sends the next change if nothing is in flight and this tab may write.
    pub(super) fn pump(&mut self) {
        if self.term.is_none() {
            return;
        }
        let next = match (
            &self.in_flight,
            self.may_write().cloned(),
            self.term.as_mut(),
        ) {
            (None, Some(epoch), Some(term)) => {
                term.relay.poll_action(self.now_ms).map(|tx| (tx, epoch))
            }
            _ => None,
        };
        if let Some((tx, epoch)) = next {
            let claim = self
                .term
                .as_mut()
                .is_some_and(|t| !std::mem::replace(&mut t.claimed, true));
            let write = Write {
                key: tx.key,
                status: tx.status,
                name: self.status_name(tx.status),
                epoch,
                claim,
            };
            self.in_flight = Some(write.clone());
            // Stored before the answer, so a crash mid-write resends with the same key.
            self.persist(false);
            self.actions.push_back(Action::Write(write));
        }
        self.show_sync_state();
    }

    pub(super) fn on_outcome(&mut self, write: &Write, outcome: Outcome) {
        let Some(term) = self.term.as_mut() else {
            return;
        };
        let report = term.relay.on_result(&write.key, outcome, self.now_ms);
        self.persist(false);
        match report {
            Some(RelayReport::Applied { status }) => {
                self.view.current = Some(status);
                if matches!(
                    self.shown,
                    Some(SyncNotice::Deferred { .. } | SyncNotice::Refused(_))
                ) {
                    self.shown = None;
                    self.actions.push_back(Action::ClearNotice);
                }
                self.reconcile(SyncEvent::CcaiChanged {
                    status,
                    at_ms: self.now_ms,
                    by_system: false,
                });
            }
            Some(RelayReport::Refused { status, message }) => {
                self.notify(SyncNotice::Refused(message.clone()));
                self.reconcile(SyncEvent::CcaiRefused {
                    requested: status,
                    message,
                    at_ms: self.now_ms,
                });
            }
            Some(RelayReport::SignInRequired) => self.notify(SyncNotice::Unauthorized),
            Some(RelayReport::Dropped {
                status,
                code,
                reason,
            }) => self.notify(SyncNotice::Dropped {
                status,
                code,
                reason,
            }),
            None => {}
        }
        self.after_answer();
    }

    /// A later owner exists: this tab must not write again, nor store its queue over the later
    /// owner's. The change in flight was stored before it was sent, so the later owner has it.
    pub(super) fn on_fenced(&mut self, term: u64) {
        if let Some(t) = self.term.as_mut() {
            t.relay.abandon_in_flight();
        }
        self.superseded = true;
        self.owner_event(OwnerEvent::Fenced { term });
        self.superseded = false;
        // A 409 for an earlier term's write (this tab owns again since): the queue is this term's.
        self.persist(false);
        // A 409 for an earlier term's write (this tab owns again since) changes nothing: go on.
        self.after_answer();
    }

    pub(super) fn after_answer(&mut self) {
        let Some(term) = self.term.as_ref() else {
            return;
        };
        match term.stopping {
            Some(Stopping::Draining) => self.finish_stop(),
            Some(Stopping::Storing) => {}
            None => self.pump(),
        }
    }

    /// Stops writing: the in-flight write finishes first, then the queue is stored and the ownership
    /// machine hears `RelayStopped`.
    fn stop_term(&mut self) {
        // The queue as it stands (an in-flight change included, under its key) is stored now when this
        // tab steps down itself: the store starts before the lock goes, so the next owner restores it.
        let Some(term) = self.term.as_mut() else {
            // No term (a grant that started none): nothing to hand over.
            self.owner_event(OwnerEvent::RelayStopped);
            return;
        };
        term.stopping = Some(Stopping::Draining);
        // Not after a loss (lock stolen, 409): every change was stored while this tab owned, and the
        // later owner's queue is the newer one.
        if !self.superseded {
            let snapshot = term.relay.snapshot();
            self.actions.push_back(Action::StoreQueue {
                snapshot,
                epoch: term.epoch.clone(),
                ack: false,
            });
        }
        self.watching = false;
        self.watch_generation += 1;
        if self.in_flight.is_none() {
            self.finish_stop();
        }
    }

    /// Stores the queue once more (only while this tab holds the lock: a tab that stepped down must not
    /// overwrite the next owner's queue), then ends the term.
    fn finish_stop(&mut self) {
        if self.ownership.is_owner() {
            if let Some(term) = self.term.as_mut() {
                term.stopping = Some(Stopping::Storing);
                let snapshot = term.relay.snapshot();
                self.actions.push_back(Action::StoreQueue {
                    snapshot,
                    epoch: term.epoch.clone(),
                    ack: true,
                });
                return;
            }
        }
        self.end_term();
    }

    pub(super) fn end_term(&mut self) {
        self.term = None;
        self.owner_event(OwnerEvent::RelayStopped);
    }

    /// Stores the queue while this tab holds the lock.
    fn persist(&mut self, ack: bool) {
        if !self.ownership.is_owner() {
            return;
        }
        if let Some(term) = self.term.as_ref() {
            self.actions.push_back(Action::StoreQueue {
                snapshot: term.relay.snapshot(),
                epoch: term.epoch.clone(),
                ack,
            });
        }
    }
}
