//! The page's texts (C1, C2, issue 17): the content script sends what changed, the core finds the
//! numbers in each (libphonenumber's matcher, `ccai_core::phone::find`), and the content script puts
//! a control on each span returned. This only carries that out: texts are untrusted, the core refuses
//! any longer than `MAX_SCAN`, and a batch is capped.

use ccai_core::phone::{self, Dialable};
use ccai_core::protocol::{FrameMessage, PageMessage, PhoneCandidate};
use leptos::prelude::*;

use super::CallState;
use crate::chrome::i18n::{t1, t2};

/// Most candidates answered from one batch (the busy-page benchmark sends 1,000).
const MAX_BATCH: usize = 5_000;

/// Answers remembered by text: a re-rendered panel (every SPA navigation replaces it) asks about the
/// same texts again, and a search costs ~50–150 µs. Only short texts (a phone field, a short message)
/// are kept, so the cache stays small. Cleared when full, and when the countries change.
const CACHE_MAX: usize = 10_000;
const CACHE_TEXT_MAX: usize = 256;

/// A number found in a text: its UTF-16 span and the control's label.
type Spans = Vec<(u32, u32, String)>;

/// The answers remembered, by text.
pub(super) type Verdicts = std::collections::HashMap<String, Spans>;

fn spans_of(calls: CallState, text: &str, countries: &[String]) -> Spans {
    let cached = calls
        .shared()
        .and_then(|s| s.borrow().verdicts.get(text).cloned());
    if let Some(hit) = cached {
        return hit;
    }
    let spans: Spans = phone::find(text, countries)
        .into_iter()
        .map(|f| {
            let start = u32::try_from(f.start).unwrap_or(u32::MAX);
            let end = u32::try_from(f.end).unwrap_or(u32::MAX);
            (start, end, label(&f.dialable))
        })
        .collect();
    if text.len() <= CACHE_TEXT_MAX {
        if let Some(s) = calls.shared() {
            let c = &mut s.borrow_mut().verdicts;
            if c.len() >= CACHE_MAX {
                c.clear();
            }
            c.insert(text.to_owned(), spans.clone());
        }
    }
    spans
}

/// The number as the control names it: international format, and the extension in the agent's
/// language ("+1 800-901-3355, extension 7246433"), so a screen reader says which one is dialled.
fn label(d: &Dialable) -> String {
    match &d.extension {
        Some(ext) => t2("phoneWithExtension", &d.number, ext),
        None => d.number.clone(),
    }
}

/// Handles the phone messages of the content script; returns false for any other message.
pub fn on_page_message(calls: CallState, msg: &PageMessage) -> bool {
    match msg {
        PageMessage::PhoneCandidates { ids, texts } => {
            let batch = PhoneCandidate::zip(ids, texts);
            let queued = calls.shared().is_some_and(|s| {
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
                answer(calls, &batch);
            }
            true
        }
        PageMessage::PhoneChosen { text, .. } => {
            chosen(calls, text);
            true
        }
        PageMessage::PageFacts(_) | PageMessage::PageLeaving => false,
    }
}

fn countries(calls: CallState) -> Vec<String> {
    calls
        .shared()
        .map(|s| s.borrow().countries.clone())
        .unwrap_or_default()
}

pub(super) fn normalise(calls: CallState, text: &str) -> Result<Dialable, phone::PhoneError> {
    phone::normalise(text, &countries(calls))
}

pub(super) fn answer(calls: CallState, batch: &[PhoneCandidate]) {
    let Some(s) = calls.shared() else { return };
    let countries = countries(calls);
    let batch = &batch[..batch.len().min(MAX_BATCH)];
    let (mut ids, mut starts, mut ends, mut displays) = (vec![], vec![], vec![], vec![]);
    for c in batch {
        for (start, end, display) in spans_of(calls, &c.text, &countries) {
            ids.push(c.id);
            starts.push(start);
            ends.push(end);
            displays.push(display);
        }
    }
    let last = batch.iter().map(|c| c.id).max().unwrap_or(0);
    let bridge = s.borrow().bridge.clone();
    bridge.send(&FrameMessage::PhoneVerdicts {
        ids,
        starts,
        ends,
        displays,
        last,
    });
}

/// C1: the number goes into the dialer and Call gets the focus; the agent presses Call. `text` is the
/// span the control stood for, read as it was found (same number, same extension). A string the core
/// refuses is said so, and nothing is dialled.
fn chosen(calls: CallState, text: &str) {
    let Some(s) = calls.shared() else { return };
    let state = s.borrow().state;
    state.minimised.set(false);
    match phone::read_found(text, &countries(calls)) {
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
