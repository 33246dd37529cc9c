//! Bidirectional sync's Kustomer write (S4): each way it can go wrong is told as what it is, and a
//! later write that goes through clears the notice.

use super::*;
use crate::reconcile::Direction;

/// A bidirectional owner whose CCAI status just changed: it asked to set Kustomer's.
fn reflecting() -> StatusSync {
    let mut s = tab(1);
    let mut both_ways = setup(true);
    both_ways.settings.direction = Direction::Bidirectional;
    s.handle_start(both_ways, 0);
    s.handle_lock_granted(1);
    s.handle_term_start(TermStart::default(), 2);
    s.handle_page(Some(KustomerStatusId::new("K-avail")), email(), 3);
    s.handle_status_seen(1, BUSY, false, 4);
    let out = drain(&mut s);
    assert!(
        out.contains(&Action::SetKustomer(KustomerStatusId::new("K-busy"))),
        "{out:?}"
    );
    s
}

/// Whether `actions` ask to set Kustomer's status.
fn asks_kustomer(actions: &[Action]) -> bool {
    actions.iter().any(|a| matches!(a, Action::SetKustomer(_)))
}

#[test]
fn each_failed_write_is_told_as_what_it_is() {
    let table = [
        (
            KustomerWriteOutcome::NoLiveSession,
            SyncNotice::KustomerOffline,
        ),
        (KustomerWriteOutcome::Refused, SyncNotice::KustomerRefused),
        (
            KustomerWriteOutcome::Unreachable,
            SyncNotice::KustomerNotSet,
        ),
        // Signed out: the notice every 401 gets, whose "Sign in" clears it.
        (KustomerWriteOutcome::SignedOut, SyncNotice::Unauthorized),
    ];
    for (outcome, want) in table {
        let mut s = reflecting();
        s.handle_kustomer_result(outcome);
        assert_eq!(notices(&drain(&mut s)), vec![want], "{outcome:?}");
    }
}

#[test]
fn an_applied_write_says_nothing() {
    let mut s = reflecting();
    s.handle_kustomer_result(KustomerWriteOutcome::Applied);
    assert_eq!(drain(&mut s), vec![]);
}

#[test]
fn an_applied_write_clears_a_failed_ones_notice() {
    for failed in [
        KustomerWriteOutcome::NoLiveSession,
        KustomerWriteOutcome::Refused,
        KustomerWriteOutcome::Unreachable,
    ] {
        let mut s = reflecting();
        s.handle_kustomer_result(failed);
        drain(&mut s);
        s.handle_kustomer_result(KustomerWriteOutcome::Applied);
        assert_eq!(drain(&mut s), vec![Action::ClearNotice], "{failed:?}");
    }
}

#[test]
fn an_applied_write_leaves_other_notices_alone() {
    // Signed out waits for "Sign in"; another computer's take-over for the agent's pick.
    let mut s = reflecting();
    s.handle_kustomer_result(KustomerWriteOutcome::SignedOut);
    drain(&mut s);
    s.handle_kustomer_result(KustomerWriteOutcome::Applied);
    assert_eq!(drain(&mut s), vec![]);

    let mut s = reflecting();
    s.handle_choice(BREAK, 5);
    let w = writes(&drain(&mut s));
    s.handle_write_result(&w[0].key, WriteAnswer::TakenElsewhere, 6);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::TakenElsewhere]);
    s.handle_kustomer_result(KustomerWriteOutcome::Applied);
    assert_eq!(drain(&mut s), vec![]);
}

#[test]
fn a_write_that_found_the_agent_signed_out_is_asked_again_after_sign_in() {
    let mut s = reflecting();
    s.handle_kustomer_result(KustomerWriteOutcome::SignedOut);
    drain(&mut s);
    s.handle_signed_in_again("agent@example.com".into(), 10);
    let out = drain(&mut s);
    assert!(
        out.contains(&Action::SetKustomer(KustomerStatusId::new("K-busy"))),
        "{out:?}"
    );
    // Once: a second "Sign in" has nothing left to ask.
    s.handle_kustomer_result(KustomerWriteOutcome::Applied);
    drain(&mut s);
    s.handle_signed_in_again("agent@example.com".into(), 11);
    assert!(!asks_kustomer(&drain(&mut s)), "asked twice");
}

#[test]
fn a_status_picked_in_kustomer_meanwhile_is_not_overwritten_after_sign_in() {
    let mut s = reflecting();
    s.handle_kustomer_result(KustomerWriteOutcome::SignedOut);
    // The agent picks a status in Kustomer's own menu while signed out of the company server.
    s.handle_page(Some(KustomerStatusId::new("K-lunch")), email(), 5);
    drain(&mut s);
    s.handle_signed_in_again("agent@example.com".into(), 10);
    assert!(
        !drain(&mut s).contains(&Action::SetKustomer(KustomerStatusId::new("K-busy"))),
        "the older write went over the agent's newer pick"
    );
}

#[test]
fn only_a_signed_out_write_waits_for_sign_in() {
    for failed in [
        KustomerWriteOutcome::NoLiveSession,
        KustomerWriteOutcome::Refused,
        KustomerWriteOutcome::Unreachable,
    ] {
        let mut s = reflecting();
        s.handle_kustomer_result(failed);
        drain(&mut s);
        s.handle_signed_in_again("agent@example.com".into(), 10);
        assert!(!asks_kustomer(&drain(&mut s)), "{failed:?}");
    }
}
