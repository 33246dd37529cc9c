//! Gathers the `KustomerFacts` for one event: what the server stored, plus what only Kustomer knows
//! (the customer a new caller already is, the customer's latest conversations and their status, the
//! custom fields and when each was created), read on documented routes: `GET /v1/metadata/{resource}`
//! (B15), `GET /v1/customers/{id}/conversations` (B9), `GET /v1/conversations/{id}` (B11).

use std::time::{Duration, Instant};

use ccai_core::records::{
    Channel, ConversationFacts, ConversationStatus, EventKind, FieldDef, KustomerFacts,
    SessionEvent,
};
use serde_json::Value;
use tokio::sync::Mutex;

use ccai_core::records::ccai_translate::iso_ms as iso_to_ms;

use crate::kustomer::client::{Kustomer, KustomerError};
use crate::state::AppState;
use crate::store::{Store, StoreError};

/// How many of a customer's latest conversations the placement rules look at (R6, R7).
const RECENT: usize = 3;
/// Field definitions change rarely (an admin creates one); re-read them this often. Two requests a
/// minute of the org's budget (B4).
pub const FIELDS_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum FactsError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Kustomer(#[from] KustomerError),
}

#[derive(Default)]
pub struct FieldCache {
    cached: Mutex<Option<(Instant, Vec<FieldDef>)>>,
}

impl FieldCache {
    /// The custom fields of conversations and customers, with their creation times (F2).
    pub async fn get(&self, k: &Kustomer) -> Result<Vec<FieldDef>, KustomerError> {
        let mut guard = self.cached.lock().await;
        if let Some((at, defs)) = guard.as_ref() {
            if at.elapsed() < FIELDS_TTL {
                return Ok(defs.clone());
            }
        }
        let mut defs = Vec::new();
        for resource in ["conversation", "customer"] {
            let v = k.get(&format!("/v1/metadata/{resource}")).await?;
            collect_fields(&v, &mut defs);
        }
        *guard = Some((Instant::now(), defs.clone()));
        Ok(defs)
    }
}

/// Finds `{name: {…, "createdAt": iso}}` entries (or `[{name, createdAt}]`) anywhere in a metadata answer,
/// so that the exact JSON:API nesting does not matter.
pub fn collect_fields(v: &Value, out: &mut Vec<FieldDef>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let created = child
                    .get("createdAt")
                    .and_then(Value::as_str)
                    .and_then(iso_to_ms);
                match created {
                    Some(ms) if typed_name(k) => out.push(FieldDef {
                        name: k.clone(),
                        created_at_ms: ms,
                    }),
                    _ => collect_fields(child, out),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let name = item.get("name").and_then(Value::as_str);
                let created = item
                    .get("createdAt")
                    .and_then(Value::as_str)
                    .and_then(iso_to_ms);
                match (name, created) {
                    (Some(n), Some(ms)) if typed_name(n) => out.push(FieldDef {
                        name: n.to_owned(),
                        created_at_ms: ms,
                    }),
                    _ => collect_fields(item, out),
                }
            }
        }
        _ => {}
    }
}

fn typed_name(name: &str) -> bool {
    ["Str", "Txt", "Num", "At", "Bool", "Url", "Id"]
        .iter()
        .any(|s| name.ends_with(s))
}

/// Asks Kustomer for a conversation's status.
pub async fn status(k: &Kustomer, id: &str) -> Result<ConversationStatus, KustomerError> {
    let v = k.get(&format!("/v1/conversations/{id}")).await?;
    let s = v
        .pointer("/data/attributes/status")
        .and_then(Value::as_str)
        .unwrap_or("done");
    Ok(ConversationStatus::from_kustomer(s))
}

