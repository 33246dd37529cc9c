//! Bidirectional sync (S4) carried out by the server: the agent's CCAI status, mapped by their owner
//! tab, set as their Kustomer status (`PUT /api/v1/kustomer-status`). The browser holds no Kustomer
//! credential, so it asks; the server acts for the session's own agent only (their Kustomer user id
//! from their sign-in, never from the request), through Kustomer's documented work-session routes (B8)
//! and the company's Kustomer client, which shares the org's per-minute budget (B4):
//!
//! 1. `GET /v1/routing/users/{id}/work-sessions`: the agent's live session (B8: at most one).
//! 2. `PUT /v1/routing/work-sessions/{id}` with the status.
//!
//! The change is recorded as the server's own (`ccai_core::kustomer_status`, `server_setting`, and in
//! the store, for after a restart) before the PUT goes, so the work-session poll
//! (`kustomer::work_sessions`) reading it is the same change, never news to write back to CCAI; a
//! refusal restores what was known. Each step is told to the other
//! instances too (PostgreSQL, `fanout`): the one that polls the work sessions may be another.

use std::time::Duration;

use ccai_core::kustomer_status::{Known, StatusPath};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::kustomer_side;
use crate::fanout::Op;
use crate::http::auth::Agent;
use crate::kustomer::client::{encode, KustomerError, Repeat};
use crate::kustomer::work_sessions::Page;
use crate::state::AppState;

/// B5: the usual maximum page size.
const PAGE_SIZE: usize = 100;
/// A guard against a `links.next` that never ends: 2,000 shifts of one agent.
const MAX_PAGES: usize = 20;
/// The agent's tab waits for this answer; past this the write is given up (and reported as such).
const TIME_LIMIT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("the status id is empty")]
    EmptyStatus,
    /// B8: an `offline`-type status ended the agent's session; only a live one can be changed.
    #[error("you have no live work session in kustomer (you are offline there): pick a status in kustomer first")]
    NoLiveSession,
    /// Kustomer answered 4xx (an unknown status, a session that ended meanwhile).
    #[error("kustomer refused the status: {0}")]
    Refused(String),
    #[error("kustomer could not be read: {0}")]
    Kustomer(KustomerError),
    #[error("kustomer did not answer within {} s; the status may or may not have changed", TIME_LIMIT.as_secs())]
    Timeout,
}

impl From<KustomerError> for WriteError {
    fn from(e: KustomerError) -> Self {
        match e {
            KustomerError::Refused { status, body, .. } if status != 401 && status != 403 => {
                WriteError::Refused(format!(
                    "{status} {}",
                    body.chars().take(200).collect::<String>()
                ))
            }
            e => WriteError::Kustomer(e),
        }
    }
}

/// One step of the server's own change, as `ccai_core::kustomer_status` records it; carried out here
/// and on every other instance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// About to send the PUT (sent at `at_ms`).
    Setting { status: String, at_ms: u64 },
    /// Kustomer answered it at `at_ms`.
    Set { status: String, at_ms: u64 },
    /// Kustomer did not apply it: what was known before comes back.
    Failed {
        status: String,
        before: Option<Known>,
    },
}

/// Records `step` of `agent`'s change on this instance; returns what was known before a `Setting`.
pub fn apply(state: &AppState, agent: &str, step: Step) -> Option<Known> {
    let mut statuses = kustomer_side::lock(state);
    match step {
        Step::Setting { status, at_ms } => statuses.server_setting(agent, &status, at_ms),
        Step::Set { status, at_ms } => {
            statuses.server_set(agent, &status, at_ms);
            None
        }
        Step::Failed { status, before } => {
            statuses.server_failed(agent, &status, before);
            None
        }
    }
}

/// Records `step` here, in the store (for after a restart) and with the other instances.
fn record(state: &AppState, agent: &str, step: Step) -> Option<Known> {
    let stored = {
        let conn = state.0.store.lock();
        match &step {
            Step::Setting { status, at_ms } | Step::Set { status, at_ms } => {
                super::store::put_server_status(&conn, agent, status, *at_ms)
            }
            Step::Failed { status, .. } => super::store::drop_server_status(&conn, agent, status),
        }
    };
    if let Err(e) = stored {
        // The change goes on: only a restart before the next poll would read it as news.
        eprintln!("ccai-server: storing the server's own kustomer status of {agent}: {e}");
    }
    state.0.hub.tell_others(Op::KustomerByServer {
        agent: agent.to_owned(),
        step: step.clone(),
    });
    apply(state, agent, step)
}

/// Sets `agent`'s Kustomer status to `status` (a routing status id); returns the work session's id.
pub async fn set_own_status(
    state: &AppState,
    agent: &Agent,
    status: &str,
) -> Result<String, WriteError> {
    if status.trim().is_empty() {
        return Err(WriteError::EmptyStatus);
    }
    tokio::time::timeout(TIME_LIMIT, write(state, agent, status))
        .await
        .unwrap_or(Err(WriteError::Timeout))
}

async fn write(state: &AppState, agent: &Agent, status: &str) -> Result<String, WriteError> {
    let session = live_session(state, &agent.kustomer_user_id).await?;
    let setting = Step::Setting {
        status: status.to_owned(),
        at_ms: crate::now_ms(),
    };
    let before = record(state, &agent.email, setting);
    // Not documented: the PUT's body (B8 names the route and its roles only). We send the routing
    // status's id as `statusId`, the attribute name work sessions are read with; the sandbox takes
    // exactly this body (crates/sandbox/README.md, "Not documented: the sandbox's choices").
    let body = json!({ "statusId": status });
    let path = format!("/v1/routing/work-sessions/{}", encode(&session));
    let k = &state.0.records.kustomer;
    // Setting the same status twice is harmless: a PUT with no answer is sent again.
    match k.send(Method::PUT, &path, Some(&body), Repeat::Blind).await {
        Ok(_) => {
            let now = crate::now_ms();
            let set = Step::Set {
                status: status.to_owned(),
                at_ms: now,
            };
            record(state, &agent.email, set);
            kustomer_side::announce(state, &agent.email, status, now, StatusPath::Server);
            Ok(session)
        }
        Err(e) => {
            let failed = Step::Failed {
                status: status.to_owned(),
                before,
            };
            record(state, &agent.email, failed);
            Err(e.into())
        }
    }
}

/// The agent's live work session (B8: at most one per user), page by page. Not documented: the order
/// of a user's sessions, so every page is read until the live one is found.
async fn live_session(state: &AppState, user_id: &str) -> Result<String, WriteError> {
    let k = &state.0.records.kustomer;
    for page in 1..=MAX_PAGES {
        let path = format!(
            "/v1/routing/users/{}/work-sessions?page={page}&pageSize={PAGE_SIZE}",
            encode(user_id)
        );
        let answer = k.get(&path).await?;
        let page: Page = serde_json::from_value(answer).map_err(|e| {
            WriteError::Kustomer(KustomerError::BadJson {
                path: path.clone(),
                detail: e.to_string(),
            })
        })?;
        if let Some(live) = page.data.iter().find(|r| r.is_live() && !r.id.is_empty()) {
            return Ok(live.id.clone());
        }
        if page.links.next.is_none_or(|n| n.is_empty()) {
            break;
        }
    }
    Err(WriteError::NoLiveSession)
}
