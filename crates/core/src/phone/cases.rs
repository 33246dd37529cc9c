//! libphonenumber's own matcher test strings, as a table for [`super::find`] (issue 17), and the
//! figures `./build.sh bench` reports over it (`phone_matcher_*`).
//!
//! Source: Google libphonenumber, `java/libphonenumber/test/com/google/i18n/phonenumbers/
//! PhoneNumberMatcherTest.java` (the C++ `phonenumbermatcher_test.cc` has the same strings), as ported
//! in rlibphonenumber 2.2.15's `src/tests/matcher_tests.rs`: every string and region it checks at
//! `Leniency::Valid` (the contexts of `doTestFindInContext` that apply at VALID, the VALID,
//! STRICT_GROUPING and EXACT_GROUPING lists, the IMPOSSIBLE and POSSIBLE_ONLY lists, and the
//! one-off tests), in the 14 regions the suite uses; the region is the admin's one country.
//!
//! The suite runs on libphonenumber's *test* metadata; we ship the real one. Where the two disagree
//! about a number, the row says so ([`TODAY`]) and expects what the real metadata says, by the
//! suite's own rule (`doTestFindInContext`: a context test at VALID applies when the number parses
//! as valid).

use rlibphonenumber::{enums::Region, PHONE_NUMBER_UTIL};

use super::find;

/// One text, the admin's country (None: the suite's `ZZ`, no country), and the numbers the suite
/// expects in it, as written (each a substring of `text`, in order).
#[derive(Clone, Debug)]
pub struct Case {
    pub region: Option<&'static str>,
    pub text: String,
    pub want: Vec<String>,
}

/// How [`super::find`] does over the table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Score {
    /// Rows of the table.
    pub cases: usize,
    /// Numbers the rows expect.
    pub expected: usize,
    /// Expected numbers found exactly: same span, same number, same extension.
    pub found: usize,
    /// Numbers found where none is expected (a date, a price, a zip code …).
    pub false_positives: usize,
    /// Numbers found over an expected one but not it (another span, number or extension).
    pub wrong: usize,
}

/// Rows whose expectation under the metadata we ship is not the suite's (its test metadata is
/// made up in places): the text, what is expected today, and why. The tests check that each still
/// differs: a number the suite expects that does not parse as valid today.
pub const TODAY: &[(&str, &[&str], &str)] = &[
    (
        "12 7/8 - 14 12/34 - 5",
        &[],
        "US: 127-814-1234 has no area code 127 in real metadata",
    ),
    (
        "+33 3 34 2312",
        &[],
        "FR: real French numbers have 9 national digits",
    ),
    ("+33 3 34 23 12", &[], "FR: as above"),
    (
        "+49-49-34",
        &[],
        "DE: a 4-digit national number is too short in real metadata",
    ),
    (
        "01 (33) 3461 2234",
        &["(33) 3461 2234"],
        "MX: Mexico dropped the 01 national prefix in 2019; the number without it is still found",
    ),
    (
        "Call 650-253-4561 -- 455-234-3451",
        &["650-253-4561"],
        "US: there is no area code 455",
    ),
];

const US: Option<&str> = Some("US");

