//! Messages between the content script (plain JS, beside the page) and the adapter frame (Rust).
//!
//! The content script only reports facts; every decision is made in the frame. The channel is a
//! `chrome.runtime` port, so the page cannot read or forge it, but the content script still faces a
//! hostile page: every field is treated as untrusted text and never rendered as HTML.

use serde::{Deserialize, Serialize};

/// What the content script tells the frame.
// serde's own tag, not `wire_tag`: a page's 1,000 phone candidates (and their verdicts) go in one
// message, which `wire_tag`'s buffer would cross into JavaScript three times (measured: the page's
// phone scan ~7 ms slower on average, README "Size"); the content script reads `type`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PageMessage {
    /// A snapshot of what the Kustomer page shows; sent at connect and whenever it changes.
    PageFacts(PageFacts),
    /// Texts on the page that changed and may hold phone numbers (C1, issue 17): a message's text
    /// node, or a customer phone element's text. `texts[i]` stands at the content script's place
    /// `ids[i]` (ids go up). The frame finds the numbers in them; the texts are untrusted and
    /// length-limited there ([`crate::phone::MAX_SCAN`]). Two arrays, not an object per text: a side
    /// panel of 1,000 numbers is one message, and arrays cross the port and WASM's boundary cheaper.
    PhoneCandidates { ids: Vec<u32>, texts: Vec<String> },
    /// The agent used the Phone control beside a number of candidate `id`; `text` is that number as
    /// written (the span the frame returned) (C1).
    PhoneChosen { id: u32, text: String },
    /// The page started to navigate away (`beforeunload`): an owner tab hands over now, not at
    /// `pagehide`, which waits for the next page to commit (issue 5). Not sent while a call is live
    /// ([`FrameMessage::CallLive`]): the agent may cancel the leave, and the tab stays the owner.
    PageLeaving,
}

/// One text from the page, with the content script's id for its place on the page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhoneCandidate {
    pub id: u32,
    pub text: String,
}

impl PhoneCandidate {
    /// The candidates of a [`PageMessage::PhoneCandidates`], paired (an id without a text, or the
    /// reverse, is dropped).
    pub fn zip(ids: &[u32], texts: &[String]) -> Vec<PhoneCandidate> {
        ids.iter()
            .zip(texts)
            .map(|(&id, text)| PhoneCandidate {
                id,
                text: text.clone(),
            })
            .collect()
    }
}

/// What the Kustomer page shows, as read through the content script's selectors module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageFacts {
    /// False when the page lacks Kustomer's routing-status markup: the adapter says so instead of
    /// failing silently.
    pub markup_found: bool,
    pub kustomer_email: Option<String>,
    pub status_id: Option<String>,
    pub status_name: Option<String>,
    pub path: String,
}

/// What the frame tells the content script (serde's own tag, as [`PageMessage`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FrameMessage {
    /// The panel's size in CSS pixels; the content script sizes the frame's host to it, pinned
    /// bottom-left.
    Resize { width: u32, height: u32 },
    /// The adapter painted its first interactive state (for the start-up benchmark).
    Ready,
    /// The answer to one [`PageMessage::PhoneCandidates`], one entry per number found, in text order:
    /// candidate `ids[i]` holds a number from `starts[i]` to `ends[i]` (UTF-16 code units into its
    /// text, as JavaScript indexes strings), which the control's label shows as `displays[i]`
    /// (international format, e.g. "+34 612 34 56 78", with the extension named in the agent's
    /// language). Every candidate up to id `last` has been answered: one with no entry holds no number.
    PhoneVerdicts {
        ids: Vec<u32>,
        starts: Vec<u32>,
        ends: Vec<u32>,
        displays: Vec<String>,
        last: u32,
    },
    /// Screen pop (A3): open `path` through the page's own navigation. Always a validated
    /// `/app/conversations/…` path, checked again by the content script.
    Navigate { path: String },
    /// Whether the owner tab has a live call (placed, connected, on hold) or an accepted chat: while it
    /// does, closing or reloading the page asks the agent first, and `beforeunload` does not hand
    /// ownership over (the agent may cancel).
    CallLive { live: bool },
}

