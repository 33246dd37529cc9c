//! One stored delivery into the rules' events: what the session had before, the parent of a call back,
//! the agents it names (by CCAI id, A12), then `ccai_core`'s translation, stored in the transaction of
//! the worker's turn (`engine::next_event`).

use std::collections::HashMap;

use ccai_core::records::ccai_events::CcaiSessionEvent;
use ccai_core::records::ccai_translate::{translate, SessionSoFar};
use ccai_core::server_api::CallState;

use super::inbox::{call_state, PushIntent};
use crate::state::AppState;
use crate::store::db::Conn;

/// What `translate_next` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Step {
    Took,
    Empty,
    /// The next delivery waits for an earlier session of the customer to end (up to the gap).
    Waiting,
}

/// Translates the key's next pending delivery, if any, on `store`: a connection the caller holds, in a
/// transaction the caller commits.
pub fn translate_next(state: &AppState, store: &Conn, key: &str) -> Result<Step, String> {
    let Some(d) = store
        .records_next_delivery(key)
        .map_err(|e| e.to_string())?
    else {
        return Ok(Step::Empty);
    };
    if let Some(earlier) = store
        .records_open_earlier_session(key, &d.session_id, d.ts)
        .map_err(|e| e.to_string())?
    {
        let waited = crate::now_ms().saturating_sub(d.received_at_ms);
        if waited < state.0.cfg.records_gap_ms {
            return Ok(Step::Waiting);
        }
        eprintln!(
            "ccai-server: records: {key}: session {earlier} has not ended after {waited} ms; \
             applying session {} without it",
            d.session_id
        );
        store
            .records_stop_waiting_for(&earlier)
            .map_err(|e| e.to_string())?;
    }
    let delivery: CcaiSessionEvent = match serde_json::from_str(&d.body) {
        Ok(e) => e,
        Err(e) => {
            eprintln!(
                "ccai-server: records: stored delivery {} is unreadable ({e}); skipped",
                d.event_id
            );
            store
                .records_delivery_skipped(&d.event_id)
                .map_err(|e| e.to_string())?;
            return Ok(Step::Took);
        }
    };
    let so_far = store
        .records_session_so_far(&delivery.session_id())
        .map_err(|e| e.to_string())?;
    let previous: Option<CcaiSessionEvent> = so_far
        .last_body
        .as_deref()
        .and_then(|b| serde_json::from_str(b).ok());
    let parent: Option<CcaiSessionEvent> = match &delivery.item.parent_id {
        Some(pid) => store
            .records_session_so_far(&pid.as_text())
            .map_err(|e| e.to_string())?
            .last_body
            .as_deref()
            .and_then(|b| serde_json::from_str(b).ok()),
        None => None,
    };
    // The agents this delivery and the one before it name, read once from the server's agents.
    let mut emails: HashMap<i64, Option<String>> = HashMap::new();
    for a in [Some(&delivery), previous.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|e| e.item.agent_info.as_ref())
    {
        let email = store.records_agent_email(a.id).map_err(|e| e.to_string())?;
        emails.insert(a.id, email);
    }
    let fresh = previous.as_ref().is_none_or(|p| {
        (p.timestamp, p.state.rank()) < (delivery.timestamp, delivery.state.rank())
    });
    let ctx = SessionSoFar {
        previous: previous.as_ref(),
        max_rank: so_far.max_rank,
        parent: parent.as_ref(),
    };
    let events = match translate(d.channel, &delivery, &ctx, |id| {
        emails.get(&id).cloned().flatten()
    }) {
        Ok(events) => events,
        Err(skip) => {
            eprintln!(
                "ccai-server: records: delivery {} of session {} acknowledged, not applied: {skip}",
                d.event_id,
                delivery.session_id()
            );
            store
                .records_delivery_skipped(&d.event_id)
                .map_err(|e| e.to_string())?;
            return Ok(Step::Took);
        }
    };
    let bodies: Vec<(String, String)> = events
        .iter()
        .map(|e| serde_json::to_string(e).map(|b| (e.event_id.clone(), b)))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    // Once this delivery's events are applied, its agent is told the session's conversation (the
    // call's state itself went out from the intake). A stale delivery tells the agent nothing new.
    let push = match (
        fresh,
        call_state(&delivery.state),
        &delivery.item.agent_info,
    ) {
        (true, Some(call), Some(agent)) => {
            emails
                .get(&agent.id)
                .cloned()
                .flatten()
                .map(|agent_email| PushIntent {
                    delivery_id: d.event_id.clone(),
                    agent_email,
                    session_id: delivery.session_id(),
                    ends: call == CallState::Ended,
                })
        }
        _ => None,
    };
    store
        .records_translated(
            &delivery,
            key,
            &bodies,
            push.as_ref(),
            fresh,
            crate::now_ms(),
        )
        .map_err(|e| e.to_string())?;
    Ok(Step::Took)
}
