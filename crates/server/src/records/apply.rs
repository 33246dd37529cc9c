//! One planned write (`ccai_core::records::writes::Write`) as Kustomer requests, on documented routes
//! only: customers `POST /v1/customers` (B10) found again by `GET /v1/customers/externalId=` (B9),
//! conversations `POST /v1/conversations` and `PATCH /v1/conversations/{id}` (B11) found again among
//! `GET /v1/customers/{id}/conversations` (B9), messages `POST /v1/conversations/{id}/messages` (B12),
//! notes `POST /v1/notes` (B13) with files by `externalUrl` or by `POST /v1/attachments` and its upload
//! (B14).
//!
//! Exactly once without idempotency keys (B18): a creation that may have happened (no answer came, or
//! a restart finds it sent but not committed) is first looked up by its natural key: a customer by the
//! external id we give it (`{prefix}:{customer key}`, e.g. `ccaik:phone:+14155550100`), a conversation
//! by its name among its customer's latest (Not documented: conversations have no documented external
//! id, B11; the name we give, `Call {session id} · …`, is unique per session). Messages and notes have
//! no key to look up: one that may have happened is not sent again (at most once, logged and counted),
//! because a second copy is the one thing this write must never make.

use ccai_core::records::writes::{Attachment, Write};
use ccai_core::records::{
    Channel, ConversationKind, ConversationRef, CustomerKey, CustomerRef, FieldValue, StandardData,
};
use serde_json::{json, Map, Value};

use super::notes::{NoteOutcome, Notes};
use super::store::channel_text;
use crate::kustomer::client::{data_id, encode, Kustomer, KustomerError};

/// How many of a customer's latest conversations a look-up reads (a restart comes within seconds of
/// the creation it looks for).
const LOOKUP_PAGE: usize = 10;

/// The ids an event's earlier writes created, for `CustomerRef::Created` / `ConversationRef::Created`.
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
    #[error("the write refers to a {0} created earlier in the event, but none was")]
    Dangling(&'static str),
    #[error("kustomer answered a create without an id")]
    NoId,
    #[error("agent {0} has no kustomer user: they have not signed in to the server")]
    UnknownUser(String),
}

/// What a write needs besides Kustomer.
pub struct Target<'a> {
    pub kustomer: &'a Kustomer,
    /// Our external-id prefix (default `ccaik`), so that CCAI's own integration (A21) never shares ours.
    pub prefix: &'a str,
    /// The Kustomer user id of an agent's e-mail (the server's agents, A5).
    pub user_of: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// Where notes go (alone, or in bulk under load).
    pub notes: &'a Notes,
}

/// What one write did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Done {
    /// The customer or conversation it created (or found it had created).
    pub id: Option<String>,
    /// A note or message that may have been made, not sent again.
    pub not_repeated: bool,
}

/// Performs `write`. `maybe_sent`: an earlier attempt went out and its end is unknown (a restart).
pub async fn apply(
    t: &Target<'_>,
    write: &Write,
    created: &Created,
    maybe_sent: bool,
) -> Result<Done, ApplyError> {
    let k = t.kustomer;
    match write {
        Write::CreateCustomer {
            key,
            name,
            assign,
            custom,
        } => {
            let external = format!("{}:{}", t.prefix, key.as_text());
            let lookup = format!("/v1/customers/externalId={}", encode(&external));
            let mut body = json!({
                "name": display_name(key, name.as_deref()),
                "externalIds": [{ "externalId": external }],
                "custom": fields_json(custom),
            });
            if let CustomerKey::Phone(p) = key {
                body["phones"] = json!([{ "phone": p, "type": "mobile" }]);
            }
            if let Some(email) = assign {
                body["assignedUsers"] = json!([user(t, email)?]);
            }
            let id = create_once(k, "/v1/customers", &body, maybe_sent, || async {
                Ok(k.find(&lookup).await?.as_ref().and_then(data_id))
            })
            .await?;
            Ok(Done {
                id: Some(id),
                not_repeated: false,
            })
        }
        Write::UpdateCustomer {
            customer,
            assign,
            custom,
        } => {
            let id = customer_id(customer, created)?;
            let body = update_body(t, assign.as_deref(), custom)?;
            k.update(&format!("/v1/customers/{id}"), &body).await?;
            Ok(Done::default())
        }
        Write::CreateConversation {
            customer,
            kind,
            channel,
            standard,
            assign,
            custom,
        } => {
            let cid = customer_id(customer, created)?;
            let name = conversation_name(*kind, standard);
            let mut body = json!({
                "customer": cid,
                "name": name,
                "status": "open",
                // Not documented (B11 lists no channel on create): the sandbox keeps it as `channels`.
                "channel": channel_text(*channel),
                "custom": fields_json(custom),
            });
            if let Some(email) = assign {
                body["assignedUsers"] = json!([user(t, email)?]);
            }
            let list = format!("/v1/customers/{cid}/conversations?pageSize={LOOKUP_PAGE}");
            let id = create_once(k, "/v1/conversations", &body, maybe_sent, || async {
                let v = k.get(&list).await?;
                Ok(named(&v, &name))
            })
            .await?;
            Ok(Done {
                id: Some(id),
                not_repeated: false,
            })
        }
        Write::UpdateConversation {
            conversation,
            assign,
            custom,
        } => {
            let id = conversation_id(conversation, created)?;
            let body = update_body(t, assign.as_deref(), custom)?;
            k.update(&format!("/v1/conversations/{id}"), &body).await?;
            Ok(Done::default())
        }
        Write::AddMessage {
            conversation,
            kind,
            standard,
        } => {
            let id = conversation_id(conversation, created)?;
            let channel = if *kind == ConversationKind::Chat {
                Channel::Chat
            } else {
                Channel::Voice
            };
            let body = json!({
                "direction": "in",
                "channel": channel_text(channel),
                "body": standard_line(*kind, standard),
            });
            at_most_once(
                k,
                &format!("/v1/conversations/{id}/messages"),
                &body,
                maybe_sent,
            )
            .await
        }
        Write::AddNote {
            conversation,
            body,
            attachments,
        } => {
            let id = conversation_id(conversation, created)?;
            if maybe_sent {
                return Ok(not_repeated("/v1/notes"));
            }
            let mut files = Vec::new();
            for a in attachments {
                files.push(attachment(k, a).await?);
            }
            let note = json!({ "conversation": id, "body": body, "attachments": files });
            match t.notes.add(note).await {
                NoteOutcome::Made => Ok(Done::default()),
                NoteOutcome::NotRepeated => Ok(not_repeated("/v1/notes")),
                NoteOutcome::Refused(e) => Err(e.into()),
            }
        }
    }
}