/// Whether `path` is a conversation path the frame may ask the page to open: origin-relative, no
/// scheme, no `..`, only URL-safe id characters.
pub fn is_conversation_path(path: &str) -> bool {
    let Some(id) = path.strip_prefix("/app/conversations/") else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_facts_parse_from_the_content_script_shape() {
        let json = r#"{"type":"PageFacts","markup_found":true,"kustomer_email":"a@b.c",
            "status_id":"s1","status_name":"Available","path":"/app/conversations/c1"}"#;
        let msg: PageMessage = serde_json::from_str(json).expect("valid");
        let PageMessage::PageFacts(f) = msg else {
            panic!("not facts")
        };
        assert!(f.markup_found);
        assert_eq!(f.status_id.as_deref(), Some("s1"));
    }

    #[test]
    fn unknown_message_types_are_rejected_not_guessed() {
        assert!(serde_json::from_str::<PageMessage>(r#"{"type":"Evil"}"#).is_err());
    }

    #[test]
    fn phone_candidates_parse() {
        let json = r#"{"type":"PhoneCandidates","ids":[1,2],"texts":["612 345 678","x"]}"#;
        let msg: PageMessage = serde_json::from_str(json).expect("valid");
        let PageMessage::PhoneCandidates { ids, texts } = msg else {
            panic!("not candidates: {msg:?}");
        };
        assert_eq!(
            PhoneCandidate::zip(&ids, &texts),
            [
                PhoneCandidate {
                    id: 1,
                    text: "612 345 678".into()
                },
                PhoneCandidate {
                    id: 2,
                    text: "x".into()
                }
            ]
        );
        // Arrays of different lengths: only the pairs count.
        assert_eq!(PhoneCandidate::zip(&[1, 2], &["a".into()]).len(), 1);
    }

    #[test]
    fn phone_verdicts_list_each_number_found_and_the_last_id_answered() {
        // Candidate 1 holds two numbers, 2 none, 3 one.
        let msg = FrameMessage::PhoneVerdicts {
            ids: vec![1, 1, 3],
            starts: vec![3, 20, 0],
            ends: vec![14, 36, 16],
            displays: vec![
                "+34 612 34 56 78".into(),
                "+1 415-555-0100".into(),
                "+1 800-901-3355, extension 7246433".into(),
            ],
            last: 3,
        };
        assert_eq!(
            serde_json::to_value(&msg).expect("serialises"),
            serde_json::json!({"type": "PhoneVerdicts", "ids": [1, 1, 3], "starts": [3, 20, 0], "ends": [14, 36, 16], "displays": ["+34 612 34 56 78", "+1 415-555-0100", "+1 800-901-3355, extension 7246433"], "last": 3})
        );
    }

    #[test]
    fn only_conversation_paths_may_be_opened() {
        assert!(is_conversation_path("/app/conversations/c-1_a"));
        for bad in [
            "https://evil.example/app/conversations/1",
            "//evil.example/app/conversations/1",
            "/app/conversations/",
            "/app/conversations/../settings",
            "/app/conversations/a?b",
            "javascript:alert(1)",
            "/app/customers/1",
        ] {
            assert!(!is_conversation_path(bad), "{bad}");
        }
    }

    #[test]
    fn frame_messages_carry_their_tag() {
        let json = serde_json::to_value(FrameMessage::Resize {
            width: 320,
            height: 48,
        })
        .expect("ser");
        assert_eq!(
            json,
            serde_json::json!({"type": "Resize", "width": 320, "height": 48})
        );
        let json = serde_json::to_value(FrameMessage::CallLive { live: true }).expect("ser");
        assert_eq!(json, serde_json::json!({"type": "CallLive", "live": true}));
    }
}