/// `doTestFindInContext`'s numbers and regions (testFindNationalNumber, …WithInternationalPrefixes,
/// …WithLeadingZero, …NationalNumberArgentina, …WithXInNumber, …NumbersMexico,
/// …NumbersWithPlusWithNoRegion, …Extensions, …InterspersedWithSpace).
const IN_CONTEXT: &[(&str, Option<&str>)] = &[
    ("033316005", Some("NZ")),
    ("03-331 6005", Some("NZ")),
    ("03 331 6005", Some("NZ")),
    ("0064 3 331 6005", Some("NZ")),
    ("01164 3 331 6005", US),
    ("+64 3 331 6005", US),
    ("64(0)64123456", Some("NZ")),
    ("0123/456789", Some("PL")),
    ("123-456-7890", US),
    ("+1 (650) 333-6000", Some("NZ")),
    ("1-650-333-6000", US),
    ("0011-650-333-6000", Some("SG")),
    ("0081-650-333-6000", Some("SG")),
    ("0191-650-333-6000", Some("SG")),
    ("0~01-650-333-6000", Some("PL")),
    ("++1 (650) 333-6000", Some("PL")),
    ("\u{FF0B}1 (650) 333-6000", Some("SG")),
    (
        "\u{FF0B}\u{FF11}\u{3000}\u{FF08}\u{FF16}\u{FF15}\u{FF10}\u{FF09}\u{3000}\u{FF13}\u{FF13}\u{FF13}\u{FF0D}\u{FF16}\u{FF10}\u{FF10}\u{FF10}",
        Some("SG"),
    ),
    ("+39 02-36618 300", Some("NZ")),
    ("02-36618 300", Some("IT")),
    ("312 345 678", Some("IT")),
    ("+54 9 343 555 1212", Some("AR")),
    ("0343 15 555 1212", Some("AR")),
    ("+54 9 3715 65 4320", Some("AR")),
    ("03715 15 65 4320", Some("AR")),
    ("+54 11 3797 0000", Some("AR")),
    ("011 3797 0000", Some("AR")),
    ("+54 3715 65 4321", Some("AR")),
    ("03715 65 4321", Some("AR")),
    ("+54 23 1234 0000", Some("AR")),
    ("023 1234 0000", Some("AR")),
    ("(0xx) 123456789", Some("AR")),
    ("(0xx) 123456789 x 1234", Some("AR")),
    ("011xx5481429712", US),
    ("+52 (449)978-0001", Some("MX")),
    ("01 (449)978-0001", Some("MX")),
    ("(449)978-0001", Some("MX")),
    ("+52 1 33 1234-5678", Some("MX")),
    ("044 (33) 1234-5678", Some("MX")),
    ("045 33 1234-5678", Some("MX")),
    ("+64 3 331 6005", None),
    ("03 331 6005 ext 3456", Some("NZ")),
    ("03-3316005x3456", Some("NZ")),
    ("03-3316005 int.3456", Some("NZ")),
    ("03 3316005 #3456", Some("NZ")),
    ("0~0 1800 7493 524", Some("PL")),
    ("(1800) 7493.524", US),
    ("0~0 1800 7493 524 ~1234", Some("PL")),
    ("+44 2034567890x456", Some("NZ")),
    ("+44 2034567890x456", Some("GB")),
    ("+44 2034567890 x456", Some("GB")),
    ("+44 2034567890 X456", Some("GB")),
    ("+44 2034567890 X 456", Some("GB")),
    ("+44 2034567890 X  456", Some("GB")),
    ("+44 2034567890  X 456", Some("GB")),
    ("(800) 901-3355 x 7246433", US),
    ("(800) 901-3355 , ext 7246433", US),
    ("(800) 901-3355 ,extension 7246433", US),
    ("(800) 901-3355 ,x 7246433", US),
    ("(800) 901-3355 ext: 7246433", US),
    ("0 3   3 3 1   6 0 0 5", Some("NZ")),
];

/// `findValidInContext`'s contexts (and no context at all).
const VALID_CONTEXTS: &[(&str, &str)] = &[
    ("", ""),
    ("It's only 9.99! Call ", " to buy"),
    ("Call me on 21.6.1984 at ", ""),
    ("Call me on 06/21 at ", ""),
    ("Call me on 21.6. at ", ""),
    ("Call me on 06/21/84 at ", ""),
];

