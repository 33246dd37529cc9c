//! The softphone's views: the dialer, the call as the company server pushes it (number or session,
//! state, timer), the way to CCAI's own adapter for what CCAI offers no API for (A16), and the badge the
//! status bar shows while minimised. Every text is a text node: nothing from the page, the server or
//! CCAI is rendered as HTML.
//!
//! Minimised, the panel shows only a call that rings: a ring must be seen even then.

use ccai_core::server_api::CallState as Pushed;
use ccai_core::softphone::{CallView, Shown};
use web_sys::{Element, HtmlInputElement};

use super::place::place;
use super::{clock, CallState};
use crate::chrome::i18n::{t, t1};
use crate::frame::AdapterState;
use crate::ui::{self, bind};

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

/// Binds the softphone's part of `adapter.html`: the dialer, the message lines, the live call (in the
/// markup only while there is one) and the way to CCAI's adapter.
pub fn bind(state: AdapterState, calls: CallState) {
    super::pushed::watch_role(state, calls);
    super::leave_guard::watch(state, calls);
    let shown = move || calls.view().shown;
    let idle = move || shown() == Shown::Idle;
    let ringing = move || {
        matches!(
            shown(),
            Shown::Live {
                state: Pushed::Ringing,
                ..
            }
        )
    };
    let full = move || !state.minimised.get();
    bind::flag(&ui::by_id("softphone"), "hidden", move || {
        !full() && !ringing()
    });

    let dialer = ui::by_id::<Element>("dialer");
    bind::flag(&dialer, "hidden", move || !idle() || !full());
    ui::on(&dialer, "submit", move |e: web_sys::Event| {
        e.prevent_default();
        place(calls);
    });
    let input = ui::by_id::<HtmlInputElement>("dial-input");
    {
        let input = input.clone();
        ui::watch(
            move || calls.dial.get(),
            move |_, dial| input.set_value(dial),
        );
    }
    ui::on(&input.clone(), "input", move |_: web_sys::Event| {
        calls.dial.set(input.value());
        calls.message.set(None);
    });
    bind::text(&ui::by_id("call-message"), move || {
        calls.message.get().unwrap_or_default()
    });
    bind::text(&ui::by_id("call-note"), move || {
        calls.note.get().unwrap_or_default()
    });
    let ended = ui::by_id::<Element>("call-ended");
    bind::flag(&ended, "hidden", move || !idle());
    bind::text(&ended, move || {
        calls
            .view()
            .ended
            .map(|e| match e.seconds {
                Some(s) => format!("{} ({})", t("callEnded"), clock(s)),
                None => t("callEnded"),
            })
            .unwrap_or_default()
    });
    live_call(calls, idle);
    let url = move || calls.adapter_url.get();
    let link = ui::by_id::<Element>("open-ccai-adapter");
    bind::attr(&link, "href", move || Some(url()));
    bind::flag(&link, "hidden", move || url().is_empty());
}

/// The call placed or pushed: its state, timer and extension. In the markup only while there is one.
fn live_call(calls: CallState, idle: impl Fn() -> bool + 'static) {
    let view = move || calls.view().shown;
    let call_view = ui::by_id::<Element>("call-view");
    let in_ccai = ui::by_id::<Element>("in-ccai");
    let softphone = ui::by_id::<Element>("softphone");
    bind::text(&ui::by_id("call-status"), move || match view() {
        Shown::Placing { number, .. } => t1("callPlacing", &number),
        Shown::Live { state, .. } => state_words(state),
        Shown::Idle => String::new(),
    });
    let seconds = move || match view() {
        Shown::Live { seconds, .. } => seconds,
        _ => None,
    };
    let timer = ui::by_id::<Element>("call-timer");
    bind::flag(&timer, "hidden", move || seconds().is_none());
    bind::text(&timer, move || seconds().map(clock).unwrap_or_default());
    let extension = move || match view() {
        Shown::Placing { extension, .. } | Shown::Live { extension, .. } => extension,
        Shown::Idle => None,
    };
    let dtmf = ui::by_id::<Element>("call-extension");
    bind::flag(&dtmf, "hidden", move || extension().is_none());
    bind::text(&dtmf, move || {
        extension()
            .map(|x| t1("callExtensionInCcai", &x))
            .unwrap_or_default()
    });
    ui::watch(idle, move |_, idle| {
        if *idle {
            call_view.remove();
        } else {
            let _ = softphone.insert_before(&call_view, Some(&in_ccai));
        }
    });
}

/// In the status bar: the call's state and timer while the panel is minimised (A2: the call goes on).
pub fn bind_badge(state: AdapterState, calls: CallState) {
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
    let badge = ui::by_id::<Element>("call-badge");
    bind::flag(&badge, "hidden", move || text().is_none());
    bind::text(&badge, move || text().unwrap_or_default());
}
