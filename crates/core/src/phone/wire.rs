//! The phone module's questions and answers (issue 19): the extension ships libphonenumber as its own
//! WASM module, loaded when the page's first texts arrive, so the adapter's start-up does not carry its
//! metadata. The adapter asks with a plain object and the module answers with [`answer`]: pure,
//! tested here.

use serde::{Deserialize, Serialize};

use super::{Dialable, PhoneError};

/// A question for the phone module; `countries` are the admin's, in order (C2). The question and its
/// answer pass between two files of one build as plain objects, externally tagged (`{"Find": {…}}`):
/// never stored nor sent anywhere else, so they need no `type` field, and a 1,000-text question is read
/// in one pass (through `wire_tag`'s buffer it would be crossed three times: one run measured the
/// page's phone scan at 60 ms added, against 10–35 without).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneQuestion {
    /// The numbers in each text (C1): [`super::find`].
    Find {
        texts: Vec<String>,
        countries: Vec<String>,
    },
    /// What the agent typed in the dialer (C2): [`super::normalise`].
    Normalise {
        text: String,
        countries: Vec<String>,
    },
    /// A control's number, read as it was found (C1): [`super::read_found`].
    ReadFound {
        text: String,
        countries: Vec<String>,
    },
}

/// A number found in a text: its UTF-16 span and how it is said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundSpan {
    pub start: u32,
    pub end: u32,
    /// International format, without the extension.
    pub number: String,
    pub extension: Option<String>,
}

/// The module's answer to a [`PhoneQuestion`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhoneAnswer {
    /// One list per text asked about, in the order asked.
    Found { spans: Vec<Vec<FoundSpan>> },
    /// A number read, or why it is not one.
    Read {
        number: Result<Dialable, PhoneError>,
    },
}

/// Answers one question.
pub fn answer(question: &PhoneQuestion) -> PhoneAnswer {
    match question {
        PhoneQuestion::Find { texts, countries } => PhoneAnswer::Found {
            spans: texts.iter().map(|t| spans(t, countries)).collect(),
        },
        PhoneQuestion::Normalise { text, countries } => PhoneAnswer::Read {
            number: super::normalise(text, countries),
        },
        PhoneQuestion::ReadFound { text, countries } => PhoneAnswer::Read {
            number: super::read_found(text, countries),
        },
    }
}

fn spans(text: &str, countries: &[String]) -> Vec<FoundSpan> {
    super::find(text, countries)
        .into_iter()
        .map(|f| FoundSpan {
            start: u32::try_from(f.start).unwrap_or(u32::MAX),
            end: u32::try_from(f.end).unwrap_or(u32::MAX),
            number: f.dialable.number,
            extension: f.dialable.extension,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn es_us() -> Vec<String> {
        vec!["ES".into(), "US".into()]
    }

    #[test]
    fn find_answers_one_list_per_text_in_order() {
        let q = PhoneQuestion::Find {
            texts: vec![
                "Call 612 34 56 78 today".into(),
                "no number here".into(),
                "+1 800-901-3355 x7246433".into(),
            ],
            countries: es_us(),
        };
        let PhoneAnswer::Found { spans } = answer(&q) else {
            panic!("a Find is answered with Found");
        };
        assert_eq!(spans.len(), 3);
        assert_eq!(spans[0].len(), 1);
        assert_eq!((spans[0][0].start, spans[0][0].end), (5, 17));
        assert_eq!(spans[0][0].number, "+34 612 34 56 78");
        assert!(spans[1].is_empty());
        assert_eq!(spans[2][0].number, "+1 800-901-3355");
        assert_eq!(spans[2][0].extension.as_deref(), Some("7246433"));
    }

    #[test]
    fn a_refusal_travels_as_its_reason() {
        let q = PhoneQuestion::Normalise {
            text: "12".into(),
            countries: es_us(),
        };
        assert_eq!(
            answer(&q),
            PhoneAnswer::Read {
                number: Err(PhoneError::NotDialable)
            }
        );
    }

    #[test]
    fn questions_and_answers_survive_json() {
        let q = PhoneQuestion::ReadFound {
            text: "(415) 555-0132".into(),
            countries: es_us(),
        };
        let json = serde_json::to_string(&q).expect("serialises");
        assert_eq!(
            serde_json::from_str::<PhoneQuestion>(&json).expect("parses"),
            q
        );
        let a = answer(&q);
        let json = serde_json::to_string(&a).expect("serialises");
        assert_eq!(
            serde_json::from_str::<PhoneAnswer>(&json).expect("parses"),
            a
        );
        let PhoneAnswer::Read { number: Ok(d) } = a else {
            panic!("an American number")
        };
        assert_eq!(d.e164, "+14155550132");
    }
}
