//! The Kustomer operations the rules ask for. The connector performs them in order.

use serde::{Deserialize, Serialize};

use super::event::{Channel, CustomerKey};

/// A customer: one that exists, or the one a `CreateCustomer` earlier in the same decision makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerRef {
    Existing(String),
    Created,
}

/// A conversation: one that exists, or the one a `CreateConversation` earlier in the same decision makes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationRef {
    Existing(String),
    Created,
}

/// What a conversation is about, shown to the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    Call,
    Chat,
    Voicemail,
}

/// R21: the standard data on every call record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardData {
    pub call_id: String,
    pub language: String,
    pub menu: Option<String>,
}

/// A custom field's value; the type follows the name's suffix (`Str`, `Txt`, `Num`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Num(f64),
    Text(String),
}

/// Where custom fields are written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "resource", content = "ref", rename_all = "snake_case")]
pub enum FieldTarget {
    Customer(CustomerRef),
    Conversation(ConversationRef),
}

/// One Kustomer operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Operation {
    /// R16, R17.
    CreateCustomer {
        key: CustomerKey,
        name: Option<String>,
    },
    /// R1–R5.
    CreateConversation {
        customer: CustomerRef,
        kind: ConversationKind,
        channel: Channel,
        standard: StandardData,
    },
    /// R6, R7, R10, R11: another session joins the conversation.
    AppendToConversation {
        conversation: ConversationRef,
        kind: ConversationKind,
        standard: StandardData,
    },
    /// A4, R9: the conversation goes to an agent.
    AssignConversation {
        conversation: ConversationRef,
        agent_email: String,
    },
    /// R18: a new customer goes to the agent the call is assigned to.
    AssignCustomer {
        customer: CustomerRef,
        agent_email: String,
    },
    /// R8, R5, R21.
    AttachRecording {
        conversation: ConversationRef,
        url: String,
    },
    /// R20.
    AttachTranscript {
        conversation: ConversationRef,
        file_name: String,
        content: String,
    },
    /// R12 files.
    AttachFile {
        conversation: ConversationRef,
        file_name: String,
        url: String,
    },
    /// R12, R14, R15, R19.
    AddNote {
        conversation: ConversationRef,
        body: String,
    },
    /// F1–F4, R13.
    SetCustomFields {
        target: FieldTarget,
        fields: Vec<(String, FieldValue)>,
    },
}

/// The rules' answer to one event.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Decision {
    pub ops: Vec<Operation>,
    /// The conversation the event's session is bound to from now on, when it changes.
    pub bind_session: Option<ConversationRef>,
}
