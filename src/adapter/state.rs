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
        }
    }

    pub fn current_status(&self) -> Option<UserStatus> {
        let id = self.current.get()?;
        self.statuses.with(|all| all.iter().find(|s| s.id == id).cloned())
    }
}
