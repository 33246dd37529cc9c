//! The relay queue: status changes on their way to CCAI, durable, ordered, each with an idempotency key.
//!
//! Sans-IO, like `quinn-proto`: the owner tab's driver calls [`Relay::enqueue`] for each `SetCcai`
//! decision, then loops on [`Relay::poll_action`] (send the returned request), [`Relay::on_result`]
//! (what CCAI answered) and [`Relay::poll_timeout`] (when to wake up). It persists
//! [`Relay::snapshot`] to `chrome.storage` after every `enqueue` and `on_result`, so a reload, a crash or
//! a new owner tab ([`Relay::restore`]) resumes exactly where the queue was.
//!
//! Architecture invariants:
//! - **One in flight.** A change is sent only after the previous one is answered, so CCAI applies them
//!   in the agent's order.
//! - **A key is fixed at enqueue time** (`agent:epoch:seq`) and reused for every retry, also by another
//!   tab after a crash. After an ambiguous failure (the connection dropped: did CCAI apply it?) the
//!   retry has no second effect at an endpoint that honours the key. The sending owner's *current*
//!   epoch travels separately (the ownership fence), because a key must not change when the sender does.
//! - **Coalescing, invisible by construction.** A newly enqueued change supersedes every queued change
//!   that is not in flight: only the newest not-yet-sent target matters, because it is the status the
//!   agent wants now. An in-flight change is never cancelled, because its effect may already have
//!   happened; the newer one is sent after it. So if A→B→C queue up while CCAI is down, B may be
//!   skipped, but C is always sent last and the final status is always right. A superseded change that
//!   had already been tried (and failed ambiguously) may have taken effect once; that is still an
//!   in-order prefix of the agent's changes, then C.
//! - **A permanent 4xx drops that change** and shows the reason. Retrying a request CCAI says is wrong
//!   (a status id deleted since the mapping was saved, a malformed body) would fail forever and block
//!   every later change behind it; the agent's next change is a new, possibly valid request. The
//!   failure stays visible in [`SyncState::Failed`] until a later change succeeds.
//! - **401 pauses, nothing is dropped**: the queue waits for [`Relay::resume_after_sign_in`].

mod backoff;
#[cfg(test)]
mod tests;

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use crate::ownership::Epoch;
use crate::status::CcaiStatusId;
pub use backoff::Backoff;

/// One change waiting for CCAI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueuedChange {
    pub seq: u64,
    pub key: String,
    pub status: CcaiStatusId,
    pub enqueued_at_ms: u64,
    /// How many times it has been sent (a send whose answer was lost counts).
    pub attempts: u32,
}

/// The request to make now: `POST agent_statuses` for `status`, carrying `key` (and the owner's epoch).
/// Named after quinn-proto's `Transmit`, and not `Send`, which would shadow the marker trait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transmit {
    pub key: String,
    pub seq: u64,
    pub status: CcaiStatusId,
    /// 1 for the first try.
    pub attempt: u32,
}

/// What came back from CCAI for one [`Transmit`], as the driver classifies the HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Outcome {
    /// 200 and the agent's entry shows the new status.
    Ok { applied: CcaiStatusId },
    /// 200 with a per-agent `message` (e.g. "Agent can't be changed from system status 'In-call'").
    Refused { message: String },
    /// 429; `retry_after_ms` from the `Retry-After` header when present.
    RateLimited { retry_after_ms: Option<u64> },
    /// 5xx.
    ServerError { code: u16 },
    /// The connection dropped or timed out: CCAI may or may not have applied the change.
    Dropped,
    /// 401: the sign-in expired.
    Unauthorized,
    /// Any other 4xx: the request itself is wrong and will not get better by retrying.
    PermanentClientError { code: u16, reason: String },
}
crate::internally_tagged!(Outcome, "type");

/// What the driver should tell the reconciler and the agent after [`Relay::on_result`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum RelayReport {
    /// Feed the reconciler `CcaiChanged { status, by_system: false }`.
    Applied { status: CcaiStatusId },
    /// Feed the reconciler `CcaiRefused`; the reconciler decides whether to retry later.
    Refused {
        status: CcaiStatusId,
        message: String,
    },
    /// Ask the agent to sign in again; the queue waits.
    SignInRequired,
    /// The change was dropped after a permanent error; show the reason.
    Dropped {
        status: CcaiStatusId,
        code: u16,
        reason: String,
    },
}
crate::internally_tagged!(RelayReport, "type");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum RetryReason {
    RateLimited,
    ServerError { code: u16 },
    ConnectionDropped,
}
crate::internally_tagged!(RetryReason, "kind");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PauseReason {
    SignInRequired,
}

