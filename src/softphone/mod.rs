//! The softphone (SPEC C1–C3, A2, A3): the dialer the page's Phone controls fill, the call placed
//! through the company server (CCAI's documented outbound call, A13), the call's state as the server
//! pushes it from CCAI's session events (A20), the conversation the server's record rules chose opened
//! in the page (A3), and the way to CCAI's own agent adapter for everything CCAI offers no API for
//! (answer, hold, mute, keypad, transfer, chats: A16, A18).
//!
//! The core decides (`ccai_core::softphone::CallBoard`: which call is shown, its timer, what is opened
//! once and only in the owner tab, S6); this module feeds it the pushes and the agent's clicks, and
//! carries out its actions. Nothing here talks to CCAI or Kustomer: only to the company server.

mod leave_guard;
mod phone_module;
mod phones;
mod place;
mod pushed;

use std::cell::RefCell;
use std::rc::Rc;

use ccai_core::softphone::{CallBoard, CallView};

pub use phones::on_page_message;
pub use place::place;

use crate::frame::{AdapterState, Bridge};
use crate::ui::Var;

/// The softphone's state as the frame shows it, made at mount beside [`AdapterState`].
#[derive(Clone, Copy)]
pub struct CallState {
    /// The dialer's text, as typed or as a Phone control filled it.
    pub dial: Var<String>,
    /// A refusal or failure in words (role=alert).
    pub message: Var<Option<String>>,
    /// A note that is not a problem (e.g. finish the call in CCAI's adapter).
    pub note: Var<Option<String>>,
    /// The address of CCAI's own adapter (the company's settings); empty: no link.
    pub adapter_url: Var<String>,
    /// Counts of a Phone control pressed (the panel opens) and of its number in the dialer (Call takes
    /// the focus): the view's to carry out.
    pub panel_opened: Var<u32>,
    pub call_focused: Var<u32>,
    /// What the push handler, the dialer and the message handler share outside the reactive tree.
    shared: Var<Option<Rc<RefCell<Shared>>>>,
}

impl CallState {
    pub fn new() -> Self {
        Self {
            dial: Var::new(String::new()),
            message: Var::new(None),
            note: Var::new(None),
            adapter_url: Var::new(String::new()),
            panel_opened: Var::new(0),
            call_focused: Var::new(0),
            shared: Var::new(None),
        }
    }

    fn shared(&self) -> Option<Rc<RefCell<Shared>>> {
        self.shared.get()
    }

    /// The call as the core shows it now (the frame refreshes when the board changes or the clock
    /// ticks).
    pub fn view(&self) -> CallView {
        let now = now().max(0.0) as u64;
        self.shared()
            .map(|s| s.borrow().board.view(now))
            .unwrap_or_else(|| CallBoard::new().view(now))
    }

    /// Runs `f` on the board, then carries out what it asks and re-renders.
    fn with_board<R>(&self, f: impl FnOnce(&mut CallBoard) -> R) -> Option<R> {
        let s = self.shared()?;
        let out = f(&mut s.borrow_mut().board);
        pushed::after_change(*self, &s);
        crate::ui::changed();
        Some(out)
    }
}

/// What the push handler and the message handler need outside the reactive tree.
struct Shared {
    bridge: Rc<Bridge>,
    /// National numbers are read in these countries (settings, C2).
    countries: Vec<String>,
    /// Candidates waiting their turn: those that arrived before the settings were read (so the first
    /// page's numbers follow the admin's countries, not the defaults), then those that arrived while
    /// an earlier batch was being answered. `None`: nothing is being answered.
    waiting: Option<Vec<ccai_core::protocol::PhoneCandidate>>,
    /// The numbers found in a text, by text (`phones.rs`).
    verdicts: phones::Verdicts,
    /// The core's call machine.
    board: CallBoard,
    /// The timer armed for the board's `poll_timeout`, if any (its due time).
    armed: Option<u64>,
}

/// Starts the softphone: reads the phone countries, then follows the agent's pushed calls.
pub fn start(bridge: Rc<Bridge>, calls: CallState) {
    let countries = crate::settings::SyncSettings::default().phone_countries;
    calls.shared.set(Some(Rc::new(RefCell::new(Shared {
        bridge,
        countries,
        waiting: Some(Vec::new()),
        verdicts: phones::Verdicts::default(),
        board: CallBoard::new(),
        armed: None,
    }))));
    wasm_bindgen_futures::spawn_local(async move {
        let settings = crate::settings::load().await;
        pushed::apply_settings(calls, &settings);
        // The candidates that came meanwhile are answered now (the phone module loads with the first
        // of them); any that come while they are wait their turn.
        let waiting = calls.shared().and_then(|s| {
            let mut s = s.borrow_mut();
            let batch = s.waiting.take().filter(|b| !b.is_empty());
            s.waiting = batch.as_ref().map(|_| Vec::new());
            batch
        });
        if let Some(batch) = waiting {
            phones::answer_in_turn(calls, batch);
        }
        pushed::follow(calls);
    });
}

/// Keeps the board told of this tab's role and the content script of a live call, from now on.
pub fn watch(state: AdapterState, calls: CallState) {
    pushed::watch_role(state, calls);
    leave_guard::watch(state, calls);
}

/// The agent typed in the dialer: the text is the dialer's, and an earlier refusal no longer applies.
pub fn dial(calls: CallState, text: String) {
    calls.dial.set(text);
    calls.message.set(None);
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
