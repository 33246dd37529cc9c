//! The page's phone candidates (C1, C2): the content script asks, the core's libphonenumber decides,
//! and the content script decorates only the confirmed ones. Candidate texts are untrusted: the core
//! refuses anything longer than a phone number, and a batch is capped.

use ccai_core::phone::{self, Dialable};
use ccai_core::protocol::{FrameMessage, PageMessage, PhoneCandidate};
use leptos::prelude::*;

use super::shared;
use crate::chrome::i18n::t1;

/// Most candidates answered from one batch (the busy-page benchmark sends 1,000).
const MAX_BATCH: usize = 5_000;

/// Verdicts remembered by text: a re-rendered panel (every SPA navigation replaces it) asks about the
/// same numbers again, and a parse costs ~50–100 µs. Cleared when full, and when the countries change.
const CACHE_MAX: usize = 10_000;

thread_local! {
    static CACHE: std::cell::RefCell<std::collections::HashMap<String, Option<String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

pub(super) fn forget_verdicts() {
    CACHE.with(|c| c.borrow_mut().clear());
}

fn display_of(text: &str, countries: &[String]) -> Option<String> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(text).cloned()) {
        return hit;
    }
    let verdict = phone::normalise(text, countries).ok().map(|d| d.display);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(text.to_owned(), verdict.clone());
    });
    verdict
}

/// Handles the phone messages of the content script; returns false for any other message.
pub fn on_page_message(msg: &PageMessage) -> bool {
    match msg {
        PageMessage::PhoneCandidates { ids, texts } => {
            let batch = PhoneCandidate::zip(ids, texts);
            let queued = shared().is_some_and(|s| {
                let mut s = s.borrow_mut();
                match s.waiting.as_mut() {
                    Some(w) if w.len() < MAX_BATCH => {
                        w.extend(batch.iter().take(MAX_BATCH - w.len()).cloned());
                        true
                    }
                    Some(_) => true,
                    None => false,
                }
            });
            if !queued {
                answer(&batch);
            }
            true
        }
        PageMessage::PhoneChosen { text, .. } => {
            chosen(text);
            true
        }
        PageMessage::PageFacts(_) | PageMessage::PageLeaving => false,
    }
}

fn countries() -> Vec<String> {
    shared()
        .map(|s| s.borrow().countries.clone())
        .unwrap_or_default()
}

pub(super) fn normalise(text: &str) -> Result<Dialable, phone::PhoneError> {
    phone::normalise(text, &countries())
}

pub(super) fn answer(batch: &[PhoneCandidate]) {
    let Some(s) = shared() else { return };
    let countries = countries();
    let batch = &batch[..batch.len().min(MAX_BATCH)];
    let displays = batch
        .iter()
        .map(|c| display_of(&c.text, &countries))
        .collect();
    let ids = batch.iter().map(|c| c.id).collect();
    let bridge = s.borrow().bridge.clone();
    bridge.send(&FrameMessage::PhoneVerdicts { ids, displays });
}

/// C1: the number goes into the dialer and Call gets the focus; the agent presses Call. A string the
/// core refuses is said so, and nothing is dialled.
fn chosen(text: &str) {
    let Some(s) = shared() else { return };
    let (state, calls) = {
        let s = s.borrow();
        (s.state, s.calls)
    };
    state.minimised.set(false);
    match normalise(text) {
        Ok(d) => {
            calls.message.set(None);
            calls.dial.set(d.display);
            focus_call();
        }
        Err(_) => {
            let shown: String = text.chars().take(phone::MAX_TEXT).collect();
            calls.message.set(Some(t1("phoneNotDialable", &shown)));
        }
    }
}

/// Focus moves after the panel has re-rendered (it may have been minimised).
fn focus_call() {
    request_animation_frame(|| {
        let el = document().get_element_by_id("call-button");
        if let Some(el) =
            el.and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(e).ok())
        {
            let _ = el.focus();
        }
    });
}
