//! CCAI chats (Apps API `/apps/api/v1/chats`, the sandbox's README documents the shape): the agent's
//! chats that ring or are live, a chat's messages, and the agent-side actions. Unknown keys are
//! ignored: CCAI may add keys.

use serde::Deserialize;

use super::calls::CallAgent;
use crate::config::Config;
use crate::http::{basic_auth, Call as Request, HttpError};

/// A chat as CCAI reports it. Only what the adapter shows is read.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// `queued`, `assigned`, `finished`, `canceled` (CCAI also has `no_response`, `failed`).
    pub status: String,
    #[serde(default)]
    pub sub_status: Option<String>,
    /// Offered to (while `queued`) or assigned to.
    #[serde(default)]
    pub agent: Option<CallAgent>,
    #[serde(default)]
    pub end_user: EndUser,
}

/// Who the customer is, as far as the chat says.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct EndUser {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone_number: Option<String>,
}

impl EndUser {
    /// What the agent sees of the customer: their name, else their e-mail or number.
    pub fn shown(&self) -> String {
        [&self.name, &self.email, &self.phone_number]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
            .unwrap_or_default()
            .to_owned()
    }
}

impl Chat {
    fn is_mine(&self, agent_id: i64) -> bool {
        self.agent.as_ref().is_some_and(|a| a.id == agent_id)
    }

    /// Offered to this agent and not yet taken: it rings.
    pub fn is_ringing_for(&self, agent_id: i64) -> bool {
        self.status == "queued" && self.is_mine(agent_id)
    }

    /// This agent's, in progress.
    pub fn is_live_for(&self, agent_id: i64) -> bool {
        self.status == "assigned" && self.is_mine(agent_id)
    }
}

/// One message of a chat. `content` is the customer's text, verbatim: shown as text, never as HTML.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct ChatMessage {
    /// `end_user` or `agent`.
    pub from: String,
    #[serde(default)]
    pub content: String,
}

fn request(config: &Config, method: &'static str, path: &str) -> Request {
    Request {
        method,
        url: format!("{}{}", config.ccai_base.trim_end_matches('/'), path),
        auth: basic_auth(&config.ccai_user, &config.ccai_token),
        headers: vec![],
    }
}

pub async fn get(config: &Config, id: i64) -> Result<Chat, HttpError> {
    request(config, "GET", &format!("/apps/api/v1/chats/{id}"))
        .send::<(), _>(None)
        .await
}

/// The agent's chats that ring or are in progress.
pub async fn active(config: &Config, agent_id: i64) -> Result<Vec<Chat>, HttpError> {
    let path = format!("/apps/api/v1/chats?agent_id={agent_id}&status=active");
    request(config, "GET", &path).send::<(), _>(None).await
}

/// The customer's first message: what a ringing chat shows.
pub async fn first_message(config: &Config, id: i64) -> Result<String, HttpError> {
    let list: Vec<ChatMessage> =
        request(config, "GET", &format!("/apps/api/v1/chats/{id}/messages"))
            .send::<(), _>(None)
            .await?;
    Ok(list
        .into_iter()
        .find(|m| m.from == "end_user")
        .map(|m| m.content)
        .unwrap_or_default())
}

/// `accept`, `decline`, `finish`.
pub async fn act(config: &Config, id: i64, action: &str) -> Result<Chat, HttpError> {
    request(config, "POST", &format!("/apps/api/v1/chats/{id}/{action}"))
        .send::<(), _>(None)
        .await
}
