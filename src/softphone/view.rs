//! The softphone's views: the dialer, the live call (status, timer, hold, mute, keypad, transfer,
//! hang up), what rings (an incoming call, chats: `incoming.rs`, `chat_view.rs`) with the ringtone and
//! its "sound is blocked" notice, and the badge the status bar shows while minimised. Every number and
//! message shown is text: nothing from the page or CCAI is rendered as HTML.
//!
//! Minimised, the panel shows only what rings: a ring must be seen (and heard) even then.

use leptos::prelude::*;

use super::call_loop::{act, dtmf, place, transfer};
use super::chat_view::Chats;
use super::incoming::{CardIds, RingCard};
use super::ring::{self, enable};
use super::{clock, CallState};
use crate::adapter::AdapterState;
use crate::api::calls::{Call, TransferTo};
use crate::chrome::i18n::{t, t1};

const KEYS: [char; 12] = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

fn status_words(status: &str) -> String {
    match status {
        "dialing" => t("callDialing"),
        "ringing" => t("callRinging"),
        "connected" => t("callConnected"),
        "on_hold" => t("callOnHold"),
        other => other.to_owned(),
    }
}

/// What the adapter's live region says when the call changes: it sits outside the panel, so the agent
/// also hears a ringing or answered call while the panel is minimised (issue 9).
pub fn spoken(call: &Call) -> String {
    if call.call_type == "inbound" && call.status == "ringing" {
        t1("callIncoming", &call.end_user_number)
    } else {
        status_words(&call.status)
    }
}

#[component]
pub fn Softphone() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    let live = move || calls.call.with(Option::is_some);
    let incoming = move || {
        calls.call.with(|c| {
            c.as_ref()
                .is_some_and(|c| c.call_type == "inbound" && c.status == "ringing")
        })
    };
    let chat_ringing = move || calls.chats.any_ringing(state.agent_id.get());
    let ringing = Memo::new(move |_| incoming() || chat_ringing());
    let ring = calls.ring;
    Effect::new(move |_| ring::set_ringing(ring, ringing.get()));
    super::leave_guard::watch(state, calls);
    // Any click or key in the frame is the gesture the browser waits for.
    let unblock = move || {
        if ring.blocked.get_untracked() {
            enable(ring);
        }
    };
    let pointer = window_event_listener(leptos::ev::pointerdown, move |_| unblock());
    let key = window_event_listener(leptos::ev::keydown, move |_| unblock());
    on_cleanup(move || {
        pointer.remove();
        key.remove();
    });
    let full = move || !state.minimised.get();
    let chats = calls.chats;
    view! {
        <div class="visually-hidden" role="status" aria-live="polite">{move || chat_spoken(state, calls)}</div>
        <section id="softphone" class="softphone" aria-label=t("phoneDialerTitle")
            data-ringtone=move || ring.tone.get().as_str()
            hidden=move || !full() && !ringing.get()>
            <Show when=move || ring.blocked.get()>
                <div class="sound-blocked" role="alert">
                    <button id="sound-blocked" type="button" on:click=move |_| enable(ring)>{t("soundBlocked")}</button>
                </div>
            </Show>
            <form id="dialer" class="dialer" hidden=move || live() || !full()
                on:submit=move |e| { e.prevent_default(); place(state, calls); }>
                <input id="dial-input" type="tel" autocomplete="off" maxlength="64"
                    aria-label=t("phoneNumberLabel") placeholder=t("phoneNumberLabel")
                    prop:value=move || calls.dial.get()
                    on:input=move |e| { calls.dial.set(event_target_value(&e)); calls.message.set(None); }/>
                <button id="call-button" type="submit" disabled=move || calls.busy.get()>{t("callButton")}</button>
            </form>
            <p id="call-message" class="notice problem" role="alert">{move || calls.message.get().unwrap_or_default()}</p>
            <p id="call-ended" class="call-ended" role="status">{move || calls.ended.get().unwrap_or_default()}</p>
            <Show when=incoming>
                <Incoming/>
            </Show>
            <div id="chats" class="chats" role="group" aria-label=t("chatsLabel")
                hidden=move || chats.list.with(Vec::is_empty) && chats.message.with(Option::is_none) && chats.ended.with(Option::is_none)>
                <p id="chat-message" class="notice problem" role="alert">{move || chats.message.get().unwrap_or_default()}</p>
                <p id="chat-ended" class="call-ended" role="status" hidden=move || !full()>{move || chats.ended.get().unwrap_or_default()}</p>
                <Chats ringing=true/>
                <Show when=full>
                    <Chats ringing=false/>
                </Show>
            </div>
            <Show when=move || live() && !incoming() && full()>
                <LiveCall/>
            </Show>
        </section>
    }
}

