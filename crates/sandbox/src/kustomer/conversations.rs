//! Conversations and what hangs off them: messages, notes, the attachments their messages and notes
//! name (B14), custom attributes and assignment (`assignedUsers`). Every change is pushed to the page,
//! which refreshes the conversation if it is showing it (issue 8: a person sees the rules' results).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::{Extension, Json};
use serde_json::{json, Value};

use super::access::Caller;
use super::jsonapi::{self, PageQuery};
use super::model::{Attachment, Conversation, KustomerState};
use super::{custom, records_event};
use crate::state::{iso_now, App};

pub fn conversation_json(c: &Conversation) -> Value {
    let mut r = jsonapi::related(
        "conversation",
        &c.id,
        json!({
            "name": c.name,
            "status": c.status,
            "channels": c.channels,
            "custom": c.custom,
            "assignedUsers": c.assigned_users,
            "preview": c.messages.last().map(|m| m.body.as_str()),
            "messageCount": c.messages.len(),
            "noteCount": c.notes.len(),
            "createdAt": c.created_at,
            "updatedAt": c.updated_at,
        }),
        &[("customer", "customer", &c.customer_id)],
    );
    let users: Vec<Value> = c
        .assigned_users
        .iter()
        .map(|u| jsonapi::link("user", u))
        .collect();
    r["relationships"]["assignedUsers"] = json!({ "data": users });
    r
}

fn attachment_json(conversation: &str, a: &Attachment) -> Value {
    jsonapi::related(
        "attachment",
        &a.id,
        json!({ "name": a.name, "contentType": a.content_type, "contentLength": a.size, "size": a.size, "url": a.url, "createdAt": a.created_at }),
        &[("conversation", "conversation", conversation)],
    )
}

/// The inbox: newest first; `?status=open` and `?customer=<id>` filter.
pub async fn list(
    State(app): State<App>,
    Query(q): Query<HashMap<String, String>>,
    Query(page): Query<PageQuery>,
) -> Response {
    let st = app.lock();
    let mut list: Vec<&Conversation> = st
        .kustomer
        .conversations
        .iter()
        .filter(|c| q.get("status").is_none_or(|s| &c.status == s))
        .filter(|c| q.get("customer").is_none_or(|s| &c.customer_id == s))
        .collect();
    list.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let items = list.into_iter().map(conversation_json).collect();
    jsonapi::page(items, &page, 100, "/kapi/v1/conversations")
}

pub async fn get_one(State(app): State<App>, Path(id): Path<String>) -> Response {
    let st = app.lock();
    match st.kustomer.conversations.iter().find(|c| c.id == id) {
        Some(c) => jsonapi::one(conversation_json(c)),
        None => jsonapi::not_found("conversation", &id),
    }
}

/// Reads and checks the writable attributes shared by create and update.
fn apply(k: &KustomerState, c: &mut Conversation, attrs: &Value) -> Result<(), String> {
    if let Some(name) = attrs.get("name").and_then(Value::as_str) {
        c.name = name.to_owned();
    }
    if let Some(status) = attrs.get("status").and_then(Value::as_str) {
        if !["open", "snoozed", "done"].contains(&status) {
            return Err(format!(
                "status must be open, snoozed or done, got '{status}'"
            ));
        }
        c.status = status.to_owned();
    }
    if let Some(channels) = attrs.get("channels").and_then(Value::as_array) {
        c.channels = channels
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
    } else if let Some(channel) = attrs.get("channel").and_then(Value::as_str) {
        c.channels = vec![channel.to_owned()];
    }
    if let Some(users) = attrs.get("assignedUsers").and_then(Value::as_array) {
        let ids: Vec<String> = users
            .iter()
            .filter_map(|u| u.as_str().or(u.get("id").and_then(Value::as_str)))
            .map(str::to_owned)
            .collect();
        if let Some(bad) = ids.iter().find(|id| !k.users.iter().any(|u| &u.id == *id)) {
            return Err(format!("assignedUsers: unknown user {bad}"));
        }
        c.assigned_users = ids;
    }
    match attrs.get("custom") {
        None | Some(Value::Null) => {}
        Some(Value::Object(patch)) => {
            custom::validate("conversation", k.metadata.get("conversation"), patch)?;
            custom::merge(&mut c.custom, patch);
        }
        Some(_) => return Err("custom must be an object".into()),
    }
    Ok(())
}

