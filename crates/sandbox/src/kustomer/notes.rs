//! Notes (API-NOTES B13): `POST /v1/notes {body, conversation}` → 201: internal, on a conversation,
//! with optional `attachments` (B14). The author is the caller when a person (OAuth, page), else the
//! given `userId` (the API key's machine user is the author of its writes, B2).
//! `POST /v1/conversations/{id}/notes` is the same note on the conversation's path (older sandbox form,
//! kept for the connector and the extension).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::access::Caller;
use super::model::{KustomerState, Note};
use super::{attachments, jsonapi, records_event};
use crate::state::{iso_now, App};

pub fn note_json(conversation: &str, n: &Note) -> Value {
    jsonapi::related(
        "note",
        &n.id,
        json!({
            "body": n.body,
            "userId": n.user_id,
            "attachments": n.attachments.iter().map(|id| json!({ "_id": id })).collect::<Vec<_>>(),
            "createdAt": n.created_at,
        }),
        &[("conversation", "conversation", conversation)],
    )
}

/// Adds a note to a conversation: the note's JSON, or the error to answer.
pub fn add(
    k: &mut KustomerState,
    conversation: &str,
    attrs: &Value,
    author: Option<&str>,
) -> Result<Value, Response> {
    let bad = |e: String| jsonapi::error(StatusCode::BAD_REQUEST, e);
    let Some(body) = attrs.get("body").and_then(Value::as_str).map(str::to_owned) else {
        return Err(bad("a note needs a body".into()));
    };
    if k.conversations.iter().all(|c| c.id != conversation) {
        return Err(jsonapi::not_found("conversation", conversation));
    }
    let files = attachments::resolve(k, attrs).map_err(bad)?;
    let id = k.new_id('e');
    let now = iso_now();
    let user_id = author.map(str::to_owned).or_else(|| {
        attrs
            .get("userId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let n = Note {
        id,
        body,
        user_id,
        attachments: files.iter().map(|a| a.id.clone()).collect(),
        created_at: now.clone(),
    };
    let out = note_json(conversation, &n);
    if let Some(c) = k.conversation_mut(conversation) {
        c.notes.push(n);
        c.attachments.extend(files);
        c.updated_at = now;
    }
    Ok(out)
}

/// The conversation a create names: an attribute (id) or a JSON:API relationship.
pub fn conversation_of(body: &Value, attrs: &Value) -> Option<String> {
    attrs
        .get("conversation")
        .and_then(|c| c.as_str().or(c.get("id").and_then(Value::as_str)))
        .or_else(|| {
            body.pointer("/data/relationships/conversation/data/id")
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
}

pub async fn create(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    let attrs = jsonapi::attributes(&body);
    let Some(conversation) = conversation_of(&body, &attrs) else {
        return jsonapi::error(StatusCode::BAD_REQUEST, "a note needs a conversation");
    };
    let result = add(
        &mut app.lock().kustomer,
        &conversation,
        &attrs,
        caller.user_id(),
    );
    match result {
        Ok(out) => {
            app.push(records_event(Some(conversation)));
            jsonapi::created(out)
        }
        Err(res) => res,
    }
}
