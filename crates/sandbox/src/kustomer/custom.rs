//! Custom attributes: the `custom` object of customers and conversations. The name's suffix sets the
//! type (API-NOTES.md). The sandbox accepts only attributes defined in the resource's metadata, so a
//! client that skipped "Create fields" (issue 7, F1) or misspelt a name gets a clear 400 instead of a
//! silent success (real Kustomer's behaviour here is not documented).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::model::FieldDef;

pub const SUFFIXES: &[(&str, &str)] = &[
    ("Str", "string"),
    ("Txt", "text"),
    ("Num", "number"),
    ("At", "date"),
    ("Bool", "boolean"),
    ("Url", "url"),
    ("Id", "id"),
];

/// The type a custom attribute's name implies, or `None` when it has no known suffix.
pub fn type_of(name: &str) -> Option<&'static str> {
    let stem_ok = |suffix: &str| {
        let stem = &name[..name.len() - suffix.len()];
        !stem.is_empty()
            && stem.chars().all(|c| c.is_ascii_alphanumeric())
            && stem.starts_with(|c: char| c.is_ascii_lowercase())
    };
    SUFFIXES
        .iter()
        .find(|(suffix, _)| name.ends_with(suffix) && stem_ok(suffix))
        .map(|(_, t)| *t)
}

/// Checks a `custom` patch against the definitions; `null` always passes (it clears the value).
pub fn validate(
    resource: &str,
    defs: Option<&BTreeMap<String, FieldDef>>,
    patch: &Map<String, Value>,
) -> Result<(), String> {
    for (name, value) in patch {
        if defs.is_none_or(|d| !d.contains_key(name)) {
            return Err(format!(
                "custom attribute '{name}' is not defined for {resource}: define it first with PATCH /v1/metadata/{resource}"
            ));
        }
        if value.is_null() {
            continue;
        }
        let ok = match type_of(name) {
            Some("string") => value.as_str().is_some_and(|s| s.chars().count() <= 1024),
            Some("text") | Some("id") => {
                value.is_string() || (name.ends_with("Id") && value.is_number())
            }
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("date") => value.as_str().is_some_and(looks_iso),
            Some("url") => value
                .as_str()
                .is_some_and(|s| s.starts_with("http://") || s.starts_with("https://")),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "custom attribute '{name}' expects a {} value, got {value}",
                type_of(name).unwrap_or("typed")
            ));
        }
    }
    Ok(())
}

/// Applies a validated patch: `null` removes the key.
pub fn merge(target: &mut Map<String, Value>, patch: &Map<String, Value>) {
    for (k, v) in patch {
        if v.is_null() {
            target.remove(k);
        } else {
            target.insert(k.clone(), v.clone());
        }
    }
}

/// `2024-11-25` or `2024-11-25T09:30:00Z`-like: enough to catch a number or a free-text date.
fn looks_iso(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(type_of("queueNameStr"), Some("string"));
        assert_eq!(type_of("callDurationNum"), Some("number"));
        assert_eq!(type_of("csatCommentTxt"), Some("text"));
        assert_eq!(type_of("startedAt"), Some("date"));
        assert_eq!(type_of("Str"), None);
        assert_eq!(type_of("QueueStr"), None);
        assert_eq!(type_of("queue_nameStr"), None);
        assert_eq!(type_of("queueName"), None);
    }
}
