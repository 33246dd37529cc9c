//! The status reconciler: given what each side last said and a new event, what to change where.
//!
//! Pure and synchronous. The extension feeds it events (with the time it observed them) and carries out
//! the returned [`Decision`]s: `SetCcai` goes into the relay queue, `SetKustomer` to Kustomer's API,
//! `Deferred` and `Report` to the agent's status line and the decision trail.
//!
//! Rules (SPEC S2, S4, S5, S8, A5), each with a table test named after it below:
//! - **no echo**: a change we caused on one side comes back as an event; it is recognised as ours and
//!   never reflected again, so the two sides cannot ping-pong.
//! - **never fight a system status**: while CCAI is in In-call, Wrap-up, In-chat or Missed Call, a
//!   Kustomer change is deferred (not sent) and applied when CCAI leaves the system status by itself.
//!   A deferred change is the agent's latest intent, later than anything CCAI did on its own, so this
//!   holds in both priority modes.
//! - **CRM overrides next** ([`Priority::CrmOverridesNext`]): whenever CCAI moves the agent by itself
//!   (e.g. Wrap-up → Available), the mapped current Kustomer status is applied instead.
//! - **latest change wins** ([`Priority::LatestChangeWins`]): CCAI's automatic next status stands (and,
//!   bidirectionally, is reflected to Kustomer) unless the agent changed Kustomer after it.
//! - **manual CCAI change**: an agent who picks a status in CCAI (not `by_system`) is obeyed; in
//!   bidirectional mode it is reflected to Kustomer through [`Mapping::reverse`].
//! - **sign-in applies Kustomer at once** (S8).
//! - **e-mail mismatch halts sync** (A5): nothing is decided until a sign-in with matching e-mails.
//!
//! The reconciler is not persisted: after a reload the extension reads both sides and sends
//! [`SyncEvent::SignedIn`], which re-derives everything that matters from live state.

mod decision;

use crate::mapping::{MapResult, Mapping, ReverseResult};
use crate::status::{CcaiStatusId, KustomerStatusId};
pub use decision::{Decision, DeferReason, Direction, Notice, Priority, SyncConfig, SyncEvent};

