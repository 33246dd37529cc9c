//! `find` over libphonenumber's own matcher test strings (`cases.rs`) and the cases the issue names.

use super::cases::{cases, score, score_case, suite_cases, valid_today, Score, TODAY};
use super::*;

const ES_US: [&str; 2] = ["ES", "US"];

#[test]
fn the_library_suite_is_found_as_it_expects() {
    let mut misses = Vec::new();
    for c in cases() {
        let s = score_case(&c);
        if s.found != s.expected || s.false_positives > 0 || s.wrong > 0 {
            let got: Vec<_> = find(&c.text, &c.region.into_iter().collect::<Vec<_>>())
                .into_iter()
                .map(|f| (c.text[f.bytes.clone()].to_owned(), f.dialable.e164))
                .collect();
            misses.push(format!(
                "{:?} {:?}: want {:?}, got {got:?}",
                c.region, c.text, c.want
            ));
        }
    }
    assert!(
        misses.is_empty(),
        "{} rows:\n{}",
        misses.len(),
        misses.join("\n")
    );
    let s = score();
    assert_eq!(
        s,
        Score {
            found: s.expected,
            false_positives: 0,
            wrong: 0,
            ..s
        }
    );
    assert!(s.cases > 300 && s.expected > 250, "{s:?}");
}

/// Each row where we expect other than the suite does is one where the real metadata disagrees
/// with the suite's test metadata about a number it expects.
#[test]
fn every_departure_from_the_suite_is_the_metadata() {
    let suite = suite_cases();
    for (text, _, why) in TODAY {
        let row = suite.iter().find(|c| c.text == *text);
        let row = row.unwrap_or_else(|| panic!("{text:?} is not in the suite's table"));
        assert!(
            row.want.iter().any(|w| !valid_today(w, row.region)),
            "{text:?} ({why}): every number the suite expects is valid today"
        );
    }
    assert!(TODAY.len() * 20 < suite.len());
}

/// What `find` returns, as (the text found, E.164, extension).
fn found(text: &str, countries: &[&str]) -> Vec<(String, String, Option<String>)> {
    find(text, countries)
        .into_iter()
        .map(|f| {
            (
                text[f.bytes].to_owned(),
                f.dialable.e164,
                f.dialable.extension,
            )
        })
        .collect()
}

fn one(text: &str, e164: &str, ext: Option<&str>) -> Vec<(String, String, Option<String>)> {
    vec![(text.to_owned(), e164.to_owned(), ext.map(str::to_owned))]
}

/// The cases the issue names, as an agent's customers write them, with the default countries.
#[test]
fn what_customers_write_is_found_as_the_library_finds_it() {
    for not_a_number in [
        "Delivered 2012-01-02 08:00, thanks",
        "Born 3/10/1984",
        "That is $415-666-7777 too much",
        "Up 12.5% on 2024-11-25-0001",
    ] {
        assert_eq!(found(not_a_number, &ES_US), [], "{not_a_number}");
    }
    assert_eq!(
        found("CA 34215 - 415-666-7777", &ES_US),
        one("415-666-7777", "+14156667777", None)
    );
    assert_eq!(
        found("Call (415) 666-7777 (800) 443-1223", &ES_US),
        [
            ("(415) 666-7777".into(), "+14156667777".into(), None),
            ("(800) 443-1223".into(), "+18004431223".into(), None)
        ]
    );
    assert_eq!(
        found("Call 650-253-4561 -- 212-443-1223 today", &ES_US),
        [
            ("650-253-4561".into(), "+16502534561".into(), None),
            ("212-443-1223".into(), "+12124431223".into(), None)
        ]
    );
    let wide = "\u{FF0B}\u{FF13}\u{FF14}\u{3000}\u{FF16}\u{FF11}\u{FF12}\u{3000}\u{FF13}\u{FF14}\u{3000}\u{FF15}\u{FF16}\u{3000}\u{FF17}\u{FF18}";
    assert_eq!(
        found(&format!("Tel. {wide}."), &ES_US),
        one(wide, "+34612345678", None)
    );
    let arabic = "+\u{0669}\u{0666}\u{0666} \u{0665}\u{0660} \u{0661}\u{0662}\u{0663} \u{0664}\u{0665}\u{0666}\u{0667}";
    assert_eq!(found(arabic, &ES_US), one(arabic, "+966501234567", None));
    assert_eq!(
        found("Llámame al 612 345 678 extensión 1234, gracias", &ES_US),
        one("612 345 678 extensión 1234", "+34612345678", Some("1234"))
    );
    // Seven digits after a label: the whole extension is dialled, not its first six.
    assert_eq!(
        found("(800) 901-3355 ext: 7246433", &ES_US),
        one(
            "(800) 901-3355 ext: 7246433",
            "+18009013355",
            Some("7246433")
        )
    );
    for (text, ext) in [
        ("+1 800 901 3355 , ext 55", "55"),
        ("+1 800 901 3355 extension 55", "55"),
        ("+1 800 901 3355 int. 55", "55"),
        ("+1 800 901 3355;ext=55", "55"),
        ("+7 495 123-45-67 доб. 55", "55"),
        ("+44 20 7946 0958 x55", "55"),
    ] {
        let f = find(text, &ES_US);
        assert_eq!(f.len(), 1, "{text}");
        assert_eq!(f[0].dialable.extension.as_deref(), Some(ext), "{text}");
        assert_eq!(f[0].bytes, 0..text.len(), "{text}");
    }
}