/// Sends a creation once; when its end is unknown, looks it up by its natural key and sends it again
/// only when it is not there.
async fn create_once<F, Fut>(
    k: &Kustomer,
    path: &str,
    body: &Value,
    maybe_sent: bool,
    lookup: F,
) -> Result<String, ApplyError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Option<String>, KustomerError>>,
{
    let mut check = maybe_sent;
    loop {
        if check {
            if let Some(id) = lookup().await? {
                return Ok(id);
            }
        }
        match k.create(path, body).await {
            Ok(v) => return data_id(&v).ok_or(ApplyError::NoId),
            Err(KustomerError::Ambiguous { .. }) => check = true,
            Err(e) => return Err(e.into()),
        }
    }
}

async fn at_most_once(
    k: &Kustomer,
    path: &str,
    body: &Value,
    maybe_sent: bool,
) -> Result<Done, ApplyError> {
    if maybe_sent {
        return Ok(not_repeated(path));
    }
    match k.create(path, body).await {
        Ok(_) => Ok(Done::default()),
        Err(KustomerError::Ambiguous { .. }) => Ok(not_repeated(path)),
        Err(e) => Err(e.into()),
    }
}

fn not_repeated(path: &str) -> Done {
    eprintln!(
        "ccai-server: POST {path} may have been applied and has no key to look it up by: not sent again"
    );
    Done {
        id: None,
        not_repeated: true,
    }
}

/// A note's file: a hosted one by its `externalUrl`, a text by `POST /v1/attachments` and its upload.
async fn attachment(k: &Kustomer, a: &Attachment) -> Result<Value, ApplyError> {
    match a {
        Attachment::Hosted {
            name,
            content_type,
            url,
        } => Ok(json!({ "externalUrl": url, "name": name, "contentType": content_type })),
        Attachment::Upload {
            name,
            content_type,
            content,
        } => {
            let meta = json!({ "name": name, "contentType": content_type, "contentLength": content.len() });
            // An attachment nobody references is harmless: made again rather than looked up.
            let v = k
                .send(
                    reqwest::Method::POST,
                    "/v1/attachments",
                    Some(&meta),
                    crate::kustomer::client::Repeat::Blind,
                )
                .await?;
            let id = data_id(&v).ok_or(ApplyError::NoId)?;
            let url = v
                .pointer("/meta/upload/url")
                .and_then(Value::as_str)
                .ok_or(ApplyError::NoId)?;
            let fields: Vec<(String, String)> = v
                .pointer("/meta/upload/fields")
                .and_then(Value::as_object)
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                k.clone(),
                                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            k.upload(url, &fields, name, content_type, content.as_bytes())
                .await?;
            Ok(
                json!({ "_id": id, "name": name, "contentType": content_type, "contentLength": content.len() }),
            )
        }
    }
}

fn user(t: &Target<'_>, email: &str) -> Result<String, ApplyError> {
    (t.user_of)(email).ok_or_else(|| ApplyError::UnknownUser(email.to_owned()))
}

fn update_body(
    t: &Target<'_>,
    assign: Option<&str>,
    custom: &[(String, FieldValue)],
) -> Result<Value, ApplyError> {
    let mut body = Map::new();
    if !custom.is_empty() {
        body.insert("custom".into(), fields_json(custom));
    }
    if let Some(email) = assign {
        body.insert("assignedUsers".into(), json!([user(t, email)?]));
    }
    Ok(Value::Object(body))
}

/// The conversation among a customer's latest whose name is `name`.
fn named(list: &Value, name: &str) -> Option<String> {
    list.get("data")?
        .as_array()?
        .iter()
        .find(|c| c.pointer("/attributes/name").and_then(Value::as_str) == Some(name))
        .and_then(|c| c.get("id")?.as_str().map(str::to_owned))
}

fn display_name(key: &CustomerKey, name: Option<&str>) -> String {
    name.map(str::to_owned).unwrap_or_else(|| match key {
        CustomerKey::Phone(p) => p.clone(),
        CustomerKey::AppUser(id) => format!("App user {id}"),
        CustomerKey::Anonymous(s) => format!("Visitor {s}"),
    })
}

/// A conversation's name: what it is and R21's standard data, so the record carries them from its
/// creation (one request, not a creation and a message).
pub fn conversation_name(kind: ConversationKind, s: &StandardData) -> String {
    standard_line(kind, s)
}

/// R21's standard data as one line: `Call 1001 · language en · menu Billing`.
pub fn standard_line(kind: ConversationKind, s: &StandardData) -> String {
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