/// A5: the same person is signed in on both sides. Case and surrounding spaces do not count, because
/// both products treat e-mail addresses case-insensitively and pages often pad them.
pub fn emails_match(kustomer: &str, ccai: &str) -> bool {
    let (a, b) = (kustomer.trim(), ccai.trim());
    !a.is_empty() && a.eq_ignore_ascii_case(b)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Side<T> {
    status: T,
    /// When this side last changed by someone's intent (our own echoes keep the origin's time), so that
    /// "latest change wins" compares intents, not deliveries.
    changed_at_ms: u64,
}

#[derive(Debug, Clone)]
pub struct Reconciler {
    config: SyncConfig,
    mapping: Mapping,
    kustomer: Option<Side<KustomerStatusId>>,
    ccai: Option<Side<CcaiStatusId>>,
    /// What we last asked each side to become and have not yet seen come back.
    asked_ccai: Option<CcaiStatusId>,
    asked_kustomer: Option<KustomerStatusId>,
    deferred: Option<CcaiStatusId>,
    /// CCAI's last refusal, until CCAI tells us its status again. While set, our idea of CCAI's status
    /// is stale (it is in a system status we have not heard of), so new targets are deferred too.
    refused: Option<String>,
    halted: bool,
}

impl Reconciler {
    pub fn new(config: SyncConfig, mapping: Mapping) -> Self {
        Self {
            config,
            mapping,
            kustomer: None,
            ccai: None,
            asked_ccai: None,
            asked_kustomer: None,
            deferred: None,
            refused: None,
            halted: false,
        }
    }

    pub fn config(&self) -> SyncConfig {
        self.config
    }

    pub fn set_config(&mut self, config: SyncConfig) {
        self.config = config;
    }

    /// Installs a new mapping and re-applies the agent's current Kustomer status under it, so an admin's
    /// save takes effect without waiting for the agent's next change.
    pub fn set_mapping(&mut self, mapping: Mapping) -> Vec<Decision> {
        self.mapping = mapping;
        let mut out = Vec::new();
        if !self.halted && self.kustomer.is_some() {
            self.apply_kustomer(false, &mut out);
        }
        out
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    pub fn kustomer_status(&self) -> Option<&KustomerStatusId> {
        self.kustomer.as_ref().map(|s| &s.status)
    }

    pub fn ccai_status(&self) -> Option<CcaiStatusId> {
        self.ccai.as_ref().map(|s| s.status)
    }

    /// The change waiting for CCAI to leave its system status, if any.
    pub fn deferred(&self) -> Option<CcaiStatusId> {
        self.deferred
    }

    pub fn is_halted(&self) -> bool {
        self.halted
    }

    pub fn handle(&mut self, event: SyncEvent) -> Vec<Decision> {
        let mut out = Vec::new();
        match event {
            SyncEvent::SignedIn {
                kustomer,
                ccai,
                kustomer_email,
                ccai_email,
                at_ms,
                ccai_picked_at_ms,
            } => {
                // A pick made before the page reported is later than the Kustomer status it shows.
                let kustomer_at =
                    ccai_picked_at_ms.map_or(at_ms, |p| p.min(at_ms).saturating_sub(1));
                self.kustomer = Some(Side {
                    status: kustomer,
                    changed_at_ms: kustomer_at,
                });
                self.ccai = Some(Side {
                    status: ccai,
                    changed_at_ms: at_ms,
                });
                self.asked_ccai = None;
                self.asked_kustomer = None;
                self.deferred = None;
                self.refused = None;
                self.halted = !emails_match(&kustomer_email, &ccai_email);
                if self.halted {
                    out.push(Decision::Report {
                        notice: Notice::EmailMismatch {
                            kustomer: kustomer_email,
                            ccai: ccai_email,
                        },
                    });
                } else if ccai_picked_at_ms.is_some() {
                    // The agent's pick is the latest change (S5): CCAI keeps it, and Kustomer follows
                    // it where sync goes both ways.
                    if self.config.direction == Direction::Bidirectional {
                        self.reflect_to_kustomer(ccai, &mut out);
                    }
                } else {
                    self.apply_kustomer(false, &mut out);
                }
            }
            SyncEvent::KustomerChanged { status, at_ms } => {
                self.on_kustomer(status, at_ms, &mut out)
            }
            SyncEvent::CcaiChanged {
                status,
                at_ms,
                by_system,
            } => self.on_ccai(status, at_ms, by_system, &mut out),
            SyncEvent::CcaiRefused {
                requested, message, ..
            } => self.on_refused(requested, message, &mut out),
        }
        out
    }

    fn on_kustomer(&mut self, status: KustomerStatusId, at_ms: u64, out: &mut Vec<Decision>) {
        if self.asked_kustomer.as_ref() == Some(&status) {
            // Our own reflection of a CCAI change: record it under the CCAI change's time, do nothing.
            self.asked_kustomer = None;
            let origin = self.ccai.as_ref().map_or(at_ms, |c| c.changed_at_ms);
            self.kustomer = Some(Side {
                status,
                changed_at_ms: origin,
            });
            return;
        }
        if self.kustomer.as_ref().map(|k| &k.status) == Some(&status) {
            // A repeated observation is not a change: it must not restart anything or move its time.
            return;
        }
        let previous = self
            .kustomer
            .as_ref()
            .map(|k| self.mapping.lookup(&k.status));
        let new_intent = previous != Some(self.mapping.lookup(&status));
        self.kustomer = Some(Side {
            status,
            changed_at_ms: at_ms,
        });
        // The agent overrode whatever we were reflecting into Kustomer.
        self.asked_kustomer = None;
        if !self.halted {
            self.apply_kustomer(new_intent, out);
        }
    }

    fn on_ccai(
        &mut self,
        status: CcaiStatusId,
        at_ms: u64,
        by_system: bool,
        out: &mut Vec<Decision>,
    ) {
        let was_refused = self.refused.take().is_some();
        if self.asked_ccai == Some(status) {
            // Our own change coming back: confirmed, and stamped with the Kustomer change that caused it.
            self.asked_ccai = None;
            let origin = self.kustomer.as_ref().map_or(at_ms, |k| k.changed_at_ms);
            self.ccai = Some(Side {
                status,
                changed_at_ms: origin,
            });
            return;
        }
        let repeated = self.ccai.as_ref().map(|c| c.status) == Some(status);
        if repeated && !was_refused && self.deferred.is_none() {
            // A repeated observation (a poll, a reconnect) is not a change. After a refusal it is news,
            // though: CCAI was elsewhere in between and has now left its system status.
            return;
        }
        self.ccai = Some(Side {
            status,
            changed_at_ms: at_ms,
        });
        if self.halted || status.is_system() {
            // Entering or moving between system statuses: CCAI is busy with work; a deferred change waits.
            return;
        }
        if let Some(wanted) = self.deferred.take() {
            if by_system {
                self.ask_ccai(wanted, out);
                return;
            }
            out.push(Decision::Report {
                notice: Notice::DeferredDropped {
                    ccai: wanted,
                    chosen: status,
                },
            });
        }
        let kustomer_target = self
            .kustomer
            .as_ref()
            .map(|k| (self.mapping.lookup(&k.status), k.changed_at_ms));
        if let Some((MapResult::Mapped(target), k_at)) = kustomer_target {
            let crm_overrides = by_system && self.config.priority == Priority::CrmOverridesNext;
            // An event older than the agent's last Kustomer change lost the race: Kustomer is later.
            let kustomer_is_later = k_at > at_ms;
            if crm_overrides || kustomer_is_later {
                if target != status {
                    self.ask_ccai(target, out);
                }
                return;
            }
        }
        if self.config.direction == Direction::Bidirectional {
            self.reflect_to_kustomer(status, out);
        }
    }

    fn on_refused(&mut self, requested: CcaiStatusId, message: String, out: &mut Vec<Decision>) {
        if self.asked_ccai == Some(requested) {
            self.asked_ccai = None;
        }
        if self.halted {
            return;
        }
        // Only the agent's current intent is worth keeping; a refusal of an older target is history.
        let current = self
            .kustomer
            .as_ref()
            .map(|k| self.mapping.lookup(&k.status));
        if current != Some(MapResult::Mapped(requested)) {
            return;
        }
        // CCAI refuses during a system status we may not have heard about yet: wait for its end.
        self.deferred = Some(requested);
        self.refused = Some(message.clone());
        out.push(Decision::Deferred {
            ccai: requested,
            reason: DeferReason::Refused { message },
        });
    }

    /// Brings CCAI to the mapping of the current Kustomer status, or explains why not.
    ///
    /// `new_intent` is true when the agent's change moved the mapped target (K5→K1, not K1→K2). Then the
    /// target is sent even if we believe CCAI is already there: our belief may be stale (a call that
    /// started unseen), and a redundant request costs one no-op, while a skipped one loses the change.
    fn apply_kustomer(&mut self, new_intent: bool, out: &mut Vec<Decision>) {
        let Some(k) = self.kustomer.as_ref() else {
            return;
        };
        match self.mapping.lookup(&k.status) {
            MapResult::Unmapped => {
                // A newer intent, even an unmapped one, replaces a deferred older one.
                self.deferred = None;
                out.push(Decision::Report {
                    notice: Notice::UnmappedKustomerStatus {
                        status: k.status.clone(),
                    },
                });
            }
            MapResult::Mapped(target) => match self.ccai.as_ref().map(|c| c.status) {
                Some(current) if current.is_system() => {
                    self.deferred = Some(target);
                    out.push(Decision::Deferred {
                        ccai: target,
                        reason: DeferReason::SystemStatus { current },
                    });
                }
                _ => match self.refused.clone() {
                    Some(message) => {
                        self.deferred = Some(target);
                        out.push(Decision::Deferred {
                            ccai: target,
                            reason: DeferReason::Refused { message },
                        });
                    }
                    None => {
                        self.deferred = None;
                        if new_intent && self.asked_ccai != Some(target) {
                            self.asked_ccai = Some(target);
                            out.push(Decision::SetCcai { status: target });
                        } else {
                            self.ask_ccai(target, out);
                        }
                    }
                },
            },
        }
    }

    fn ask_ccai(&mut self, target: CcaiStatusId, out: &mut Vec<Decision>) {
        let effective = self.asked_ccai.or(self.ccai.as_ref().map(|c| c.status));
        if effective == Some(target) {
            return;
        }
        self.asked_ccai = Some(target);
        out.push(Decision::SetCcai { status: target });
    }

    fn reflect_to_kustomer(&mut self, status: CcaiStatusId, out: &mut Vec<Decision>) {
        let current = self
            .asked_kustomer
            .as_ref()
            .or(self.kustomer.as_ref().map(|k| &k.status));
        match self.mapping.reverse(status, current) {
            ReverseResult::Keep => {}
            ReverseResult::Set(k) => {
                self.asked_kustomer = Some(k.clone());
                out.push(Decision::SetKustomer { status: k });
            }
            ReverseResult::Unmapped => out.push(Decision::Report {
                notice: Notice::UnmappedCcaiStatus { status },
            }),
        }
    }
}

#[cfg(test)]
mod tests;
