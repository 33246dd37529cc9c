//! Finding phone numbers in free text (SPEC C1, issue 17): libphonenumber's own matcher
//! (`PhoneNumberMatcher`, as its `findNumbers`) at `Leniency::Valid`, in the admin's countries in
//! order. The page sends whole texts; this decides where the numbers are, so nothing on the page
//! guesses at what looks like a number.

use std::ops::Range;
use std::sync::LazyLock;

use rlibphonenumber::{
    enums::Region,
    phonenumber_matcher::{Leniency, PhoneNumberMatcherFactory},
    PhoneNumber, PhoneNumberUtil, PHONE_NUMBER_UTIL,
};

use super::{dialable, Dialable, PhoneError};

/// Longest text searched, in bytes (about 16 pages of prose): page text is untrusted, and a longer
/// single text is not a message a person wrote. A longer text is not searched at all (a cut could
/// end inside a number and make a shorter, different one).
pub const MAX_SCAN: usize = 32 * 1024;

/// The matcher's compiled regexes, built once. Without the library's alternate formats: only the
/// stricter leniencies (`StrictGrouping`, `ExactGrouping`) read them, and leaving them out keeps their
/// metadata out of the WASM (−22 KB raw) and their decoding out of the first search.
static MATCHERS: LazyLock<PhoneNumberMatcherFactory<PhoneNumberUtil, &'static PhoneNumberUtil>> =
    LazyLock::new(|| {
        PhoneNumberMatcherFactory::new_for_util_with_formats(&PHONE_NUMBER_UTIL, None)
    });

/// A number found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// Where it is, in UTF-16 code units, as JavaScript indexes the same string.
    pub start: usize,
    pub end: usize,
    /// Where it is, in bytes of the Rust string.
    pub bytes: Range<usize>,
    pub dialable: Dialable,
}

/// Every number libphonenumber's matcher finds in `text` at `Leniency::Valid`, in text order.
///
/// Numbers written internationally (`+…`, or a country's international prefix) are found in any
/// case. National numbers are read in `countries` (ISO 3166 alpha-2) in order: the matcher runs with
/// the first as its region, then with the second over the text the first left between its numbers,
/// and so on, so where two countries both read a number the earlier one wins, as in
/// [`super::read`]. No countries: international numbers only (the library's `ZZ`).
pub fn find<S: AsRef<str>>(text: &str, countries: &[S]) -> Vec<Found> {
    if text.len() > MAX_SCAN {
        return Vec::new();
    }
    if let Some(found) = whole_international(text) {
        return vec![found];
    }
    by_matcher(text, countries)
}

/// The matcher's answer for a text that is one plain international number and nothing else
/// ("+34 612 34 56 01", as Kustomer's phone fields show numbers), without running the matcher: there
/// its candidate search (a regex engine without a DFA, most of a search's cost) can only find the
/// whole text, and the matcher then only parses it and checks it is valid. `None` when the text is
/// not of that shape or the number is not valid: the matcher then decides, inner matches and all.
/// `whole_international_is_the_matcher` checks the two agree on thousands of texts.
fn whole_international(text: &str) -> Option<Found> {
    let start = text.len() - text.trim_start().len();
    let trimmed = text.trim();
    let rest = trimmed.strip_prefix('+')?;
    // The shape the matcher's candidate pattern takes whole: at most 4 separators after the `+` and
    // between blocks of digits, at most 20 blocks, and a digit at the end (libphonenumber's
    // `(?:[+(\[]punct{0,4}){0,2}digits(?:punct{0,4}digits){0,20}`). Only the separators that start
    // no extension, date or bracket check.
    let mut blocks = 0;
    let mut separators = 0;
    let mut in_digits = false;
    for c in rest.chars() {
        match c {
            '0'..='9' => {
                if !in_digits {
                    blocks += 1;
                }
                in_digits = true;
                separators = 0;
            }
            ' ' | '-' | '.' => {
                in_digits = false;
                separators += 1;
                if separators > 4 {
                    return None;
                }
            }
            _ => return None,
        }
    }
    if !in_digits || blocks > 20 {
        return None;
    }
    let plain: String = trimmed
        .chars()
        .filter(|c| *c == '+' || c.is_ascii_digit())
        .collect();
    if plain.len() > super::MAX_PLAIN_LEN {
        return None;
    }
    let number = PHONE_NUMBER_UTIL.parse(&plain, None).ok()?;
    if !number.is_valid() {
        return None;
    }
    let end = start + trimmed.len();
    // ASCII only from `start` on; the whitespace before it may not be.
    let before = text[..start].chars().map(char::len_utf16).sum::<usize>();
    Some(Found {
        start: before,
        end: before + trimmed.len(),
        bytes: start..end,
        dialable: dialable(&number),
    })
}

