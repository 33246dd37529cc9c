//! One loop reads what CCAI has live for the agent, every [`POLL_MS`]: the call, then the chats. Both
//! follow the same rule: the state shown is CCAI's, and only the owner tab looks for new ones (S6).

use leptos::prelude::*;

use super::{call_loop, chats, now, sleep_ms, CallState};
use crate::adapter::AdapterState;

/// How often CCAI is read: the agent sees a change within this. Two requests per poll (calls, chats)
/// stay well under CCAI's 10 requests per second.
const POLL_MS: i32 = 700;

pub(super) async fn run(state: AdapterState, calls: CallState) {
    // The timer's clock: a signal, so only the timer's text re-renders.
    let tick = calls.now_ms;
    leptos::prelude::set_interval(
        move || tick.set(now()),
        std::time::Duration::from_millis(500),
    );
    loop {
        sleep_ms(POLL_MS).await;
        let (Some(config), Some(agent_id)) = (
            crate::adapter::current_config(),
            state.agent_id.get_untracked(),
        ) else {
            continue;
        };
        call_loop::tick(&config, state, calls, agent_id).await;
        chats::tick(&config, state, calls.chats, agent_id).await;
    }
}
