//! The rules' operations of one decision as Kustomer writes: combined, so that a call costs as few
//! requests of the org's per-minute budget (B4) as it can, and named by what a restart can look up
//! (B18: no idempotency keys, so only a write with a natural key may be repeated after an ambiguous end).
//!
//! Combining, in the order the rules gave:
//! - a customer's creation takes its assignment and its fields (one `POST /v1/customers`);
//! - a conversation's creation takes its fields and its assignment (one `POST /v1/conversations`);
//! - fields and assignments of an existing conversation (or customer) become one `PATCH`;
//! - a file (a recording, a transcript) rides on the note just before it or just after it on the same
//!   conversation, or gets a note of its own (B14: attachments are referenced from a note).
//!
//! A field set twice keeps the later value; an assignment named twice keeps the later agent. Notes are
//! never merged: each is a line an agent reads.

use serde::{Deserialize, Serialize};

use super::event::{Channel, CustomerKey};
use super::operation::{
    ConversationKind, ConversationRef, CustomerRef, FieldTarget, FieldValue, Operation,
    StandardData,
};

/// A file for a note: hosted (`externalUrl`, B14) or uploaded from its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum Attachment {
    Hosted {
        name: String,
        content_type: String,
        url: String,
    },
    Upload {
        name: String,
        content_type: String,
        content: String,
    },
}

/// One Kustomer write.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "snake_case")]
pub enum Write {
    CreateCustomer {
        key: CustomerKey,
        name: Option<String>,
        assign: Option<String>,
        custom: Vec<(String, FieldValue)>,
    },
    UpdateCustomer {
        customer: CustomerRef,
        assign: Option<String>,
        custom: Vec<(String, FieldValue)>,
    },
    CreateConversation {
        customer: CustomerRef,
        kind: ConversationKind,
        channel: Channel,
        standard: StandardData,
        assign: Option<String>,
        custom: Vec<(String, FieldValue)>,
    },
    UpdateConversation {
        conversation: ConversationRef,
        assign: Option<String>,
        custom: Vec<(String, FieldValue)>,
    },
    /// R6/R7/R10/R11: the joining session's line in the conversation's timeline (R21's data).
    AddMessage {
        conversation: ConversationRef,
        kind: ConversationKind,
        standard: StandardData,
    },
    AddNote {
        conversation: ConversationRef,
        body: String,
        attachments: Vec<Attachment>,
    },
}

impl Write {
    /// Whether a repeat after an ambiguous end (a lost answer, a crash before the commit) is harmless
    /// without a look-up: updates set the same values again.
    pub fn is_idempotent(&self) -> bool {
        matches!(
            self,
            Write::UpdateCustomer { .. } | Write::UpdateConversation { .. }
        )
    }
}

/// The writes for `ops`, in order.
pub fn plan(ops: &[Operation]) -> Vec<Write> {
    let mut out: Vec<Write> = Vec::new();
    let mut files: Vec<(ConversationRef, Attachment)> = Vec::new();
    for op in ops {
        // A pending file goes on its own note unless this op is the note on its conversation.
        let next_note = match op {
            Operation::AddNote { conversation, .. } => Some(conversation),
            _ => None,
        };
        flush_files(&mut out, &mut files, next_note);
        match op {
            Operation::CreateCustomer { key, name } => out.push(Write::CreateCustomer {
                key: key.clone(),
                name: name.clone(),
                assign: None,
                custom: Vec::new(),
            }),
            Operation::AssignCustomer {
                customer,
                agent_email,
            } => on_customer(&mut out, customer, |a, _| *a = Some(agent_email.clone())),
            Operation::SetCustomFields {
                target: FieldTarget::Customer(customer),
                fields,
            } => on_customer(&mut out, customer, |_, c| merge(c, fields)),
            Operation::CreateConversation {
                customer,
                kind,
                channel,
                standard,
            } => out.push(Write::CreateConversation {
                customer: customer.clone(),
                kind: *kind,
                channel: *channel,
                standard: standard.clone(),
                assign: None,
                custom: Vec::new(),
            }),
            Operation::AppendToConversation {
                conversation,
                kind,
                standard,
            } => out.push(Write::AddMessage {
                conversation: conversation.clone(),
                kind: *kind,
                standard: standard.clone(),
            }),
            Operation::AssignConversation {
                conversation,
                agent_email,
            } => on_conversation(&mut out, conversation, |a, _| {
                *a = Some(agent_email.clone())
            }),
            Operation::SetCustomFields {
                target: FieldTarget::Conversation(conversation),
                fields,
            } => on_conversation(&mut out, conversation, |_, c| merge(c, fields)),
            Operation::AttachRecording { .. }
            | Operation::AttachFile { .. }
            | Operation::AttachTranscript { .. } => {
                if let Some((conversation, file)) = attachment(op) {
                    match out.last_mut() {
                        Some(Write::AddNote {
                            conversation: c,
                            attachments,
                            ..
                        }) if *c == conversation && files.is_empty() => attachments.push(file),
                        _ => files.push((conversation, file)),
                    }
                }
            }
            Operation::AddNote { conversation, body } => {
                let (mine, others): (Vec<_>, Vec<_>) =
                    files.drain(..).partition(|(c, _)| c == conversation);
                files = others;
                out.push(Write::AddNote {
                    conversation: conversation.clone(),
                    body: body.clone(),
                    attachments: mine.into_iter().map(|(_, a)| a).collect(),
                });
            }
        }
    }
    flush_files(&mut out, &mut files, None);
    out
}

