//! The status-sync machine's vocabulary: what the executor feeds in, what it must do, what it shows.

use serde::{Deserialize, Serialize};

use crate::ownership::{Epoch, Msg};
use crate::reconcile::{DeferReason, Notice as ReconcileNotice};
use crate::relay::{RelaySnapshot, SyncState};
use crate::settings::SyncSettings;
use crate::status::{CcaiStatus, CcaiStatusId, KustomerCatalog, KustomerStatusId};

/// What this tab knows once the status service and the agent are known: given once, at
/// [`super::StatusSync::handle_start`].
#[derive(Debug, Clone)]
pub struct Setup {
    /// Names the agent in every change's idempotency key (the CCAI agent id today).
    pub agent: String,
    /// The status service's e-mail for the agent, checked against the page's (A5).
    pub agent_email: String,
    /// The status service's statuses: their names go into writes and come back in answers.
    pub statuses: Vec<CcaiStatus>,
    /// The agent's status as the service said at start-up.
    pub current: Option<CcaiStatusId>,
    pub settings: SyncSettings,
    /// Kustomer's live statuses, to check the saved mapping against; `None`: Kustomer did not answer.
    pub kustomer: Option<KustomerCatalog>,
}

/// What a term starts from, read by the executor at the lock's grant, all at once: the storage fence,
/// the stored queue, and the status service's position and the agent's status there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermStart {
    pub fence: Option<Epoch>,
    pub snapshot: Option<RelaySnapshot>,
    /// Where the watch of the service's status changes starts (the activity feed's position today).
    pub since: u64,
    pub current: Option<CcaiStatusId>,
}

/// One status write to the status service (CCAI's `agent_statuses` today, the company server after
/// issue 16). Every write carries the change's key, fixed at enqueue, and the sending owner's term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub key: String,
    pub status: CcaiStatusId,
    /// The status's name, which CCAI's documented request names it by.
    pub name: String,
    pub epoch: Epoch,
    /// Claim a new owner term at the status service before this write (the company server's
    /// `POST /api/v1/owner`, which fences every other computer's owner): set on a term's first write
    /// and on the first after the agent took the status back ([`SyncNotice::TakenElsewhere`]). A term
    /// that never writes fences nobody: opening Kustomer on a second computer takes nothing.
    pub claim: bool,
}

/// The status service's answer to a [`Write`], as the executor read it; the machine decides what it
/// means ([`super::answer`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteAnswer {
    /// A 2xx with the agent's entry: the status it reports now, or its refusal in its own words.
    Answered {
        current_status: Option<String>,
        message: Option<String>,
    },
    /// An HTTP error status, with `Retry-After` in seconds when given.
    Status {
        code: u16,
        retry_after_s: Option<u32>,
    },
    /// No answer, or one that could not be read: the service may have applied the change.
    NoAnswer,
    /// The service refused the write because a later owner term holds the agent's status (the
    /// company server's 409 `Fenced`): another computer took it.
    TakenElsewhere,
}

/// The owner's view, which followers mirror read-only (the `ccai-sync:<agent>` channel).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Mirror {
    Mirror {
        ccai: Option<CcaiStatusId>,
        sync: Option<SyncState>,
    },
}
crate::internally_tagged!(Mirror, "type");

/// Whether this tab drives the agent's status (S6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    #[default]
    Unknown,
    Owner,
    Follower,
}

/// What the agent must be told. The renderer words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncNotice {
    /// The saved mapping has a row that no longer fits the live statuses; the other rows still sync.
    MappingProblem(String),
    /// Kustomer's statuses could not be read at start-up: the mapping cannot be checked.
    KustomerUnreachable,
    /// Bidirectional sync could not set the agent's Kustomer status: Kustomer shows them offline
    /// (no live work session).
    KustomerOffline,
    /// Bidirectional sync's status was refused by Kustomer.
    KustomerRefused,
    /// Bidirectional sync's status was not set: the company server or Kustomer did not answer.
    KustomerNotSet,
    /// The admin has not enabled status inheritance: Kustomer's status is not followed.
    InheritanceOff,
    /// This tab does not drive the status; another tab does (S6).
    NotOwner,
    /// The agent picked a status the service no longer offers (the menu showed the statuses remembered
    /// from an earlier load): nothing was written.
    NotOffered(CcaiStatusId),
    Deferred {
        ccai: CcaiStatusId,
        reason: DeferReason,
    },
    Report(ReconcileNotice),
    /// The service refused a change in its own words (e.g. a system status).
    Refused(String),
    /// The service answered 401: the queue waits for "Sign in again".
    Unauthorized,
    /// Another computer took the agent's status (the company server fenced this browser's term):
    /// this tab sends nothing until the agent picks a status here.
    TakenElsewhere,
    /// The service refused the request itself; the change was dropped, later ones still go.
    Dropped {
        status: CcaiStatusId,
        code: u16,
        reason: String,
    },
}

/// What the executor must do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Queue for the Web Lock `ccai-owner:<agent>`, or steal it; report [`super::StatusSync::handle_lock_granted`]
    /// and [`super::StatusSync::handle_lock_lost`].
    RequestLock {
        steal: bool,
    },
    /// Release the lock, or cancel the queued request.
    ReleaseLock,
    /// Post on the ownership channel (`ccai-owner:<agent>`).
    Broadcast(Msg),
    /// Post on the mirror channel (`ccai-sync:<agent>`).
    Mirror(Mirror),
    /// Read the fence, the stored queue and the service's position, then report
    /// [`super::StatusSync::handle_term_start`].
    ReadTermStart,
    /// Write `epoch` to the storage fence, before this term's first write (and before its first
    /// [`Action::StoreQueue`]), under the same storage lock as the queue's store.
    WriteFence(Epoch),
    /// Store the queue (`relay:<agent>`), only if the stored fence still allows `epoch`
    /// ([`crate::ownership::fence_allows`]): a stale owner that has not yet heard of its successor must
    /// not replace the newer term's queue. `chrome.storage` has no compare-and-set, so the executor
    /// reads the fence and writes the queue under one Web Lock (`ccai-store:<agent>`, never stolen),
    /// which [`Action::WriteFence`] takes too. With `ack`, report
    /// [`super::StatusSync::handle_queue_stored`] once stored or refused: the term is handed over only
    /// after that.
    StoreQueue {
        snapshot: RelaySnapshot,
        epoch: Epoch,
        ack: bool,
    },
    /// Send one write to the status service; report [`super::StatusSync::handle_write_result`].
    Write(Write),
    /// Set the agent's Kustomer status (bidirectional sync); report
    /// [`super::StatusSync::handle_kustomer_result`].
    SetKustomer(KustomerStatusId),
    /// Watch the service's status changes from `since` while [`super::StatusSync::watching`] is
    /// `generation`; report each with [`super::StatusSync::handle_status_seen`].
    Watch {
        generation: u32,
        since: u64,
    },
    ShowNotice(SyncNotice),
    /// Clear the notice this machine showed last.
    ClearNotice,
}

/// What the panel and the status menu show of status sync.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct View {
    pub role: Role,
    /// The status the service confirmed, never merely the one requested.
    pub current: Option<CcaiStatusId>,
    /// The relay's state (live, retrying, paused, failed): the owner's, mirrored in every tab.
    pub sync: Option<SyncState>,
    /// A pick is held while the election or the term's start is under way.
    pub busy: bool,
    /// The relay waits for a new sign-in.
    pub paused: bool,
}
