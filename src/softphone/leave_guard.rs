//! Closing or reloading the owner tab during a call asks the agent first (USERS.md, Agents): the
//! content script is told whether the owner has a call placed or not yet ended (the core's
//! `CallView::is_live`), and its `beforeunload` asks the browser's "Leave site?" question while it does.

use ccai_core::protocol::FrameMessage;

use super::CallState;
use crate::frame::{AdapterState, Role};
use crate::ui;

/// Keeps the content script told, from now on.
pub(super) fn watch(state: AdapterState, calls: CallState) {
    ui::watch(
        // Only the owner places calls and opens conversations: a follower's tab can close freely.
        move || state.role.get() == Role::Owner && calls.view().is_live(),
        move |_, live| {
            if let Some(s) = calls.shared() {
                s.borrow()
                    .bridge
                    .send(&FrameMessage::CallLive { live: *live });
            }
        },
    );
}