#[cfg(test)]
pub(super) fn whole_international_for_tests(text: &str) -> Option<Found> {
    whole_international(text)
}

/// `find` by libphonenumber's matcher alone.
pub(super) fn by_matcher<S: AsRef<str>>(text: &str, countries: &[S]) -> Vec<Found> {
    let mut regions: Vec<Option<Region>> = countries
        .iter()
        .filter_map(|c| Region::from_code(c.as_ref().trim()).ok())
        .map(Some)
        .collect();
    if regions.is_empty() {
        regions.push(None);
    }
    let mut found: Vec<(Range<usize>, PhoneNumber)> = Vec::new();
    for region in regions {
        let mut more = Vec::new();
        for gap in gaps(text.len(), &found) {
            let slice = &text[gap.clone()];
            // The matcher's candidate search costs per character: a text with no digit in any
            // script cannot hold a number.
            if !slice.chars().any(char::is_numeric) {
                continue;
            }
            let matcher = MATCHERS
                .matcher_builder(slice)
                .leniency(Leniency::Valid)
                .preferred_region(region)
                .build();
            for m in matcher {
                more.push((gap.start + m.start..gap.start + m.end(), m.number));
            }
        }
        if !more.is_empty() {
            found.extend(more);
            found.sort_by_key(|(r, _)| r.start);
        }
    }
    let mut units = Utf16Offsets::new(text);
    found
        .into_iter()
        .map(|(bytes, n)| Found {
            start: units.at(bytes.start),
            end: units.at(bytes.end),
            bytes,
            dialable: dialable(&n),
        })
        .collect()
}

/// The stretches of `0..len` between the ranges in `taken` (sorted, not overlapping).
fn gaps(len: usize, taken: &[(Range<usize>, PhoneNumber)]) -> Vec<Range<usize>> {
    let mut out = Vec::with_capacity(taken.len() + 1);
    let mut from = 0;
    for (r, _) in taken {
        if r.start > from {
            out.push(from..r.start);
        }
        from = from.max(r.end);
    }
    if from < len {
        out.push(from..len);
    }
    out
}

/// Byte offsets into a string turned into UTF-16 offsets, for increasing byte offsets in one pass.
struct Utf16Offsets<'a> {
    text: &'a str,
    byte: usize,
    unit: usize,
}

impl<'a> Utf16Offsets<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            byte: 0,
            unit: 0,
        }
    }

    /// The UTF-16 offset of byte offset `at` (a char boundary, not before the previous one asked).
    fn at(&mut self, at: usize) -> usize {
        if at < self.byte {
            self.byte = 0;
            self.unit = 0;
        }
        self.unit += self.text[self.byte..at]
            .chars()
            .map(char::len_utf16)
            .sum::<usize>();
        self.byte = at;
        self.unit
    }
}

/// The number that is the whole of `text`, read as [`find`] reads it: the span the agent's control
/// stood for, sent back when they use it, gives the same number and extension it was labelled with.
pub fn read_found<S: AsRef<str>>(text: &str, countries: &[S]) -> Result<Dialable, PhoneError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(PhoneError::Empty);
    }
    find(text, countries)
        .into_iter()
        .find(|f| f.bytes == (0..text.len()))
        .map(|f| f.dialable)
        .ok_or(PhoneError::NotDialable)
}
