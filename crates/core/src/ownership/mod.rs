//! One owner tab per agent (SPEC S6): the election protocol as a pure state machine.
//!
//! Modelled on bitwarden sdk-internal's `shared_unlock` (leader/follower, effects as outputs). The
//! extension's driver owns the effects: it holds a Web Lock (`navigator.locks.request(name, ...)`) and a
//! `BroadcastChannel`, both in the extension's own origin, feeds [`OwnerEvent`]s in and carries out the
//! returned [`OwnerAction`]s.
//!
//! Why each piece:
//! - **The lock decides who owns.** The browser releases a Web Lock when its tab closes or crashes, so a
//!   waiting tab is granted it at once: crash handover needs no timer.
//! - **Back/forward cache and freezing keep a lock** (measured in Chromium 156), so `pagehide` and
//!   `freeze` release it explicitly ([`OwnerEvent::PageHide`], [`OwnerEvent::Frozen`]).
//! - **An owner whose page starts to leave steps down at once** ([`OwnerEvent::PageLeaving`], from
//!   the page's `beforeunload`): `pagehide` comes only when the next page commits, which is most of a
//!   navigation's time. It queues again behind the waiting tabs, so a cancelled navigation leaves it
//!   a follower (or the owner again, when it is the only tab).
//! - **A hung tab keeps its lock and says nothing.** Followers probe a silent owner with `Hello`; the
//!   owner answers from its message handler, which background-tab timer throttling does not delay, so
//!   the lease never depends on the owner's timers. No answer within `zombie_after_ms` (plus a per-tab
//!   jitter, so followers do not all pounce) → the follower steals the lock (`steal: true`).
//! - **Epochs fence a revived stale owner.** Every term gets an [`Epoch`] above every epoch seen on the
//!   bus and in the storage fence. The new owner writes its epoch to the fence (`chrome.storage`, key
//!   per agent) *before* relaying; an owner checks [`fence_allows`] against the stored fence before each
//!   send, and the relay endpoint (the sandbox; any server we control) keeps the highest epoch per agent
//!   and answers 409 to a lower one, which the driver feeds back as [`OwnerEvent::Fenced`]. A thawed
//!   zombie therefore cannot send even before it has processed the loss of its lock. The endpoint's
//!   `X-Owner-Epoch` header carries [`Epoch::term`] (a `u64`); two tabs can share a term only when
//!   both stole the lock at once, and the yield rule below ends that within one message round trip.
//! - **An owner that learns of a higher epoch yields** (releases and queues again). That resolves the
//!   rare race where two tabs start a term at once: whoever holds the lock afterwards starts a fresh,
//!   higher term.
//! - **"Use this tab" is a clean handover.** The owner stops its relay (the in-flight send finishes or
//!   is abandoned; the durable queue keeps the change and its idempotency key), announces
//!   `SteppingDown { to }` and keeps the lock until `to` steals it, so no third tab slips in between.

mod epoch;
mod messages;
#[cfg(test)]
mod tests;

pub use epoch::{fence_allows, Epoch, TabId};
pub use messages::{Msg, OwnerAction, OwnerEvent, OwnershipConfig};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Role {
    /// Not started, in the back/forward cache, or frozen: no lock, no request.
    Idle,
    Follower {
        stealing: bool,
        takeover_since: Option<u64>,
    },
    Owner,
    /// Stopping the relay for a takeover by `to`.
    Draining {
        to: TabId,
        since: u64,
    },
    /// Relay stopped, lock kept until `to` steals it.
    Yielding {
        to: TabId,
        since: u64,
    },
}

/// One tab's view of the election.
#[derive(Debug, Clone)]
pub struct Ownership {
    me: TabId,
    config: OwnershipConfig,
    zombie_jitter_ms: u64,
    role: Role,
    /// Our own term while Owner, Draining or Yielding.
    epoch: Option<Epoch>,
    /// The highest epoch seen anywhere, ours included.
    highest: Option<Epoch>,
    owner: Option<TabId>,
    last_heard_ms: u64,
    probe_sent_ms: Option<u64>,
    last_heartbeat_ms: u64,
    now_ms: u64,
}