/// What the agent sees of the relay: live, retrying (and when), paused, or failed (and why).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum SyncState {
    Live,
    Retrying {
        next_attempt_at_ms: u64,
        reason: RetryReason,
    },
    Paused {
        reason: PauseReason,
    },
    Failed {
        status: CcaiStatusId,
        reason: String,
    },
}
crate::internally_tagged!(SyncState, "state");

/// Everything that must survive a reload. Whether a change was in flight is deliberately not kept:
/// after a restore it is sent again with the same key, which is safe whatever happened to the first try.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelaySnapshot {
    pub agent: String,
    pub queue: Vec<QueuedChange>,
    pub next_seq: u64,
    pub paused: bool,
    pub backoff: Backoff,
    pub next_attempt_at_ms: u64,
    pub retry_reason: Option<RetryReason>,
    pub failed: Option<(CcaiStatusId, String)>,
    pub confirmed: Option<CcaiStatusId>,
}

#[derive(Debug, Clone)]
pub struct Relay {
    agent: String,
    queue: VecDeque<QueuedChange>,
    /// True while the head of `queue` has been sent and not answered.
    in_flight: bool,
    next_seq: u64,
    paused: bool,
    backoff: Backoff,
    next_attempt_at_ms: u64,
    retry_reason: Option<RetryReason>,
    failed: Option<(CcaiStatusId, String)>,
    confirmed: Option<CcaiStatusId>,
}

impl Relay {
    /// `agent` names the CCAI agent in every key; `jitter_seed` seeds the retry jitter (take it from
    /// `crypto.getRandomValues`, so tabs that fail together do not retry together).
    pub fn new(agent: impl Into<String>, backoff: Backoff, jitter_seed: u64) -> Self {
        Self {
            agent: agent.into(),
            queue: VecDeque::new(),
            in_flight: false,
            next_seq: 1,
            paused: false,
            backoff: backoff.seeded(jitter_seed),
            next_attempt_at_ms: 0,
            retry_reason: None,
            failed: None,
            confirmed: None,
        }
    }

    /// Adds the agent's newest wanted status, superseding queued changes that are not in flight (see
    /// the module's coalescing rule). Persist a snapshot afterwards. Returns the change's key.
    pub fn enqueue(&mut self, status: CcaiStatusId, epoch: &Epoch, now_ms: u64) -> String {
        let keep = usize::from(self.in_flight);
        self.queue.truncate(keep);
        let seq = self.next_seq;
        self.next_seq += 1;
        let key = format!("{}:{}:{}", self.agent, epoch, seq);
        self.queue.push_back(QueuedChange {
            seq,
            key: key.clone(),
            status,
            enqueued_at_ms: now_ms,
            attempts: 0,
        });
        key
    }

    /// The request to send now, if any. Call it again after every other call and at
    /// [`Relay::poll_timeout`]; only the owner tab may act on it (check the ownership fence first).
    pub fn poll_action(&mut self, now_ms: u64) -> Option<Transmit> {
        if self.paused || self.in_flight || now_ms < self.next_attempt_at_ms {
            return None;
        }
        let head = self.queue.front_mut()?;
        head.attempts += 1;
        self.in_flight = true;
        Some(Transmit {
            key: head.key.clone(),
            seq: head.seq,
            status: head.status,
            attempt: head.attempts,
        })
    }

    /// When to call [`Relay::poll_action`] again, if nothing else happens first. `None`: nothing to do
    /// until an event (a result, an enqueue, a sign-in).
    pub fn poll_timeout(&self) -> Option<u64> {
        if self.paused || self.in_flight || self.queue.is_empty() {
            return None;
        }
        Some(self.next_attempt_at_ms)
    }

