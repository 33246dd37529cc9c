//! CCAI Platform: user statuses (Manager API), the agent, and status changes (Apps API).

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::http::{basic_auth, Call, HttpError};

/// A CCAI user status as `GET /manager/api/v1/user_statuses` returns it. Unknown keys are ignored:
/// CCAI may add keys at any time.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct UserStatus {
    pub id: i64,
    pub name: String,
}

/// The agent as the Manager API lists it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Agent {
    pub id: i64,
    pub email: String,
    #[serde(default)]
    pub status: Option<UserStatus>,
}

/// One entry of the per-agent answer to a status change. A refusal is a 200 with a `message`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct StatusChangeResult {
    pub agent_id: i64,
    #[serde(default)]
    pub current_status: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
}

#[derive(Serialize)]
struct StatusChange<'a> {
    status: &'a str,
    /// A sandbox extension beside the documented `status` name: names may repeat, ids do not.
    status_id: i64,
    agent_ids: [i64; 1],
    team_ids: [i64; 0],
}

async fn send<B: Serialize, T: serde::de::DeserializeOwned>(
    config: &Config,
    method: &'static str,
    path: &str,
    body: Option<&B>,
) -> Result<T, HttpError> {
    let url = format!("{}{}", config.ccai_base.trim_end_matches('/'), path);
    let auth = basic_auth(&config.ccai_user, &config.ccai_token);
    Call {
        method,
        url,
        auth,
        headers: vec![],
    }
    .send(body)
    .await
}

pub async fn user_statuses(config: &Config) -> Result<Vec<UserStatus>, HttpError> {
    send::<(), _>(config, "GET", "/manager/api/v1/user_statuses", None).await
}

/// The CCAI agent with the configured e-mail, if CCAI knows one.
pub async fn agent_by_email(config: &Config) -> Result<Option<Agent>, HttpError> {
    let email = js_sys::encode_uri_component(&config.agent_email);
    let agents: Vec<Agent> = send::<(), _>(
        config,
        "GET",
        &format!("/manager/api/v1/agents?email={email}"),
        None,
    )
    .await?;
    Ok(agents
        .into_iter()
        .find(|a| a.email.eq_ignore_ascii_case(config.agent_email.trim())))
}

/// One entry of the agent activity feed (Manager API "agent activity").
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Activity {
    pub seq: u64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub current_status: Option<UserStatus>,
    /// `system` when CCAI moved the agent itself (a call, the end of wrap-up).
    #[serde(default)]
    pub source: Option<String>,
}

/// Activities after `since`, waiting up to `wait_ms` for one (long poll) so that a CCAI-side change
/// reaches the adapter without a polling storm.
pub async fn activities(
    config: &Config,
    agent_id: i64,
    since: u64,
    wait_ms: u32,
) -> Result<Vec<Activity>, HttpError> {
    let path =
        format!("/manager/api/v1/agents/{agent_id}/activities?since={since}&wait_ms={wait_ms}");
    send::<(), _>(config, "GET", &path, None).await
}

/// A relayed status change: the same `Idempotency-Key` on every retry, and the owner tab's epoch so
/// that a stale owner is refused (409).
pub async fn relay_status(
    config: &Config,
    agent_id: i64,
    status: &UserStatus,
    key: &str,
    epoch: u64,
) -> Result<StatusChangeResult, HttpError> {
    let url = format!(
        "{}/apps/api/v1/agent_statuses",
        config.ccai_base.trim_end_matches('/')
    );
    let auth = basic_auth(&config.ccai_user, &config.ccai_token);
    let headers = vec![
        ("Idempotency-Key", key.to_owned()),
        ("X-Owner-Epoch", epoch.to_string()),
    ];
    let body = StatusChange {
        status: &status.name,
        status_id: status.id,
        agent_ids: [agent_id],
        team_ids: [],
    };
    let results: Vec<StatusChangeResult> = Call {
        method: "POST",
        url,
        auth,
        headers,
    }
    .send(Some(&body))
    .await?;
    results
        .into_iter()
        .find(|r| r.agent_id == agent_id)
        .ok_or(HttpError::BadBody)
}
