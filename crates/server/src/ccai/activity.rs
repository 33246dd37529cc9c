//! CCAI-side status changes (S5, bidirectional sync), read ONCE for the whole company by tailing the
//! documented agent activity log (A11: `started_at[from]`, `sort_column=started_at`,
//! `sort_direction=ASC`; A6: overlapping windows, de-duplicated by id), at background priority, and
//! pushed to the agent as `CcaiStatusChanged`. Never per agent: 500 agents cost one request per
//! window, not 500.

use std::time::Duration;

use ccai_core::budget::{Priority, TailCursor, TailEntry};
use ccai_core::paging::has_next;
use ccai_core::server_api::Push;
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::client::{CcaiCall, CcaiError};
use super::current::unix_ms;
use super::directory::{AgentStatus, PAGE_SIZE};
use crate::state::AppState;

/// One entry of `GET /manager/api/v1/agent_activity_logs` (A11, fields per TAP's schema).
#[derive(Debug, Clone, Deserialize)]
pub struct ActivityEntry {
    pub id: i64,
    pub agent_id: Option<i64>,
    /// The same `{id, name}` as an agent's status in the agent list (A10).
    #[serde(default)]
    pub status: Option<AgentStatus>,
    pub started_at: String,
}

pub struct ActivityTail {
    state: AppState,
    cursor: TailCursor,
    /// The last failure logged: the same one again is not logged every few seconds.
    last_error: Option<String>,
}

impl ActivityTail {
    /// Starts at the server's start: the past is not news to anyone.
    pub fn new(state: AppState) -> Self {
        // Whole seconds: the plainest spelling of ISO 8601 (A6 does not say which forms CCAI takes).
        let now = OffsetDateTime::now_utc();
        let now = now.replace_nanosecond(0).unwrap_or(now);
        let text = now
            .format(&Rfc3339)
            .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into());
        Self {
            state,
            last_error: None,
            cursor: TailCursor::starting_at(now.unix_timestamp() * 1_000, text),
        }
    }

    /// Polls every `every` for the server's life.
    pub async fn run(mut self, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            // Only the instance that acts for the company reads CCAI (issue 18).
            if !self.state.acts_for_company() {
                continue;
            }
            match self.poll_once().await {
                Ok(_) => self.last_error = None,
                Err(e) => {
                    let e = e.to_string();
                    if self.last_error.as_ref() != Some(&e) {
                        eprintln!("ccai-server: reading ccai's activity log: {e}");
                        self.last_error = Some(e);
                    }
                }
            }
        }
    }

    /// One window, page by page; returns how many new status entries were pushed.
    pub async fn poll_once(&mut self) -> Result<usize, CcaiError> {
        let began = std::time::Instant::now();
        let mut pushed = 0;
        let mut page = 1usize;
        loop {
            let mut call = CcaiCall::get("/manager/api/v1/agent_activity_logs")
                .query("sort_column", "started_at")
                .query("sort_direction", "ASC")
                .query("page", page)
                .query("per", PAGE_SIZE);
            if let Some(from) = self.cursor.from() {
                call = call.query("started_at[from]", from);
            }
            let resp = self
                .state
                .0
                .ccai
                .request(Priority::Background, call)
                .await?;
            let entries: Vec<ActivityEntry> = resp.json()?;
            // Not documented: `started_at`'s format (A11); RFC 3339 is read, anything else skipped.
            let timed: Vec<(&ActivityEntry, TailEntry)> = entries
                .iter()
                .filter_map(|e| Some((e, (e.id, unix_ms(&e.started_at)?, e.started_at.clone()))))
                .collect();
            let keys: Vec<TailEntry> = timed.iter().map(|(_, k)| k.clone()).collect();
            for i in self.cursor.accept(&keys) {
                if self.push(timed[i].0, keys[i].1).await {
                    pushed += 1;
                }
            }
            if !has_next(resp.link.as_deref(), entries.len(), PAGE_SIZE) {
                break;
            }
            page += 1;
        }
        self.cursor.advance();
        self.state.0.ccai_directory.current.tail_read(began);
        Ok(pushed)
    }

    async fn push(&self, entry: &ActivityEntry, at_ms: i64) -> bool {
        let (Some(agent_id), Some(status)) = (entry.agent_id, entry.status.as_ref()) else {
            return false;
        };
        self.state
            .0
            .ccai_directory
            .current
            .note(agent_id, status.as_status(), at_ms);
        let mut email = self.state.0.ccai_directory.email_of(agent_id);
        if email.is_none() {
            // An agent added since the last listing.
            let _ = self
                .state
                .0
                .ccai_directory
                .refresh(Priority::Background)
                .await;
            email = self.state.0.ccai_directory.email_of(agent_id);
        }
        let Some(email) = email else {
            return false;
        };
        self.state.0.hub.send(
            &email,
            Push::CcaiStatusChanged {
                ccai_status_id: status.id,
                name: status.name.clone(),
                at_ms: at_ms.max(0) as u64,
            },
        );
        true
    }
}
