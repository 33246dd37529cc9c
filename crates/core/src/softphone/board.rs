//! The call the adapter shows, as a machine (quinn-shaped: `handle_*` with the time, `poll_action`,
//! `poll_timeout`, `view`). Inputs are what the company server pushes about the agent's calls and what
//! the agent did in the dialer; outputs are the view and the page navigations of the screen pop.
//!
//! Rules:
//! - A session's state only moves forward (ringing → accepted → connected → ended): a repeated or late
//!   push changes nothing, whatever order the pushes come in.
//! - The newest session that has not ended is the one shown; a call the agent places shows as
//!   "placing" until its first push (or [`PLACING_TIMEOUT_MS`] without one).
//! - The timer counts from CCAI's own `at_ms` of the connection, on this browser's clock: the offset
//!   between CCAI's clock and this one is the smallest `now - at_ms` seen (the push's travel time is
//!   never negative), so a skewed computer clock does not skew the timer.
//! - Only the owner tab opens conversations (S6), once per session and conversation, and never for a
//!   session that has ended (the agent has moved on).

use std::collections::{HashMap, HashSet, VecDeque};

use crate::server_api::CallState;

/// How long a placed call waits for its first push before the dialer is back. CCAI answers the
/// outbound request (A13) before the session's first event; a tenant without session events set up
/// (A20) never sends one.
pub const PLACING_TIMEOUT_MS: u64 = 30_000;

/// Sessions remembered for ordering; past this the oldest memory is dropped (a day's calls of one agent
/// are far fewer).
const SEEN_MAX: usize = 512;

/// What the executor must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Open this conversation in the page (screen pop, A3).
    Navigate { conversation_id: String },
}

/// The call shown, as the view needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shown {
    Idle,
    /// The agent pressed Call; CCAI has not reported the call yet.
    Placing {
        number: String,
        extension: Option<String>,
    },
    Live {
        session_id: String,
        state: CallState,
        /// Seconds connected, while connected.
        seconds: Option<u64>,
        /// The extension the agent dialled after the number: CCAI's outbound API takes none (A13), so
        /// the agent keys it in CCAI's adapter.
        extension: Option<String>,
    },
}

/// The last call that ended, and how long it was connected (CCAI's timestamps, so exact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndedCall {
    pub session_id: String,
    pub seconds: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallView {
    pub shown: Shown,
    pub ended: Option<EndedCall>,
}

impl CallView {
    /// The agent has work in progress that closing the owner tab would cut off from their view: a call
    /// being placed or not yet ended.
    pub fn is_live(&self) -> bool {
        !matches!(self.shown, Shown::Idle)
    }
}

#[derive(Debug, Clone)]
struct Live {
    session_id: String,
    state: CallState,
    /// CCAI's `at_ms` of the connection.
    connected_at: Option<u64>,
    extension: Option<String>,
}

#[derive(Debug, Clone)]
struct Placing {
    number: String,
    extension: Option<String>,
    since_ms: u64,
}

#[derive(Debug, Clone, Default)]
pub struct CallBoard {
    live: Option<Live>,
    placing: Option<Placing>,
    ended: Option<EndedCall>,
    /// Session → rank of the last state applied, in arrival order for trimming.
    seen: HashMap<String, u8>,
    seen_order: VecDeque<String>,
    popped: HashSet<(String, String)>,
    owner: bool,
    /// The smallest `now - at_ms` seen: this browser's clock minus CCAI's, plus the least travel time.
    offset_ms: Option<i64>,
    actions: VecDeque<Action>,
}

fn rank(s: CallState) -> u8 {
    match s {
        CallState::Ringing => 0,
        CallState::Accepted => 1,
        CallState::Connected => 2,
        CallState::Ended => 3,
    }
}

impl CallBoard {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether this tab is the owner tab (only it opens conversations).
    pub fn handle_role(&mut self, owner: bool) {
        self.owner = owner;
    }