#[test]
fn offsets_are_utf16_as_javascript_counts() {
    let text = "😀 é +34 612 34 56 78";
    let f = find(text, &ES_US);
    assert_eq!(f.len(), 1);
    // "😀" is two UTF-16 units, "é" one: the number starts at 2 + 1 + 1 + 1 = 5.
    assert_eq!((f[0].start, f[0].end), (5, 5 + 16));
    let units: Vec<u16> = text.encode_utf16().collect();
    assert_eq!(
        String::from_utf16_lossy(&units[f[0].start..f[0].end]),
        "+34 612 34 56 78"
    );
}

#[test]
fn national_numbers_are_read_in_the_countries_in_order() {
    // Each found in the one country where it is valid, in text order.
    assert_eq!(
        found("612 345 678 or (415) 555-0132", &ES_US),
        [
            ("612 345 678".into(), "+34612345678".into(), None),
            ("(415) 555-0132".into(), "+14155550132".into(), None)
        ]
    );
    assert_eq!(found("(415) 555-0132", &["ES"]), []);
    // International numbers need no country; national ones then are not found.
    assert_eq!(
        found("+34 612 34 56 78 or 612 345 678", &[] as &[&str]),
        one("+34 612 34 56 78", "+34612345678", None)
    );
    // The first country wins where both read a number: "20 7946 0958" is valid in GB; with GB
    // first it is British.
    let gb_first = find("020 7946 0958", &["GB", "US"]);
    assert_eq!(gb_first[0].dialable.e164, "+442079460958");
}

#[test]
fn the_span_of_a_control_reads_back_as_it_was_found() {
    for text in [
        "(800) 901-3355 ext: 7246433",
        "612 345 678 extensión 1234",
        "\u{FF0B}\u{FF13}\u{FF14}\u{3000}\u{FF16}\u{FF11}\u{FF12}\u{3000}\u{FF13}\u{FF14}\u{3000}\u{FF15}\u{FF16}\u{3000}\u{FF17}\u{FF18}",
    ] {
        let f = find(text, &ES_US);
        assert_eq!(read_found(text, &ES_US), Ok(f[0].dialable.clone()), "{text}");
    }
    assert_eq!(
        read_found("call 612 345 678", &ES_US),
        Err(PhoneError::NotDialable)
    );
    assert_eq!(read_found("  ", &ES_US), Err(PhoneError::Empty));
}

#[test]
fn the_label_names_the_extension_apart() {
    let f = find("(800) 901-3355 ext: 7246433", &ES_US);
    assert_eq!(f[0].dialable.number, "+1 800-901-3355");
    assert_eq!(f[0].dialable.display, "+1 800-901-3355 ext. 7246433");
    let f = find("+34 612 34 56 78", &ES_US);
    assert_eq!(f[0].dialable.number, f[0].dialable.display);
}

#[test]
fn texts_longer_than_the_bound_are_not_searched() {
    let pad = "a".repeat(MAX_SCAN - 20);
    assert_eq!(find(&format!("{pad} 612 345 678"), &ES_US).len(), 1);
    let pad = "a".repeat(MAX_SCAN);
    assert_eq!(find(&format!("{pad} 612 345 678"), &ES_US), []);
}

/// The shortcut for a text that is one international number gives exactly what the matcher gives:
/// every region's example numbers of every type, written internationally with each separator (and
/// runs of them, and spaces around), plus strings of digits and separators that are mostly not
/// numbers, in the admin's countries and in none.
#[test]
fn whole_international_is_the_matcher() {
    use rlibphonenumber::PhoneNumberFormat;
    let mut texts = Vec::new();
    for (_, n) in super::tests::every_example_number() {
        let international = n.format_as(PhoneNumberFormat::International).into_owned();
        let e164 = n.format_as(PhoneNumberFormat::E164).into_owned();
        texts.push(international.replace(' ', "-"));
        texts.push(international.replace(' ', "."));
        texts.push(international.replace(' ', " - "));
        texts.push(international.replace(' ', "     "));
        texts.push(format!("  {international} "));
        texts.push(format!("\u{3000}{e164}"));
        texts.push(format!("+ {}", &e164[1..]));
        texts.push(format!("{e164}0"));
        texts.push(e164[..e164.len() - 1].to_owned());
        texts.push(international);
        texts.push(e164);
    }
    // Digits and separators at random (a fixed seed): the shapes the shortcut's checks are about.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3_000 {
        let mut t = String::from("+");
        let len = 2 + (seed % 30) as usize;
        for _ in 0..len {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let r = (seed >> 33) % 14;
            t.push(match r {
                0..=9 => char::from(b'0' + r as u8),
                10 => ' ',
                11 => '-',
                12 => '.',
                _ => '3',
            });
        }
        texts.push(t);
    }
    let (mut shortcut, mut checked) = (0, 0);
    for text in &texts {
        for countries in [&ES_US[..], &["GB"][..], &[][..]] {
            let by_matcher = by_matcher(text, countries);
            assert_eq!(
                find(text, countries),
                by_matcher,
                "{text:?} in {countries:?}"
            );
            checked += 1;
            shortcut += usize::from(super::find::whole_international_for_tests(text).is_some());
        }
    }
    assert!(
        checked > 10_000 && shortcut > 3_000,
        "{checked} texts, {shortcut} by the shortcut"
    );
}