/// Spoken when a chat starts ringing, also while minimised: who, and what they wrote.
fn chat_spoken(state: AdapterState, calls: CallState) -> String {
    let agent = state.agent_id.get();
    calls.chats.list.with(|l| {
        l.iter()
            .find(|i| agent.is_some_and(|a| i.chat.is_ringing_for(a)))
            .map(|i| format!("{} — {}", t1("chatIncoming", &i.who()), i.first))
            .unwrap_or_default()
    })
}

#[component]
fn Incoming() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    let title = move || {
        calls.call.with(|c| {
            t1(
                "callIncoming",
                &c.as_ref()
                    .map(|c| c.end_user_number.clone())
                    .unwrap_or_default(),
            )
        })
    };
    let ids = CardIds {
        card: "incoming".into(),
        answer: "answer".into(),
        decline: "decline".into(),
    };
    view! {
        <RingCard ids=ids title=Signal::derive(title)
            answer_label=t("callAnswer") decline_label=t("callDecline")
            on_answer=Callback::new(move |_| act(state, calls, "answer"))
            on_decline=Callback::new(move |_| act(state, calls, "decline"))/>
    }
}

#[component]
fn LiveCall() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    let field = move |f: fn(&crate::api::calls::Call) -> String| {
        move || calls.call.with(|c| c.as_ref().map(f).unwrap_or_default())
    };
    let status = field(|c| c.status.clone());
    let on_hold = move || status() == "on_hold";
    let muted = move || calls.call.with(|c| c.as_ref().is_some_and(|c| c.muted));
    let connected = move || matches!(status().as_str(), "connected" | "on_hold");
    let target = RwSignal::new(String::new());
    let queue = RwSignal::new(String::new());
    let do_transfer = move |_| {
        let to = match queue.get_untracked().trim().parse::<i64>() {
            Ok(menu_id) => Some(TransferTo::Queue { menu_id }),
            Err(_) => target
                .get_untracked()
                .parse::<i64>()
                .ok()
                .or_else(|| calls.agents.with_untracked(|a| a.first().map(|a| a.id)))
                .map(|agent_id| TransferTo::Agent { agent_id }),
        };
        if let Some(to) = to {
            transfer(state, calls, to);
        }
    };
    view! {
        <div id="call-view" class="call-view">
            <p class="call-head">
                <span id="call-number">{field(|c| c.end_user_number.clone())}</span>
                " · "
                <span id="call-status" role="status" aria-live="polite">{move || status_words(&status())}</span>
                " "
                <span id="call-timer" aria-label=t("callTimerLabel") hidden=move || !connected()>{move || clock(calls.seconds())}</span>
            </p>
            <div class="call-actions">
                <button id="hold" type="button" disabled=move || !connected()
                    on:click=move |_| act(state, calls, if on_hold() { "resume" } else { "hold" })>
                    {move || if on_hold() { t("callResume") } else { t("callHold") }}
                </button>
                <button id="mute" type="button" disabled=move || !connected() aria-pressed=move || muted().to_string()
                    on:click=move |_| act(state, calls, if muted() { "unmute" } else { "mute" })>
                    {move || if muted() { t("callUnmute") } else { t("callMute") }}
                </button>
                <button id="hangup" type="button" class="hangup" on:click=move |_| act(state, calls, "hangup")>{t("callHangUp")}</button>
            </div>
            <div id="keypad" class="keypad" role="group" aria-label=t("callKeypad")>
                {KEYS.iter().map(|&k| view! {
                    <button type="button" data-digit=k.to_string() disabled=move || !connected()
                        on:click=move |_| dtmf(calls, k)>{k.to_string()}</button>
                }).collect_view()}
            </div>
            <p id="dtmf-sent" class="dtmf">{move || { let d = calls.dtmf.get(); if d.is_empty() { String::new() } else { t1("callDtmfSent", &d) } }}</p>
            <div class="transfer" role="group" aria-label=t("callTransfer")>
                <select id="transfer-target" aria-label=t("callTransferTo")
                    on:change=move |e| target.set(event_target_value(&e))>
                    {move || calls.agents.get().into_iter().map(|a| {
                        let label = if a.name.is_empty() { a.email.clone() } else { a.name.clone() };
                        view! { <option value=a.id.to_string()>{label}</option> }
                    }).collect_view()}
                </select>
                <input id="transfer-queue" type="text" inputmode="numeric" maxlength="9"
                    aria-label=t("callTransferQueue") placeholder=t("callTransferQueue")
                    on:input=move |e| queue.set(event_target_value(&e))/>
                <button id="transfer-button" type="button" disabled=move || !connected() on:click=do_transfer>{t("callTransfer")}</button>
            </div>
        </div>
    }
}

/// In the status bar: the call's timer while the panel is minimised (A2: the call goes on).
#[component]
pub fn CallBadge() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    let shown = move || state.minimised.get() && calls.call.with(Option::is_some);
    view! {
        <span id="call-badge" class="call-badge" hidden=move || !shown()>
            {move || if shown() { t1("callLiveBadge", &clock(calls.seconds())) } else { String::new() }}
        </span>
    }
}
