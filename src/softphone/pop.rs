//! Screen pop (A3) and assignment (A4), shared by calls and chats: the conversation for the other party
//! opens in the page through its own navigation, and once answered it is assigned to the agent. Each
//! happens once per call or chat in this tab (the owner tab, S6), however often it is asked for.

use std::cell::RefCell;
use std::collections::HashSet;

use ccai_core::protocol::{is_conversation_path, FrameMessage};
use leptos::prelude::*;

use super::shared;
use crate::api::kustomer;
use crate::api::screen_pop::{self, Party};
use crate::config::Config;

thread_local! {
    /// Calls and chats (`call:<id>`, `chat:<id>`) whose screen pop, and whose assignment, happened.
    static POPPED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
    static ASSIGNED: RefCell<HashSet<String>> = RefCell::new(HashSet::new());
}

/// A call or chat, as the screen pop needs it.
pub(super) struct Contact<'a> {
    /// `call:<id>` or `chat:<id>`: what "once" is counted by.
    pub key: String,
    pub party: Party<'a>,
    /// A call the agent placed: a number no customer has keeps the conversation on screen.
    pub outbound: bool,
    /// Names a conversation created for it.
    pub subject: String,
}

/// Opens the contact's conversation in the page, once. With `assign`, also assigns it to this agent's
/// Kustomer user, once.
pub(super) async fn pop(config: &Config, contact: Contact<'_>, assign: bool) {
    let first = POPPED.with(|p| p.borrow_mut().insert(contact.key.clone()));
    let assign_now = assign && ASSIGNED.with(|a| a.borrow_mut().insert(contact.key.clone()));
    if !first && !assign_now {
        return;
    }
    let on_screen = shared().and_then(|s| {
        s.borrow().state.page.with_untracked(|p| {
            p.as_ref().and_then(|p| {
                p.path
                    .strip_prefix("/app/conversations/")
                    .map(str::to_owned)
            })
        })
    });
    let Ok(conversation) = screen_pop::conversation_for(
        config,
        contact.party,
        on_screen.as_deref(),
        contact.outbound,
        &contact.subject,
    )
    .await
    else {
        return;
    };
    if first {
        let path = format!("/app/conversations/{conversation}");
        if is_conversation_path(&path) {
            if let Some(s) = shared() {
                let bridge = s.borrow().bridge.clone();
                bridge.send(&FrameMessage::Navigate { path });
            }
        }
    }
    if assign_now {
        if let Ok(user) = kustomer::current_user(config).await {
            let _ = screen_pop::assign(config, &conversation, &user.id).await;
        }
    }
}
