//! One call for one agent, played through the sandbox's CCAI model and announced as CCAI's external
//! session events (API-NOTES A20): Start, Routing (inbound only), Assigned, Active, End, Final, each
//! carrying the call's A12 object as `item`. The load test asks for one per agent every few minutes
//! (`POST /sandbox/ccai/agents/{id}/call`).
//!
//! The model moves as for every call: the call appears in A17's list and A11's log, the agent goes
//! In-call when connected, Wrap-up when it ends, and Available when the disposition is submitted
//! (A20's Final: "Agent dispositionSubmitted").

use std::time::Duration;

use ccai_core::records::ccai_events::{CcaiSessionEvent, Named, Names, SessionItem, SessionState};
use serde::Deserialize;

use super::agents::{apply_status, Change};
use super::call_object::call_object;
use super::calls::{connect, end, new_call, notify, system_status};
use super::model::{is_system, unix_ms, CcaiState, AVAILABLE, IN_CALL, WRAP_UP};
use super::session_events::{event, event_uuid, Channel, Delivery, EmitError};
use crate::state::{random_u64, App};

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CallRequest {
    /// The caller (E.164). Default: a number made from the call's id.
    pub end_user_number: Option<String>,
    /// An outbound call the agent makes (no Routing) instead of an inbound one.
    pub outbound: bool,
    /// Time between Active and End (the conversation).
    pub talk_ms: u64,
    /// Time between the other states.
    pub step_ms: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("agent {0} not found")]
    NoAgent(i64),
    #[error("agent {0} is on a call or in a system status")]
    Busy(i64),
    #[error("{0}")]
    Number(String),
    #[error(transparent)]
    Emit(#[from] EmitError),
}

/// Where the call is: its index, and the last timestamp sent (timestamps only rise within a session).
struct Run {
    i: usize,
    last_ms: u64,
    seed: u64,
    sent: u64,
}

/// Creates the call (checked now, so the hook can refuse at once) and returns how to go on with it.
fn start(app: &App, agent_id: i64, req: &CallRequest) -> Result<(Run, i64), CallError> {
    let mut st = app.lock();
    let ccai = &mut st.ccai;
    let agent = ccai.agent(agent_id).ok_or(CallError::NoAgent(agent_id))?;
    let live = ccai
        .calls
        .list
        .iter()
        .any(|c| c.agent_id == Some(agent_id) && c.ended_at.is_none());
    if live || is_system(agent.status_id) {
        return Err(CallError::Busy(agent_id));
    }
    let next_id = 1000 + ccai.calls.list.len() as i64 + 1;
    let number = req
        .end_user_number
        .clone()
        .unwrap_or_else(|| format!("+1415{:07}", next_id % 10_000_000));
    let body = serde_json::json!({ "agent_id": agent_id, "end_user_number": number, "lang": "en" });
    let (kind, status) = if req.outbound {
        ("outbound", "dialing")
    } else {
        ("inbound", "queued")
    };
    let i = new_call(ccai, &body, kind, status).map_err(CallError::Number)?;
    if req.outbound {
        notify(ccai, i);
        system_status(ccai, i, Some(agent_id), IN_CALL);
    } else {
        // Inbound: queued for nobody yet; the agent is assigned at A20's Assigned.
        ccai.calls.list[i].agent_id = None;
    }
    let id = ccai.calls.list[i].id;
    Ok((
        Run {
            i,
            last_ms: 0,
            seed: random_u64(),
            sent: 0,
        },
        id,
    ))
}

/// The call's item now: its A12 object, plus the customer's number (`dn`) and, once routed, the queue.
pub(super) fn item(ccai: &CcaiState, i: usize, now_ms: f64, routed: bool) -> SessionItem {
    let c = &ccai.calls.list[i];
    let mut item: SessionItem =
        serde_json::from_value(call_object(c, ccai, now_ms)).unwrap_or_default();
    item.dn = Some(c.end_user_number.clone());
    if routed {
        let support = || Names::Many(vec![Named::Name("Support".into())]);
        item.queue_path_names = Some(support());
        item.menu_path = Some(support());
        item.selected_menu = Some(Named::Name("Support".into()));
    }
    item
}

/// Applies `f` to the model, then sends the state with the item as it is after.
async fn step(
    app: &App,
    run: &mut Run,
    state: SessionState,
    routed: bool,
    f: impl FnOnce(&mut CcaiState, usize, f64),
) -> Result<Delivery, EmitError> {
    let at_ms = app.at_ms();
    let now = unix_ms() as u64;
    run.last_ms = now.max(run.last_ms + 1);
    let ev: CcaiSessionEvent = {
        let mut st = app.lock();
        let ccai = &mut st.ccai;
        f(ccai, run.i, at_ms);
        ccai.calls.list[run.i].updated_at_unix_ms = run.last_ms as i64;
        let id = event_uuid(run.seed, run.sent);
        event(state, run.last_ms, item(ccai, run.i, at_ms, routed), id)
    };
    run.sent += 1;
    app.ccai_events.send(Channel::Call, vec![ev]).await
}

/// Plays the whole call; the deliveries as sent.
async fn play(
    app: App,
    agent_id: i64,
    req: CallRequest,
    mut run: Run,
) -> Result<Vec<Delivery>, EmitError> {
    let pause = |ms: u64| tokio::time::sleep(Duration::from_millis(ms));
    let mut out = Vec::new();
    let inbound = !req.outbound;
    out.push(step(&app, &mut run, SessionState::Start, false, |_, _, _| {}).await?);
    if inbound {
        pause(req.step_ms).await;
        out.push(step(&app, &mut run, SessionState::Routing, true, |_, _, _| {}).await?);
    }
    pause(req.step_ms).await;
    out.push(
        step(
            &app,
            &mut run,
            SessionState::Assigned,
            inbound,
            |ccai, i, _| {
                let c = &mut ccai.calls.list[i];
                c.agent_id = Some(agent_id);
                if inbound {
                    c.status = "ringing";
                    notify(ccai, i);
                }
            },
        )
        .await?,
    );
    pause(req.step_ms).await;
    out.push(step(&app, &mut run, SessionState::Active, inbound, connect).await?);
    pause(req.talk_ms).await;
    out.push(
        step(&app, &mut run, SessionState::End, inbound, |ccai, i, at| {
            end(ccai, i, at, "finished")
        })
        .await?,
    );
    pause(req.step_ms).await;
    out.push(
        step(
            &app,
            &mut run,
            SessionState::Final,
            inbound,
            |ccai, i, _| {
                let still = ccai.agent(agent_id).is_some_and(|a| a.status_id == WRAP_UP);
                if still {
                    let mut change = Change::system(agent_id, AVAILABLE);
                    change.call_id = Some(ccai.calls.list[i].id);
                    apply_status(ccai, change);
                }
            },
        )
        .await?,
    );
    Ok(out)
}

/// Starts the call now and plays it: to the end before answering when `wait`, else in the background.
/// The call's id, and the deliveries when waited for.
pub async fn call(
    app: &App,
    agent_id: i64,
    req: CallRequest,
    wait: bool,
) -> Result<(i64, Option<Vec<Delivery>>), CallError> {
    if !app.ccai_events.has(Channel::Call) {
        return Err(EmitError::NoEndpoint(Channel::Call).into());
    }
    let (run, id) = start(app, agent_id, &req)?;
    let task = play(app.clone(), agent_id, req, run);
    if wait {
        return Ok((id, Some(task.await?)));
    }
    tokio::spawn(task);
    Ok((id, None))
}
