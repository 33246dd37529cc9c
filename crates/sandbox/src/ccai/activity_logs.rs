//! API-NOTES A11: `GET /manager/api/v1/agent_activity_logs`, the agent activity log that CCAI writes
//! "whenever an agent widget changes user status or receives a notification", tailed by
//! `started_at[from]` + `sort_column=started_at` + `sort_direction=ASC` (TAP), paged as A5.
//! Fields (TAP's schema): `id`, `agent_id`, `activity`, `status {id, name, color, wfm_id}`,
//! `started_at`, `ended_at`, `duration`, `call_id`, `chat_id`, `whodunnit {id, name, first_name,
//! last_name, agent_number, avatar_url}`.
//!
//! Also the sandbox's own log of when each status was applied (`GET /sandbox/ccai/applied`), which the
//! load test reads to time "the server sent it → CCAI applied it".

use std::collections::HashMap;

use axum::extract::{OriginalUri, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;
use serde_json::{json, Value};

use super::model::{status_ref, user_status, CcaiState};
use super::paging::{respond, ListQuery, Row};
use crate::state::{iso_from_millis, App};

/// Not documented: the values of `activity` (A11). The sandbox writes `status_change` for each status
/// period and `call_notification` when a call is offered or assigned to the agent.
pub const STATUS_CHANGE: &str = "status_change";
pub const CALL_NOTIFICATION: &str = "call_notification";

pub struct Entry {
    pub id: i64,
    pub agent_id: i64,
    pub activity: &'static str,
    pub status_id: i64,
    pub started_at_ms: i64,
    /// Not documented: `ended_at` of an open entry; `null` until the agent's next status.
    pub ended_at_ms: Option<i64>,
    pub call_id: Option<i64>,
    /// Who made the change. Not documented: the sandbox names the agent for changes made by the
    /// agent or by CCAI itself (calls, wrap-up), and `null` for changes through the API token.
    pub whodunnit: Option<i64>,
}

/// One status applied to one agent (sandbox hook, not CCAI's).
#[derive(Clone, Serialize)]
pub struct Applied {
    pub seq: u64,
    pub agent_id: i64,
    pub status_id: i64,
    pub status: &'static str,
    /// Unix milliseconds (wall clock), comparable with the load test's own clock.
    pub applied_at_ms: i64,
    /// `api` (agent_statuses) or `system` (CCAI moved the agent: a call, the end of wrap-up, a control
    /// hook playing CCAI).
    pub source: &'static str,
    /// False when the agent already had that status (an `agent_statuses` that changed nothing).
    pub changed: bool,
}

#[derive(Default)]
pub struct Log {
    pub entries: Vec<Entry>,
    /// Each agent's open status entry (index into `entries`).
    open: HashMap<i64, usize>,
    pub applied: Vec<Applied>,
}

impl Log {
    /// A new status period for the agent: the open one ends now.
    pub fn status(
        &mut self,
        agent_id: i64,
        status_id: i64,
        at_ms: i64,
        call_id: Option<i64>,
        by: Option<i64>,
    ) {
        if let Some(i) = self.open.remove(&agent_id) {
            self.entries[i].ended_at_ms = Some(at_ms);
        }
        self.open.insert(agent_id, self.entries.len());
        self.push(agent_id, STATUS_CHANGE, status_id, at_ms, call_id, by, None);
    }

    /// A notification to the agent (a call offered or assigned): an entry that starts and ends at once.
    pub fn notification(&mut self, agent_id: i64, status_id: i64, at_ms: i64, call_id: i64) {
        let by = Some(agent_id);
        self.push(
            agent_id,
            CALL_NOTIFICATION,
            status_id,
            at_ms,
            Some(call_id),
            by,
            Some(at_ms),
        );
    }

    #[allow(clippy::too_many_arguments)] // One entry's fields; called from the two methods above.
    fn push(
        &mut self,
        agent_id: i64,
        activity: &'static str,
        status_id: i64,
        at_ms: i64,
        call_id: Option<i64>,
        whodunnit: Option<i64>,
        ended_at_ms: Option<i64>,
    ) {
        self.entries.push(Entry {
            id: self.entries.len() as i64 + 1,
            agent_id,
            activity,
            status_id,
            started_at_ms: at_ms,
            ended_at_ms,
            call_id,
            whodunnit,
        });
    }

    pub fn applied(
        &mut self,
        agent_id: i64,
        status_id: i64,
        at_ms: i64,
        source: &'static str,
        changed: bool,
    ) {
        self.applied.push(Applied {
            seq: self.applied.len() as u64 + 1,
            agent_id,
            status_id,
            status: user_status(status_id).map_or("Unknown", |s| s.name),
            applied_at_ms: at_ms,
            source,
            changed,
        });
    }
}

fn entry_json(e: &Entry, ccai: &CcaiState) -> Value {
    let whodunnit = e.whodunnit.and_then(|id| ccai.agent(id)).map(|a| {
        json!({ "id": a.id, "name": a.name(), "first_name": a.first_name, "last_name": a.last_name,
            "agent_number": a.agent_number, "avatar_url": null })
    });
    json!({
        "id": e.id,
        "agent_id": e.agent_id,
        "activity": e.activity,
        "status": status_ref(e.status_id),
        "started_at": iso_from_millis(e.started_at_ms),
        "ended_at": e.ended_at_ms.map(iso_from_millis),
        // Not documented: the unit of `duration`; seconds here, `null` while open.
        "duration": e.ended_at_ms.map(|end| (end - e.started_at_ms) as f64 / 1000.0),
        "call_id": e.call_id,
        "chat_id": null,
        "whodunnit": whodunnit,
    })
}

/// A11 + A5 + A6: `GET /manager/api/v1/agent_activity_logs?started_at[from]=&sort_column=started_at&
/// sort_direction=ASC&page=&per=`. Also `agent_id[]` (Not documented: a filter by agent).
pub async fn agent_activity_logs(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = match ListQuery::parse(pairs, &["started_at"]) {
        Ok(q) => q,
        Err(res) => return res,
    };
    let agents = match q.ints("agent_id[]") {
        Ok(a) => a,
        Err(res) => return res,
    };
    let st = app.lock();
    let entries = &st.ccai.log.entries;
    let rows = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| agents.as_ref().is_none_or(|a| a.contains(&e.agent_id)))
        .map(|(index, e)| Row {
            id: e.id,
            times: vec![("started_at", Some(e.started_at_ms))],
            index,
        })
        .collect();
    respond(rows, &q, uri.path(), &headers, |i| {
        entry_json(&entries[i], &st.ccai)
    })
}
