//! Manager API agents (API-NOTES A10), user statuses (A9), and [`apply_status`], the one place where
//! an agent's CCAI status changes (API, call, wrap-up end or control hook alike).

use std::collections::HashMap;

use axum::extract::{OriginalUri, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::model::{self, status_ref, Agent, USER_STATUSES};
use super::paging::{respond, ListQuery, Row};
use crate::state::{iso_from_millis, App};

/// A4: errors are `{"message": "<text>"}`.
pub fn message(status: StatusCode, text: impl Into<String>) -> Response {
    (status, Json(json!({ "message": text.into() }))).into_response()
}

/// API-NOTES A9: `GET /manager/api/v1/user_statuses` → `[{id, wfm_id, name, color}]`.
pub async fn user_statuses() -> Json<Value> {
    let list: Vec<Value> = USER_STATUSES
        .iter()
        .map(|s| json!({ "id": s.id, "wfm_id": s.wfm_id, "name": s.name, "color": s.color }))
        .collect();
    Json(Value::Array(list))
}

/// An agent as A10 lists it.
pub fn agent_json(a: &Agent, ccai: &model::CcaiState, counts: (usize, usize)) -> Value {
    let teams: Vec<Value> = a
        .team_ids
        .iter()
        .enumerate()
        .map(|(position, t)| {
            let members = ccai
                .teams
                .iter()
                .find(|(id, _)| id == t)
                .map_or(0, |(_, m)| m.len());
            json!({ "id": t, "name": model::team_name(*t), "parent_id": null, "position": position,
                "deleted": false, "agents_count": members })
        })
        .collect();
    json!({
        "id": a.id,
        "email": a.email,
        "created_at": iso_from_millis(a.created_at_ms),
        // Not documented: login times; the sandbox says the agent logged in when created.
        "last_login_time": iso_from_millis(a.created_at_ms),
        "first_name": a.first_name,
        "middle_name": null,
        "last_name": a.last_name,
        "avatar_url": null,
        "agent_number": a.agent_number,
        "status": status_ref(a.status_id),
        "status_updated_at": iso_from_millis(a.status_updated_at_ms),
        "crm_authenticated": false,
        // Not documented: what `online` means; here, any status but Offline.
        "online": a.status_id != model::OFFLINE,
        "wrap_up": a.status_id == model::WRAP_UP,
        "call_count": counts.0,
        "chat_count": counts.1,
        "location": null,
        "roles": ["agent"],
        "teams": teams,
        "channels": [],
    })
}

/// Calls and chats per agent (A10 `call_count`, `chat_count`). The sandbox has no chats of its own
/// (the agent's side of chats is not documented, A18): `chat_count` is 0.
fn counts(ccai: &model::CcaiState) -> HashMap<i64, (usize, usize)> {
    let mut out: HashMap<i64, (usize, usize)> = HashMap::new();
    for id in ccai.calls.list.iter().filter_map(|c| c.agent_id) {
        out.entry(id).or_default().0 += 1;
    }
    out
}

/// One agent's JSON (A10 shape), counting their calls and chats.
pub fn one_agent_json(ccai: &model::CcaiState, a: &Agent) -> Value {
    let c = counts(ccai).get(&a.id).copied().unwrap_or_default();
    agent_json(a, ccai, c)
}

/// A10 + A5 + A6: `GET /manager/api/v1/agents?page=&per=&status_updated_at[from]=&sort_column=
/// status_updated_at&sort_direction=ASC`, filters `id[]`, `status_id[]`. A10 documents no `email`
/// filter: a client finds an agent by e-mail in the list.
pub async fn agents(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let q = match ListQuery::parse(pairs, &["status_updated_at", "created_at"]) {
        Ok(q) => q,
        Err(res) => return res,
    };
    let (ids, statuses) = match (q.ints("id[]"), q.ints("status_id[]")) {
        (Ok(i), Ok(s)) => (i, s),
        (Err(res), _) | (_, Err(res)) => return res,
    };
    let st = app.lock();
    let ccai = &st.ccai;
    let rows = ccai
        .agents
        .iter()
        .enumerate()
        .filter(|(_, a)| ids.as_ref().is_none_or(|i| i.contains(&a.id)))
        .filter(|(_, a)| statuses.as_ref().is_none_or(|s| s.contains(&a.status_id)))
        .map(|(index, a)| Row {
            id: a.id,
            times: vec![
                ("status_updated_at", Some(a.status_updated_at_ms)),
                ("created_at", Some(a.created_at_ms)),
            ],
            index,
        })
        .collect();
    let counts = counts(ccai);
    respond(rows, &q, uri.path(), &headers, |i| {
        let a = &ccai.agents[i];
        agent_json(a, ccai, counts.get(&a.id).copied().unwrap_or_default())
    })
}

/// A status change to apply on CCAI's side.
pub struct Change {
    pub agent_id: i64,
    pub status_id: i64,
    /// `api` (agent_statuses) or `system` (CCAI moved the agent: call, wrap-up end, control hook).
    pub source: &'static str,
    /// The call that caused it (In-call, Wrap-up), for A11's `call_id`.
    pub call_id: Option<i64>,
}

impl Change {
    /// A change CCAI makes itself (a call, the end of wrap-up, a control hook playing CCAI).
    pub fn system(agent_id: i64, status_id: i64) -> Change {
        Change {
            agent_id,
            status_id,
            source: "system",
            call_id: None,
        }
    }
}

/// Moves an agent to a status and records it. The caller holds the lock and has checked that the
/// move is allowed. Returns the previous status id, or `None` for an unknown agent. Feeds A11's
/// activity log and the applied log.
pub fn apply_status(ccai: &mut model::CcaiState, change: Change) -> Option<i64> {
    let now = model::unix_ms();
    let agent = ccai.agent_mut(change.agent_id)?;
    let previous = agent.status_id;
    if previous == change.status_id {
        ccai.log
            .applied(change.agent_id, change.status_id, now, change.source, false);
        return Some(previous);
    }
    agent.status_id = change.status_id;
    agent.status_updated_at_ms = now;
    agent.status_generation += 1;
    let by = (change.source != "api").then_some(change.agent_id);
    ccai.log
        .status(change.agent_id, change.status_id, now, change.call_id, by);
    ccai.log
        .applied(change.agent_id, change.status_id, now, change.source, true);
    Some(previous)
}
