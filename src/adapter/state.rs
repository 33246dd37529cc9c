//! The adapter's reactive state, provided once at the root.

use ccai_core::protocol::PageFacts;
use leptos::prelude::*;

use crate::api::ccai::UserStatus;

/// Something the agent must know, shown in the panel's live region.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    Loading,
    NotConfigured,
    CcaiUnreachable,
    CcaiUnauthorized,
    CcaiError(u16),
    AgentNotFound(String),
    /// CCAI answered a change with a per-agent message (e.g. a system status): its words, verbatim.
    Refused(String),
    KustomerUnreachable,
    /// The admin has not enabled status inheritance yet: Kustomer's status is not followed.
    InheritanceOff,
    /// The saved mapping has a row that no longer fits the live statuses; the other rows still sync.
    MappingProblem(String),
    /// This tab does not drive the status; another tab does (S6).
    NotOwner,
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
}

/// Whether this tab drives the agent's status (S6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Unknown,
    Owner,
    Follower,
}

#[derive(Clone, Copy)]
pub struct AdapterState {
    pub minimised: RwSignal<bool>,
    pub statuses: RwSignal<Vec<UserStatus>>,
    /// The status CCAI confirmed, never merely the one requested (USERS.md: "status that lies").
    pub current: RwSignal<Option<i64>>,
    pub agent_id: RwSignal<Option<i64>>,
    pub notice: RwSignal<Option<Notice>>,
    pub page: RwSignal<Option<PageFacts>>,
    pub busy: RwSignal<bool>,
    pub role: RwSignal<Role>,
    /// The relay's state in words (live, retrying at…, paused, failed), mirrored in every tab.
    pub sync: RwSignal<Option<String>>,
    /// The relay waits for a new sign-in (CCAI answered 401).
    pub paused: RwSignal<bool>,
    /// A status the agent picked before this tab's sync driver ran: handed to the driver when it
    /// starts, so that even a start-up choice is written only by the owner's relay (issue 14).
    pub early_choice: RwSignal<Option<i64>>,
}

impl AdapterState {
    pub fn new() -> Self {
        Self {
            minimised: RwSignal::new(false),
            statuses: RwSignal::new(Vec::new()),
            current: RwSignal::new(None),
            agent_id: RwSignal::new(None),
            notice: RwSignal::new(Some(Notice::Loading)),
            page: RwSignal::new(None),
            busy: RwSignal::new(false),
            role: RwSignal::new(Role::Unknown),
            sync: RwSignal::new(None),
            paused: RwSignal::new(false),
            early_choice: RwSignal::new(None),
        }
    }

    pub fn current_status(&self) -> Option<UserStatus> {
        let id = self.current.get()?;
        self.statuses
            .with(|all| all.iter().find(|s| s.id == id).cloned())
    }
}
