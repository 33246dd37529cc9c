//! Which existing Kustomer customer a caller's phone number belongs to (R16: only a *new* number makes a
//! new customer). Pure: the connector asks Kustomer for candidates and this decides.
//!
//! The rule:
//! 1. Kustomer's phone search is only a candidate filter: it is loose on purpose (the sandbox matches any
//!    number whose digits end with the other's, so `+34612345678` finds both "+34 612 34 56 78" and
//!    "612 345 678"). Nothing is taken on its word.
//! 2. Every phone of every candidate is read as E.164 by libphonenumber (`crate::phone`), national
//!    numbers in the admin's countries (C2, first valid country wins). A candidate matches only when one
//!    of its phones equals the caller's E.164 exactly (an extension is ignored: it is the same line).
//!    A number libphonenumber does not hold valid still counts when it is written with `+` (its metadata
//!    lags behind new ranges; the UK's 07700 900xxx drama range is valid to nobody): then its digits are
//!    compared as written. Anything else matches nothing.
//! 3. Among several matches, in this order:
//!    - a phone written with its country code (`+34 …`, `0034 …`) beats a national one, whose country
//!      is an assumption (María's "+34 612 34 56 78" beats Jordi's "612 345 678");
//!    - then the most recently updated customer (`updatedAt`: the record people are keeping current);
//!    - then the smallest id, so that the choice never depends on the order Kustomer answers in.
//!
//!    More than one match is an ambiguity in Kustomer's data; the connector logs it with every id.
//! 4. No match: the rules create a customer (R16).

use crate::phone::{self, CountryFrom};

/// A phone as the E.164 text the rule compares (see the module's rule, 2), and how sure its country is.
pub fn canonical<S: AsRef<str>>(text: &str, countries: &[S]) -> Option<(String, CountryFrom)> {
    if let Ok((d, from)) = phone::read(text, countries) {
        return Some((d.e164, from));
    }
    let rest = text.trim().strip_prefix('+')?;
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || " -.()".contains(c))
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    (7..=15)
        .contains(&digits.len())
        .then(|| (format!("+{digits}"), CountryFrom::Written))
}

/// A customer Kustomer's search returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub id: String,
    /// As people typed them.
    pub phones: Vec<String>,
    /// `updatedAt`, ms since the Unix epoch (0 when Kustomer did not say).
    pub updated_at_ms: u64,
}

/// A candidate whose phone is the caller's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneMatch {
    pub id: String,
    /// How sure the match is: the best of the candidate's matching phones.
    pub country: CountryFrom,
    pub updated_at_ms: u64,
}

/// The outcome: every exact match, best first; the chosen one is the first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Choice {
    pub matches: Vec<PhoneMatch>,
}

impl Choice {
    pub fn chosen(&self) -> Option<&PhoneMatch> {
        self.matches.first()
    }

    /// Two or more customers claim the number.
    pub fn is_ambiguous(&self) -> bool {
        self.matches.len() > 1
    }
}

/// Picks the customer whose phone is `caller_e164` (`canonical` of the caller's number; see the
/// module's rule).
pub fn choose<S: AsRef<str>>(
    caller_e164: &str,
    candidates: &[Candidate],
    countries: &[S],
) -> Choice {
    let mut matches: Vec<PhoneMatch> = candidates
        .iter()
        .filter_map(|c| {
            let best = c
                .phones
                .iter()
                .filter_map(|p| canonical(p, countries))
                .filter(|(e164, _)| e164 == caller_e164)
                .map(|(_, from)| from)
                .max()?;
            Some(PhoneMatch {
                id: c.id.clone(),
                country: best,
                updated_at_ms: c.updated_at_ms,
            })
        })
        .collect();
    matches.sort_by(|a, b| {
        b.country
            .cmp(&a.country)
            .then(b.updated_at_ms.cmp(&a.updated_at_ms))
            .then(a.id.cmp(&b.id))
    });
    matches.dedup_by(|a, b| a.id == b.id);
    Choice { matches }
}
