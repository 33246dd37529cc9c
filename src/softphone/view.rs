//! The softphone's views: the dialer, the call as the company server pushes it (number or session,
//! state, timer), the way to CCAI's own adapter for what CCAI offers no API for (A16), and the badge the
//! status bar shows while minimised. Every text is a text node: nothing from the page, the server or
//! CCAI is rendered as HTML.
//!
//! Minimised, the panel shows only a call that rings: a ring must be seen even then.

use ccai_core::server_api::CallState as Pushed;
use ccai_core::softphone::{CallView, Shown};
use leptos::prelude::*;

use super::place::place;
use super::{clock, CallState};
use crate::chrome::i18n::{t, t1};
use crate::frame::AdapterState;

fn state_words(state: Pushed) -> String {
    match state {
        Pushed::Ringing => t("callRinging"),
        Pushed::Accepted => t("callAccepted"),
        Pushed::Connected => t("callConnected"),
        Pushed::Ended => t("callEnded"),
    }
}

/// What the adapter's live region says when the call changes: it sits outside the panel, so the agent
/// also hears a ringing or answered call while the panel is minimised (issue 9).
pub fn spoken(view: &CallView) -> Option<String> {
    match &view.shown {
        Shown::Idle => None,
        Shown::Placing { number, .. } => Some(t1("callPlacing", number)),
        Shown::Live { state, .. } => Some(state_words(*state)),
    }
}

#[component]
pub fn Softphone() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    super::pushed::watch_role(state, calls);
    super::leave_guard::watch(state, calls);
    let shown = Memo::new(move |_| calls.view().shown);
    let idle = move || shown.with(|s| *s == Shown::Idle);
    let ringing = move || {
        shown.with(|s| {
            matches!(
                s,
                Shown::Live {
                    state: Pushed::Ringing,
                    ..
                }
            )
        })
    };
    let full = move || !state.minimised.get();
    let ended = move || {
        calls.view().ended.map(|e| match e.seconds {
            Some(s) => format!("{} ({})", t("callEnded"), clock(s)),
            None => t("callEnded"),
        })
    };
    view! {
        <section id="softphone" class="softphone" aria-label=t("phoneDialerTitle")
            hidden=move || !full() && !ringing()>
            <form id="dialer" class="dialer" hidden=move || !idle() || !full()
                on:submit=move |e| { e.prevent_default(); place(calls); }>
                <input id="dial-input" type="tel" autocomplete="off" maxlength="64"
                    aria-label=t("phoneNumberLabel") placeholder=t("phoneNumberLabel")
                    prop:value=move || calls.dial.get()
                    on:input=move |e| { calls.dial.set(event_target_value(&e)); calls.message.set(None); }/>
                <button id="call-button" type="submit">{t("callButton")}</button>
            </form>
            <p id="call-message" class="notice problem" role="alert">{move || calls.message.get().unwrap_or_default()}</p>
            <p id="call-note" class="notice" role="status">{move || calls.note.get().unwrap_or_default()}</p>
            <p id="call-ended" class="call-ended" role="status" hidden=move || !idle()>{move || ended().unwrap_or_default()}</p>
            <Show when=move || !idle()>
                <LiveCall/>
            </Show>
            <InCcai/>
        </section>
    }
}

#[component]
fn LiveCall() -> impl IntoView {
    let calls = expect_context::<CallState>();
    let view = move || calls.view().shown;
    let status = move || match view() {
        Shown::Placing { number, .. } => t1("callPlacing", &number),
        Shown::Live { state, .. } => state_words(state),
        Shown::Idle => String::new(),
    };
    let seconds = move || match view() {
        Shown::Live { seconds, .. } => seconds,
        _ => None,
    };
    let extension = move || match view() {
        Shown::Placing { extension, .. } | Shown::Live { extension, .. } => extension,
        Shown::Idle => None,
    };
    view! {
        <div id="call-view" class="call-view">
            <p class="call-head">
                <span id="call-status" role="status" aria-live="polite">{status}</span>
                " "
                <span id="call-timer" aria-label=t("callTimerLabel") hidden=move || seconds().is_none()>
                    {move || seconds().map(clock).unwrap_or_default()}
                </span>
            </p>
            <p id="call-extension" class="dtmf" hidden=move || extension().is_none()>
                {move || extension().map(|x| t1("callExtensionInCcai", &x)).unwrap_or_default()}
            </p>
        </div>
    }
}

/// CCAI offers no API to answer, hold, mute, key digits, transfer or chat (A16, A18): the panel says
/// so and opens CCAI's own adapter, whose address the admin set (a new tab; none when unset).
#[component]
fn InCcai() -> impl IntoView {
    let calls = expect_context::<CallState>();
    let url = move || calls.adapter_url.get();
    view! {
        <p id="in-ccai" class="in-ccai">
            <span id="in-ccai-text">{t("callControlsInCcai")}</span>
            " "
            <a id="open-ccai-adapter" href=url target="_blank" rel="noopener noreferrer"
                hidden=move || url().is_empty()>{t("openCcaiAdapter")}</a>
        </p>
    }
}

/// In the status bar: the call's state and timer while the panel is minimised (A2: the call goes on).
#[component]
pub fn CallBadge() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let calls = expect_context::<CallState>();
    let text = move || {
        if !state.minimised.get() {
            return None;
        }
        match calls.view().shown {
            Shown::Idle => None,
            Shown::Live {
                seconds: Some(s), ..
            } => Some(t1("callLiveBadge", &clock(s))),
            other => spoken(&CallView {
                shown: other,
                ended: None,
            }),
        }
    };
    view! {
        <span id="call-badge" class="call-badge" hidden=move || text().is_none()>
            {move || text().unwrap_or_default()}
        </span>
    }
}
