//! The vocabulary of the election: what tabs broadcast, what the driver feeds in, what it must do.

use serde::{Deserialize, Serialize};

use super::{Epoch, TabId};

/// What tabs say to each other on the `BroadcastChannel`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Msg {
    /// A tab arrived or probes a silent owner; the owner answers with `OwnerAnnounce`.
    Hello {
        from: TabId,
    },
    OwnerAnnounce {
        owner: TabId,
        epoch: Epoch,
    },
    /// "Use this tab", clicked in tab `from`.
    TakeoverRequest {
        from: TabId,
    },
    /// The owner stopped relaying. `to`: the tab that should steal the lock now (a takeover), or none
    /// (the owner released the lock: the next waiting tab gets it). `queue_handed_over`: the in-flight
    /// send was finished or abandoned and the stored queue is complete.
    SteppingDown {
        epoch: Epoch,
        to: Option<TabId>,
        queue_handed_over: bool,
    },
    Heartbeat {
        epoch: Epoch,
    },
}
crate::internally_tagged!(Msg, "type");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum OwnerEvent {
    /// The tab loaded.
    Started,
    /// The Web Lock was granted; `fence` is the stored fence, read after the grant.
    LockGranted {
        fence: Option<Epoch>,
    },
    /// The lock was stolen from us (its promise rejected with `AbortError`).
    LockLost,
    Message {
        msg: Msg,
    },
    /// The agent clicked "Use this tab".
    UseThisTab,
    /// After `StopRelay`: the relay has no send in flight any more and its queue is stored.
    RelayStopped,
    /// The storage fence or the relay endpoint (a 409 with `highest_epoch`) showed a later term.
    /// Only the term is needed, because that is all the endpoint's `X-Owner-Epoch` header carries.
    Fenced {
        term: u64,
    },
    /// The top page started to navigate away (its `beforeunload`, told by the content script): an
    /// owner steps down now instead of at `pagehide`, which comes only when the next page commits.
    /// The navigation may still be cancelled, so the tab queues again, behind every waiting tab.
    PageLeaving,
    /// `pagehide` (also into the back/forward cache).
    PageHide,
    PageShow,
    /// Page Lifecycle `freeze` / `resume`.
    Frozen,
    Resumed,
    /// A timer fired; see [`super::Ownership::next_tick_ms`].
    Tick,
}
crate::internally_tagged!(OwnerEvent, "type");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum OwnerAction {
    /// Queue for the lock, or with `steal` take it now (cancel any queued request of ours first).
    RequestLock {
        steal: bool,
    },
    /// Release the lock, or cancel our queued request.
    ReleaseLock,
    Broadcast {
        msg: Msg,
    },
    /// Write `epoch` to the storage fence (unless the stored one is higher), then show "this tab
    /// drives your status". The write must land before the relay's first send.
    BecameOwner {
        epoch: Epoch,
    },
    /// Show the status read-only and offer "Use this tab".
    BecameFollower {
        owner: Option<TabId>,
    },
    /// Start the relay (restore its queue from storage); every send carries `epoch`.
    StartRelay {
        epoch: Epoch,
    },
    /// Stop sending; finish or abandon the in-flight send, store the queue, then send `RelayStopped`.
    StopRelay,
}
crate::internally_tagged!(OwnerAction, "type");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnershipConfig {
    /// How often an owner tells followers it is alive (saves them probing).
    pub heartbeat_ms: u64,
    /// A follower that heard nothing from the owner for this long sends a `Hello` probe.
    pub probe_after_ms: u64,
    /// A probe unanswered for this long (plus the tab's jitter) means a zombie owner: steal the lock.
    pub zombie_after_ms: u64,
    /// How long a takeover may take before the tabs involved stop waiting for each other.
    pub handover_timeout_ms: u64,
}

impl Default for OwnershipConfig {
    /// Detects a zombie in 1.5 + 2.5 + up to 1 s of jitter: well within the 10 s budget of issue 5.
    fn default() -> Self {
        Self {
            heartbeat_ms: 1_000,
            probe_after_ms: 1_500,
            zombie_after_ms: 2_500,
            handover_timeout_ms: 2_000,
        }
    }
}