    /// Records CCAI's answer to the request with `key`. An answer for a key that is not in flight
    /// (late, or from before a restore) is ignored. Persist a snapshot afterwards.
    pub fn on_result(&mut self, key: &str, outcome: Outcome, now_ms: u64) -> Option<RelayReport> {
        let head = self.queue.front()?;
        if !self.in_flight || head.key != key {
            return None;
        }
        self.in_flight = false;
        let status = head.status;
        match outcome {
            Outcome::Ok { applied } => {
                self.queue.pop_front();
                self.settled(now_ms);
                self.failed = None;
                self.confirmed = Some(applied);
                Some(RelayReport::Applied { status: applied })
            }
            Outcome::Refused { message } => {
                self.queue.pop_front();
                self.settled(now_ms);
                Some(RelayReport::Refused { status, message })
            }
            Outcome::PermanentClientError { code, reason } => {
                self.queue.pop_front();
                self.settled(now_ms);
                self.failed = Some((status, reason.clone()));
                Some(RelayReport::Dropped {
                    status,
                    code,
                    reason,
                })
            }
            Outcome::RateLimited { retry_after_ms } => {
                let delay = retry_after_ms.unwrap_or_else(|| self.backoff.next_delay());
                self.retry_at(now_ms + delay, RetryReason::RateLimited);
                None
            }
            Outcome::ServerError { code } => {
                let delay = self.backoff.next_delay();
                self.retry_at(now_ms + delay, RetryReason::ServerError { code });
                None
            }
            Outcome::Dropped => {
                let delay = self.backoff.next_delay();
                self.retry_at(now_ms + delay, RetryReason::ConnectionDropped);
                None
            }
            Outcome::Unauthorized => {
                self.paused = true;
                Some(RelayReport::SignInRequired)
            }
        }
    }

    /// The agent signed in again after a 401: the waiting change goes out now, with its key.
    pub fn resume_after_sign_in(&mut self, now_ms: u64) {
        self.paused = false;
        self.retry_reason = None;
        self.next_attempt_at_ms = now_ms;
    }

    /// Stops waiting for the in-flight answer, keeping the change queued with its key: used when this
    /// tab steps down, so the next owner re-sends it and the key absorbs a possible double delivery.
    pub fn abandon_in_flight(&mut self) {
        self.in_flight = false;
    }

    pub fn sync_state(&self) -> SyncState {
        if self.paused {
            return SyncState::Paused {
                reason: PauseReason::SignInRequired,
            };
        }
        if let Some(reason) = &self.retry_reason {
            return SyncState::Retrying {
                next_attempt_at_ms: self.next_attempt_at_ms,
                reason: reason.clone(),
            };
        }
        if let Some((status, reason)) = &self.failed {
            return SyncState::Failed {
                status: *status,
                reason: reason.clone(),
            };
        }
        SyncState::Live
    }

    /// The status CCAI last confirmed through this relay: what the status menu should show (USERS.md:
    /// show what CCAI confirms, not what was requested).
    pub fn confirmed(&self) -> Option<CcaiStatusId> {
        self.confirmed
    }

    pub fn queued(&self) -> impl Iterator<Item = &QueuedChange> {
        self.queue.iter()
    }

    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn snapshot(&self) -> RelaySnapshot {
        RelaySnapshot {
            agent: self.agent.clone(),
            queue: self.queue.iter().cloned().collect(),
            next_seq: self.next_seq,
            paused: self.paused,
            backoff: self.backoff.clone(),
            next_attempt_at_ms: self.next_attempt_at_ms,
            retry_reason: self.retry_reason.clone(),
            failed: self.failed.clone(),
            confirmed: self.confirmed,
        }
    }

    /// Rebuilds the relay from storage. A change that was in flight when the snapshot was taken is
    /// sent again, with the same key, at the stored retry time (a `Retry-After` outlives a reload).
    pub fn restore(snapshot: RelaySnapshot) -> Self {
        Self {
            agent: snapshot.agent,
            queue: snapshot.queue.into(),
            in_flight: false,
            next_seq: snapshot.next_seq,
            paused: snapshot.paused,
            backoff: snapshot.backoff,
            next_attempt_at_ms: snapshot.next_attempt_at_ms,
            retry_reason: snapshot.retry_reason,
            failed: snapshot.failed,
            confirmed: snapshot.confirmed,
        }
    }

    fn settled(&mut self, now_ms: u64) {
        self.backoff.reset();
        self.retry_reason = None;
        self.next_attempt_at_ms = now_ms;
    }

    fn retry_at(&mut self, at_ms: u64, reason: RetryReason) {
        self.next_attempt_at_ms = at_ms;
        self.retry_reason = Some(reason);
    }
}
