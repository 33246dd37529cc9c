//! The adapter frame: the panel and the bottom-left status dropdown inside the Kustomer page.

mod panel;
mod remembered;
mod startup;
mod status_menu;

use std::rc::Rc;

use ccai_core::protocol::{FrameMessage, PageMessage};
use ccai_core::status::KustomerStatusId;

pub use crate::frame::{AdapterState, Bridge};
use crate::softphone::CallState;
use crate::sync::Driver;
use crate::ui::{self, bind, Var};

use crate::chrome::i18n::{t, t1};

/// Mounts the adapter into `#root` and starts talking to CCAI and the content script.
pub fn mount(bridge: Bridge) {
    let bridge = Rc::new(bridge);
    let state = AdapterState::new();
    let calls = CallState::new();
    let document = ui::document();
    if let Some(html) = document.document_element() {
        // The language of the messages shown, not `getUILanguage` (which can say en-US while the
        // messages are Spanish): a screen reader pronounces the panel by this (WCAG 3.1.1).
        let _ = html.set_attribute("lang", &t("optLang"));
    }
    document.set_title(&t("extName"));

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
                // The page's facts first: the driver words its notices with the page's status name.
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

    let adapter = bind(state, calls, &driver);
    bridge.watch_size(&adapter);
    wasm_bindgen_futures::spawn_local(startup::run(state, bridge, driver));
}

/// Fills `adapter.html`'s markup in and shows it: the panel (hidden while minimised) above the
/// always-visible status bar. Returns that whole block, whose size the frame takes.
fn bind(state: AdapterState, calls: CallState, driver: &Driver) -> web_sys::Element {
    let root = ui::by_id::<web_sys::HtmlElement>("root");
    ui::localize(&root);
    let adapter = ui::by_id::<web_sys::Element>("adapter");
    bind::class(&adapter, "minimised", move || state.minimised.get());
    announcer(state, calls);
    crate::softphone::bind(state, calls);
    panel::bind(state, driver);
    status_menu::bind(state, driver);
    crate::softphone::bind_badge(state, calls);
    let toggle = ui::by_id::<web_sys::Element>("panel-toggle");
    let toggle_label = move || {
        Some(if state.minimised.get() {
            t("restorePanel")
        } else {
            t("minimisePanel")
        })
    };
    bind::attr(&toggle, "aria-expanded", move || {
        Some((!state.minimised.get()).to_string())
    });
    bind::attr(&toggle, "aria-label", toggle_label);
    bind::attr(&toggle, "title", toggle_label);
    if let Some(arrow) = toggle.first_element_child() {
        bind::text(&arrow, move || {
            (if state.minimised.get() { "▴" } else { "▾" }).to_owned()
        });
    }
    ui::on(&toggle, "click", move |_: web_sys::Event| {
        state.minimised.update(|m| *m = !*m);
        startup::save_minimised(state.minimised.get());
    });
    let _ = root.remove_attribute("hidden");
    adapter
}

/// Status and call changes, whichever side made them, are spoken: outside the panel, so also when
/// minimised. A short log, not one text: a status change that follows a call change at once (an
/// answered call makes CCAI say "In call") must not replace it before it is read.
fn announcer(state: AdapterState, calls: CallState) {
    let announcements = Var::new(Vec::<String>::new());
    let announce = move |words: String| {
        announcements.update(|log| {
            log.push(words);
            let extra = log.len().saturating_sub(3);
            log.drain(..extra);
        })
    };
    ui::watch(
        move || state.current.get(),
        move |before, _| {
            if before.is_some() {
                if let Some(status) = state.current_status() {
                    announce(t1("statusAnnounce", &status.name));
                }
            }
        },
    );
    ui::watch(
        move || crate::softphone::spoken(&calls.view()),
        move |before, now| {
            if let (Some(_), Some(words)) = (before, now) {
                announce(words.clone());
            }
        },
    );
    let log = ui::by_id::<web_sys::Element>("announcer");
    ui::watch(
        move || announcements.get(),
        move |_, lines| bind::lines(&log, "p", lines),
    );
}

/// Tells the content script the adapter is interactive, after the frame has painted it.
pub(crate) fn announce_ready(bridge: Rc<Bridge>) {
    ui::request_animation_frame(move || bridge.send(&FrameMessage::Ready));
}
