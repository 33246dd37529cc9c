//! Finding an existing customer by phone (R16 only for a new number), and the rules on the conversations
//! such a customer already has.

use super::*;
use crate::phone::CountryFrom;
use crate::records::customer_match::{canonical, choose, Candidate};

const ES_US: [&str; 2] = ["ES", "US"];
const CALLER: &str = "+34612345678";

fn cand(id: &str, phones: &[&str], updated_at_ms: u64) -> Candidate {
    Candidate {
        id: id.into(),
        phones: phones.iter().map(|p| (*p).to_owned()).collect(),
        updated_at_ms,
    }
}

fn chosen(candidates: &[Candidate], countries: &[&str]) -> Option<String> {
    choose(CALLER, candidates, countries)
        .chosen()
        .map(|m| m.id.clone())
}

#[test]
fn r16_only_an_exact_e164_match_is_the_caller() {
    // What a loose digit search returns for +34612345678, none of them this number.
    let loose = [
        cand("us-lookalike", &["+1 346 123 45678"], 9),
        cand("other-es", &["+34 612 345 679"], 8),
        cand("order-ref", &["2024-11-25-0001"], 7),
        cand("no-phone", &[], 6),
    ];
    assert_eq!(chosen(&loose, &ES_US), None);
    let mut with_maria = loose.to_vec();
    with_maria.push(cand("maria", &["+34 612 34 56 78"], 1));
    assert_eq!(chosen(&with_maria, &ES_US).as_deref(), Some("maria"));
}

#[test]
fn r16_a_number_libphonenumber_does_not_know_matches_as_written_with_its_plus() {
    // The UK's drama range: not valid to libphonenumber, but a caller's number all the same.
    let drama = "+44 7700 900123";
    assert!(crate::phone::read(drama, &ES_US).is_err(), "precondition");
    let (caller, _) = canonical(drama, &ES_US).expect("written with +");
    assert_eq!(caller, "+447700900123");
    let candidates = [
        cand("national", &["07700 900123"], 3),
        cand("longer", &["+44 7700 9001234"], 2),
        cand("written", &["+44 (7700) 900-123"], 1),
    ];
    let c = choose(&caller, &candidates, &ES_US);
    let ids: Vec<&str> = c.matches.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["written"]);
    assert_eq!(canonical("+34 call me", &ES_US), None);
    assert_eq!(canonical("+12345", &ES_US), None);
}

#[test]
fn r16_national_numbers_match_only_in_the_admins_countries() {
    let jordi = [cand("jordi", &["612 345 678"], 1)];
    assert_eq!(chosen(&jordi, &ES_US).as_deref(), Some("jordi"));
    assert_eq!(chosen(&jordi, &["US"]), None);
    assert_eq!(chosen(&jordi, &[]), None);
}

#[test]
fn r16_a_written_country_code_beats_an_assumed_one_whatever_the_updates() {
    // Jordi's record is the newer one, but his number's country is an assumption.
    let both = [
        cand("jordi", &["612 345 678"], 2_000),
        cand("maria", &["+34 612 34 56 78"], 1_000),
    ];
    let c = choose(CALLER, &both, &ES_US);
    assert_eq!(c.chosen().map(|m| m.id.as_str()), Some("maria"));
    assert_eq!(c.chosen().map(|m| m.country), Some(CountryFrom::Written));
    assert!(c.is_ambiguous());
}

#[test]
fn r16_between_equal_matches_the_most_recently_updated_then_the_smallest_id() {
    let rows = [
        (
            vec![
                cand("a", &["+34 612 34 56 78"], 1_000),
                cand("b", &["0034 612 345 678"], 2_000),
            ],
            "b",
        ),
        (
            vec![
                cand("b", &["+34612345678"], 5),
                cand("a", &["+34 612-345-678"], 5),
            ],
            "a",
        ),
    ];
    for (candidates, want) in rows {
        assert_eq!(chosen(&candidates, &ES_US).as_deref(), Some(want));
        let mut reversed = candidates.clone();
        reversed.reverse();
        assert_eq!(chosen(&reversed, &ES_US).as_deref(), Some(want), "order");
    }
}

#[test]
fn r16_a_candidate_with_several_phones_matches_by_its_best_one() {
    let c = choose(
        CALLER,
        &[cand("x", &["612 345 678", "+34 612 34 56 78 ext. 5"], 1)],
        &ES_US,
    );
    assert_eq!(c.matches.len(), 1);
    assert_eq!(c.matches[0].country, CountryFrom::Written);
}

/// A customer found in Kustomer, whose latest conversation a person opened by e-mail (with the caller's
/// menu, so that only the channel differs from an IVR call's).
fn found_with_email_conversation() -> KustomerFacts {
    let mut email = conv(
        "k-mail",
        ConversationStatus::Open,
        Channel::Voice,
        Some("Billing"),
    );
    email.channel = None;
    known(vec![email])
}

#[test]
fn r7_an_outbound_call_follows_up_on_the_found_customers_open_email_conversation() {
    let f = found_with_email_conversation();
    let d = decide(
        &{
            let mut e = outbound();
            e.kind = EventKind::OutboundCallStarted {
                agent_email: "ana@x".into(),
            };
            e
        },
        &f,
    );
    assert_eq!(target(&d), "k-mail");
    assert!(!creates_customer(&d));
}

#[test]
fn r6_r10_never_join_a_conversation_of_another_channel() {
    let f = found_with_email_conversation();
    let answered = ivr(EventKind::CallAnswered {
        agent_email: "ana@x".into(),
    });
    let d = decide(&answered, &f);
    assert_eq!(target(&d), "new");
    assert!(!creates_customer(&d), "the found customer gets it");
    let mut again = outbound();
    again.kind = EventKind::HangUpAndCallBack {
        agent_email: "ana@x".into(),
    };
    assert_eq!(target(&decide(&again, &f)), "new");
}
