//! Status sync in one tab, composed: the ownership election, the reconciler and the relay, shaped like
//! quinn-proto's `Connection`.
//!
//! The executor (the extension's `src/sync`) feeds events with `now` in (`handle_*`), carries out what
//! [`StatusSync::poll_action`] returns (the Web Lock, the two BroadcastChannels, `chrome.storage`, the
//! write to the status service, Kustomer, the watch of the service's changes), arms one timer at
//! [`StatusSync::poll_timeout`] and renders [`StatusSync::view`]. Every decision is here, so a native
//! test reaches it: when to sign the reconciler in, a term's start and end, the one write in flight,
//! what an answer means, which name is which status, and the agent's pick held during the election.
//!
//! Architecture invariants:
//! - **A write only in an owner term.** [`Action::Write`] is returned only while the ownership machine
//!   says this tab may send, and carries that term's epoch and the change's key (fixed at enqueue).
//! - **One write in flight**, across terms too: a term that starts while its predecessor's write is
//!   unanswered waits for the answer (the key makes a resend harmless; the order stays the agent's).
//! - **A term hands over only a stored queue**: on stepping down the queue is stored, and the
//!   ownership machine hears `RelayStopped` only after the executor reported the store
//!   ([`StatusSync::handle_queue_stored`]).
//! - **No store over a newer term's queue**: a term that ends by a loss (lock stolen, 409) stores
//!   nothing; every [`Action::StoreQueue`] carries its term's epoch, which the executor checks against
//!   the stored fence under its storage lock, so a stale owner that has not yet heard is refused.
//! - **The write is transport-agnostic**: "the status service" is CCAI today and the company server
//!   after issue 16; only the executor knows which.

mod answer;
mod elsewhere;
mod kustomer_write;
mod settings;
mod term;
#[cfg(test)]
mod tests;
mod vocab;

use std::collections::VecDeque;

use crate::mapping::Mapping;
use crate::ownership::{Epoch, Msg, OwnerEvent, Ownership, OwnershipConfig, TabId};
use crate::reconcile::{Reconciler, SyncEvent};
use crate::relay::{Relay, SyncState};
use crate::settings::SyncSettings;
use crate::status::{CcaiCatalog, CcaiStatus, CcaiStatusId, KustomerCatalog, KustomerStatusId};

pub use answer::{meaning, Meaning};
pub use kustomer_write::KustomerWriteOutcome;
pub use vocab::{Action, Mirror, Role, Setup, SyncNotice, TermStart, View, Write, WriteAnswer};

/// The page lifecycle events that move ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// The page started to navigate away (the content script's trusted `beforeunload`).
    Leaving,
    /// `pagehide` (also into the back/forward cache).
    Hide,
    Show,
    /// Page Lifecycle `freeze` / `resume`.
    Freeze,
    Resume,
}

/// The sync settings a term starts with.
#[derive(Debug, Clone)]
struct Started {
    agent: String,
    agent_email: String,
    statuses: Vec<CcaiStatus>,
    inheritance: bool,
    config: crate::reconcile::SyncConfig,
    mapping: Mapping,
    /// The settings as given (to tell a pushed version that changes nothing), and Kustomer's statuses
    /// to check a new mapping against.
    settings: SyncSettings,
    kustomer: Option<KustomerCatalog>,
}

