//! Messages (API-NOTES B12): `POST /v1/messages` (naming its `conversation`),
//! `POST /v1/conversations/{id}/messages`, and `POST /v1/customers/{id}/messages`, which creates a
//! conversation when none is given. Records only: nothing is sent. Fields: `body` (or `preview`),
//! `direction` `in` | `out`, `channel`, and `attachments` (B14).
//!
//! Not documented here (API-NOTES does not list the message fields): the sandbox's defaults are
//! direction `in` and the conversation's first channel (else `voice`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Value};

use super::model::{Conversation, KustomerState, Message};
use super::notes::conversation_of;
use super::{attachments, jsonapi, records_event};
use crate::state::{iso_now, App};

pub fn message_json(conversation: &str, m: &Message) -> Value {
    jsonapi::related(
        "message",
        &m.id,
        json!({ "direction": m.direction, "channel": m.channel, "preview": m.body, "body": m.body, "createdAt": m.created_at }),
        &[("conversation", "conversation", conversation)],
    )
}

/// Adds a message to a conversation: the message's JSON, or the error to answer.
pub fn add(k: &mut KustomerState, conversation: &str, attrs: &Value) -> Result<Value, Response> {
    let bad = |e: String| jsonapi::error(StatusCode::BAD_REQUEST, e);
    let text = |key: &str| attrs.get(key).and_then(Value::as_str).map(str::to_owned);
    let Some(body) = text("body").or_else(|| text("preview")) else {
        return Err(bad("a message needs a body".into()));
    };
    let direction = text("direction").unwrap_or_else(|| "in".into());
    if direction != "in" && direction != "out" {
        return Err(bad(format!(
            "direction must be in or out, got '{direction}'"
        )));
    }
    let Some(first_channel) = k
        .conversations
        .iter()
        .find(|c| c.id == conversation)
        .map(|c| c.channels.first().cloned())
    else {
        return Err(jsonapi::not_found("conversation", conversation));
    };
    let files = attachments::resolve(k, attrs).map_err(bad)?;
    let now = iso_now();
    let m = Message {
        id: k.new_id('a'),
        direction,
        channel: text("channel")
            .or(first_channel)
            .unwrap_or_else(|| "voice".into()),
        body,
        created_at: now.clone(),
    };
    let out = message_json(conversation, &m);
    if let Some(c) = k.conversation_mut(conversation) {
        c.messages.push(m);
        c.attachments.extend(files);
        c.updated_at = now;
    }
    Ok(out)
}

fn answer(app: &App, conversation: String, result: Result<Value, Response>) -> Response {
    match result {
        Ok(out) => {
            app.push(records_event(Some(conversation)));
            jsonapi::created(out)
        }
        Err(res) => res,
    }
}

/// `POST /v1/messages`: the body names its conversation.
pub async fn create(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let attrs = jsonapi::attributes(&body);
    let Some(conversation) = conversation_of(&body, &attrs) else {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            "a message needs a conversation (or post it to /v1/customers/{id}/messages)",
        );
    };
    let result = add(&mut app.lock().kustomer, &conversation, &attrs);
    answer(&app, conversation, result)
}

/// `POST /v1/customers/{id}/messages`: into the given conversation, or a new one for the customer.
pub async fn create_for_customer(
    State(app): State<App>,
    Path(customer): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let attrs = jsonapi::attributes(&body);
    let mut st = app.lock();
    let k = &mut st.kustomer;
    if k.customer(&customer).is_none() {
        return jsonapi::not_found("customer", &customer);
    }
    let conversation = match conversation_of(&body, &attrs) {
        Some(id) => {
            if !k
                .conversations
                .iter()
                .any(|c| c.id == id && c.customer_id == customer)
            {
                return jsonapi::error(
                    StatusCode::BAD_REQUEST,
                    format!("conversation {id} is not customer {customer}'s"),
                );
            }
            id
        }
        None => {
            let now = iso_now();
            let id = k.new_id('d');
            let channel = attrs
                .get("channel")
                .and_then(Value::as_str)
                .unwrap_or("voice");
            let mut c = Conversation::new(id.clone(), customer, &now);
            c.channels = vec![channel.to_owned()];
            k.conversations.push(c);
            id
        }
    };
    let result = add(k, &conversation, &attrs);
    drop(st);
    answer(&app, conversation, result)
}