impl Ownership {
    /// `zombie_jitter_ms`: a random 0..1000 from the driver, so followers do not steal all at once.
    pub fn new(me: TabId, config: OwnershipConfig, zombie_jitter_ms: u64, now_ms: u64) -> Self {
        Self {
            me,
            config,
            zombie_jitter_ms,
            role: Role::Idle,
            epoch: None,
            highest: None,
            owner: None,
            last_heard_ms: now_ms,
            probe_sent_ms: None,
            last_heartbeat_ms: now_ms,
            now_ms,
        }
    }

    pub fn me(&self) -> &TabId {
        &self.me
    }

    /// The owner this tab knows of (itself included).
    pub fn owner(&self) -> Option<&TabId> {
        self.owner.as_ref()
    }

    pub fn is_owner(&self) -> bool {
        matches!(
            self.role,
            Role::Owner | Role::Draining { .. } | Role::Yielding { .. }
        )
    }

    /// The epoch to send with, if this tab may start a send now. Still check [`fence_allows`] against
    /// the stored fence: a tab that was frozen may not know yet that it lost the lock.
    pub fn may_send(&self) -> Option<&Epoch> {
        match (&self.role, &self.epoch) {
            (Role::Owner, Some(e)) if self.highest.as_ref() <= Some(e) => Some(e),
            _ => None,
        }
    }

    /// When the driver should next send [`OwnerEvent::Tick`].
    pub fn next_tick_ms(&self) -> Option<u64> {
        let c = &self.config;
        match &self.role {
            Role::Idle => None,
            Role::Owner => Some(self.last_heartbeat_ms + c.heartbeat_ms),
            Role::Draining { since, .. } | Role::Yielding { since, .. } => {
                Some(since + c.handover_timeout_ms)
            }
            Role::Follower { stealing: true, .. } => None,
            Role::Follower { takeover_since, .. } => {
                let zombie = match self.probe_sent_ms {
                    None => self.last_heard_ms + c.probe_after_ms,
                    Some(p) => p + c.zombie_after_ms + self.zombie_jitter_ms,
                };
                Some(takeover_since.map_or(zombie, |t| zombie.min(t + c.handover_timeout_ms)))
            }
        }
    }

    pub fn handle(&mut self, event: OwnerEvent, now_ms: u64) -> Vec<OwnerAction> {
        self.now_ms = self.now_ms.max(now_ms);
        let mut out = Vec::new();
        match event {
            OwnerEvent::Started | OwnerEvent::PageShow | OwnerEvent::Resumed => {
                if self.role == Role::Idle {
                    self.follow(None, &mut out);
                    out.push(OwnerAction::RequestLock { steal: false });
                    // This hello is also a probe: if the lock is held by a tab that never answers, we
                    // find out `zombie_after_ms` from now, not a probe period later.
                    out.push(self.hello());
                    self.probe_sent_ms = Some(self.now_ms);
                }
            }
            OwnerEvent::PageHide | OwnerEvent::Frozen => self.go_idle(&mut out),
            OwnerEvent::PageLeaving => {
                if self.is_owner() {
                    self.step_down(None, &mut out);
                }
            }
            OwnerEvent::LockGranted { fence } => self.on_granted(fence, &mut out),
            OwnerEvent::LockLost => {
                if self.is_owner() {
                    if !matches!(self.role, Role::Yielding { .. }) {
                        out.push(OwnerAction::StopRelay);
                    }
                    self.say_stepping_down(&mut out);
                    self.follow(None, &mut out);
                    out.push(OwnerAction::RequestLock { steal: false });
                } else if let Role::Follower { stealing: true, .. } = self.role {
                    // Another tab's steal overtook ours: queue normally behind it.
                    self.role = Role::Follower {
                        stealing: false,
                        takeover_since: None,
                    };
                    out.push(OwnerAction::RequestLock { steal: false });
                }
            }
            OwnerEvent::Message { msg } => self.on_message(msg, &mut out),
            OwnerEvent::UseThisTab => {
                if let Role::Follower {
                    stealing: false, ..
                } = self.role
                {
                    self.role = Role::Follower {
                        stealing: false,
                        takeover_since: Some(self.now_ms),
                    };
                    out.push(OwnerAction::Broadcast {
                        msg: Msg::TakeoverRequest {
                            from: self.me.clone(),
                        },
                    });
                }
            }
            OwnerEvent::RelayStopped => {
                if let (Role::Draining { to, .. }, Some(epoch)) = (&self.role, &self.epoch) {
                    out.push(OwnerAction::Broadcast {
                        msg: Msg::SteppingDown {
                            epoch: epoch.clone(),
                            to: Some(to.clone()),
                            queue_handed_over: true,
                        },
                    });
                    self.role = Role::Yielding {
                        to: to.clone(),
                        since: self.now_ms,
                    };
                }
            }
            OwnerEvent::Fenced { term } => {
                if self.epoch.as_ref().is_some_and(|e| term > e.term) {
                    // The tab is unknown here; a placeholder of that term outranks us all the same.
                    self.note(&Epoch {
                        term,
                        tab: TabId(String::new()),
                    });
                    self.yield_if_outranked(&mut out);
                }
            }
            OwnerEvent::Tick => self.on_tick(&mut out),
        }
        out
    }

