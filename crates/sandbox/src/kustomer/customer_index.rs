//! Where each customer's unique values are (B10: e-mails, phones and external ids are unique across
//! the org; B9 looks customers up by them), so that a look-up or a creation does not read every
//! customer: the record rules' bench makes tens of thousands, and a real Kustomer has its indexes.
//!
//! Entries are only added: a value a customer no longer has stays listed, and every caller checks the
//! customer itself (`candidates` may hold too many, never too few).

use std::collections::{BTreeSet, HashMap};

use super::customers::digits;
use super::model::Customer;

#[derive(Default)]
pub struct CustomerIndex {
    by_id: HashMap<String, usize>,
    by_value: HashMap<String, Vec<usize>>,
}

/// What an e-mail is filed under: compared case-insensitively, surrounding spaces ignored.
pub fn email_key(email: &str) -> String {
    format!("e:{}", email.trim().to_ascii_lowercase())
}

/// What a phone is filed under for uniqueness: as written, surrounding spaces ignored.
pub fn phone_key(phone: &str) -> String {
    format!("p:{}", phone.trim())
}

/// What a phone is filed under for the look-up (`customers::phone_matches`): two numbers that match
/// share their last 9 digits, or all of them when shorter.
pub fn phone_digits_key(phone: &str) -> Option<String> {
    let d = digits(phone);
    if d.is_empty() {
        return None;
    }
    Some(format!("d:{}", &d[d.len().saturating_sub(9)..]))
}

pub fn external_id_key(id: &str) -> String {
    format!("x:{}", id.trim())
}

impl CustomerIndex {
    /// Files customer `i`'s id and current values.
    pub fn add(&mut self, i: usize, c: &Customer) {
        self.by_id.insert(c.id.clone(), i);
        let keys = c
            .emails
            .iter()
            .map(|e| email_key(e))
            .chain(c.phones.iter().map(|(p, _)| phone_key(p)))
            .chain(c.phones.iter().filter_map(|(p, _)| phone_digits_key(p)))
            .chain(c.external_ids.iter().map(|x| external_id_key(x)));
        for key in keys {
            let at = self.by_value.entry(key).or_default();
            if !at.contains(&i) {
                at.push(i);
            }
        }
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The customers filed under any of `keys`, in the order they were made.
    pub fn candidates<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> BTreeSet<usize> {
        keys.into_iter()
            .filter_map(|k| self.by_value.get(k))
            .flatten()
            .copied()
            .collect()
    }
}
