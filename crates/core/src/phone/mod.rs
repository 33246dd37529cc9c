//! Phone numbers (SPEC C2): a string from the page becomes an E.164 number, or a clear refusal.
//!
//! The parsing and validation is Google's libphonenumber metadata through `rlibphonenumber` (chosen by
//! size and start-up, README "Phone numbers"). National numbers are read in the admin's countries, in
//! order: the first where the number is valid wins, so "612 345 678" is Spanish and "(415) 555-0132"
//! American with the default `["ES", "US"]`. Pure: no I/O, so it is tested natively below.

#[cfg(any(test, feature = "matcher-cases"))]
pub mod cases;
mod find;
pub mod wire;

#[cfg(test)]
use find::by_matcher;
pub use find::{find, read_found, Found, MAX_SCAN};

use rlibphonenumber::{
    enums::Region, CountryCodeSource, PhoneNumber, PhoneNumberFormat, PHONE_NUMBER_UTIL,
};

/// Longest string worth parsing: anything longer is not a phone number, and page text is untrusted.
pub const MAX_TEXT: usize = 64;

/// A number the agent can call.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Dialable {
    /// What CCAI dials: `+` and digits.
    pub e164: String,
    /// Digits to send after the call connects (`x123`), kept apart because E.164 has no extension.
    pub extension: Option<String>,
    /// International format for people, e.g. "+34 612 34 56 78" or "+1 800-901-3355 ext. 123" (the
    /// extension as the number's country writes it: " x123" in Britain).
    pub display: String,
    /// The same without the extension, for a label that names the extension in the reader's language.
    pub number: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
pub enum PhoneError {
    #[error("empty")]
    Empty,
    #[error("too long to be a phone number")]
    TooLong,
    #[error("not a dialable phone number")]
    NotDialable,
}

/// Parses `text` as a phone number: international when it says so (`+`, or the country's own
/// international prefix such as `00` in Spain), else national in the first of `countries` (ISO 3166
/// alpha-2) where it is valid.
pub fn normalise<S: AsRef<str>>(text: &str, countries: &[S]) -> Result<Dialable, PhoneError> {
    read(text, countries).map(|(d, _)| d)
}

/// Where a number's country code came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CountryFrom {
    /// A national number ("612 345 678"): the country is the first of the admin's where it is valid,
    /// an assumption.
    Assumed,
    /// The text wrote it (`+34 …`, `0034 …`): no assumption.
    Written,
}

/// `normalise`, and whether the text wrote its country code or a national number was read in one of
/// `countries` (the connector trusts a written one more when two customers claim a number, issue 8).
pub fn read<S: AsRef<str>>(
    text: &str,
    countries: &[S],
) -> Result<(Dialable, CountryFrom), PhoneError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    if text.chars().count() > MAX_TEXT {
        return Err(PhoneError::TooLong);
    }
    // At least six digits: a short code or a date fragment is never offered as a call.
    if text.chars().filter(|c| c.is_numeric()).count() < 6 {
        return Err(PhoneError::NotDialable);
    }
    let plain = plain_form(text);
    if plain.as_ref().is_some_and(|p| p.len() > MAX_PLAIN_LEN) {
        return Err(PhoneError::NotDialable);
    }
    let text = plain.as_deref().unwrap_or(text);
    let regions = countries
        .iter()
        .map(|c| Region::from_code(c.as_ref().trim()).ok())
        .chain(countries.is_empty().then_some(None));
    for region in regions {
        if let Ok(n) = PHONE_NUMBER_UTIL.parse_and_keep_raw_input(text, region) {
            if n.is_valid() {
                let from = match n.country_code_source() {
                    CountryCodeSource::FromDefaultCountry => CountryFrom::Assumed,
                    _ => CountryFrom::Written,
                };
                return Ok((dialable(&n), from));
            }
        }
    }
    Err(PhoneError::NotDialable)
}

/// Longest plain form (`+` and digits) worth parsing: E.164's 15 digits, after the longest
/// international prefix in the metadata (8 digits, Australia's `14880011`) and a written national
/// prefix (`+44 (0)20…`). Longer runs of digits (order numbers, ids) are refused without parsing.
pub(crate) const MAX_PLAIN_LEN: usize = 1 + 8 + 15 + 1;

/// The text reduced to what libphonenumber reads in it, when it is plain: ASCII digits, at most one `+`
/// before the first digit, and the separators people write (space `-` `.` `(` `)` `/`), which are
/// dropped. The library ignores these separators itself (none can start an extension or a vanity
/// number), but its general-purpose regexes (is this viable, is there an extension) cost per
/// character, so "+34 612 34 56 78" is parsed as "+34612345678", with the same result. `None` for
/// anything else (letters, `x123`, `#`, other scripts' digits): that text is parsed as written.
fn plain_form(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '0'..='9' => out.push(c),
            '+' if out.is_empty() => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            _ => return None,
        }
    }
    Some(out)
}

/// The admin's list of countries for national numbers, cleaned: ISO 3166 alpha-2 codes libphonenumber
/// knows, upper case, each once, in the order given ("es, us" → ["ES", "US"]).
pub fn countries(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for code in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let code = code.trim().to_ascii_uppercase();
        let known = code.len() == 2
            && Region::from_code(&code).is_ok_and(|r| {
                rlibphonenumber::PHONE_NUMBER_UTIL
                    .get_country_code_for_region(r)
                    .is_some_and(|cc| cc > 0)
            });
        if known && !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

fn dialable(n: &PhoneNumber) -> Dialable {
    let ext = n.extension().trim();
    let display = n.format_as(PhoneNumberFormat::International).into_owned();
    let number = if ext.is_empty() {
        display.clone()
    } else {
        let mut bare = n.clone();
        bare.extension = None;
        bare.format_as(PhoneNumberFormat::International)
            .into_owned()
    };
    Dialable {
        e164: n.format_as(PhoneNumberFormat::E164).into_owned(),
        extension: (!ext.is_empty()).then(|| ext.to_owned()),
        display,
        number,
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_find;
