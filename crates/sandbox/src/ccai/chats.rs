//! Chats (issue 6): the Apps API's `/chats` as an agent's adapter sees them. A chat arrives from a
//! customer with a first message (a control hook plays the customer, see `chat_control.rs`), is offered
//! to one agent, and the agent accepts or declines it.
//!
//! The chat object follows CCAI's documented shape (`id`, `lang`, `chat_type`, `status`, `sub_status`,
//! `created_at`, `assigned_at`, `ends_at`, `agent`, `end_user`, `message_count`, `finish_reason`);
//! unknown keys are for clients to ignore. Statuses are CCAI's: `queued` (sub-status `in_queue`, or
//! `waiting_for_agent` while offered to an agent: the adapter rings), `assigned`
//! (`connected_with_agent`), `finished`, `canceled` (the customer left before an agent took it).
//! Where the docs are silent the sandbox decides: the agent-side actions are
//! `POST /chats/{id}/accept|decline|finish`, a declined chat goes back to the queue (`in_queue`, no
//! agent, the agent listed in `declined_agent_ids`), and the messages are read with
//! `GET /chats/{id}/messages`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::agents::{apply_status, Change};
use super::calls::message;
use super::model::{CcaiState, AVAILABLE, IN_CHAT};
use crate::state::{iso_now, App};

#[derive(Default)]
pub struct Chats {
    pub list: Vec<Chat>,
}

pub struct EndUser {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
}

pub struct ChatMessage {
    pub id: i64,
    /// `end_user` or `agent`.
    pub from: &'static str,
    pub content: String,
    pub created_at: String,
}

pub struct Chat {
    pub id: i64,
    pub status: &'static str,
    pub sub_status: &'static str,
    /// The agent it is offered to (`queued`) or assigned to (`assigned`, and after it ends).
    pub agent_id: Option<i64>,
    pub declined_agent_ids: Vec<i64>,
    pub end_user: EndUser,
    pub messages: Vec<ChatMessage>,
    pub lang: String,
    pub menu_id: Option<i64>,
    pub created_at: String,
    pub assigned_at: Option<String>,
    pub ends_at: Option<String>,
    pub finish_reason: Option<&'static str>,
}

impl Chat {
    pub fn is_over(&self) -> bool {
        matches!(self.status, "finished" | "canceled")
    }

    /// Ringing or live for this agent: what `GET /chats?agent_id=&status=active` lists.
    fn is_active_for(&self, agent_id: i64) -> bool {
        self.agent_id == Some(agent_id) && matches!(self.status, "queued" | "assigned")
    }
}

pub fn chat_json(c: &Chat, ccai: &CcaiState) -> Value {
    let agent = c
        .agent_id
        .and_then(|id| ccai.agents.iter().find(|a| a.id == id));
    json!({
        "id": c.id,
        "lang": c.lang,
        "chat_type": "Messaging Inbound (App Chat)",
        "status": c.status,
        "sub_status": c.sub_status,
        "created_at": c.created_at,
        "assigned_at": c.assigned_at,
        "ends_at": c.ends_at,
        "agent": agent.map(|a| json!({ "id": a.id, "name": a.name(), "first_name": a.first_name, "email": a.email })),
        "end_user": {
            "name": c.end_user.name,
            "email": c.end_user.email,
            "phone_number": c.end_user.phone,
        },
        "menu_id": c.menu_id,
        "message_count": c.messages.len(),
        "finish_reason": c.finish_reason,
        "declined_agent_ids": c.declined_agent_ids,
    })
}

fn messages_json(c: &Chat) -> Value {
    c.messages
        .iter()
        .map(|m| json!({ "id": m.id, "from": m.from, "type": "text", "content": m.content, "created_at": m.created_at }))
        .collect()
}

/// Moves the agent as CCAI does for chats: In-chat while one is live, Available when it ends (the
/// sandbox has no chat wrap-up).
pub(super) fn move_agent(
    ccai: &mut CcaiState,
    at_ms: f64,
    agent_id: Option<i64>,
    to: i64,
    why: &str,
) {
    let Some(agent_id) = agent_id else { return };
    let current = ccai
        .agents
        .iter()
        .find(|a| a.id == agent_id)
        .map(|a| a.status_id);
    // Only leave In-chat when a chat put the agent there; never override another system status.
    if to == AVAILABLE && current != Some(IN_CHAT) {
        return;
    }
    apply_status(ccai, at_ms, Change::system(agent_id, to, why));
}