/// The state of this tab's own term, while it has one.
#[derive(Debug)]
struct Term {
    epoch: Epoch,
    relay: Relay,
    /// `None` when inheritance is off: the dropdown still works, Kustomer is not followed.
    reconciler: Option<Reconciler>,
    /// Stopping: no new write; the in-flight one finishes, then the queue is stored.
    stopping: Option<Stopping>,
    /// Another computer took the status: nothing is sent until the agent picks a status here.
    parked: bool,
    /// This term has claimed its owner term at the service (its first write carried `claim`).
    claimed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stopping {
    /// Waiting for the in-flight write's answer.
    Draining,
    /// Waiting for the executor to report the queue stored.
    Storing,
}

/// One tab's status sync.
#[derive(Debug)]
pub struct StatusSync {
    ownership: Ownership,
    seed: u64,
    started: Option<Started>,
    term: Option<Term>,
    /// The key of the write in flight, whichever term sent it.
    in_flight: Option<Write>,
    /// What the lock's grant read, until the ownership machine starts the term with it.
    term_start: Option<TermStart>,
    /// Bumped at each term's start and end, so a previous term's watch ends.
    watch_generation: u32,
    watching: bool,
    /// The page's Kustomer status and e-mail, as last reported.
    kustomer: Option<KustomerStatusId>,
    kustomer_email: Option<String>,
    /// The agent's pick while the election or the term's start is under way.
    held: Option<CcaiStatusId>,
    /// The agent's pick made before the page's first facts, and when: at sign-in it is the later
    /// change, not undone by the Kustomer status the page then reports (`term.rs`, `sign_in`).
    picked_before_page: Option<(CcaiStatusId, u64)>,
    /// Set while a loss (lock stolen, 409) is fed to the ownership machine: the term it stops must not
    /// store its queue over the later owner's.
    superseded: bool,
    /// The last notice shown, so that an applied change clears only its own kind.
    shown: Option<SyncNotice>,
    /// Settings pushed before [`StatusSync::handle_start`]: newer than the ones the start brings.
    pending_settings: Option<SyncSettings>,
    /// Bidirectional sync's Kustomer write (S4): the last one asked, then, if it came back "signed
    /// out", the one to ask again after "Sign in" (`kustomer_write.rs`).
    kustomer_write: kustomer_write::KustomerWrites,
    view: View,
    actions: VecDeque<Action>,
    now_ms: u64,
}

impl StatusSync {
    /// `zombie_jitter_ms` (0..1000) and `seed` come from the executor's randomness: followers must not
    /// steal all at once, nor tabs retry together.
    pub fn new(me: TabId, zombie_jitter_ms: u64, seed: u64, now_ms: u64) -> Self {
        Self {
            ownership: Ownership::new(me, OwnershipConfig::default(), zombie_jitter_ms, now_ms),
            seed,
            started: None,
            term: None,
            in_flight: None,
            term_start: None,
            watch_generation: 0,
            watching: false,
            kustomer: None,
            kustomer_email: None,
            held: None,
            picked_before_page: None,
            superseded: false,
            shown: None,
            pending_settings: None,
            kustomer_write: Default::default(),
            view: View::default(),
            actions: VecDeque::new(),
            now_ms,
        }
    }

    /// The status service and the agent are known: check the mapping and join the election.
    pub fn handle_start(&mut self, setup: Setup, now_ms: u64) {
        self.tick(now_ms);
        if self.started.is_some() {
            return;
        }
        let settings = self.pending_settings.take().unwrap_or(setup.settings);
        let mapping = self.usable_mapping(&settings, setup.kustomer.as_ref(), &setup.statuses);
        self.view.current = setup.current;
        self.started = Some(Started {
            agent: setup.agent,
            agent_email: setup.agent_email,
            statuses: setup.statuses,
            inheritance: settings.inheritance,
            config: settings.sync_config(),
            mapping,
            settings,
            kustomer: setup.kustomer,
        });
        // A pick from the statuses remembered at first paint that the service no longer offers.
        if let Some(held) = self.held.filter(|&h| !self.offered(h)) {
            self.withdraw(held);
        }
        self.owner_event(OwnerEvent::Started);
    }

    /// Whether the service offers `status`; before the start, the menu's remembered statuses are
    /// taken on trust (checked by [`StatusSync::handle_start`]).
    fn offered(&self, status: CcaiStatusId) -> bool {
        self.started
            .as_ref()
            .is_none_or(|s| s.statuses.iter().any(|known| known.id == status))
    }

    /// The agent's pick is not among the service's statuses: nothing is written, and the agent is told.
    fn withdraw(&mut self, status: CcaiStatusId) {
        self.held = None;
        self.picked_before_page = None;
        self.view.busy = false;
        self.notify(SyncNotice::NotOffered(status));
    }

    /// The saved mapping's usable rows against today's statuses; the first problem is shown.
    fn usable_mapping(
        &mut self,
        settings: &SyncSettings,
        kustomer: Option<&KustomerCatalog>,
        statuses: &[CcaiStatus],
    ) -> Mapping {
        match kustomer {
            Some(kustomer) => {
                let ccai: CcaiCatalog = statuses.iter().cloned().collect();
                let checked = Mapping::revalidate(&settings.mapping, kustomer, &ccai);
                if let Some(problem) = checked.problems.first() {
                    self.notify(SyncNotice::MappingProblem(problem.to_string()));
                }
                checked.mapping
            }
            None => {
                self.notify(SyncNotice::KustomerUnreachable);
                Mapping::default()
            }
        }
    }

    /// The executor could not start (no BroadcastChannel), or start-up never reached the service's
    /// statuses: a held pick is given up.
    pub fn handle_start_failed(&mut self) {
        self.held = None;
        self.picked_before_page = None;
        self.view.busy = false;
    }

