//! What the connector knows about Kustomer when an event arrives: the inputs the rules decide from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::event::Channel;

/// The current Kustomer facts relevant to one event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KustomerFacts {
    /// The customer found by the event's phone number or app identifier, if any.
    pub customer: Option<CustomerFacts>,
    /// The customer's conversations, most recent first (only a few are needed).
    pub recent_conversations: Vec<ConversationFacts>,
    /// The conversation already bound to a session: the event's own session and, for a call-back, the
    /// session it returns.
    pub session_conversations: BTreeMap<String, ConversationFacts>,
    /// The custom fields that exist in Kustomer, with their creation time (F1, F2).
    pub fields: Vec<FieldDef>,
    /// The admin's mapping from an SDK custom-data key to a Kustomer field name (F4).
    pub sdk_mapping: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFacts {
    pub id: String,
    /// The session that created this customer, if the connector did. R18 reads it: a customer is "new"
    /// for the session that created it.
    #[serde(default)]
    pub created_by_session: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationFacts {
    pub id: String,
    pub status: ConversationStatus,
    /// `None`: a channel CCAI sessions never use (e-mail, SMS…), e.g. a conversation a person started
    /// for a customer the connector found (issue 8). R6 and R10 never join it; R7 does when it is the
    /// latest and open.
    pub channel: Option<Channel>,
    pub menu: Option<String>,
    /// A voicemail conversation (R5); calls and chats are never appended to it.
    pub voicemail: bool,
}

impl ConversationFacts {
    pub fn is_open(&self) -> bool {
        self.status == ConversationStatus::Open
    }
}

/// Kustomer's conversation status. Only `Open` takes appended sessions (R6, R7: "open only").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Snoozed,
    Done,
}

impl ConversationStatus {
    /// Reads Kustomer's status string; anything unknown counts as not open.
    pub fn from_kustomer(s: &str) -> Self {
        match s {
            "open" => ConversationStatus::Open,
            "snoozed" => ConversationStatus::Snoozed,
            _ => ConversationStatus::Done,
        }
    }
}

/// A custom field that exists in Kustomer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDef {
    /// With its Kustomer type suffix, e.g. `queueNameStr`.
    pub name: String,
    pub created_at_ms: u64,
}
