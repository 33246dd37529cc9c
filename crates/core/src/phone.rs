//! Phone numbers (SPEC C2): a string from the page becomes an E.164 number, or a clear refusal.
//!
//! The parsing and validation is Google's libphonenumber metadata through `rlibphonenumber` (chosen by
//! size and start-up, README "Phone numbers"). National numbers are read in the admin's countries, in
//! order: the first where the number is valid wins, so "612 345 678" is Spanish and "(415) 555-0132"
//! American with the default `["ES", "US"]`. Pure: no I/O, so it is tested natively below.

use rlibphonenumber::{
    enums::Region, CountryCodeSource, PhoneNumber, PhoneNumberFormat, PHONE_NUMBER_UTIL,
};

/// Longest string worth parsing: anything longer is not a phone number, and page text is untrusted.
pub const MAX_TEXT: usize = 64;

/// A number the agent can call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialable {
    /// What CCAI dials: `+` and digits.
    pub e164: String,
    /// Digits to send after the call connects (`x123`), kept apart because E.164 has no extension.
    pub extension: Option<String>,
    /// International format for people, e.g. "+34 612 34 56 78" or "+44 20 7946 0958 ext. 123".
    pub display: String,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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
    if text.bytes().filter(u8::is_ascii_digit).count() < 6 {
        return Err(PhoneError::NotDialable);
    }
    let regions: Vec<Option<Region>> = if countries.is_empty() {
        vec![None]
    } else {
        countries
            .iter()
            .map(|c| Region::from_code(c.as_ref().trim()).ok())
            .collect()
    };
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
    Dialable {
        e164: n.format_as(PhoneNumberFormat::E164).into_owned(),
        extension: (!ext.is_empty()).then(|| ext.to_owned()),
        display: n.format_as(PhoneNumberFormat::International).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ES_US: [&str; 2] = ["ES", "US"];

    #[test]
    fn every_seeded_format_normalises_to_e164() {
        let table = [
            ("+34 612 34 56 78", "+34612345678", None),
            ("612 345 678", "+34612345678", None),
            ("(415) 555-0132", "+14155550132", None),
            ("+1 415.555.0199", "+14155550199", None),
            ("+44 20 7946 0958 x123", "+442079460958", Some("123")),
            ("0034-612-345-679", "+34612345679", None),
            ("+49 (30) 901820", "+4930901820", None),
            ("+34 655 44 33 22", "+34655443322", None),
        ];
        for (text, e164, ext) in table {
            let d = normalise(text, &ES_US).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(d.e164, e164, "{text}");
            assert_eq!(d.extension.as_deref(), ext, "{text}");
        }
    }

    #[test]
    fn the_display_is_international() {
        let d = normalise("612 345 678", &ES_US).expect("valid");
        assert_eq!(d.display, "+34 612 34 56 78");
        let d = normalise("+44 20 7946 0958 x123", &ES_US).expect("valid");
        assert!(d.display.starts_with("+44 20 7946 0958"), "{}", d.display);
        assert!(d.display.contains("123"), "{}", d.display);
    }

    #[test]
    fn non_numbers_are_refused() {
        for text in [
            "2024-11-25-0001",
            "",
            "12345",
            "hello",
            "+34 12",
            "999999999999999999999",
            "<img src=x onerror=alert(1)>",
        ] {
            assert!(normalise(text, &ES_US).is_err(), "{text}");
        }
        let long = "1".repeat(MAX_TEXT + 1);
        assert_eq!(normalise(&long, &ES_US), Err(PhoneError::TooLong));
    }

    #[test]
    fn country_lists_are_cleaned() {
        assert_eq!(countries("es, us"), ["ES", "US"]);
        assert_eq!(countries("GB  XX,gb,fr,,1"), ["GB", "FR"]);
        assert!(countries("").is_empty());
    }

    #[test]
    fn a_written_country_code_is_told_from_an_assumed_one() {
        let table = [
            ("+34 612 34 56 78", CountryFrom::Written),
            ("0034-612-345-679", CountryFrom::Written),
            ("612 345 678", CountryFrom::Assumed),
            ("(415) 555-0132", CountryFrom::Assumed),
        ];
        for (text, want) in table {
            let (_, from) = read(text, &ES_US).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(from, want, "{text}");
        }
    }

    #[test]
    fn the_first_country_wins_for_national_numbers() {
        assert!(normalise("(415) 555-0132", &["ES"]).is_err());
        assert_eq!(
            normalise("(415) 555-0132", &["US"]).expect("valid").e164,
            "+14155550132"
        );
    }
}
