//! What the frame's two halves (issue 19's second bundle) say to each other, in `adapter.js`'s hands:
//! the engine (status sync, the company client, the softphone: `pkg/engine_bg.wasm`, loaded after the
//! first paint) sends the view (`pkg/adapter_bg.wasm`, the markup's bindings) one [`FrameView`] each
//! time what the frame shows changes; the view sends the engine one [`Intent`] per thing the agent
//! asked for. The words are the engine's, already in the agent's language, so the view carries no
//! status-sync or softphone vocabulary: only what it draws.

use ccai_core::status::CcaiStatus;
use serde::{Deserialize, Serialize};

/// Everything the engine shows, as plain values. The view keeps its own choices (the panel minimised,
/// the menu open, the announcer's log).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FrameView {
    /// CCAI's statuses (A9): the server's list, or the one remembered from the last load until then.
    pub statuses: Vec<CcaiStatus>,
    /// The status CCAI confirmed, never merely the one requested (USERS.md: "status that lies").
    pub current: Option<i64>,
    pub busy: bool,
    /// The notice in words, and whether it is a problem (announced assertively).
    pub notice: Option<String>,
    pub notice_problem: bool,
    /// What Kustomer's page shows, in words.
    pub kustomer_status: String,
    /// Whether this tab drives the status (S6), in words; `follower` shows "Use this tab".
    pub owner: String,
    pub follower: bool,
    /// The relay's state in words (live, retrying at…, paused, failed).
    pub sync: Option<String>,
    /// The relay waits for a new sign-in: "Sign in" shows.
    pub paused: bool,
    /// The dialer's text, as typed or as a Phone control filled it.
    pub dial: String,
    /// A refusal or failure in words (role=alert), and a note that is not a problem.
    pub call_message: Option<String>,
    pub call_note: Option<String>,
    /// The address of CCAI's own adapter; empty: no link.
    pub adapter_url: String,
    pub call: CallShown,
    /// Counts, each rise one request: a Phone control was pressed (the panel opens), and its number is
    /// in the dialer (Call takes the focus).
    pub panel_opened: u32,
    pub call_focused: u32,
}

/// The call as the panel shows it (the core's `CallView`, in words).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallShown {
    /// A call is being placed or is live (the dialer gives way to the call's block).
    pub active: bool,
    /// It rings: shown even while the panel is minimised.
    pub ringing: bool,
    /// Its state in words, as the live region says it ("Calling +34…", "Connected").
    pub words: Option<String>,
    /// Seconds since it connected.
    pub seconds: Option<u64>,
    /// The extension to key in CCAI's adapter, in words.
    pub extension: Option<String>,
    /// The call that ended last, in words, while idle.
    pub ended: Option<String>,
}

/// What the agent asked the view for, carried out by the engine in the order asked. Those asked
/// before the engine ran wait in `adapter.js` (status sync then holds a pick until this tab's term).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Intent {
    /// A status picked in the dropdown (S1).
    Pick(i64),
    /// "Use this tab" (S6).
    UseThisTab,
    /// "Sign in" (the relay waits for it).
    SignIn,
    /// The dialer's text changed.
    Dial(String),
    /// The dialer's Call (C2).
    Call,
}