/// VALID_CASES, STRICT_GROUPING_CASES and EXACT_GROUPING_CASES: found whole at VALID.
const FOUND_WHOLE: &[(&str, &str)] = &[
    ("65 02 53 00 00", "US"),
    ("6502 538365", "US"),
    ("650//253-1234", "US"),
    ("650/253/1234", "US"),
    ("9002309. 158", "US"),
    ("12 7/8 - 14 12/34 - 5", "US"),
    ("12.1 - 23.71 - 23.45", "US"),
    ("800 234 1 111x1111", "US"),
    ("1979-2011 100", "US"),
    ("+494949-4-94", "DE"),
    (
        "\u{FF14}\u{FF11}\u{FF15}\u{FF16}\u{FF16}\u{FF16}\u{FF16}-\u{FF17}\u{FF17}\u{FF17}",
        "US",
    ),
    ("2012-0102 08", "US"),
    ("2012-01-02 08", "US"),
    ("1800-1-0-10 22", "AU"),
    ("030-3-2 23 12 34", "DE"),
    ("03 0 -3 2 23 12 34", "DE"),
    ("(0)3 0 -3 2 23 12 34", "DE"),
    ("0 3 0 -3 2 23 12 34", "DE"),
    ("+52 332 123 23 23", "MX"),
    ("(415) 6667777", "US"),
    ("415-6667777", "US"),
    ("0800-2491234", "DE"),
    ("0900-1 123123", "DE"),
    ("(0)900-1 123123", "DE"),
    ("0 900-1 123123", "DE"),
    ("+33 3 34 2312", "FR"),
    (
        "\u{FF14}\u{FF11}\u{FF15}\u{FF16}\u{FF16}\u{FF16}\u{FF17}\u{FF17}\u{FF17}\u{FF17}",
        "US",
    ),
    (
        "\u{FF14}\u{FF11}\u{FF15}-\u{FF16}\u{FF16}\u{FF16}-\u{FF17}\u{FF17}\u{FF17}\u{FF17}",
        "US",
    ),
    ("4156667777", "US"),
    ("4156667777 x 123", "US"),
    ("415-666-7777", "US"),
    ("415/666-7777", "US"),
    ("415-666-7777 ext. 503", "US"),
    ("1 415 666 7777 x 123", "US"),
    ("+1 415-666-7777", "US"),
    ("+494949 49", "DE"),
    ("+49-49-34", "DE"),
    ("+49-4931-49", "DE"),
    ("04931-49", "DE"),
    ("+49-494949", "DE"),
    ("+49-494949 ext. 49", "DE"),
    ("+49494949 ext. 49", "DE"),
    ("0494949", "DE"),
    ("0494949 ext. 49", "DE"),
    ("01 (33) 3461 2234", "MX"),
    ("(33) 3461 2234", "MX"),
    ("1800-10-10 22", "AU"),
    ("0900-1 123 123", "DE"),
    ("(0)900-1 123 123", "DE"),
    ("0 900-1 123 123", "DE"),
    ("+33 3 34 23 12", "FR"),
];

/// IMPOSSIBLE_CASES and POSSIBLE_ONLY_CASES: nothing found at VALID.
const NOTHING: &[(&str, &str)] = &[
    ("12345", "US"),
    ("23456789", "US"),
    ("234567890112", "US"),
    ("650+253+1234", "US"),
    ("3/10/1984", "CA"),
    ("03/27/2011", "US"),
    ("31/8/2011", "US"),
    ("1/12/2011", "US"),
    ("10/12/82", "DE"),
    ("650x2531234", "US"),
    ("2012-01-02 08:00", "US"),
    ("2012/01/02 08:00", "US"),
    ("20120102 08:00", "US"),
    ("2014-04-12 04:04 PM", "US"),
    ("2014-04-12 &nbsp;04:04 PM", "US"),
    ("2014-04-12  04:04 PM", "US"),
    ("7121115678", "US"),
    ("1650 x 253 - 1234", "US"),
    ("650 x 253 - 1234", "US"),
    ("6502531x234", "US"),
    ("(20) 3346 1234", "GB"),
];

fn case(region: Option<&'static str>, text: &str, want: &[&str]) -> Case {
    Case {
        region,
        text: text.to_owned(),
        want: want.iter().map(|w| (*w).to_owned()).collect(),
    }
}

