//! Messages between the content script (plain JS, beside the page) and the adapter frame (Rust).
//!
//! The content script only reports facts; every decision is made in the frame. The channel is a
//! `chrome.runtime` port, so the page cannot read or forge it, but the content script still faces a
//! hostile page: every field is treated as untrusted text and never rendered as HTML.

use serde::{Deserialize, Serialize};

/// What the content script tells the frame.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum PageMessage {
    /// A snapshot of what the Kustomer page shows; sent at connect and whenever it changes.
    PageFacts(PageFacts),
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

/// What the frame tells the content script.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FrameMessage {
    /// The panel's size in CSS pixels; the content script sizes the frame's host to it, pinned
    /// bottom-left.
    Resize { width: u32, height: u32 },
    /// The adapter painted its first interactive state (for the start-up benchmark).
    Ready,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_facts_parse_from_the_content_script_shape() {
        let json = r#"{"type":"PageFacts","markup_found":true,"kustomer_email":"a@b.c",
            "status_id":"s1","status_name":"Available","path":"/app/conversations/c1"}"#;
        let msg: PageMessage = serde_json::from_str(json).expect("valid");
        let PageMessage::PageFacts(f) = msg;
        assert!(f.markup_found);
        assert_eq!(f.status_id.as_deref(), Some("s1"));
    }

    #[test]
    fn unknown_message_types_are_rejected_not_guessed() {
        assert!(serde_json::from_str::<PageMessage>(r#"{"type":"Evil"}"#).is_err());
    }

    #[test]
    fn frame_messages_carry_their_tag() {
        let json = serde_json::to_string(&FrameMessage::Resize {
            width: 320,
            height: 48,
        })
        .expect("ser");
        assert_eq!(json, r#"{"type":"Resize","width":320,"height":48}"#);
    }
}