/// Ends the chat: `finished` once an agent had it, `canceled` before.
pub(super) fn end(ccai: &mut CcaiState, i: usize, at_ms: f64, reason: &'static str) {
    let c = &mut ccai.chats.list[i];
    let was_assigned = c.status == "assigned";
    c.status = if was_assigned { "finished" } else { "canceled" };
    c.sub_status = if was_assigned {
        "connected_with_agent"
    } else {
        "in_queue"
    };
    c.ends_at = Some(iso_now());
    c.finish_reason = Some(reason);
    let agent = c.agent_id;
    if was_assigned {
        move_agent(ccai, at_ms, agent, AVAILABLE, "chat_ended");
    }
}

/// Runs `f` on the chat under the lock and answers with the chat as it is after.
pub(super) fn with_chat(
    app: &App,
    id: i64,
    f: impl FnOnce(&mut CcaiState, usize, f64) -> Result<(), String>,
) -> Response {
    let at_ms = app.at_ms();
    let out = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        let Some(i) = ccai.chats.list.iter().position(|c| c.id == id) else {
            return message(StatusCode::NOT_FOUND, format!("Chat {id} not found"));
        };
        if let Err(e) = f(ccai, i, at_ms) {
            return message(StatusCode::CONFLICT, e);
        }
        chat_json(&ccai.chats.list[i], ccai)
    };
    crate::control::notify_activity(app);
    Json(out).into_response()
}

/// `GET /apps/api/v1/chats?agent_id=&status=` (`status=active`: offered to or assigned to the agent and
/// not over).
async fn list(
    State(app): State<App>,
    Query(q): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let st = app.lock();
    let agent: Option<i64> = q.get("agent_id").and_then(|a| a.parse().ok());
    let list: Vec<Value> = st
        .ccai
        .chats
        .list
        .iter()
        .filter(|c| match (q.get("status").map(String::as_str), agent) {
            (Some("active"), Some(a)) => c.is_active_for(a),
            (Some("active"), None) => !c.is_over(),
            (status, agent) => {
                status.is_none_or(|s| c.status == s) && agent.is_none_or(|a| c.agent_id == Some(a))
            }
        })
        .map(|c| chat_json(c, &st.ccai))
        .collect();
    Json(Value::Array(list))
}

async fn get_one(State(app): State<App>, Path(id): Path<i64>) -> Response {
    let st = app.lock();
    match st.ccai.chats.list.iter().find(|c| c.id == id) {
        Some(c) => Json(chat_json(c, &st.ccai)).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Chat {id} not found")),
    }
}

/// `GET /apps/api/v1/chats/{id}/messages`: oldest first, `{id, from: end_user|agent, type: "text",
/// content, created_at}`. The content is the customer's words, verbatim: clients must show it as text.
async fn messages(State(app): State<App>, Path(id): Path<i64>) -> Response {
    let st = app.lock();
    match st.ccai.chats.list.iter().find(|c| c.id == id) {
        Some(c) => Json(messages_json(c)).into_response(),
        None => message(StatusCode::NOT_FOUND, format!("Chat {id} not found")),
    }
}

/// `POST /apps/api/v1/chats/{id}/{action}`: `accept` and `decline` while the chat is offered to the
/// agent, `finish` while it is assigned. Anything else → 409 `{"message"}`.
async fn action(State(app): State<App>, Path((id, action)): Path<(i64, String)>) -> Response {
    with_chat(&app, id, move |ccai, i, at_ms| {
        let c = &ccai.chats.list[i];
        let offered = c.status == "queued" && c.agent_id.is_some();
        let status = c.status;
        match action.as_str() {
            "accept" if offered => {
                let c = &mut ccai.chats.list[i];
                c.status = "assigned";
                c.sub_status = "connected_with_agent";
                c.assigned_at = Some(iso_now());
                let agent = c.agent_id;
                move_agent(ccai, at_ms, agent, IN_CHAT, "chat_started");
            }
            "decline" if offered => {
                let c = &mut ccai.chats.list[i];
                if let Some(a) = c.agent_id.take() {
                    c.declined_agent_ids.push(a);
                }
                c.sub_status = "in_queue";
            }
            "finish" if status == "assigned" => end(ccai, i, at_ms, "agent"),
            "accept" | "decline" | "finish" => {
                return Err(format!("chat {id} is {status}: can't {action}"))
            }
            other => return Err(format!("unknown chat action '{other}'")),
        }
        Ok(())
    })
}

pub fn router() -> Router<App> {
    Router::new()
        .route("/apps/api/v1/chats", get(list))
        .route("/apps/api/v1/chats/{id}", get(get_one))
        .route("/apps/api/v1/chats/{id}/messages", get(messages))
        .route("/apps/api/v1/chats/{id}/{action}", post(action))
}
