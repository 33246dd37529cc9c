//! The agent's chats in the owner tab: each ringing chat as a [`RingCard`] (who, their first message,
//! Accept / Decline), each accepted one as a line with End chat. Shown beside a call, never instead of
//! it: a chat and a call at once show both, the ringing ones first.

use leptos::prelude::*;

use super::chats::{act, ChatItem};
use super::incoming::{CardIds, RingCard};
use super::CallState;
use crate::adapter::AdapterState;
use crate::chrome::i18n::{t, t1};

/// The chats that ring (`ringing`) or are in progress (`!ringing`), minimised or not.
#[component]
pub fn Chats(ringing: bool) -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let chats = expect_context::<CallState>().chats;
    let shown = move || {
        let agent = state.agent_id.get();
        chats.list.with(|l| {
            l.iter()
                .filter(|i| {
                    agent.is_some_and(|a| {
                        if ringing {
                            i.chat.is_ringing_for(a)
                        } else {
                            i.chat.is_live_for(a)
                        }
                    })
                })
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <For each=shown key=|i: &ChatItem| (i.chat.id, i.chat.status.clone()) let:item>
            {if ringing { ringing_card(state, item).into_any() } else { live_line(state, item).into_any() }}
        </For>
    }
}

fn ringing_card(state: AdapterState, item: ChatItem) -> impl IntoView {
    let chats = expect_context::<CallState>().chats;
    let id = item.chat.id;
    let ids = CardIds {
        card: format!("incoming-chat-{id}"),
        answer: format!("chat-accept-{id}"),
        decline: format!("chat-decline-{id}"),
    };
    let title = t1("chatIncoming", &item.who());
    let first = item.first.clone();
    view! {
        <RingCard ids=ids title=Signal::derive(move || title.clone()) message=Signal::derive(move || first.clone())
            answer_label=t("chatAccept") decline_label=t("chatDecline")
            on_answer=Callback::new(move |_| act(state, chats, id, "accept"))
            on_decline=Callback::new(move |_| act(state, chats, id, "decline"))/>
    }
}

fn live_line(state: AdapterState, item: ChatItem) -> impl IntoView {
    let chats = expect_context::<CallState>().chats;
    let id = item.chat.id;
    view! {
        <div id=format!("chat-{id}") class="chat-view">
            <p class="call-head">
                <span class="chat-who">{t1("chatLive", &item.who())}</span>
                " · "
                <span class="chat-status">{t("chatInProgress")}</span>
            </p>
            <p class="incoming-message">{item.first.clone()}</p>
            <button id=format!("chat-finish-{id}") type="button" class="hangup" on:click=move |_| act(state, chats, id, "finish")>{t("chatFinish")}</button>
        </div>
    }
}
