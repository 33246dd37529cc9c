//! The adapter frame: the panel and the bottom-left status dropdown inside the Kustomer page.

mod panel;
mod remembered;
mod startup;
mod status_menu;

use std::rc::Rc;

use ccai_core::protocol::{FrameMessage, PageMessage};
use ccai_core::status::KustomerStatusId;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use panel::Panel;
use status_menu::StatusMenu;

pub use crate::frame::{AdapterState, Bridge};
use crate::sync::{Driver, SyncHandle};

use crate::chrome::i18n::{t, t1};

/// Mounts the adapter into `#root` and starts talking to CCAI and the content script.
pub fn mount(bridge: Bridge) {
    let bridge = Rc::new(bridge);
    let state = AdapterState::new();
    let calls = crate::softphone::CallState::new();
    let Some(root) = document().get_element_by_id("root") else {
        return;
    };
    if let Some(html) = document().document_element() {
        // The language of the messages shown, not `getUILanguage` (which can say en-US while the
        // messages are Spanish): a screen reader pronounces the panel by this (WCAG 3.1.1).
        let _ = html.set_attribute("lang", &t("optLang"));
    }
    document().set_title(&t("extName"));

    // Status sync exists from the start, so the menu's first pick and the page's first facts go
    // into its machine (which holds a pick until this tab's term, or refuses it: issue 14).
    let driver = Driver::new(state, bridge.clone());
    // Before the port's buffered messages are delivered: the first phone candidates need it.
    crate::softphone::start(bridge.clone(), state, calls);
    {
        let page = state.page;
        let driver = driver.clone();
        bridge.on_message(move |msg| match msg {
            PageMessage::PageFacts(facts) => {
                // The page signal first: the driver words its notices with the page's status name.
                page.set(Some(facts.clone()));
                let status = facts
                    .status_id
                    .clone()
                    .filter(|_| facts.markup_found)
                    .map(KustomerStatusId);
                driver.page_facts(status, facts.kustomer_email.clone());
            }
            PageMessage::PageLeaving => driver.page_leaving(),
            other => {
                crate::softphone::on_page_message(calls, &other);
            }
        });
    }

    let sync = driver.clone();
    let handle = leptos::mount::mount_to(root.unchecked_into(), move || {
        provide_context(state);
        provide_context(calls);
        provide_context::<SyncHandle>(StoredValue::new_local(sync));
        view! { <Adapter/> }
    });
    handle.forget();

    if let Some(panel) = document().query_selector(".adapter").ok().flatten() {
        bridge.watch_size(&panel);
    }
    leptos::task::spawn_local(startup::run(state, bridge, driver));
}

/// The panel (hidden while minimised) above the always-visible status bar.
#[component]
fn Adapter() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let toggle = move |_| {
        state.minimised.update(|m| *m = !*m);
        startup::save_minimised(state.minimised.get_untracked());
    };
    let toggle_label = move || {
        if state.minimised.get() {
            t("restorePanel")
        } else {
            t("minimisePanel")
        }
    };
    // Status and call changes, whichever side made them, are spoken: outside the panel, so also when
    // minimised.
    // A short log, not one text: a status change that follows a call change at once (an answered
    // call makes CCAI say "In call") must not replace it before it is read.
    let announcements = RwSignal::new(Vec::<String>::new());
    let announce = move |words: String| {
        announcements.update(|log| {
            log.push(words);
            let extra = log.len().saturating_sub(3);
            log.drain(..extra);
        })
    };
    Effect::new(move |prev: Option<Option<i64>>| {
        let current = state.current.get();
        if prev.is_some_and(|p| p != current) {
            if let Some(status) = state.current_status() {
                announce(t1("statusAnnounce", &status.name));
            }
        }
        current
    });
    let calls = expect_context::<crate::softphone::CallState>();
    let said = Memo::new(move |_| crate::softphone::spoken(&calls.view()));
    Effect::new(move |prev: Option<Option<String>>| {
        let now = said.get();
        if prev.is_some_and(|p| p != now) {
            if let Some(words) = now.clone() {
                announce(words);
            }
        }
        now
    });
    view! {
        <div class="adapter" class:minimised=move || state.minimised.get()>
            <div id="announcer" class="visually-hidden" role="log" aria-live="polite">
                {move || announcements.get().into_iter().map(|words| view! { <p>{words}</p> }).collect_view()}
            </div>
            <crate::softphone::Softphone/>
            <Panel/>
            <div class="bar" role="toolbar" aria-label=t("statusBarLabel")>
                <StatusMenu/>
                <crate::softphone::CallBadge/>
                <button
                    class="toggle"
                    id="panel-toggle"
                    aria-controls="panel"
                    aria-expanded=move || (!state.minimised.get()).to_string()
                    aria-label=toggle_label
                    title=toggle_label
                    on:click=toggle
                >
                    <span aria-hidden="true">{move || if state.minimised.get() { "▴" } else { "▾" }}</span>
                </button>
            </div>
        </div>
    }
}

/// Tells the content script the adapter is interactive, after the frame has painted it.
pub(crate) fn announce_ready(bridge: Rc<Bridge>) {
    request_animation_frame(move || bridge.send(&FrameMessage::Ready));
}
