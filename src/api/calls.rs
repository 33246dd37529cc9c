//! CCAI calls (Apps API `/apps/api/v1/calls`, API-NOTES.md): place an outbound call, read a call or the
//! agent's live calls, and the agent-side actions. Unknown keys are ignored: CCAI may add keys.

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::http::{basic_auth, Call as Request, HttpError};

/// A call as CCAI reports it. Only what the adapter shows is read.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Call {
    pub id: i64,
    /// `outbound` or `inbound`.
    pub call_type: String,
    /// `dialing`, `ringing`, `connected`, `on_hold`, `queued`, `finished`, `declined`, `missed`.
    pub status: String,
    #[serde(default)]
    pub agent: Option<CallAgent>,
    #[serde(default)]
    pub end_user_number: String,
    /// Seconds connected, live while connected: the timer starts from CCAI's figure, not from memory.
    #[serde(default)]
    pub duration: Option<f64>,
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub ticket_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CallAgent {
    pub id: i64,
}

impl Call {
    /// Ended for this agent: finished, refused, missed, or handed to someone else.
    pub fn is_over_for(&self, agent_id: i64) -> bool {
        matches!(self.status.as_str(), "finished" | "declined" | "missed")
            || self.agent.as_ref().is_some_and(|a| a.id != agent_id)
            || self.status == "queued"
    }
}

/// Another CCAI agent, as a transfer target.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct AgentRef {
    pub id: i64,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Serialize)]
struct NewCall<'a> {
    agent_id: i64,
    end_user_number: &'a str,
}

#[derive(Serialize)]
struct Digits<'a> {
    digits: &'a str,
}

/// Where a transfer goes: an agent or a queue (a CCAI menu).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TransferTo {
    Agent { agent_id: i64 },
    Queue { menu_id: i64 },
}

fn request(config: &Config, method: &'static str, path: &str) -> Request {
    Request {
        method,
        url: format!("{}{}", config.ccai_base.trim_end_matches('/'), path),
        auth: basic_auth(&config.ccai_user, &config.ccai_token),
        headers: vec![],
    }
}

/// Places an outbound call to `e164`. The key makes a double click one call, not two.
pub async fn place(
    config: &Config,
    agent_id: i64,
    e164: &str,
    key: &str,
) -> Result<Call, HttpError> {
    let mut req = request(config, "POST", "/apps/api/v1/calls");
    req.headers.push(("Idempotency-Key", key.to_owned()));
    req.send(Some(&NewCall {
        agent_id,
        end_user_number: e164,
    }))
    .await
}

pub async fn get(config: &Config, id: i64) -> Result<Call, HttpError> {
    request(config, "GET", &format!("/apps/api/v1/calls/{id}"))
        .send::<(), _>(None)
        .await
}

/// The agent's calls that have not ended (how a reloaded tab finds its live call).
pub async fn active(config: &Config, agent_id: i64) -> Result<Vec<Call>, HttpError> {
    let path = format!("/apps/api/v1/calls?agent_id={agent_id}&status=active");
    request(config, "GET", &path).send::<(), _>(None).await
}

/// `hold`, `resume`, `mute`, `unmute`, `hangup`, `answer`, `decline`.
pub async fn act(config: &Config, id: i64, action: &str) -> Result<Call, HttpError> {
    request(config, "POST", &format!("/apps/api/v1/calls/{id}/{action}"))
        .send::<(), _>(None)
        .await
}

pub async fn dtmf(config: &Config, id: i64, digits: &str) -> Result<Call, HttpError> {
    request(config, "POST", &format!("/apps/api/v1/calls/{id}/dtmf"))
        .send(Some(&Digits { digits }))
        .await
}

pub async fn transfer(config: &Config, id: i64, to: TransferTo) -> Result<Call, HttpError> {
    request(config, "POST", &format!("/apps/api/v1/calls/{id}/transfer"))
        .send(Some(&to))
        .await
}

/// The agents a call can be transferred to.
pub async fn agents(config: &Config) -> Result<Vec<AgentRef>, HttpError> {
    request(config, "GET", "/manager/api/v1/agents")
        .send::<(), _>(None)
        .await
}
