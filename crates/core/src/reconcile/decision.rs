//! The reconciler's vocabulary: its configuration, the events it reads and the decisions it returns.
//! All serde, because the adapter frame sends them to the worker and shows them in the decision trail.

use serde::{Deserialize, Serialize};

use crate::status::{CcaiStatusId, KustomerStatusId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Kustomer → CCAI only (S4).
    OneWay,
    /// Also CCAI → Kustomer (S4; needs S9's Kustomer prerequisites).
    Bidirectional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Priority {
    LatestChangeWins,
    CrmOverridesNext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncConfig {
    pub direction: Direction,
    pub priority: Priority,
}

/// Something that happened on one side, with the time the extension observed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum SyncEvent {
    SignedIn {
        kustomer: KustomerStatusId,
        ccai: CcaiStatusId,
        kustomer_email: String,
        ccai_email: String,
        at_ms: u64,
        /// The agent picked `ccai` at this time, before the page's first facts: a change later than
        /// the Kustomer status the page then showed, which therefore does not override it (S5).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ccai_picked_at_ms: Option<u64>,
    },
    KustomerChanged {
        status: KustomerStatusId,
        at_ms: u64,
    },
    /// `by_system` is true when CCAI moved the agent itself (call start, wrap-up end), false when a
    /// person or our own relay did.
    CcaiChanged {
        status: CcaiStatusId,
        at_ms: u64,
        by_system: bool,
    },
    /// CCAI answered 200 with a per-agent `message` instead of applying `requested`.
    CcaiRefused {
        requested: CcaiStatusId,
        message: String,
        at_ms: u64,
    },
}
crate::internally_tagged!(SyncEvent, "type");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Decision {
    SetCcai {
        status: CcaiStatusId,
    },
    SetKustomer {
        status: KustomerStatusId,
    },
    /// Not sent now; applied when CCAI leaves its system status. Shown to the agent with the reason.
    Deferred {
        ccai: CcaiStatusId,
        reason: DeferReason,
    },
    Report {
        notice: Notice,
    },
}
crate::internally_tagged!(Decision, "type");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum DeferReason {
    /// We knew CCAI was in this system status and did not ask.
    SystemStatus { current: CcaiStatusId },
    /// We asked and CCAI said no, in these words.
    Refused { message: String },
}
crate::internally_tagged!(DeferReason, "kind");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum Notice {
    /// The agent's Kustomer status has no row in the mapping: nothing is relayed.
    UnmappedKustomerStatus { status: KustomerStatusId },
    /// Bidirectional: CCAI's status has no Kustomer status mapped to it: Kustomer is left alone.
    UnmappedCcaiStatus { status: CcaiStatusId },
    /// A5: the two sign-ins are different people. Sync stops until they match.
    EmailMismatch { kustomer: String, ccai: String },
    /// A deferred change was dropped because the agent picked `chosen` in CCAI after it.
    DeferredDropped {
        ccai: CcaiStatusId,
        chosen: CcaiStatusId,
    },
}
crate::internally_tagged!(Notice, "kind");