/// `findMatchesInContexts` around "415-666-7777" (US): `found` says whether the suite expects it at
/// VALID.
fn around(out: &mut Vec<Case>, contexts: &[(&str, &str)], number: &str, found: bool) {
    for (before, after) in contexts {
        let text = format!("{before}{number}{after}");
        let want: &[&str] = if found { &[number] } else { &[] };
        out.push(case(US, &text, want));
    }
}

/// Whether the suite's rule holds `raw` valid in `region` under the metadata we ship.
pub fn valid_today(raw: &str, region: Option<&str>) -> bool {
    let region = region.and_then(|r| Region::from_code(r).ok());
    PHONE_NUMBER_UTIL
        .parse(raw, region)
        .is_ok_and(|n| n.is_valid())
}

/// The table, in the suite's order, with today's expectations ([`TODAY`]).
pub fn cases() -> Vec<Case> {
    let mut out = suite_cases();
    for (text, want, _) in TODAY {
        if let Some(row) = out.iter_mut().find(|c| c.text == *text) {
            row.want = want.iter().map(|w| (*w).to_owned()).collect();
        }
    }
    out
}

/// The table as the suite expects it (on its test metadata).
pub fn suite_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (number, region) in IN_CONTEXT {
        // doTestFindInContext checks the VALID contexts only for a number that parses as valid.
        if !valid_today(number, *region) {
            continue;
        }
        for (before, after) in VALID_CONTEXTS {
            out.push(case(
                *region,
                &format!("{before}{number}{after}"),
                &[number],
            ));
        }
    }
    for (text, region) in FOUND_WHOLE {
        out.push(case(Some(region), text, &[text]));
    }
    for (text, region) in NOTHING {
        out.push(case(Some(region), text, &[]));
    }
    // testFourMatchesInARow, testMatchesFoundWithMultipleSpaces, testMatchWithSurroundingZipcodes.
    out.push(case(
        US,
        "415-666-7777 - 800-443-1223 - 212-443-1223 - 650-443-1223",
        &[
            "415-666-7777",
            "800-443-1223",
            "212-443-1223",
            "650-443-1223",
        ],
    ));
    out.push(case(
        US,
        "(415) 666-7777 (800) 443-1223",
        &["(415) 666-7777", "(800) 443-1223"],
    ));
    out.push(case(
        US,
        "My address is CA 34215 - 415-666-7777 is my number.",
        &["415-666-7777"],
    ));
    out.push(case(
        US,
        "My number is (415) 666 7777. 34215 is my zip-code.",
        &["(415) 666 7777"],
    ));
    let n = "415-666-7777";
    // testMatchesWithSurroundingLatinChars, testMoneyNotSeenAsPhoneNumber,
    // testPercentageNotSeenAsPhoneNumber: nothing at VALID.
    let latin = [
        ("abc", "def"),
        ("abc", ""),
        ("", "def"),
        ("\u{00C9}", ""),
        ("e\u{0301}", ""),
    ];
    around(&mut out, &latin, n, false);
    let money = [
        ("$", ""),
        ("", "$"),
        ("\u{00A3}", ""),
        ("\u{00A5}", ""),
        ("", "%"),
    ];
    around(&mut out, &money, n, false);
    // testPhoneNumberWithLeadingOrTrailingMoneyMatches, …SurroundingChineseChars,
    // …SurroundingPunctuation: found.
    let found = [
        ("$20 ", ""),
        ("", " 100$"),
        (
            "\u{6211}\u{7684}\u{7535}\u{8BDD}\u{53F7}\u{7801}\u{662F}",
            "",
        ),
        (
            "",
            "\u{662F}\u{6211}\u{7684}\u{7535}\u{8BDD}\u{53F7}\u{7801}",
        ),
        (
            "\u{8BF7}\u{62E8}\u{6253}",
            "\u{6211}\u{5728}\u{660E}\u{5929}",
        ),
        ("My number-", ""),
        ("", ".Nice day."),
        ("Tel:", "."),
        ("Tel: ", " on Saturdays."),
    ];
    around(&mut out, &found, n, true);
    // testMatchesWithSurroundingLatinCharsAndLeadingPunctuation.
    for number in ["+14156667777", "(415)6667777"] {
        around(
            &mut out,
            &[("abc", "def"), ("", "def"), ("", "\u{00C9}")],
            number,
            false,
        );
        around(
            &mut out,
            &[
                ("abc", ""),
                ("\u{00C9}", ""),
                ("\u{00C9}", "."),
                ("\u{00C9}", " def"),
            ],
            number,
            true,
        );
    }
    // testMatchesMultiplePhoneNumbersSeparatedByPhoneNumberPunctuation, …WithNoWhiteSpace,
    // testNonMatchingBracketsAreInvalid, testNoMatchIfRegionIsNull, testNoMatchInEmptyString,
    // testNoMatchIfNoNumber, testNonPlusPrefixedNumbersNotFoundForInvalidRegion,
    // testSingleIteration, testDoubleIteration, testSequences (at VALID: NZ).
    out.push(case(
        US,
        "Call 650-253-4561 -- 455-234-3451",
        &["650-253-4561", "455-234-3451"],
    ));
    out.push(case(US, "Call 650-253-4561--455-234-3451", &[]));
    for text in [
        "80.585[79.964, 81.191]",
        "80.585 [79.964]",
        "80.585 ((79.964)",
        "(80).(585) (79).(9)64",
        "",
        "  ",
        "Random text body - number is foobar, see you there",
    ] {
        out.push(case(US, text, &[]));
    }
    out.push(case(
        None,
        "Random text body - number is 0331 6005, see you there",
        &[],
    ));
    out.push(case(None, "1 456 764 156", &[]));
    out.push(case(None, "+14156667777", &["+14156667777"]));
    out.push(case(
        None,
        "+14156667777 foobar +14156667777 ",
        &["+14156667777", "+14156667777"],
    ));
    out.push(case(
        Some("NZ"),
        "Call 033316005  or 032316005!",
        &["033316005", "032316005"],
    ));
    out
}

