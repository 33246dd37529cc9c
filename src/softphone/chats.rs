//! Chats as CCAI reports them (issue 6): in the owner tab only, each poll lists the agent's chats that
//! ring (offered to the agent) or are in progress. Accepting one tells CCAI, then opens the customer's
//! Kustomer conversation and assigns it to the agent (A3, A4, through `pop.rs` as calls do); declining
//! tells CCAI and opens nothing.

use std::cell::Cell;

use leptos::prelude::*;

use super::pop::{self, Contact};
use crate::adapter::{AdapterState, Role};
use crate::api::chats::{self, Chat};
use crate::api::screen_pop::Party;
use crate::chrome::i18n::t1;
use crate::config::Config;
use crate::http::HttpError;

/// A chat and the customer's first message (read once, when it first rings).
#[derive(Clone, Debug, PartialEq)]
pub struct ChatItem {
    pub chat: Chat,
    pub first: String,
}

impl ChatItem {
    pub fn who(&self) -> String {
        self.chat.end_user.shown()
    }
}

#[derive(Clone, Copy)]
pub struct ChatState {
    /// The agent's ringing and live chats, in CCAI's order.
    pub list: RwSignal<Vec<ChatItem>>,
    /// How the last chat ended.
    pub ended: RwSignal<Option<String>>,
    /// A refusal or failure in words (role=alert).
    pub message: RwSignal<Option<String>>,
}

impl ChatState {
    pub fn new() -> Self {
        Self {
            list: RwSignal::new(Vec::new()),
            ended: RwSignal::new(None),
            message: RwSignal::new(None),
        }
    }

    pub fn any_ringing(&self, agent_id: Option<i64>) -> bool {
        let Some(agent_id) = agent_id else {
            return false;
        };
        self.list
            .with(|l| l.iter().any(|i| i.chat.is_ringing_for(agent_id)))
    }
}

thread_local! {
    /// Bumped by every action: a poll that started before it does not overwrite what it did.
    static VERSION: Cell<u32> = const { Cell::new(0) };
}

fn version() -> u32 {
    VERSION.with(Cell::get)
}

fn bump() {
    VERSION.with(|v| v.set(v.get().wrapping_add(1)));
}

/// One poll. A tab that is not the owner shows no chats: the owner rings (S6).
pub(super) async fn tick(config: &Config, state: AdapterState, chats: ChatState, agent_id: i64) {
    if state.role.get_untracked() != Role::Owner {
        if chats.list.with_untracked(|l| !l.is_empty()) {
            chats.list.set(Vec::new());
        }
        return;
    }
    let started = version();
    let Ok(fresh) = chats::active(config, agent_id).await else {
        return;
    };
    let before = chats.list.get_untracked();
    let mut next = Vec::new();
    for chat in fresh
        .into_iter()
        .filter(|c| c.is_ringing_for(agent_id) || c.is_live_for(agent_id))
    {
        let first = match before.iter().find(|i| i.chat.id == chat.id) {
            // Read again if it could not be read before.
            Some(item) if !item.first.is_empty() => item.first.clone(),
            _ => chats::first_message(config, chat.id)
                .await
                .unwrap_or_default(),
        };
        next.push(ChatItem { chat, first });
    }
    // Gone since the last poll: the customer left, or it ended. Say which, from CCAI.
    let mut ended = None;
    for gone in before
        .iter()
        .filter(|b| !next.iter().any(|n| n.chat.id == b.chat.id))
    {
        let last = chats::get(config, gone.chat.id).await.ok();
        ended = Some(ended_words(
            last.as_ref().unwrap_or(&gone.chat),
            &gone.who(),
        ));
    }
    if version() != started {
        return;
    }
    if ended.is_some() {
        chats.ended.set(ended);
    }
    if next != before {
        chats.list.set(next);
    }
}

fn ended_words(chat: &Chat, who: &str) -> String {
    match chat.status.as_str() {
        "canceled" => t1("chatCanceled", who),
        "queued" => t1("chatDeclined", who),
        _ => t1("chatEnded", who),
    }
}

fn failed(chats: ChatState, e: &HttpError) {
    let why = match e {
        HttpError::Unreachable => crate::chrome::i18n::t("ccaiUnreachable"),
        HttpError::Status { code, .. } => format!("HTTP {code}"),
        HttpError::BadBody => t1("ccaiError", "200"),
    };
    chats.message.set(Some(t1("chatFailed", &why)));
}

/// `accept`, `decline` or `finish` the chat `id`, as the agent pressed it; CCAI's answer is shown.
pub fn act(state: AdapterState, chats: ChatState, id: i64, action: &'static str) {
    let (Some(config), Some(_)) = (
        crate::adapter::current_config(),
        state.agent_id.get_untracked(),
    ) else {
        return;
    };
    let Some(item) = chats
        .list
        .with_untracked(|l| l.iter().find(|i| i.chat.id == id).cloned())
    else {
        return;
    };
    leptos::task::spawn_local(async move {
        let answer = chats::act(&config, id, action).await;
        bump();
        match answer {
            Ok(fresh) if action == "accept" => {
                chats.message.set(None);
                let item = ChatItem {
                    chat: fresh,
                    ..item
                };
                chats.list.update(|l| {
                    if let Some(slot) = l.iter_mut().find(|i| i.chat.id == id) {
                        *slot = item.clone();
                    }
                });
                let who = item.who();
                let user = &item.chat.end_user;
                let contact = Contact {
                    key: format!("chat:{id}"),
                    party: Party::Chat {
                        name: &who,
                        email: user.email.as_deref(),
                        phone: user.phone_number.as_deref(),
                    },
                    outbound: false,
                    subject: t1("chatSubject", &who),
                };
                pop::pop(&config, contact, true).await;
            }
            Ok(fresh) => {
                chats.message.set(None);
                chats.list.update(|l| l.retain(|i| i.chat.id != id));
                chats.ended.set(Some(ended_words(&fresh, &item.who())));
            }
            Err(e) => failed(chats, &e),
        }
    });
}
