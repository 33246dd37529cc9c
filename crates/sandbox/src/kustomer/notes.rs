//! Notes (API-NOTES B13): `POST /v1/notes {body, conversation}` → 201: internal, on a conversation,
//! with optional `attachments` (B14). The author is the caller when a person (OAuth, page), else the
//! given `userId` (the API key's machine user is the author of its writes, B2).
//! `PATCH`/`PUT /v1/notes/{id}` change a note's `body` (and `attachments`); `POST /v1/notes/bulk` makes
//! several, each item with an optional `_clientRef` echoed in its result (for matching, not
//! idempotency: the same `_clientRef` twice makes two notes).
//!
//! Not documented: the bulk body and answer. The sandbox takes a JSON array of note objects (or
//! `{"data": [...]}`), at most [`BULK_MAX`]; it answers 200 `{"data": [...]}` in the same order, each
//! entry either the created note with `meta._clientRef`, or `{"errors": [...], "meta": {"_clientRef"}}`
//! for an item that failed (the others are still made).
//! `POST /v1/conversations/{id}/notes` is the same note on the conversation's path (older sandbox form,
//! kept for the connector and the extension).

use axum::extract::{Path, State};
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
    add_or_say(k, conversation, attrs, author).map_err(|(status, e)| jsonapi::error(status, e))
}

type Refusal = (StatusCode, String);

fn add_or_say(
    k: &mut KustomerState,
    conversation: &str,
    attrs: &Value,
    author: Option<&str>,
) -> Result<Value, Refusal> {
    let bad = |e: String| (StatusCode::BAD_REQUEST, e);
    let Some(body) = attrs.get("body").and_then(Value::as_str).map(str::to_owned) else {
        return Err(bad("a note needs a body".into()));
    };
    if k.conversations.iter().all(|c| c.id != conversation) {
        let detail = format!("conversation {conversation} not found");
        return Err((StatusCode::NOT_FOUND, detail));
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

/// Not documented: how many notes one bulk request may carry; the sandbox's limit.
pub const BULK_MAX: usize = 100;

/// `POST /v1/notes/bulk`.
pub async fn bulk(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Json(body): Json<Value>,
) -> Response {
    let items = match body.get("data").unwrap_or(&body).as_array() {
        Some(items) if !items.is_empty() && items.len() <= BULK_MAX => items.clone(),
        _ => {
            let detail = format!("the body must be a list of 1 to {BULK_MAX} notes");
            return jsonapi::error(StatusCode::BAD_REQUEST, detail);
        }
    };
    let mut touched = Vec::new();
    let mut results = Vec::with_capacity(items.len());
    {
        let mut st = app.lock();
        for item in &items {
            let attrs = jsonapi::attributes(item);
            let client_ref = attrs.get("_clientRef").cloned().unwrap_or(Value::Null);
            let result = match conversation_of(item, &attrs) {
                None => Err((
                    StatusCode::BAD_REQUEST,
                    "a note needs a conversation".into(),
                )),
                Some(c) => {
                    let made = add_or_say(&mut st.kustomer, &c, &attrs, caller.user_id());
                    if made.is_ok() {
                        touched.push(c);
                    }
                    made
                }
            };
            results.push(match result {
                Ok(mut note) => {
                    note["meta"] = json!({ "_clientRef": client_ref });
                    note
                }
                Err((status, detail)) => json!({
                    "errors": [{ "status": status.as_u16().to_string(), "title": status.canonical_reason(), "detail": detail }],
                    "meta": { "_clientRef": client_ref },
                }),
            });
        }
    }
    touched.dedup();
    for c in touched {
        app.push(records_event(Some(c)));
    }
    jsonapi::one(Value::Array(results))
}

/// `PATCH` or `PUT /v1/notes/{id}`: a new `body` and, if given, `attachments`.
pub async fn update(
    State(app): State<App>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let attrs = jsonapi::attributes(&body);
    let mut st = app.lock();
    let k = &mut st.kustomer;
    let files = match attachments::resolve(k, &attrs) {
        Ok(f) => f,
        Err(e) => return jsonapi::error(StatusCode::BAD_REQUEST, e),
    };
    let now = iso_now();
    let Some(c) = k
        .conversations
        .iter_mut()
        .find(|c| c.notes.iter().any(|n| n.id == id))
    else {
        return jsonapi::not_found("note", &id);
    };
    let Some(n) = c.notes.iter_mut().find(|n| n.id == id) else {
        return jsonapi::not_found("note", &id);
    };
    if let Some(text) = attrs.get("body").and_then(Value::as_str) {
        n.body = text.to_owned();
    }
    if attrs.get("attachments").is_some() {
        n.attachments = files.iter().map(|a| a.id.clone()).collect();
    }
    let out = note_json(&c.id, n);
    c.attachments.extend(files);
    c.updated_at = now;
    let conversation = c.id.clone();
    drop(st);
    app.push(records_event(Some(conversation)));
    jsonapi::one(out)
}
