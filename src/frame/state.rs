//! The engine's state of the frame, made once at start and handed to whatever needs it; the view
//! is told it as a [`super::FrameView`] (`crate::engine`).

use ccai_core::protocol::PageFacts;

use ccai_core::status::CcaiStatus;

use crate::ui::Var;

/// Something the agent must know, shown in the panel's live region.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Loading,
    NotConfigured,
    CcaiError(u16),
    /// CCAI answered a change with a per-agent message (e.g. a system status): its words, verbatim.
    Refused(String),
    KustomerUnreachable,
    /// Bidirectional sync could not set the Kustomer status: Kustomer shows the agent offline.
    KustomerOffline,
    /// Bidirectional sync's Kustomer status was refused by Kustomer.
    KustomerRefused,
    /// Bidirectional sync's Kustomer status was not set: no answer from the server or Kustomer.
    KustomerNotSet,
    /// The admin has not enabled status inheritance yet: Kustomer's status is not followed.
    InheritanceOff,
    /// The saved mapping has a row that no longer fits the live statuses; the other rows still sync.
    MappingProblem(String),
    /// This tab does not drive the status; another tab does (S6).
    NotOwner,
    /// The status picked (from the statuses remembered at first paint) is no longer offered by CCAI.
    NotOffered,
    /// (target CCAI status, why): applied when CCAI leaves its system status.
    Deferred(String, String),
    /// The Kustomer status (by name) has no row in the mapping: nothing was relayed.
    Unmapped(String),
    UnmappedCcai(String),
    /// A5: (Kustomer e-mail, CCAI e-mail). Status sync is stopped.
    EmailMismatch(String, String),
    DeferredDropped(String),
    /// (status, HTTP code, reason): CCAI refused the request itself; later changes still go through.
    RelayDropped(String, u16, String),
    /// Not signed in to the company server: the "Sign in" button shows.
    SignedOut,
    /// The sign-in flow failed, in its own words.
    SignInFailed(String),
    /// The company server does not answer; changes wait.
    ServerUnreachable,
    /// Another computer took the agent's status (the company server fenced this one).
    TakenElsewhere,
}

/// Whether this tab drives the agent's status (S6): the status-sync machine decides.
pub use ccai_core::status_sync::Role;

#[derive(Clone, Copy)]
pub struct AdapterState {
    /// CCAI's statuses, as the company server read them (A9).
    pub statuses: Var<Vec<CcaiStatus>>,
    /// The status CCAI confirmed, never merely the one requested (USERS.md: "status that lies").
    pub current: Var<Option<i64>>,
    pub agent_id: Var<Option<i64>>,
    pub notice: Var<Option<Notice>>,
    pub page: Var<Option<PageFacts>>,
    pub busy: Var<bool>,
    pub role: Var<Role>,
    /// The relay's state in words (live, retrying at…, paused, failed), mirrored in every tab.
    pub sync: Var<Option<String>>,
    /// The relay waits for a new sign-in (CCAI answered 401).
    pub paused: Var<bool>,
}

impl AdapterState {
    pub fn new() -> Self {
        Self {
            statuses: Var::new(Vec::new()),
            current: Var::new(None),
            agent_id: Var::new(None),
            notice: Var::new(Some(Notice::Loading)),
            page: Var::new(None),
            busy: Var::new(false),
            role: Var::new(Role::Unknown),
            sync: Var::new(None),
            paused: Var::new(false),
        }
    }
}
