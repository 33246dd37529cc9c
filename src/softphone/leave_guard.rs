//! Closing or reloading the owner tab during a call asks the agent first (USERS.md, Agents): the
//! content script is told whether the owner has live work, and its `beforeunload` asks the browser's
//! "Leave site?" question while it does.

use ccai_core::protocol::FrameMessage;
use ccai_core::softphone::call_is_live;
use leptos::prelude::*;

use super::{shared, CallState};
use crate::adapter::{AdapterState, Role};

/// Keeps the content script told, from now on. Needs a reactive owner (the softphone's view).
pub(super) fn watch(state: AdapterState, calls: CallState) {
    let live = Memo::new(move |_| {
        let call = calls.call.with(|c| {
            c.as_ref()
                .is_some_and(|c| call_is_live(&c.call_type, &c.status))
        });
        let chat = state.agent_id.get().is_some_and(|agent| {
            calls
                .chats
                .list
                .with(|l| l.iter().any(|i| i.chat.is_live_for(agent)))
        });
        // Only the owner rings, adopts and pops: a follower's tab can close without losing anything.
        state.role.get() == Role::Owner && (call || chat)
    });
    Effect::new(move |_| {
        let live = live.get();
        if let Some(s) = shared() {
            s.borrow().bridge.send(&FrameMessage::CallLive { live });
        }
    });
}
