//! The softphone's rules, kept pure so they are tested natively. The adapter shows a call as the
//! company server pushes it (`server_api::Push::Call`, from CCAI's session events, A20) and opens the
//! conversation the server's record rules chose (`Push::CallRecord`, A3); the agent places calls
//! through the server (CCAI's outbound call, A13). Everything else about a call (answer, hold, mute,
//! keypad, transfer, hang up) happens in CCAI's own agent adapter: CCAI offers no API for it (A16).
//!
//! `board.rs` is the machine: which call is shown and in which state, its timer, when leaving the
//! owner tab must ask first, and that each conversation is opened once.

mod board;

pub use board::{Action, CallBoard, CallView, EndedCall, Shown, PLACING_TIMEOUT_MS};
