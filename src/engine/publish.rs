//! What the engine tells the view: the frame's state and the call, in the agent's words, as one
//! [`FrameView`] each time it changes (at most once per task: the state's changes refresh together).

use std::rc::Rc;

use ccai_core::server_api::CallState as Pushed;
use ccai_core::softphone::{CallView, Shown};

use crate::chrome::i18n::{t, t1};
use crate::frame::{AdapterState, Bridge, CallShown, FrameView, Role};
use crate::softphone::{clock, CallState};

/// Sends the view its first [`FrameView`] now and every changed one after.
pub fn follow(state: AdapterState, calls: CallState, bridge: Rc<Bridge>) {
    crate::ui::watch(
        move || frame_view(state, calls),
        move |_, view| bridge.show_view(view),
    );
}

fn frame_view(state: AdapterState, calls: CallState) -> FrameView {
    let notice = state.notice.get();
    let role = state.role.get();
    FrameView {
        statuses: state.statuses.get(),
        current: state.current.get(),
        busy: state.busy.get(),
        notice_problem: notice.as_ref().is_some_and(|n| n.is_problem()),
        notice: notice.map(|n| n.text()),
        kustomer_status: state.page.with(|page| match page {
            None => t("kustomerWaiting"),
            Some(f) if !f.markup_found => t("kustomerStatusNotFound"),
            Some(f) => f
                .status_name
                .clone()
                .unwrap_or_else(|| t("kustomerStatusNotFound")),
        }),
        owner: match role {
            Role::Owner => t("ownerThisTab"),
            Role::Follower => t("ownerOtherTab"),
            Role::Unknown => String::new(),
        },
        follower: role == Role::Follower,
        sync: state.sync.get(),
        paused: state.paused.get(),
        dial: calls.dial.get(),
        call_message: calls.message.get(),
        call_note: calls.note.get(),
        adapter_url: calls.adapter_url.get(),
        call: call_shown(&calls.view()),
        panel_opened: calls.panel_opened.get(),
        call_focused: calls.call_focused.get(),
    }
}

fn call_shown(view: &CallView) -> CallShown {
    let (ringing, seconds, extension) = match &view.shown {
        Shown::Idle => (false, None, None),
        Shown::Placing { extension, .. } => (false, None, extension.clone()),
        Shown::Live {
            state,
            seconds,
            extension,
            ..
        } => (*state == Pushed::Ringing, *seconds, extension.clone()),
    };
    CallShown {
        active: view.is_live(),
        ringing,
        words: spoken(&view.shown),
        seconds,
        extension: extension.map(|x| t1("callExtensionInCcai", &x)),
        ended: view.ended.as_ref().map(|e| match e.seconds {
            Some(s) => format!("{} ({})", t("callEnded"), clock(s)),
            None => t("callEnded"),
        }),
    }
}

/// The call's state as the panel shows it and the live region says it: the announcer sits outside
/// the panel, so the agent also hears a ringing or answered call while the panel is minimised (issue 9).
fn spoken(shown: &Shown) -> Option<String> {
    match shown {
        Shown::Idle => None,
        Shown::Placing { number, .. } => Some(t1("callPlacing", number)),
        Shown::Live { state, .. } => Some(match state {
            Pushed::Ringing => t("callRinging"),
            Pushed::Accepted => t("callAccepted"),
            Pushed::Connected => t("callConnected"),
            Pushed::Ended => t("callEnded"),
        }),
    }
}
