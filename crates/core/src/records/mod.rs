//! The record rules (SPEC R1–R21, F1–F4): what a CCAI session does to Kustomer's customers and
//! conversations.
//!
//! Architecture invariant: pure. The connector gathers the facts (`KustomerFacts`) and performs the
//! operations (`Operation`); this module only decides. Time comes in on the event (`at_ms`,
//! `session_started_at_ms`) and on the facts (`FieldDef::created_at_ms`).
//!
//! - `event`: the CCAI session events the rules consume.
//! - `ccai_events`: CCAI's documented external session events (A20), as the server receives them.
//! - `ccai_translate`: which of those deliveries means which `SessionEvent`.
//! - `facts`: the Kustomer facts the rules read.
//! - `operation`: the Kustomer operations they return.
//! - `fields`: F1's field names and F2's creation-time filter.
//! - `rules`: `decide`, the rules themselves.
//! - `writes`: a decision's operations combined into the fewest Kustomer writes (the org's budget, B4).
//! - `customer_match`: which existing customer a caller's phone number belongs to (R16).

pub mod ccai_events;
pub mod ccai_translate;
pub mod customer_match;
pub mod event;
pub mod facts;
pub mod fields;
pub mod operation;
pub mod rules;
pub mod writes;

#[cfg(test)]
mod tests;

pub use event::{
    Channel, CustomerKey, EndUser, EventKind, Origin, SessionEvent, SessionInfo, SharedFile,
    VoicemailAction,
};
pub use facts::{ConversationFacts, ConversationStatus, CustomerFacts, FieldDef, KustomerFacts};
pub use operation::{
    ConversationKind, ConversationRef, CustomerRef, Decision, FieldTarget, FieldValue, Operation,
    StandardData,
};
pub use rules::decide;
