//! One loop reads what CCAI has live for the agent: the call, then the chats. Both follow the same
//! rule: the state shown is CCAI's, and only the owner tab looks for new ones (S6).
//!
//! The loop sleeps on a dedicated worker's clock (`Bridge::sleep`), not this frame's timers: Chrome
//! may hold a page hidden for a minute (5 while loading) to one timer wake-up a minute (intensive
//! wake-up throttling), and a background owner tab would then ring up to a minute late; a worker's
//! timers are not throttled (tests/tests/call_safety.rs checks both in the Chromium we test). The pace
//! is `ccai_core::softphone::poll_delay_ms`: 0.7 s while visible, 1 s while hidden.

use std::rc::Rc;

use ccai_core::softphone::poll_delay_ms;
use leptos::prelude::*;

use super::{call_loop, chats, now, CallState};
use crate::adapter::{AdapterState, Bridge};

/// With no chat shown, chats are looked for every this many polls (2.1 s visible, 3 s hidden): a chat
/// is offered to an agent for much longer than that, and CCAI's rate limit (10 requests per second) is
/// per company, shared by every agent's owner tab.
const IDLE_CHAT_EVERY: u32 = 3;

pub(super) async fn run(clock: Rc<Bridge>, state: AdapterState, calls: CallState) {
    // The timer's clock: a signal, so only the timer's text re-renders.
    let tick = calls.now_ms;
    leptos::prelude::set_interval(
        move || tick.set(now()),
        std::time::Duration::from_millis(500),
    );
    let mut polls: u32 = 0;
    loop {
        let _ = wasm_bindgen_futures::JsFuture::from(clock.sleep(poll_delay_ms(hidden()))).await;
        polls = polls.wrapping_add(1);
        let (Some(config), Some(agent_id)) = (
            crate::adapter::current_config(),
            state.agent_id.get_untracked(),
        ) else {
            continue;
        };
        call_loop::tick(&config, state, calls, agent_id).await;
        let chat_shown = calls.chats.list.with_untracked(|l| !l.is_empty());
        if chat_shown || polls.is_multiple_of(IDLE_CHAT_EVERY) {
            chats::tick(&config, state, calls.chats, agent_id).await;
        }
    }
}

/// The page is not on screen (a background tab, a minimised window).
fn hidden() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| d.hidden())
}