    /// The page's facts: a new Kustomer status is reconciled by the owner. A follower does nothing with
    /// it: Kustomer pushes every change to every tab, and the owner's own page is the one ordered view
    /// of them (forwarding too gave the owner two channels that disagree on order, as the soak saw).
    pub fn handle_page(
        &mut self,
        status: Option<KustomerStatusId>,
        email: Option<String>,
        now_ms: u64,
    ) {
        self.tick(now_ms);
        self.kustomer_email = email;
        let changed = status.is_some() && status != self.kustomer;
        let first = self.kustomer.is_none();
        self.kustomer = status.clone();
        let Some(status) = status.filter(|_| changed) else {
            return;
        };
        if first {
            self.sign_in();
        } else {
            self.reconcile(SyncEvent::KustomerChanged {
                status,
                at_ms: self.now_ms,
            });
        }
    }

    /// The agent picked a status in the dropdown (S1). The owner relays it like any change; during the
    /// election or the term's start it is held for the term; a follower refuses it (S6).
    pub fn handle_choice(&mut self, status: CcaiStatusId, now_ms: u64) {
        self.tick(now_ms);
        if !self.offered(status) {
            self.withdraw(status);
            return;
        }
        // The agent acts here: a status another computer took comes back to this one.
        self.unpark();
        let writable = self.term.as_ref().is_some_and(|t| t.stopping.is_none());
        // Undecided: not started, this tab's term starting or ending, or no owner known yet.
        let electing = self.started.is_none()
            || self.view.role == Role::Owner
            || self.ownership.owner().is_none();
        if (writable || electing) && self.kustomer.is_none() {
            self.picked_before_page = Some((status, self.now_ms));
        }
        if writable {
            self.enqueue(status);
            self.pump();
        } else if electing {
            self.held = Some(status);
            self.view.busy = true;
        } else {
            self.held = None;
            self.view.busy = false;
            self.notify(SyncNotice::NotOwner);
        }
    }

    /// "Use this tab" (S6).
    pub fn handle_use_this_tab(&mut self, now_ms: u64) {
        self.tick(now_ms);
        self.owner_event(OwnerEvent::UseThisTab);
    }

    pub fn handle_lifecycle(&mut self, event: Lifecycle, now_ms: u64) {
        self.tick(now_ms);
        let event = match event {
            Lifecycle::Leaving => OwnerEvent::PageLeaving,
            Lifecycle::Hide => OwnerEvent::PageHide,
            Lifecycle::Show => OwnerEvent::PageShow,
            Lifecycle::Freeze => OwnerEvent::Frozen,
            Lifecycle::Resume => OwnerEvent::Resumed,
        };
        self.owner_event(event);
    }

    /// The Web Lock was granted: the term's starting point is read with the fence, not after it (the
    /// grant is when a take-over starts, and each read in turn would add a round trip to it).
    pub fn handle_lock_granted(&mut self, now_ms: u64) {
        self.tick(now_ms);
        self.actions.push_back(Action::ReadTermStart);
    }

    /// What the grant read: the ownership machine now decides whether a term starts.
    pub fn handle_term_start(&mut self, start: TermStart, now_ms: u64) {
        self.tick(now_ms);
        let fence = start.fence.clone();
        self.term_start = Some(start);
        self.owner_event(OwnerEvent::LockGranted { fence });
        // Not used when the grant started no term (a request given up meanwhile).
        self.term_start = None;
    }

    /// The lock was stolen from this tab.
    pub fn handle_lock_lost(&mut self, now_ms: u64) {
        self.tick(now_ms);
        self.superseded = true;
        self.owner_event(OwnerEvent::LockLost);
        self.superseded = false;
    }

    /// A message on the ownership channel.
    pub fn handle_message(&mut self, msg: Msg, now_ms: u64) {
        self.tick(now_ms);
        self.owner_event(OwnerEvent::Message { msg });
    }

    /// The owner's view, mirrored by a tab without a term of its own.
    pub fn handle_mirror(&mut self, mirror: Mirror) {
        let Mirror::Mirror { ccai, sync } = mirror;
        if self.term.is_none() {
            self.view.current = ccai;
            self.view.sync = sync;
        }
    }

