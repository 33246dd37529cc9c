//! One record operation as Kustomer API calls. Each call's idempotency key is derived from the
//! operation's id (`{event id}/{index}`, plus a suffix when one operation makes two calls).

use ccai_core::records::{
    ConversationKind, ConversationRef, CustomerKey, CustomerRef, FieldTarget, FieldValue,
    Operation, StandardData,
};
use serde_json::{json, Map, Value};

use crate::kustomer::{Kustomer, KustomerError};
use crate::store::channel_text;

/// The ids an event's earlier operations created, for `CustomerRef::Created` / `ConversationRef::Created`.
#[derive(Default, Debug, Clone)]
pub struct Created {
    pub customer: Option<String>,
    pub conversation: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    #[error(transparent)]
    Kustomer(#[from] KustomerError),
    /// A `Created` reference with no creation before it: a rules bug, never retried.
    #[error("operation refers to a {0} created earlier in the event, but none was")]
    Dangling(&'static str),
    #[error("kustomer answered a create without an id")]
    NoId,
}

fn customer_id(r: &CustomerRef, c: &Created) -> Result<String, ApplyError> {
    match r {
        CustomerRef::Existing(id) => Ok(id.clone()),
        CustomerRef::Created => c.customer.clone().ok_or(ApplyError::Dangling("customer")),
    }
}

fn conversation_id(r: &ConversationRef, c: &Created) -> Result<String, ApplyError> {
    match r {
        ConversationRef::Existing(id) => Ok(id.clone()),
        ConversationRef::Created => c
            .conversation
            .clone()
            .ok_or(ApplyError::Dangling("conversation")),
    }
}

/// What a session's joining looks like in the conversation's timeline (R21's standard data).
fn standard_message(kind: ConversationKind, s: &StandardData) -> String {
    let what = match kind {
        ConversationKind::Call => "Call",
        ConversationKind::Chat => "Chat",
        ConversationKind::Voicemail => "Voicemail",
    };
    let menu = s.menu.as_deref().unwrap_or("none");
    format!(
        "{what} {} · language {} · menu {menu}",
        s.call_id, s.language
    )
}

fn fields_json(fields: &[(String, FieldValue)]) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        let v = match v {
            FieldValue::Num(n) => json!(n),
            FieldValue::Text(t) => json!(t),
        };
        m.insert(k.clone(), v);
    }
    Value::Object(m)
}

/// Performs `op`. Answers the id it created (a customer or a conversation), if any.
pub async fn apply(
    k: &Kustomer,
    op: &Operation,
    created: &Created,
    key: &str,
) -> Result<Option<String>, ApplyError> {
    match op {
        Operation::CreateCustomer { key: ck, name } => {
            let (phones, external) = match ck {
                CustomerKey::Phone(p) => (json!([{ "phone": p, "type": "mobile" }]), Value::Null),
                CustomerKey::AppUser(id) => (json!([]), json!(id)),
                CustomerKey::Anonymous(_) => (json!([]), Value::Null),
            };
            let display = name.clone().unwrap_or_else(|| match ck {
                CustomerKey::Phone(p) => p.clone(),
                CustomerKey::AppUser(id) => format!("App user {id}"),
                CustomerKey::Anonymous(s) => format!("Visitor {s}"),
            });
            let body = json!({ "name": display, "phones": phones, "externalId": external });
            let id = k.post("/v1/customers", &body, key).await?;
            Ok(Some(id.ok_or(ApplyError::NoId)?))
        }
        Operation::CreateConversation {
            customer,
            kind,
            channel,
            standard,
        } => {
            let cid = customer_id(customer, created)?;
            let name = match kind {
                ConversationKind::Voicemail => format!("Voicemail {}", standard.call_id),
                ConversationKind::Call => format!("Call {}", standard.call_id),
                ConversationKind::Chat => format!("Chat {}", standard.call_id),
            };
            let body = json!({
                "customer": cid,
                "name": name,
                "status": "open",
                "channel": channel_text(*channel),
            });
            let id = k
                .post("/v1/conversations", &body, key)
                .await?
                .ok_or(ApplyError::NoId)?;
            let msg = json!({
                "direction": "in",
                "channel": channel_text(*channel),
                "body": standard_message(*kind, standard),
            });
            k.post(
                &format!("/v1/conversations/{id}/messages"),
                &msg,
                &format!("{key}/message"),
            )
            .await?;
            Ok(Some(id))
        }
        Operation::AppendToConversation {
            conversation,
            kind,
            standard,
        } => {
            let id = conversation_id(conversation, created)?;
            let channel = if *kind == ConversationKind::Chat {
                "chat"
            } else {
                "voice"
            };
            let msg = json!({
                "direction": "in",
                "channel": channel,
                "body": standard_message(*kind, standard),
            });
            k.post(&format!("/v1/conversations/{id}/messages"), &msg, key)
                .await?;
            Ok(None)
        }
        Operation::AssignConversation {
            conversation,
            agent_email,
        } => {
            let id = conversation_id(conversation, created)?;
            let user = k.user_id(agent_email).await;
            let body = json!({ "assignedUsers": [user] });
            k.patch(&format!("/v1/conversations/{id}"), &body, key)
                .await?;
            Ok(None)
        }
        Operation::AssignCustomer {
            customer,
            agent_email,
        } => {
            let id = customer_id(customer, created)?;
            let user = k.user_id(agent_email).await;
            let body = json!({ "assignedUsers": [user] });
            k.patch(&format!("/v1/customers/{id}"), &body, key).await?;
            Ok(None)
        }
        Operation::AttachRecording { conversation, url } => {
            let id = conversation_id(conversation, created)?;
            let name = url.rsplit('/').next().unwrap_or("recording").to_owned();
            let body = json!({ "name": name, "contentType": "audio/mpeg", "url": url });
            k.post(&format!("/v1/conversations/{id}/attachments"), &body, key)
                .await?;
            Ok(None)
        }
        Operation::AttachFile {
            conversation,
            file_name,
            url,
        } => {
            let id = conversation_id(conversation, created)?;
            let body =
                json!({ "name": file_name, "contentType": "application/octet-stream", "url": url });
            k.post(&format!("/v1/conversations/{id}/attachments"), &body, key)
                .await?;
            Ok(None)
        }
        Operation::AttachTranscript {
            conversation,
            file_name,
            content,
        } => {
            let id = conversation_id(conversation, created)?;
            let body =
                json!({ "name": file_name, "contentType": "text/plain", "content": content });
            k.post(&format!("/v1/conversations/{id}/attachments"), &body, key)
                .await?;
            Ok(None)
        }
        Operation::AddNote { conversation, body } => {
            let id = conversation_id(conversation, created)?;
            k.post(
                &format!("/v1/conversations/{id}/notes"),
                &json!({ "body": body }),
                key,
            )
            .await?;
            Ok(None)
        }
        Operation::SetCustomFields { target, fields } => {
            let body = json!({ "custom": fields_json(fields) });
            let path = match target {
                FieldTarget::Customer(c) => format!("/v1/customers/{}", customer_id(c, created)?),
                FieldTarget::Conversation(c) => {
                    format!("/v1/conversations/{}", conversation_id(c, created)?)
                }
            };
            k.patch(&path, &body, key).await?;
            Ok(None)
        }
    }
}