    fn hello(&self) -> OwnerAction {
        OwnerAction::Broadcast {
            msg: Msg::Hello {
                from: self.me.clone(),
            },
        }
    }

    fn announce(&self) -> Option<OwnerAction> {
        self.epoch.as_ref().map(|epoch| OwnerAction::Broadcast {
            msg: Msg::OwnerAnnounce {
                owner: self.me.clone(),
                epoch: epoch.clone(),
            },
        })
    }

    fn note(&mut self, epoch: &Epoch) {
        if self.highest.as_ref() < Some(epoch) {
            self.highest = Some(epoch.clone());
        }
    }

    fn follow(&mut self, owner: Option<TabId>, out: &mut Vec<OwnerAction>) {
        self.role = Role::Follower {
            stealing: false,
            takeover_since: None,
        };
        self.epoch = None;
        self.owner = owner.clone();
        self.last_heard_ms = self.now_ms;
        self.probe_sent_ms = None;
        out.push(OwnerAction::BecameFollower { owner });
    }

    fn on_granted(&mut self, fence: Option<Epoch>, out: &mut Vec<OwnerAction>) {
        match self.role {
            Role::Follower { .. } => {}
            // A grant for a request we gave up (hidden or frozen meanwhile): hand it straight back.
            Role::Idle => {
                out.push(OwnerAction::ReleaseLock);
                return;
            }
            _ => return,
        }
        let term = [self.highest.as_ref(), fence.as_ref()]
            .into_iter()
            .flatten()
            .map(|e| e.term)
            .max()
            .unwrap_or(0)
            + 1;
        let epoch = Epoch {
            term,
            tab: self.me.clone(),
        };
        self.note(&epoch);
        self.epoch = Some(epoch.clone());
        self.owner = Some(self.me.clone());
        self.role = Role::Owner;
        self.last_heartbeat_ms = self.now_ms;
        out.push(OwnerAction::BecameOwner {
            epoch: epoch.clone(),
        });
        out.extend(self.announce());
        out.push(OwnerAction::StartRelay { epoch });
    }

    /// Tells followers this term is over, so they stop trusting it at once: each of them then expects
    /// a successor's announce within `zombie_after_ms` and steals otherwise.
    fn say_stepping_down(&self, out: &mut Vec<OwnerAction>) {
        if let Some(epoch) = self.epoch.clone() {
            out.push(OwnerAction::Broadcast {
                msg: Msg::SteppingDown {
                    epoch,
                    to: None,
                    queue_handed_over: false,
                },
            });
        }
    }

    fn go_idle(&mut self, out: &mut Vec<OwnerAction>) {
        if self.epoch.is_some() {
            if !matches!(self.role, Role::Yielding { .. }) {
                out.push(OwnerAction::StopRelay);
            }
            // Said before the lock goes, so followers stop waiting for answers from us at once.
            self.say_stepping_down(out);
        }
        if self.role != Role::Idle {
            out.push(OwnerAction::ReleaseLock);
        }
        self.role = Role::Idle;
        self.epoch = None;
        self.owner = None;
    }

    /// Steps down if someone holds a later epoch than ours.
    fn yield_if_outranked(&mut self, out: &mut Vec<OwnerAction>) {
        let Some(mine) = &self.epoch else { return };
        if self.highest.as_ref() <= Some(mine) {
            return;
        }
        let owner = self
            .highest
            .as_ref()
            .map(|e| e.tab.clone())
            .filter(|t| !t.0.is_empty());
        self.step_down(owner, out);
    }

