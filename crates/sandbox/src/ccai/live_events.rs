//! The session events (A20) of calls that move one step at a time: an outbound call placed through
//! A13 (Start, Assigned), and what the control hooks play (an incoming call rings: Start, Routing,
//! Assigned; the far end answers: Active; hangs up: End, Final; a ring is missed: End). Sent only when a
//! call URL is set, as CCAI sends them only where its portal says (A20).
//!
//! Not documented (A20): whether CCAI answers the outbound request before or after it sends the
//! session's first events. The sandbox answers first and sends them just after, in the background; a
//! call's events go out in order (one sender at a time), each built when its turn comes, so its item is
//! the call as it is then. (The whole-call hook, `call_session.rs`, sends its own.)

use ccai_core::records::ccai_events::{CcaiSessionEvent, SessionState};

use super::call_session::item;
use super::model::unix_ms;
use super::session_events::{event, event_uuid, Channel};
use crate::state::{random_u64, App};

/// One call's events so far: their ids' seed, how many were sent, the last timestamp (A20's
/// timestamps rise within a session).
#[derive(Clone, Copy, Debug)]
pub struct Run {
    seed: u64,
    sent: u64,
    last_ms: u64,
}

impl Run {
    pub fn new() -> Run {
        Run {
            seed: random_u64(),
            sent: 0,
            last_ms: 0,
        }
    }
}

impl Default for Run {
    fn default() -> Self {
        Run::new()
    }
}

/// One sender at a time, for every sandbox in the process: a call's events never overtake each other.
static ORDER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Builds call `id`'s next event in `state` from the model as it is now.
fn next(app: &App, id: i64, state: SessionState, routed: bool) -> Option<CcaiSessionEvent> {
    let at_ms = app.at_ms();
    let mut st = app.lock();
    let ccai = &mut st.ccai;
    let i = ccai.calls.list.iter().position(|c| c.id == id)?;
    let run = &mut ccai.calls.list[i].events;
    run.last_ms = (unix_ms() as u64).max(run.last_ms + 1);
    let (ts, uuid) = (run.last_ms, event_uuid(run.seed, run.sent));
    run.sent += 1;
    Some(event(state, ts, item(ccai, i, at_ms, routed), uuid))
}

/// Sends call `id`'s events in `states`, in order, after any still going out.
pub async fn send(app: &App, id: i64, states: &[SessionState]) {
    if !app.ccai_events.has(Channel::Call) {
        return;
    }
    let _turn = ORDER.lock().await;
    let routed = app
        .lock()
        .ccai
        .calls
        .list
        .iter()
        .any(|c| c.id == id && c.call_type == "inbound");
    for state in states {
        let Some(ev) = next(app, id, state.clone(), routed) else {
            return;
        };
        // A failed delivery is in the emitter's log; A20 documents no retries and the sandbox makes none.
        let _ = app.ccai_events.send(Channel::Call, vec![ev]).await;
    }
}

/// As [`send`], in the background: the hook or API answers at once.
pub fn spawn(app: &App, id: i64, states: Vec<SessionState>) {
    let app = app.clone();
    tokio::spawn(async move { send(&app, id, &states).await });
}