/// One row's outcome: what [`find`] returned against what the row expects.
pub fn score_case(c: &Case) -> Score {
    let countries: Vec<&str> = c.region.into_iter().collect();
    let got = find(&c.text, &countries);
    let mut s = Score {
        cases: 1,
        expected: c.want.len(),
        ..Score::default()
    };
    // Where each expected number stands (in order: the same number may be written twice).
    let mut from = 0;
    let mut spans = Vec::new();
    for w in &c.want {
        let at = c.text[from..].find(w.as_str()).map_or(from, |i| from + i);
        spans.push(at..at + w.len());
        from = at + w.len();
    }
    for f in &got {
        let over = spans
            .iter()
            .zip(&c.want)
            .find(|(r, _)| r.start < f.bytes.end && f.bytes.start < r.end);
        match over {
            None => s.false_positives += 1,
            Some((r, w)) if *r == f.bytes && same_number(w, c.region, &f.dialable) => s.found += 1,
            Some(_) => s.wrong += 1,
        }
    }
    s
}

/// Whether `d` is the number `raw` is, read as the suite does (`parse(raw, region)`).
fn same_number(raw: &str, region: Option<&str>, d: &super::Dialable) -> bool {
    let region = region.and_then(|r| Region::from_code(r).ok());
    PHONE_NUMBER_UTIL.parse(raw, region).is_ok_and(|n| {
        let want = super::dialable(&n);
        want.e164 == d.e164 && want.extension == d.extension
    })
}

/// The figures over the whole table.
pub fn score() -> Score {
    cases()
        .iter()
        .map(score_case)
        .fold(Score::default(), |a, b| Score {
            cases: a.cases + b.cases,
            expected: a.expected + b.expected,
            found: a.found + b.found,
            false_positives: a.false_positives + b.false_positives,
            wrong: a.wrong + b.wrong,
        })
}
