//! The page's texts (C1, C2, issue 17): the content script sends what changed, the core finds the
//! numbers in each (libphonenumber's matcher, `ccai_core::phone::find`, in the phone module that
//! `phone_module.rs` loads on first use), and the content script puts a control on each span
//! returned. This only carries that out: texts are untrusted, the core refuses any longer than
//! `MAX_SCAN`, and a batch is capped. Batches are answered one at a time, in the order they came: the
//! content script forgets every candidate up to a batch's `last` id once it is answered.

use ccai_core::phone::wire::{FoundSpan, PhoneAnswer, PhoneQuestion};
use ccai_core::phone::{self, Dialable, PhoneError};
use ccai_core::protocol::{FrameMessage, PageMessage, PhoneCandidate};

use super::phone_module::ask;
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

/// The number as the control names it: international format, and the extension in the agent's
/// language ("+1 800-901-3355, extension 7246433"), so a screen reader says which one is dialled.
fn label(number: &str, extension: Option<&str>) -> String {
    match extension {
        Some(ext) => t2("phoneWithExtension", number, ext),
        None => number.to_owned(),
    }
}

fn spans(found: Vec<FoundSpan>) -> Spans {
    found
        .into_iter()
        .map(|f| {
            let label = label(&f.number, f.extension.as_deref());
            (f.start, f.end, label)
        })
        .collect()
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
                    None => {
                        // This batch is answered now; the next ones wait for it.
                        s.waiting = Some(Vec::new());
                        false
                    }
                }
            });
            if !queued {
                answer_in_turn(calls, batch);
            }
            true
        }
        PageMessage::PhoneChosen { text, .. } => {
            chosen(calls, text.clone());
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

/// What the agent typed, read in the admin's countries (C2); `None` if the phone module is missing.
pub(super) async fn normalise(
    calls: CallState,
    text: String,
) -> Option<Result<Dialable, PhoneError>> {
    let question = PhoneQuestion::Normalise {
        text,
        countries: countries(calls),
    };
    read(&question).await
}

async fn read(question: &PhoneQuestion) -> Option<Result<Dialable, PhoneError>> {
    match ask(question).await? {
        PhoneAnswer::Read { number } => Some(number),
        PhoneAnswer::Found { .. } => None,
    }
}

/// Answers `batch`, then every batch that came meanwhile, in order, until none waits. The caller has
/// set `waiting` (so later batches queue behind this one).
pub(super) fn answer_in_turn(calls: CallState, batch: Vec<PhoneCandidate>) {
    wasm_bindgen_futures::spawn_local(async move {
        let mut batch = batch;
        loop {
            answer(calls, &batch).await;
            let Some(s) = calls.shared() else { return };
            let mut s = s.borrow_mut();
            match s.waiting.take() {
                Some(next) if !next.is_empty() => {
                    s.waiting = Some(Vec::new());
                    batch = next;
                }
                _ => return,
            }
        }
    });
}

async fn answer(calls: CallState, batch: &[PhoneCandidate]) {
    let Some(s) = calls.shared() else { return };
    let countries = countries(calls);
    let batch = &batch[..batch.len().min(MAX_BATCH)];
    // Only the texts not remembered go to the phone module.
    let unknown: Vec<String> = {
        let shared = s.borrow();
        let mut seen = std::collections::HashSet::new();
        batch
            .iter()
            .map(|c| &c.text)
            .filter(|t| !shared.verdicts.contains_key(*t) && seen.insert(*t))
            .cloned()
            .collect()
    };
    let mut fresh = std::collections::HashMap::new();
    if !unknown.is_empty() {
        let question = PhoneQuestion::Find {
            texts: unknown,
            countries,
        };
        let found = match ask(&question).await {
            Some(PhoneAnswer::Found { spans }) => spans,
            // No phone module: the batch is answered with no numbers (the page keeps working).
            _ => Vec::new(),
        };
        let PhoneQuestion::Find { texts, .. } = question else {
            return;
        };
        fresh = texts
            .into_iter()
            .zip(found.into_iter().map(spans))
            .collect();
    }
    let (mut ids, mut starts, mut ends, mut displays) = (vec![], vec![], vec![], vec![]);
    {
        let mut shared = s.borrow_mut();
        for c in batch {
            let found = fresh
                .get(&c.text)
                .or_else(|| shared.verdicts.get(&c.text))
                .cloned()
                .unwrap_or_default();
            for (start, end, display) in found {
                ids.push(c.id);
                starts.push(start);
                ends.push(end);
                displays.push(display);
            }
        }
        let cache = &mut shared.verdicts;
        for (text, found) in fresh {
            if text.len() <= CACHE_TEXT_MAX {
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
                cache.insert(text, found);
            }
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
fn chosen(calls: CallState, text: String) {
    calls.panel_opened.update(|n| *n += 1);
    wasm_bindgen_futures::spawn_local(async move {
        let question = PhoneQuestion::ReadFound {
            text: text.clone(),
            countries: countries(calls),
        };
        match read(&question).await {
            Some(Ok(d)) => {
                calls.message.set(None);
                calls.dial.set(d.display);
                // The view moves the focus to Call once it has shown the number.
                calls.call_focused.update(|n| *n += 1);
            }
            _ => {
                let shown: String = text.chars().take(phone::MAX_TEXT).collect();
                calls.message.set(Some(t1("phoneNotDialable", &shown)));
            }
        }
    });
}