/// `customer` as an attribute (id) or as a JSON:API relationship.
fn customer_id(body: &Value, attrs: &Value) -> Option<String> {
    attrs
        .get("customer")
        .and_then(|c| c.as_str().or(c.get("id").and_then(Value::as_str)))
        .or_else(|| {
            body.pointer("/data/relationships/customer/data/id")
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
}

pub async fn create(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let attrs = jsonapi::attributes(&body);
    let Some(customer) = customer_id(&body, &attrs) else {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            "a conversation needs a customer (attribute customer or relationships.customer)",
        );
    };
    let mut st = app.lock();
    if st.kustomer.customer(&customer).is_none() {
        return jsonapi::error(
            StatusCode::BAD_REQUEST,
            format!("customer {customer} not found"),
        );
    }
    let now = iso_now();
    let mut c = Conversation::new(st.kustomer.new_id('d'), customer, &now);
    if let Err(e) = apply(&st.kustomer, &mut c, &attrs) {
        return jsonapi::error(StatusCode::BAD_REQUEST, e);
    }
    let out = conversation_json(&c);
    let id = c.id.clone();
    st.kustomer.conversations.push(c);
    drop(st);
    app.push(records_event(Some(id)));
    jsonapi::created(out)
}

/// `PATCH /v1/conversations/{id}`: the given attributes change (B11).
pub async fn update(
    State(app): State<App>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    write(&app, id, &body, false)
}

/// `PUT /v1/conversations/{id}` (B11). Not documented: what PUT omits; the sandbox replaces, as B10's
/// PUT does for a customer: what the body omits goes back to its default (no name, `open`, no
/// channels, custom attributes or assignees). Messages, notes and attachments stay.
pub async fn replace(
    State(app): State<App>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    write(&app, id, &body, true)
}

fn write(app: &App, id: String, body: &Value, replace: bool) -> Response {
    let attrs = jsonapi::attributes(body);
    let mut st = app.lock();
    let k = &mut st.kustomer;
    let Some(i) = k.conversations.iter().position(|c| c.id == id) else {
        return jsonapi::not_found("conversation", &id);
    };
    // A dry run on a scratch conversation first, so a bad body changes nothing.
    if let Err(e) = apply(k, &mut placeholder(), &attrs) {
        return jsonapi::error(StatusCode::BAD_REQUEST, e);
    }
    let mut c = std::mem::replace(&mut k.conversations[i], placeholder());
    if replace {
        let blank = Conversation::new(String::new(), String::new(), "");
        c.name = blank.name;
        c.status = blank.status;
        c.channels = blank.channels;
        c.custom = blank.custom;
        c.assigned_users = blank.assigned_users;
    }
    // Cannot fail: the same attributes passed the dry run.
    let _ = apply(k, &mut c, &attrs);
    c.updated_at = iso_now();
    let out = conversation_json(&c);
    k.conversations[i] = c;
    drop(st);
    app.push(records_event(Some(id)));
    jsonapi::one(out)
}

fn placeholder() -> Conversation {
    Conversation::new(String::new(), String::new(), "")
}

/// `messages`, `notes` or `attachments` of a conversation, oldest first. Not in API-NOTES: the
/// imitated page's own reads (Kustomer's web app shows the conversation's timeline).
pub async fn list_children(
    State(app): State<App>,
    Path((id, kind)): Path<(String, String)>,
    Query(page): Query<PageQuery>,
) -> Response {
    let st = app.lock();
    let Some(c) = st.kustomer.conversations.iter().find(|c| c.id == id) else {
        return jsonapi::not_found("conversation", &id);
    };
    let items: Vec<Value> = match kind.as_str() {
        "messages" => c
            .messages
            .iter()
            .map(|m| super::messages::message_json(&id, m))
            .collect(),
        "notes" => c
            .notes
            .iter()
            .map(|n| super::notes::note_json(&id, n))
            .collect(),
        "attachments" => c
            .attachments
            .iter()
            .map(|a| attachment_json(&id, a))
            .collect(),
        _ => return jsonapi::error(StatusCode::NOT_FOUND, format!("no such collection {kind}")),
    };
    jsonapi::page(
        items,
        &page,
        100,
        &format!("/kapi/v1/conversations/{id}/{kind}"),
    )
}

/// `POST /v1/conversations/{id}/messages` (B12) and `…/notes` (the note of B13 on the conversation's
/// path, which the imitated page uses). Attachments go through `POST /v1/attachments` (B14).
pub async fn create_child(
    State(app): State<App>,
    Extension(caller): Extension<Caller>,
    Path((id, kind)): Path<(String, String)>,
    Json(body): Json<Value>,
) -> Response {
    let attrs = jsonapi::attributes(&body);
    let mut st = app.lock();
    let result = match kind.as_str() {
        "messages" => super::messages::add(&mut st.kustomer, &id, &attrs),
        "notes" => super::notes::add(&mut st.kustomer, &id, &attrs, caller.user_id()),
        _ => Err(jsonapi::error(
            StatusCode::NOT_FOUND,
            format!("no such collection {kind}"),
        )),
    };
    drop(st);
    match result {
        Ok(out) => {
            app.push(records_event(Some(id)));
            jsonapi::created(out)
        }
        Err(res) => res,
    }
}
