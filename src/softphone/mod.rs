//! The softphone (SPEC C1–C3, A2–A4): the dialer the page's Phone controls fill, the call's lifecycle
//! as CCAI reports it, incoming calls and chats in the owner tab with their ringtone, and the screen
//! pop and assignment.
//!
//! What the adapter shows comes from CCAI, never from memory: the live call is polled
//! (`GET /calls/{id}`), and a reloaded owner tab finds it again with `GET /calls?status=active`, its
//! timer starting from CCAI's `duration`. Only the owner tab rings and pops screens, so an incoming call
//! does both once however many tabs are open (USERS.md: "several tabs break things").

mod call_loop;
mod chat_view;
mod chats;
mod incoming;
mod leave_guard;
mod phones;
mod poll;
mod pop;
mod ring;
mod view;

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;

pub use phones::on_page_message;
pub use view::{spoken, CallBadge, Softphone};

use crate::adapter::{AdapterState, Bridge};
use crate::api::calls::{AgentRef, Call};

/// The softphone's reactive state, provided at the adapter's root beside [`AdapterState`].
#[derive(Clone, Copy)]
pub struct CallState {
    /// The dialer's text, as typed or as a Phone control filled it.
    pub dial: RwSignal<String>,
    /// The call CCAI reports for this agent, while it is not over.
    pub call: RwSignal<Option<Call>>,
    /// CCAI's `duration` when last read, and this frame's clock (ms) at that moment: the timer counts
    /// on from CCAI's figure between polls.
    pub duration_at: RwSignal<(f64, f64)>,
    /// Ticks once a second while a call is live, to redraw the timer.
    pub now_ms: RwSignal<f64>,
    /// A refusal or failure in words (role=alert).
    pub message: RwSignal<Option<String>>,
    /// How the last call ended, with its length.
    pub ended: RwSignal<Option<String>>,
    /// Transfer targets: CCAI's other agents.
    pub agents: RwSignal<Vec<AgentRef>>,
    /// DTMF digits sent on this call, as CCAI recorded them.
    pub dtmf: RwSignal<String>,
    pub busy: RwSignal<bool>,
    /// The agent's chats (owner tab only).
    pub chats: chats::ChatState,
    /// The ringtone, and whether the browser blocks it.
    pub ring: ring::RingState,
}

impl CallState {
    pub fn new() -> Self {
        Self {
            dial: RwSignal::new(String::new()),
            call: RwSignal::new(None),
            duration_at: RwSignal::new((0.0, 0.0)),
            now_ms: RwSignal::new(0.0),
            message: RwSignal::new(None),
            ended: RwSignal::new(None),
            agents: RwSignal::new(Vec::new()),
            dtmf: RwSignal::new(String::new()),
            busy: RwSignal::new(false),
            chats: chats::ChatState::new(),
            ring: ring::RingState::new(),
        }
    }

    /// Seconds connected, counted on from CCAI's last figure.
    pub fn seconds(&self) -> u64 {
        let (base, at) = self.duration_at.get();
        let now = self.now_ms.get().max(at);
        (base + (now - at) / 1000.0).max(0.0) as u64
    }
}

/// What the call loop and the message handler need outside the reactive tree.
struct Shared {
    bridge: Rc<Bridge>,
    state: AdapterState,
    calls: CallState,
    /// National numbers are read in these countries (settings, C2).
    countries: Vec<String>,
    /// Candidates that arrived before the settings were read: answered once they are, so the first
    /// page's numbers follow the admin's countries, not the defaults.
    waiting: Option<Vec<ccai_core::protocol::PhoneCandidate>>,
}

thread_local! {
    static SHARED: RefCell<Option<Rc<RefCell<Shared>>>> = const { RefCell::new(None) };
}

fn shared() -> Option<Rc<RefCell<Shared>>> {
    SHARED.with(|s| s.borrow().clone())
}

/// Starts the softphone: reads the phone countries, then watches calls once CCAI knows the agent.
pub fn start(bridge: Rc<Bridge>, state: AdapterState, calls: CallState) {
    let clock = bridge.clone();
    let countries = crate::settings::SyncSettings::default().phone_countries;
    SHARED.with(|s| {
        *s.borrow_mut() = Some(Rc::new(RefCell::new(Shared {
            bridge,
            state,
            calls,
            countries,
            waiting: Some(Vec::new()),
        })))
    });
    // Runs before Leptos mounts (and initialises its executor): wasm-bindgen's own spawner.
    wasm_bindgen_futures::spawn_local(async move {
        let settings = crate::settings::load().await;
        if !settings.phone_countries.is_empty() {
            if let Some(s) = shared() {
                s.borrow_mut().countries = settings.phone_countries;
            }
            phones::forget_verdicts();
        }
        let waiting = shared().and_then(|s| s.borrow_mut().waiting.take());
        if let Some(batch) = waiting.filter(|b| !b.is_empty()) {
            phones::answer(&batch);
        }
        // libphonenumber builds its metadata and its matcher's regexes on first use: pay it now, not
        // on the first batch.
        let _ = ccai_core::phone::find("+34 612 34 56 78", &["ES"]);
        poll::run(clock, state, calls).await;
    });
}

pub(crate) fn now() -> f64 {
    js_sys::Date::now()
}

/// "mm:ss", or "h:mm:ss" past an hour.
pub fn clock(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds / 60) % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}