    /// The status service changed the agent's status (a call, wrap-up's end, a supervisor), as the
    /// watch of `generation` saw it.
    pub fn handle_status_seen(
        &mut self,
        generation: u32,
        status: CcaiStatusId,
        by_system: bool,
        now_ms: u64,
    ) {
        self.tick(now_ms);
        if !self.watching || generation != self.watch_generation {
            return;
        }
        self.view.current = Some(status);
        self.reconcile(SyncEvent::CcaiChanged {
            status,
            at_ms: self.now_ms,
            by_system,
        });
        self.mirror();
    }

    /// The answer to the write with `key`.
    pub fn handle_write_result(&mut self, key: &str, answer: WriteAnswer, now_ms: u64) {
        self.tick(now_ms);
        let Some(write) = self.in_flight.take_if(|w| w.key == key) else {
            return;
        };
        let statuses = self
            .started
            .as_ref()
            .map(|s| s.statuses.as_slice())
            .unwrap_or_default();
        match meaning(&write, answer, statuses) {
            Meaning::Outcome(outcome) => self.on_outcome(&write, outcome),
            Meaning::Fenced { term } => self.on_fenced(term),
            Meaning::TakenElsewhere => self.on_taken_elsewhere(&write),
        }
    }

    /// The queue stored after [`Action::StoreQueue`] with `ack`: the term is over.
    pub fn handle_queue_stored(&mut self, now_ms: u64) {
        self.tick(now_ms);
        if self
            .term
            .as_ref()
            .is_some_and(|t| t.stopping == Some(Stopping::Storing))
        {
            self.end_term();
        }
    }

    /// "Sign in again" after a 401: the configuration was read afresh; the waiting change goes out.
    pub fn handle_signed_in_again(&mut self, agent_email: String, now_ms: u64) {
        self.tick(now_ms);
        if let Some(started) = self.started.as_mut() {
            started.agent_email = agent_email;
        }
        if let Some(term) = self.term.as_mut() {
            term.relay.resume_after_sign_in(self.now_ms);
        }
        self.shown = None;
        self.actions.push_back(Action::ClearNotice);
        self.pump();
        self.retry_kustomer_write();
    }

    /// The timer armed at [`StatusSync::poll_timeout`] fired.
    pub fn handle_timeout(&mut self, now_ms: u64) {
        self.tick(now_ms);
        if self.started.is_some() {
            self.owner_event(OwnerEvent::Tick);
        }
        if self.relay_timeout().is_some_and(|at| at <= self.now_ms) {
            self.pump();
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    /// When to call [`StatusSync::handle_timeout`], if nothing happens first.
    pub fn poll_timeout(&self) -> Option<u64> {
        let tick = self
            .started
            .as_ref()
            .and_then(|_| self.ownership.next_tick_ms());
        [tick, self.relay_timeout()].into_iter().flatten().min()
    }

    pub fn view(&self) -> &View {
        &self.view
    }

    /// Whether [`StatusSync::handle_start`] ran: before it, the view's status is not this machine's.
    pub fn is_started(&self) -> bool {
        self.started.is_some()
    }

    /// The watch generation that should still run, if any.
    pub fn watching(&self) -> Option<u32> {
        self.watching.then_some(self.watch_generation)
    }

    /// The term this tab writes under now, if it may write.
    pub fn may_write(&self) -> Option<&Epoch> {
        self.term
            .as_ref()
            .filter(|t| t.stopping.is_none() && !t.parked)?;
        self.ownership.may_send()
    }

    /// The queue as it stands, for tests and the executor's diagnostics.
    pub fn relay(&self) -> Option<&Relay> {
        self.term.as_ref().map(|t| &t.relay)
    }

    pub fn me(&self) -> &TabId {
        self.ownership.me()
    }

    fn tick(&mut self, now_ms: u64) {
        self.now_ms = self.now_ms.max(now_ms);
    }

    fn notify(&mut self, notice: SyncNotice) {
        self.shown = Some(notice.clone());
        self.actions.push_back(Action::ShowNotice(notice));
    }

    /// Shows the relay's state here and mirrors it to the other tabs.
    fn show_sync_state(&mut self) {
        let state = self.term.as_ref().map(|t| t.relay.sync_state());
        self.view.paused = matches!(state, Some(SyncState::Paused { .. }));
        self.view.sync = state;
        self.mirror();
    }

    fn mirror(&mut self) {
        self.actions.push_back(Action::Mirror(Mirror::Mirror {
            ccai: self.view.current,
            sync: self.view.sync.clone(),
        }));
    }

    fn status_name(&self, id: CcaiStatusId) -> String {
        self.started
            .as_ref()
            .and_then(|s| s.statuses.iter().find(|st| st.id == id))
            .map_or_else(|| id.0.to_string(), |s| s.name.clone())
    }
}
