//! The adapter frame's view (issue 19's first bundle, `pkg/adapter_bg.wasm`): the panel and the
//! bottom-left status dropdown inside the Kustomer page. It paints `adapter.html`'s markup at once,
//! from the statuses remembered at the last load, and then shows what the engine
//! (`crate::engine`, loaded after this first paint) tells it; what the agent asks for goes back to the
//! engine as an [`Intent`]. It decides nothing about statuses or calls.

mod bridge;
mod call_view;
mod panel;
mod prefs;
mod status_menu;

use std::cell::Cell;

use ccai_core::status::CcaiStatus;

use crate::chrome::i18n::{t, t1};
use crate::frame::{FrameView, Intent};
use crate::ui::{self, bind, Var};
pub use bridge::Bridge;

/// What the view shows: the engine's [`FrameView`] and the view's own choice, the panel minimised.
#[derive(Clone, Copy)]
pub struct ViewState {
    pub shown: Var<FrameView>,
    pub minimised: Var<bool>,
}

impl ViewState {
    pub fn current_status(&self) -> Option<CcaiStatus> {
        self.shown.with(|v| {
            let id = v.current?;
            v.statuses.iter().find(|s| s.id.0 == id).cloned()
        })
    }
}

thread_local! {
    /// Where the engine's views go ([`show`]); set once at mount.
    static SHOWN: Cell<Option<Var<FrameView>>> = const { Cell::new(None) };
}

/// Mounts the view into `#root`, painted from what was remembered at the last load.
pub fn mount(bridge: Bridge) {
    let document = ui::document();
    if let Some(html) = document.document_element() {
        // The language of the messages shown, not `getUILanguage` (which can say en-US while the
        // messages are Spanish): a screen reader pronounces the panel by this (WCAG 3.1.1).
        let _ = html.set_attribute("lang", &t("optLang"));
    }
    document.set_title(&t("extName"));
    let view = ViewState {
        // What the engine's first view will say, until it does.
        shown: Var::new(FrameView {
            notice: Some(t("loading")),
            kustomer_status: t("kustomerWaiting"),
            ..FrameView::default()
        }),
        minimised: Var::new(false),
    };
    SHOWN.set(Some(view.shown));
    let adapter = bind(view);
    bridge.watch_size(&adapter);
    wasm_bindgen_futures::spawn_local(prefs::first_paint(view, bridge));
}

/// The engine's view of the frame (a [`FrameView`] as a plain object); anything else is ignored.
pub fn show(view: wasm_bindgen::JsValue) {
    if let (Some(shown), Ok(view)) = (SHOWN.get(), serde_wasm_bindgen::from_value(view)) {
        shown.set(view);
    }
}

/// Asks the engine for `intent` (`adapter.js` holds it until the engine runs).
pub fn ask(intent: Intent) {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    if let Ok(js) = serde::Serialize::serialize(&intent, &ser) {
        bridge::intent(js);
    }
}

/// Fills `adapter.html`'s markup in and shows it: the panel (hidden while minimised) above the
/// always-visible status bar. Returns that whole block, whose size the frame takes.
fn bind(view: ViewState) -> web_sys::Element {
    let root = ui::by_id::<web_sys::HtmlElement>("root");
    ui::localize(&root);
    let adapter = ui::by_id::<web_sys::Element>("adapter");
    let minimised = view.minimised;
    bind::class(&adapter, "minimised", move || minimised.get());
    announcer(view);
    call_view::bind(view);
    panel::bind(view);
    status_menu::bind(view);
    call_view::bind_badge(view);
    let toggle = ui::by_id::<web_sys::Element>("panel-toggle");
    let toggle_label = move || {
        Some(if minimised.get() {
            t("restorePanel")
        } else {
            t("minimisePanel")
        })
    };
    bind::attr(&toggle, "aria-expanded", move || {
        Some((!minimised.get()).to_string())
    });
    bind::attr(&toggle, "aria-label", toggle_label);
    bind::attr(&toggle, "title", toggle_label);
    if let Some(arrow) = toggle.first_element_child() {
        bind::text(&arrow, move || {
            (if minimised.get() { "▴" } else { "▾" }).to_owned()
        });
    }
    ui::on(&toggle, "click", move |_: web_sys::Event| {
        minimised.update(|m| *m = !*m);
        prefs::save_minimised(minimised.get());
    });
    // A Phone control pressed in the page opens the panel (C1).
    ui::watch(
        move || view.shown.with(|v| v.panel_opened),
        move |before, _| {
            if before.is_some() {
                minimised.set(false);
            }
        },
    );
    let _ = root.remove_attribute("hidden");
    adapter
}

/// Status and call changes, whichever side made them, are spoken: outside the panel, so also when
/// minimised. A short log, not one text: a status change that follows a call change at once (an
/// answered call makes CCAI say "In call") must not replace it before it is read.
fn announcer(view: ViewState) {
    let announcements = Var::new(Vec::<String>::new());
    let announce = move |words: String| {
        announcements.update(|log| {
            log.push(words);
            let extra = log.len().saturating_sub(3);
            log.drain(..extra);
        })
    };
    ui::watch(
        move || view.shown.with(|v| v.current),
        move |before, _| {
            if before.is_some() {
                if let Some(status) = view.current_status() {
                    announce(t1("statusAnnounce", &status.name));
                }
            }
        },
    );
    ui::watch(
        move || view.shown.with(|v| v.call.words.clone()),
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
