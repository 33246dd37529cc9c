//! The customer's side of chats, played by test hooks under `/sandbox/ccai/chats` (loopback only): a
//! chat arrives with a first message and is offered to an agent; the customer writes again or leaves.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

use super::calls::message;
use super::chats::{chat_json, end, with_chat, Chat, ChatMessage, EndUser};
use crate::state::{iso_now, App};

/// Control hooks under `/sandbox/ccai/chats`.
pub fn control_router() -> Router<App> {
    Router::new()
        .route("/ccai/chats/incoming", post(incoming))
        .route("/ccai/chats/{id}/{event}", post(customer))
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// `{agent_id? (default 11), end_user: {name, email?, phone_number?}, message, lang?, menu_id?}`: a chat
/// from the customer, with their first message, offered to the agent (`queued`, `waiting_for_agent`).
async fn incoming(State(app): State<App>, Json(body): Json<Value>) -> Response {
    let user = body.get("end_user").cloned().unwrap_or(Value::Null);
    let Some(name) = text(&user, "name") else {
        return message(StatusCode::BAD_REQUEST, "end_user.name is required");
    };
    let Some(first) = body
        .get("message")
        .and_then(Value::as_str)
        .filter(|m| !m.is_empty())
    else {
        return message(
            StatusCode::BAD_REQUEST,
            "message (the customer's first message) is required",
        );
    };
    let agent_id = body
        .get("agent_id")
        .and_then(Value::as_i64)
        .unwrap_or(super::model::PAGE_AGENT_ID);
    let out = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        if !ccai.agents.iter().any(|a| a.id == agent_id) {
            return message(
                StatusCode::BAD_REQUEST,
                format!("Agent {agent_id} not found"),
            );
        }
        let id = 5000 + ccai.chats.list.len() as i64 + 1;
        let now = iso_now();
        ccai.chats.list.push(Chat {
            id,
            status: "queued",
            sub_status: "waiting_for_agent",
            agent_id: Some(agent_id),
            declined_agent_ids: Vec::new(),
            end_user: EndUser {
                name,
                email: text(&user, "email"),
                phone: text(&user, "phone_number"),
            },
            messages: vec![ChatMessage {
                id: 1,
                from: "end_user",
                content: first.to_owned(),
                created_at: now.clone(),
            }],
            lang: text(&body, "lang").unwrap_or_else(|| "en".into()),
            menu_id: body.get("menu_id").and_then(Value::as_i64),
            created_at: now,
            assigned_at: None,
            ends_at: None,
            finish_reason: None,
        });
        let chat = ccai.chats.list.last().map(|c| chat_json(c, ccai));
        chat.unwrap_or(Value::Null)
    };
    crate::control::notify_activity(&app);
    (StatusCode::CREATED, Json(out)).into_response()
}

/// `message` `{"content"}` (the customer writes again) or `end` (the customer leaves: `finished` if an
/// agent had the chat, `canceled` if it was still ringing or queued).
async fn customer(
    State(app): State<App>,
    Path((id, event)): Path<(i64, String)>,
    body: Option<Json<Value>>,
) -> Response {
    let body = body.map(|Json(b)| b).unwrap_or(Value::Null);
    with_chat(&app, id, move |ccai, i, at_ms| {
        if ccai.chats.list[i].is_over() {
            return Err(format!("chat {id} is over: the customer can't {event}"));
        }
        match event.as_str() {
            "message" => {
                let content = text(&body, "content").ok_or("content is required")?;
                let c = &mut ccai.chats.list[i];
                let next = c.messages.len() as i64 + 1;
                c.messages.push(ChatMessage {
                    id: next,
                    from: "end_user",
                    content,
                    created_at: iso_now(),
                });
            }
            "end" => end(ccai, i, at_ms, "end_user"),
            other => return Err(format!("unknown customer event '{other}'")),
        }
        Ok(())
    })
}
