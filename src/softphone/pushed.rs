//! The executor of the core's call board: feeds it what the company server pushes (`Push::Call`,
//! `Push::CallRecord`, the company's `Settings`) and this tab's role, and carries out what it asks
//! (open a conversation in the page) and its one timer (a placed call that never showed).

use std::cell::RefCell;
use std::rc::Rc;

use ccai_core::protocol::{is_conversation_path, FrameMessage};
use ccai_core::server_api::Push;
use ccai_core::settings::SyncSettings;
use ccai_core::softphone::Action;

use super::{now, CallState, Shared};
use crate::company;
use crate::frame::{AdapterState, Role};
use crate::ui;

/// Subscribes to the agent's pushes for the page's life.
pub(super) fn follow(calls: CallState) {
    company::events::subscribe(move |push| on_push(calls, push)).keep();
}

/// Keeps the board told of this tab's role (only the owner tab opens conversations, S6), and the
/// timer ticking while a call is live.
pub(super) fn watch_role(state: AdapterState, calls: CallState) {
    ui::watch(
        move || state.role.get() == Role::Owner,
        move |_, owner| {
            let owner = *owner;
            calls.with_board(|b| b.handle_role(owner));
        },
    );
    ui::every(500, move || {
        if calls.view().is_live() {
            // The timer's seconds come from the clock: the frame shows them again.
            ui::changed();
        }
    });
}

fn on_push(calls: CallState, push: &Push) {
    match push {
        Push::Call {
            session_id,
            state,
            at_ms,
        } => {
            calls.with_board(|b| b.handle_call(session_id, *state, *at_ms, now() as u64));
        }
        Push::CallRecord {
            session_id,
            conversation_id,
            ..
        } => {
            calls.with_board(|b| b.handle_record(session_id, conversation_id));
        }
        Push::Settings { settings, .. } => apply_settings(calls, settings),
        _ => {}
    }
}

/// The company's settings the softphone uses: the countries national numbers are read in (C2) and
/// the address of CCAI's adapter.
pub(super) fn apply_settings(calls: CallState, settings: &SyncSettings) {
    if let Some(s) = calls.shared() {
        let mut s = s.borrow_mut();
        if !settings.phone_countries.is_empty() && s.countries != settings.phone_countries {
            s.countries = settings.phone_countries.clone();
            s.verdicts.clear();
        }
    }
    let url = settings.ccai_adapter_url.trim();
    // The core's check again: a link the panel opens is never anything but https.
    let url = if ccai_core::settings::is_adapter_url(url) {
        url
    } else {
        ""
    };
    if calls.adapter_url.get() != url {
        calls.adapter_url.set(url.to_owned());
    }
}

/// After the board changed: carry out its actions and arm its timer.
pub(super) fn after_change(calls: CallState, shared: &Rc<RefCell<Shared>>) {
    loop {
        let action = shared.borrow_mut().board.poll_action();
        let Some(action) = action else { break };
        match action {
            Action::Navigate { conversation_id } => {
                let path = format!("/app/conversations/{conversation_id}");
                // The content script checks the path again; an id the page could not take is dropped.
                if is_conversation_path(&path) {
                    let bridge = shared.borrow().bridge.clone();
                    bridge.send(&FrameMessage::Navigate { path });
                }
            }
        }
    }
    let due = shared.borrow().board.poll_timeout();
    let armed = shared.borrow().armed;
    if let Some(due) = due.filter(|d| armed != Some(*d)) {
        shared.borrow_mut().armed = Some(due);
        let wait = due.saturating_sub(now() as u64);
        wasm_bindgen_futures::spawn_local(async move {
            crate::timer::sleep_ms(wait.min(i32::MAX as u64) as i32).await;
            calls.with_board(|b| b.handle_timeout(now() as u64));
        });
    }
}