    /// The agent pressed Call for `number` (E.164 as shown); the request goes to the server. Refused
    /// (false) while a call is placed or live: one call at a time, and a double click is one call.
    pub fn handle_placing(
        &mut self,
        number: String,
        extension: Option<String>,
        now_ms: u64,
    ) -> bool {
        if self.placing.is_some() || self.live.is_some() {
            return false;
        }
        self.ended = None;
        self.placing = Some(Placing {
            number,
            extension,
            since_ms: now_ms,
        });
        true
    }

    /// The server refused the call or could not be reached: the dialer is back (the executor says why).
    pub fn handle_place_failed(&mut self) {
        self.placing = None;
    }

    /// A `Push::Call`: session `session_id` reached `state` at CCAI's `at_ms`.
    pub fn handle_call(&mut self, session_id: &str, state: CallState, at_ms: u64, now_ms: u64) {
        let offset = now_ms as i64 - at_ms as i64;
        self.offset_ms = Some(self.offset_ms.map_or(offset, |o| o.min(offset)));
        let r = rank(state);
        if self.seen.get(session_id).is_some_and(|&seen| seen >= r) {
            return;
        }
        self.remember(session_id, r);
        let is_live = self
            .live
            .as_ref()
            .is_some_and(|l| l.session_id == session_id);
        if state == CallState::Ended {
            if is_live {
                let connected_at = self.live.take().and_then(|l| l.connected_at);
                self.ended = Some(EndedCall {
                    session_id: session_id.to_owned(),
                    seconds: connected_at.map(|c| at_ms.saturating_sub(c) / 1000),
                });
            }
            self.popped.retain(|(s, _)| s != session_id);
            return;
        }
        let connected_at = (state == CallState::Connected).then_some(at_ms);
        match self.live.as_mut().filter(|_| is_live) {
            Some(live) => {
                live.state = state;
                live.connected_at = live.connected_at.or(connected_at);
            }
            None => {
                // A new session: the call just placed, or one CCAI routed to the agent.
                let extension = self.placing.take().and_then(|p| p.extension);
                self.ended = None;
                self.live = Some(Live {
                    session_id: session_id.to_owned(),
                    state,
                    connected_at,
                    extension,
                });
            }
        }
    }

    /// A `Push::CallRecord`: the conversation the server's record rules chose for the session.
    pub fn handle_record(&mut self, session_id: &str, conversation_id: &str) {
        let ended = self.seen.get(session_id) == Some(&rank(CallState::Ended));
        if !self.owner || ended {
            return;
        }
        let key = (session_id.to_owned(), conversation_id.to_owned());
        if self.popped.insert(key) {
            self.actions.push_back(Action::Navigate {
                conversation_id: conversation_id.to_owned(),
            });
        }
    }

    /// When [`CallBoard::handle_timeout`] is due.
    pub fn poll_timeout(&self) -> Option<u64> {
        self.placing
            .as_ref()
            .map(|p| p.since_ms + PLACING_TIMEOUT_MS)
    }

    pub fn handle_timeout(&mut self, now_ms: u64) {
        if self.poll_timeout().is_some_and(|due| now_ms >= due) {
            self.placing = None;
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.actions.pop_front()
    }

    pub fn view(&self, now_ms: u64) -> CallView {
        let shown = match (&self.live, &self.placing) {
            (Some(l), _) => Shown::Live {
                session_id: l.session_id.clone(),
                state: l.state,
                seconds: l.connected_at.map(|c| {
                    let ccai_now = now_ms as i64 - self.offset_ms.unwrap_or(0);
                    (ccai_now - c as i64).max(0) as u64 / 1000
                }),
                extension: l.extension.clone(),
            },
            (None, Some(p)) => Shown::Placing {
                number: p.number.clone(),
                extension: p.extension.clone(),
            },
            (None, None) => Shown::Idle,
        };
        CallView {
            shown,
            ended: self.ended.clone(),
        }
    }

    fn remember(&mut self, session_id: &str, r: u8) {
        if self.seen.insert(session_id.to_owned(), r).is_none() {
            self.seen_order.push_back(session_id.to_owned());
            if self.seen_order.len() > SEEN_MAX {
                if let Some(old) = self.seen_order.pop_front() {
                    self.seen.remove(&old);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
