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

/// Everything libphonenumber read in `text`, or None when it refused it.
fn library_reads(text: &str, region: Option<Region>) -> Option<(PhoneNumber, bool)> {
    let n = PHONE_NUMBER_UTIL
        .parse_and_keep_raw_input(text, region)
        .ok()?;
    let valid = n.is_valid();
    let mut n = n;
    n.raw_input = None; // The plain form is, by design, not the raw text.
    Some((n, valid))
}

/// Every region's example number of every type the metadata has.
pub(super) fn every_example_number() -> Vec<(Region, PhoneNumber)> {
    let util = &*PHONE_NUMBER_UTIL;
    let mut out = Vec::new();
    for region in util.get_supported_regions() {
        for kind in util
            .get_supported_types_for_region(region)
            .unwrap_or_default()
        {
            if let Ok(n) = util.get_example_number_for_type_and_region(region, kind) {
                out.push((region, n));
            }
        }
    }
    out
}

/// The plain form is parsed exactly as its text would be: every region's example numbers of every
/// type, written international, national, E.164 and with an international prefix, with each
/// separator people use, read in their own region, in Spain and in the US.
#[test]
fn the_plain_form_reads_as_the_text_does() {
    let (mut checked, mut valid) = (0, 0);
    for (region, n) in every_example_number() {
        let international = n.format_as(PhoneNumberFormat::International);
        let national = n.format_as(PhoneNumberFormat::National);
        let texts = [
            international.to_string(),
            international.replace(' ', "-"),
            national.to_string(),
            national.replace(' ', "."),
            national.replace(' ', " / "),
            n.format_as(PhoneNumberFormat::E164).into_owned(),
            n.format_out_of_country_calling_number(Region::ES)
                .into_owned(),
            n.format_out_of_country_calling_number(Region::US)
                .into_owned(),
        ];
        for text in texts {
            let Some(plain) = plain_form(&text) else {
                continue; // Not plain (e.g. a national format with letters): parsed as written.
            };
            for default in [Some(region), Some(Region::ES), Some(Region::US), None] {
                let written = library_reads(&text, default);
                assert_eq!(
                    library_reads(&plain, default),
                    written,
                    "{text:?} as {plain:?} in {default:?}"
                );
                checked += 1;
                valid += usize::from(written.is_some_and(|(_, v)| v));
            }
        }
    }
    assert!(
        checked > 20_000 && valid > 10_000,
        "{checked} texts, {valid} valid"
    );
}

proptest::proptest! {
    /// Any text of digits and separators, with or without a leading `+`: the same reading. (With
    /// fewer than 3 digits the library treats "12" and "1-2" apart; `read` never asks below 6.)
    #[test]
    fn plain_forms_of_random_texts_read_the_same(text in "\\+?[0-9 ().\\-/]{0,24}") {
        let digits = text.bytes().filter(u8::is_ascii_digit).count();
        if let Some(plain) = plain_form(&text).filter(|_| digits >= 3) {
            for default in [Some(Region::ES), Some(Region::US), Some(Region::DE), None] {
                proptest::prop_assert_eq!(library_reads(&plain, default), library_reads(&text, default));
            }
        }
    }
}

#[test]
fn only_plain_texts_have_a_plain_form() {
    assert_eq!(
        plain_form("+34 (612) 34-56.78").as_deref(),
        Some("+34612345678")
    );
    assert_eq!(
        plain_form("(+34) 612 345 678").as_deref(),
        Some("+34612345678")
    );
    for text in [
        "+44 20 7946 0958 x123",
        "1-800-FLOWERS",
        "612 345 678#",
        "++34 612",
        "612+345",
        "٦١٢٣٤٥٦٧٨",
    ] {
        assert_eq!(plain_form(text), None, "{text}");
    }
}

#[test]
fn long_runs_of_digits_are_refused_without_parsing() {
    let id = "1".repeat(MAX_PLAIN_LEN);
    assert_eq!(normalise(&id, &ES_US), Err(PhoneError::NotDialable));
    // The longest written form still parses: Australia's longest international prefix, from AU.
    let d = normalise("1488 0011 44 (0)20 7946 0958", &["AU"]).expect("valid");
    assert_eq!(d.e164, "+442079460958");
}

#[test]
fn the_first_country_wins_for_national_numbers() {
    assert!(normalise("(415) 555-0132", &["ES"]).is_err());
    assert_eq!(
        normalise("(415) 555-0132", &["US"]).expect("valid").e164,
        "+14155550132"
    );
}
