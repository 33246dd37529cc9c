//! One loop reads what CCAI has live for the agent, every [`POLL_MS`]: the call, then the chats. Both
//! follow the same rule: the state shown is CCAI's, and only the owner tab looks for new ones (S6).

use leptos::prelude::*;

use super::{call_loop, chats, now, sleep_ms, CallState};
use crate::adapter::AdapterState;

/// How often CCAI is read: the agent sees a change within this.
const POLL_MS: i32 = 700;
/// With no chat shown, chats are looked for every this many polls (2.1 s): a chat is offered to an
/// agent for much longer than that, and CCAI's rate limit (10 requests per second) is per company,
/// shared by every agent's owner tab.
const IDLE_CHAT_EVERY: u32 = 3;

pub(super) async fn run(state: AdapterState, calls: CallState) {
    // The timer's clock: a signal, so only the timer's text re-renders.
    let tick = calls.now_ms;
    leptos::prelude::set_interval(
        move || tick.set(now()),
        std::time::Duration::from_millis(500),
    );
    let mut polls: u32 = 0;
    loop {
        sleep_ms(POLL_MS).await;
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
