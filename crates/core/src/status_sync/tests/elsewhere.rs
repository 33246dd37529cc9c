//! Another computer takes the status (issue 16): a fenced term parks, keeps its queue, and claims
//! again only when the agent picks a status on this computer.

use super::*;

fn taken() -> WriteAnswer {
    WriteAnswer::TakenElsewhere
}

#[test]
fn a_terms_first_write_claims_and_later_ones_do_not() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    assert!(
        w[0].claim,
        "the first write of a term claims it at the service"
    );
    s.handle_write_result(&w[0].key, ok("Busy"), 6);
    drain(&mut s);
    s.handle_choice(BREAK, 7);
    let w = writes(&drain(&mut s));
    assert!(!w[0].claim, "{w:?}");
}

#[test]
fn taken_elsewhere_parks_the_term_keeps_the_change_and_the_agents_pick_claims_it_back() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let first = writes(&drain(&mut s));
    s.handle_write_result(&first[0].key, taken(), 6);
    let out = drain(&mut s);
    assert_eq!(notices(&out), vec![SyncNotice::TakenElsewhere]);
    assert!(writes(&out).is_empty());
    assert!(s.taken_elsewhere());
    // Still this browser's owner tab: no re-election that would take the status back by itself.
    assert_eq!(s.view().role, Role::Owner);
    assert!(!out.contains(&Action::ReleaseLock), "{out:?}");
    s.handle_timeout(600_000);
    assert!(writes(&drain(&mut s)).is_empty(), "parked sends nothing");

    // The kept change was never sent to CCAI: it is the queue's to send, and the relay's rule holds
    // (a newer pick replaces a waiting one). The agent picks a status here: it goes, and claims.
    s.handle_choice(BREAK, 700_000);
    let out = drain(&mut s);
    assert!(out.contains(&Action::ClearNotice), "{out:?}");
    let again = writes(&out);
    assert_eq!(again.len(), 1);
    assert_eq!((again[0].status, again[0].claim), (BREAK, true));
    s.handle_write_result(&again[0].key, ok("Break"), 700_001);
    drain(&mut s);
    assert!(!s.taken_elsewhere());
    s.handle_choice(BUSY, 700_002);
    let next = writes(&drain(&mut s));
    assert!(!next[0].claim, "claimed once");
}

#[test]
fn the_pushed_fence_parks_at_once_and_the_in_flight_answer_keeps_one_write_in_flight() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    s.handle_taken_elsewhere(6);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::TakenElsewhere]);
    // The pick comes before the in-flight write's 409: nothing is sent while one is in flight.
    s.handle_choice(BREAK, 7);
    assert!(writes(&drain(&mut s)).is_empty());
    s.handle_write_result(&w[0].key, taken(), 8);
    // The 409 was for the write sent before the agent took the status back: it does not park again;
    // the pick goes now, claiming.
    let out = drain(&mut s);
    let again = writes(&out);
    assert_eq!(again.len(), 1, "{out:?}");
    assert_eq!((again[0].status, again[0].claim), (BREAK, true));
    assert!(!s.taken_elsewhere());
}

#[test]
fn a_tab_without_a_term_ignores_the_pushed_fence() {
    let mut s = tab(2);
    s.handle_start(setup(false), 0);
    drain(&mut s);
    s.handle_taken_elsewhere(1);
    assert!(notices(&drain(&mut s)).is_empty());
    assert!(!s.taken_elsewhere());
}
