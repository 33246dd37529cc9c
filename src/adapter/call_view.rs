//! The softphone's views: the dialer, the call as the engine shows it (number or session, state,
//! timer), the way to CCAI's own adapter for what CCAI offers no API for (A16), and the badge the
//! status bar shows while minimised. Every text is a text node: nothing from the page, the server or
//! CCAI is rendered as HTML.
//!
//! Minimised, the panel shows only a call that rings: a ring must be seen even then.

use web_sys::{Element, HtmlElement, HtmlInputElement};

use super::{ask, ViewState};
use crate::chrome::i18n::t1;
use crate::frame::{CallShown, Intent};
use crate::softphone::clock;
use crate::ui::{self, bind, Var};

/// Binds the softphone's part of `adapter.html`: the dialer, the message lines, the live call (in the
/// markup only while there is one) and the way to CCAI's adapter.
pub fn bind(view: ViewState) {
    let shown = view.shown;
    let call = move |f: fn(&CallShown) -> bool| shown.with(|v| f(&v.call));
    let idle = move || !call(|c| c.active);
    let full = move || !view.minimised.get();
    bind::flag(&ui::by_id("softphone"), "hidden", move || {
        !full() && !call(|c| c.ringing)
    });

    let dialer = ui::by_id::<Element>("dialer");
    bind::flag(&dialer, "hidden", move || !idle() || !full());
    ui::on(&dialer, "submit", move |e: web_sys::Event| {
        e.prevent_default();
        ask(Intent::Call);
    });
    let input = ui::by_id::<HtmlInputElement>("dial-input");
    {
        let input = input.clone();
        ui::watch(
            move || shown.with(|v| v.dial.clone()),
            move |_, dial| {
                // The engine's echo of what was just typed leaves the caret where it is.
                if input.value() != *dial {
                    input.set_value(dial)
                }
            },
        );
    }
    ui::on(&input.clone(), "input", move |_: web_sys::Event| {
        ask(Intent::Dial(input.value()));
    });
    // Call takes the focus once a Phone control's number is in the dialer (C1), after the panel has
    // been shown again (it may have been minimised).
    ui::watch(
        move || shown.with(|v| v.call_focused),
        move |before, _| {
            if before.is_some() {
                ui::request_animation_frame(|| {
                    let _ = ui::by_id::<HtmlElement>("call-button").focus();
                });
            }
        },
    );
    bind::text(&ui::by_id("call-message"), move || {
        shown.with(|v| v.call_message.clone()).unwrap_or_default()
    });
    bind::text(&ui::by_id("call-note"), move || {
        shown.with(|v| v.call_note.clone()).unwrap_or_default()
    });
    let ended = ui::by_id::<Element>("call-ended");
    bind::flag(&ended, "hidden", move || !idle());
    bind::text(&ended, move || {
        shown.with(|v| v.call.ended.clone()).unwrap_or_default()
    });
    live_call(shown, idle);
    let url = move || shown.with(|v| v.adapter_url.clone());
    let link = ui::by_id::<Element>("open-ccai-adapter");
    bind::attr(&link, "href", move || Some(url()));
    bind::flag(&link, "hidden", move || url().is_empty());
}

/// The call placed or pushed: its state, timer and extension. In the markup only while there is one.
fn live_call(shown: Var<crate::frame::FrameView>, idle: impl Fn() -> bool + 'static) {
    let call_view = ui::by_id::<Element>("call-view");
    let in_ccai = ui::by_id::<Element>("in-ccai");
    let softphone = ui::by_id::<Element>("softphone");
    bind::text(&ui::by_id("call-status"), move || {
        shown.with(|v| v.call.words.clone()).unwrap_or_default()
    });
    let seconds = move || shown.with(|v| v.call.seconds);
    let timer = ui::by_id::<Element>("call-timer");
    bind::flag(&timer, "hidden", move || seconds().is_none());
    bind::text(&timer, move || seconds().map(clock).unwrap_or_default());
    let extension = move || shown.with(|v| v.call.extension.clone());
    let dtmf = ui::by_id::<Element>("call-extension");
    bind::flag(&dtmf, "hidden", move || extension().is_none());
    bind::text(&dtmf, move || extension().unwrap_or_default());
    ui::watch(idle, move |_, idle| {
        if *idle {
            call_view.remove();
        } else {
            let _ = softphone.insert_before(&call_view, Some(&in_ccai));
        }
    });
}

/// In the status bar: the call's state and timer while the panel is minimised (A2: the call goes on).
pub fn bind_badge(view: ViewState) {
    let text = move || {
        if !view.minimised.get() {
            return None;
        }
        view.shown.with(|v| match v.call.seconds {
            _ if !v.call.active => None,
            Some(s) => Some(t1("callLiveBadge", &clock(s))),
            None => v.call.words.clone(),
        })
    };
    let badge = ui::by_id::<Element>("call-badge");
    bind::flag(&badge, "hidden", move || text().is_none());
    bind::text(&badge, move || text().unwrap_or_default());
}