/// The conversation and the file of an attach operation.
fn attachment(op: &Operation) -> Option<(ConversationRef, Attachment)> {
    Some(match op {
        Operation::AttachRecording { conversation, url } => (
            conversation.clone(),
            Attachment::Hosted {
                name: file_name(url, "recording"),
                content_type: "audio/mpeg".into(),
                url: url.clone(),
            },
        ),
        Operation::AttachFile {
            conversation,
            file_name,
            url,
        } => (
            conversation.clone(),
            Attachment::Hosted {
                name: file_name.clone(),
                content_type: "application/octet-stream".into(),
                url: url.clone(),
            },
        ),
        Operation::AttachTranscript {
            conversation,
            file_name,
            content,
        } => (
            conversation.clone(),
            Attachment::Upload {
                name: file_name.clone(),
                content_type: "text/plain".into(),
                content: content.clone(),
            },
        ),
        _ => return None,
    })
}

/// Files waiting for a note: those not for `keep` get notes of their own now, one per file.
fn flush_files(
    out: &mut Vec<Write>,
    files: &mut Vec<(ConversationRef, Attachment)>,
    keep: Option<&ConversationRef>,
) {
    let (kept, own): (Vec<_>, Vec<_>) = files.drain(..).partition(|(c, _)| Some(c) == keep);
    *files = kept;
    for (conversation, a) in own {
        let body = match &a {
            Attachment::Hosted {
                name, content_type, ..
            } if content_type.starts_with("audio/") => {
                format!("Recording attached: {name}")
            }
            Attachment::Hosted { name, .. } | Attachment::Upload { name, .. } => {
                format!("File attached: {name}")
            }
        };
        out.push(Write::AddNote {
            conversation,
            body,
            attachments: vec![a],
        });
    }
}

/// Hands `f` the assignment and fields of the write that carries `customer`'s: its creation in this
/// plan, an update already planned, or a new update.
fn on_customer(
    out: &mut Vec<Write>,
    customer: &CustomerRef,
    f: impl FnOnce(&mut Option<String>, &mut Vec<(String, FieldValue)>),
) {
    let found = out.iter().rposition(|w| match (w, customer) {
        (Write::CreateCustomer { .. }, CustomerRef::Created) => true,
        (Write::UpdateCustomer { customer: c, .. }, _) => c == customer,
        _ => false,
    });
    if found.is_none() {
        out.push(Write::UpdateCustomer {
            customer: customer.clone(),
            assign: None,
            custom: Vec::new(),
        });
    }
    let i = found.unwrap_or(out.len() - 1);
    if let Write::CreateCustomer { assign, custom, .. }
    | Write::UpdateCustomer { assign, custom, .. } = &mut out[i]
    {
        f(assign, custom);
    }
}

/// As `on_customer`, for a conversation.
fn on_conversation(
    out: &mut Vec<Write>,
    conversation: &ConversationRef,
    f: impl FnOnce(&mut Option<String>, &mut Vec<(String, FieldValue)>),
) {
    let found = out.iter().rposition(|w| match (w, conversation) {
        (Write::CreateConversation { .. }, ConversationRef::Created) => true,
        (
            Write::UpdateConversation {
                conversation: c, ..
            },
            _,
        ) => c == conversation,
        _ => false,
    });
    if found.is_none() {
        out.push(Write::UpdateConversation {
            conversation: conversation.clone(),
            assign: None,
            custom: Vec::new(),
        });
    }
    let i = found.unwrap_or(out.len() - 1);
    if let Write::CreateConversation { assign, custom, .. }
    | Write::UpdateConversation { assign, custom, .. } = &mut out[i]
    {
        f(assign, custom);
    }
}

fn merge(into: &mut Vec<(String, FieldValue)>, fields: &[(String, FieldValue)]) {
    for (k, v) in fields {
        match into.iter_mut().find(|(name, _)| name == k) {
            Some(slot) => slot.1 = v.clone(),
            None => into.push((k.clone(), v.clone())),
        }
    }
}

fn file_name(url: &str, fallback: &str) -> String {
    url.rsplit('/')
        .next()
        .filter(|s| !s.is_empty())
        .unwrap_or(fallback)
        .to_owned()
}