/// The customer's latest conversations, most recent first, as Kustomer has them now: with the ones a
/// person or another channel started (R7 follows up on those too). For the server's own, the store
/// knows the channel, the menu of the session that made it, and whether it is a voicemail; for the
/// others they are read from the conversation (`channels`, `menuSelectionStr`, `sessionTypeStr`).
///
/// The others are recorded in the store when first seen: a session joined to one of them (R7) is bound to
/// it, and the session's later events (its recording, R8) find it.
pub async fn recent_conversations(
    store: &Store,
    k: &Kustomer,
    customer_key: &str,
    customer_id: &str,
) -> Result<Vec<ConversationFacts>, FactsError> {
    let v = k
        .get(&format!(
            "/v1/customers/{customer_id}/conversations?pageSize={RECENT}"
        ))
        .await?;
    let mut out = Vec::new();
    for c in v
        .get("data")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .take(RECENT)
    {
        let Some(id) = c.get("id").and_then(Value::as_str) else {
            continue;
        };
        let attrs = c.get("attributes").cloned().unwrap_or_default();
        let status = ConversationStatus::from_kustomer(
            attrs
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or("done"),
        );
        let facts = match store.records_conversation(id)? {
            Some(own) => ConversationFacts { status, ..own },
            None => {
                let custom = |name: &str| attrs.pointer(&format!("/custom/{name}"))?.as_str();
                let theirs = ConversationFacts {
                    id: id.to_owned(),
                    status,
                    channel: match attrs.pointer("/channels/0").and_then(Value::as_str) {
                        Some("voice") => Some(Channel::Voice),
                        Some("chat") => Some(Channel::Chat),
                        _ => None,
                    },
                    menu: custom("menuSelectionStr").map(str::to_owned),
                    voicemail: custom("sessionTypeStr") == Some("voicemail"),
                };
                store.records_remember_conversation(customer_key, &theirs)?;
                theirs
            }
        };
        out.push(facts);
    }
    Ok(out)
}

/// Everything `decide` reads for `event`.
pub async fn gather(
    state: &AppState,
    event: &SessionEvent,
    customer_key: &str,
) -> Result<KustomerFacts, FactsError> {
    let store = &state.0.store;
    let records = &state.0.records;
    let k = &records.kustomer;
    // What the store knows, read on one connection.
    let (settings, stored_customer, own) = {
        let conn = store.lock();
        (
            crate::settings::current_on(&conn)?.1,
            conn.records_customer(customer_key)?,
            conn.records_session_conversation(&event.session_id)?,
        )
    };
    let customer = match stored_customer {
        Some(c) => Some(c),
        None => {
            records
                .lookup
                .find(store, k, event, customer_key, &settings.phone_countries)
                .await?
        }
    };
    let places = match &event.kind {
        EventKind::SessionStarted
        | EventKind::CallAnswered { .. }
        | EventKind::Abandoned { .. } => own.is_none(),
        EventKind::OutboundCallStarted { .. }
        | EventKind::HangUpAndCallBack { .. }
        | EventKind::CallBack { .. } => true,
        _ => false,
    };
    let recent = match (&customer, places) {
        (Some(c), true) => recent_conversations(store, k, customer_key, &c.id).await?,
        _ => Vec::new(),
    };
    let mut facts = KustomerFacts {
        customer,
        recent_conversations: recent,
        fields: records.fields.get(k).await?,
        sdk_mapping: settings
            .custom_data
            .iter()
            .map(|r| (r.key.clone(), r.field.clone()))
            .collect(),
        ..KustomerFacts::default()
    };
    if let Some(c) = own {
        facts
            .session_conversations
            .insert(event.session_id.clone(), c);
    }
    if let EventKind::CallBack {
        previous_session_id,
        ..
    } = &event.kind
    {
        let previous = store
            .lock()
            .records_session_conversation(previous_session_id)?;
        if let Some(mut c) = previous {
            c.status = status(k, &c.id).await?;
            facts
                .session_conversations
                .insert(previous_session_id.clone(), c);
        }
    }
    Ok(facts)
}