    /// Stops relaying, says so, lets the lock go and queues for it again as a follower of `owner`.
    fn step_down(&mut self, owner: Option<TabId>, out: &mut Vec<OwnerAction>) {
        if !matches!(self.role, Role::Yielding { .. }) {
            out.push(OwnerAction::StopRelay);
        }
        self.say_stepping_down(out);
        out.push(OwnerAction::ReleaseLock);
        self.follow(owner, out);
        out.push(OwnerAction::RequestLock { steal: false });
    }

    fn on_message(&mut self, msg: Msg, out: &mut Vec<OwnerAction>) {
        if self.role == Role::Idle {
            return;
        }
        match msg {
            Msg::Hello { .. } => {
                if matches!(self.role, Role::Owner | Role::Draining { .. }) {
                    out.extend(self.announce());
                }
            }
            Msg::OwnerAnnounce { epoch, .. } | Msg::Heartbeat { epoch } => {
                self.note(&epoch);
                if self.is_owner() {
                    if self.epoch.as_ref() > Some(&epoch) {
                        // A stale owner speaks: tell it who owns now, so it yields.
                        out.extend(self.announce());
                    } else {
                        self.yield_if_outranked(out);
                    }
                } else if self.highest.as_ref() == Some(&epoch) {
                    self.owner = Some(epoch.tab.clone());
                    self.last_heard_ms = self.now_ms;
                    self.probe_sent_ms = None;
                }
            }
            Msg::TakeoverRequest { from } => {
                if self.role == Role::Owner && from != self.me {
                    out.push(OwnerAction::StopRelay);
                    self.role = Role::Draining {
                        to: from,
                        since: self.now_ms,
                    };
                }
            }
            Msg::SteppingDown { epoch, to, .. } => {
                self.note(&epoch);
                if self.is_owner() {
                    self.yield_if_outranked(out);
                    return;
                }
                // A successor should announce itself shortly; if none does (it hung, or the tab that
                // asked for the takeover is gone), treat the silence like an unanswered probe.
                self.owner = None;
                self.last_heard_ms = self.now_ms;
                self.probe_sent_ms = Some(self.now_ms);
                if to.as_ref() == Some(&self.me) {
                    self.role = Role::Follower {
                        stealing: true,
                        takeover_since: None,
                    };
                    out.push(OwnerAction::RequestLock { steal: true });
                }
            }
        }
    }

    fn on_tick(&mut self, out: &mut Vec<OwnerAction>) {
        let now = self.now_ms;
        let c = self.config;
        match self.role.clone() {
            Role::Idle | Role::Follower { stealing: true, .. } => {}
            Role::Owner => {
                if now >= self.last_heartbeat_ms + c.heartbeat_ms {
                    self.last_heartbeat_ms = now;
                    if let Some(epoch) = self.epoch.clone() {
                        out.push(OwnerAction::Broadcast {
                            msg: Msg::Heartbeat { epoch },
                        });
                    }
                }
            }
            Role::Draining { since, .. } | Role::Yielding { since, .. } => {
                if now >= since + c.handover_timeout_ms {
                    // The tab that asked never took over (closed?): let the lock queue decide.
                    out.push(OwnerAction::ReleaseLock);
                    self.follow(None, out);
                    out.push(OwnerAction::RequestLock { steal: false });
                }
            }
            Role::Follower { takeover_since, .. } => {
                let takeover_due = takeover_since.is_some_and(|t| now >= t + c.handover_timeout_ms);
                let zombie = self
                    .probe_sent_ms
                    .is_some_and(|p| now >= p + c.zombie_after_ms + self.zombie_jitter_ms);
                if takeover_due || zombie {
                    self.role = Role::Follower {
                        stealing: true,
                        takeover_since: None,
                    };
                    out.push(OwnerAction::RequestLock { steal: true });
                } else if self.probe_sent_ms.is_none()
                    && now >= self.last_heard_ms + c.probe_after_ms
                {
                    self.probe_sent_ms = Some(now);
                    out.push(self.hello());
                }
            }
        }
    }
}
