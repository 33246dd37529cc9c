//! The custom fields of F1 by their Kustomer names, and F2: write a field only for sessions that started
//! after it was created.

use std::collections::BTreeMap;

use super::facts::FieldDef;
use super::operation::FieldValue;

// Record (conversation) fields, F1.
pub const QUEUE_NAME: &str = "queueNameStr";
pub const SESSION_TYPE: &str = "sessionTypeStr";
pub const SESSION_ID: &str = "sessionIdStr";
pub const PHONE_NUMBER: &str = "phoneNumberStr";
pub const CALL_DURATION: &str = "callDurationNum";
pub const WAIT_TIME: &str = "waitTimeNum";
pub const HOLD_TIME: &str = "holdTimeNum";
pub const CSAT_RATING: &str = "csatRatingNum";
pub const CSAT_COMMENT: &str = "csatCommentTxt";
pub const MENU_SELECTION: &str = "menuSelectionStr";
pub const IN_WEB_EMAIL: &str = "inWebEmailStr";
// Account (customer) field, F1.
pub const CUSTOM_USER_ID: &str = "customUserIdStr";

/// Every field F1 lets an admin create, conversation fields first.
pub const ALL: [&str; 12] = [
    QUEUE_NAME,
    SESSION_TYPE,
    SESSION_ID,
    PHONE_NUMBER,
    CALL_DURATION,
    WAIT_TIME,
    HOLD_TIME,
    CSAT_RATING,
    CSAT_COMMENT,
    MENU_SELECTION,
    IN_WEB_EMAIL,
    CUSTOM_USER_ID,
];

/// The Kustomer resource an F1 field lives on: the account field on customers, the rest on
/// conversations.
pub fn resource_of(name: &str) -> &'static str {
    if name == CUSTOM_USER_ID {
        "customer"
    } else {
        "conversation"
    }
}

/// Collects the fields one event writes, keeping only those F2 allows.
pub struct FieldWriter<'a> {
    defs: &'a [FieldDef],
    session_started_at_ms: u64,
    out: Vec<(String, FieldValue)>,
}

impl<'a> FieldWriter<'a> {
    pub fn new(defs: &'a [FieldDef], session_started_at_ms: u64) -> Self {
        FieldWriter {
            defs,
            session_started_at_ms,
            out: Vec::new(),
        }
    }

    /// F2: the field exists and was created strictly before the session started.
    pub fn allowed(&self, name: &str) -> bool {
        self.defs
            .iter()
            .any(|d| d.name == name && d.created_at_ms < self.session_started_at_ms)
    }

    pub fn text(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            if self.allowed(name) {
                self.out
                    .push((name.to_owned(), FieldValue::Text(v.to_owned())));
            }
        }
        self
    }

    pub fn num(&mut self, name: &str, value: f64) -> &mut Self {
        if self.allowed(name) {
            self.out.push((name.to_owned(), FieldValue::Num(value)));
        }
        self
    }

    /// F4: SDK custom data through the admin's mapping. A value for a `…Num` field that is not a number
    /// is skipped rather than written as text into a number field.
    pub fn mapped(&mut self, data: &BTreeMap<String, String>, mapping: &BTreeMap<String, String>) {
        for (key, value) in data {
            let Some(field) = mapping.get(key) else {
                continue;
            };
            if field.ends_with("Num") {
                if let Ok(n) = value.trim().parse::<f64>() {
                    self.num(field, n);
                }
            } else {
                self.text(field, Some(value));
            }
        }
    }

    pub fn finish(self) -> Vec<(String, FieldValue)> {
        self.out
    }
}
