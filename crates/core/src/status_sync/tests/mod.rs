//! Table tests of the composed machine, one per rule of its module doc; the multi-tab simulation and
//! its properties are in `sim.rs`.

use super::*;
use crate::mapping::MappingEntry;
use crate::ownership::Msg;
use crate::relay::{RetryReason, SyncState};
use crate::settings::SyncSettings;
use crate::status::{KustomerCatalog, KustomerStatus, StatusType};

mod elsewhere;
mod kustomer_write;
mod settings;
mod sim;
mod stale_store;

const AVAILABLE: CcaiStatusId = CcaiStatusId(0);
const BUSY: CcaiStatusId = CcaiStatusId(1);
const BREAK: CcaiStatusId = CcaiStatusId(-10);

pub(super) fn statuses() -> Vec<CcaiStatus> {
    [
        (0, "Available"),
        (1, "Busy"),
        (-10, "Break"),
        (-4, "Wrap-up"),
    ]
    .into_iter()
    .map(|(id, name)| CcaiStatus {
        id: CcaiStatusId(id),
        name: name.into(),
        color: None,
    })
    .collect()
}

pub(super) fn setup(inheritance: bool) -> Setup {
    let kustomer: KustomerCatalog = ["K-avail", "K-busy"]
        .into_iter()
        .map(|id| KustomerStatus {
            id: KustomerStatusId::new(id),
            name: id.into(),
            status_type: StatusType::Available,
            system: false,
        })
        .collect();
    Setup {
        agent: "7".into(),
        agent_email: "agent@example.com".into(),
        statuses: statuses(),
        current: Some(AVAILABLE),
        settings: SyncSettings {
            inheritance,
            mapping: vec![
                MappingEntry::new("K-avail", AVAILABLE),
                MappingEntry::new("K-busy", BUSY),
            ],
            ..SyncSettings::default()
        },
        kustomer: Some(kustomer),
    }
}

fn drain(s: &mut StatusSync) -> Vec<Action> {
    std::iter::from_fn(|| s.poll_action()).collect()
}

fn writes(actions: &[Action]) -> Vec<Write> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Write(w) => Some(w.clone()),
            _ => None,
        })
        .collect()
}

fn notices(actions: &[Action]) -> Vec<SyncNotice> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::ShowNotice(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn tab(n: u64) -> StatusSync {
    StatusSync::new(TabId(format!("t{n}")), 0, n, 0)
}

/// A started tab that won the lock with the stored `fence`, its first actions drained.
fn owner(inheritance: bool) -> StatusSync {
    let mut s = tab(1);
    s.handle_start(setup(inheritance), 0);
    s.handle_lock_granted(1);
    s.handle_term_start(TermStart::default(), 2);
    drain(&mut s);
    s
}

fn email() -> Option<String> {
    Some("Agent@Example.com ".into())
}

fn announce(n: u64, term: u64) -> Msg {
    Msg::OwnerAnnounce {
        owner: TabId(format!("t{n}")),
        epoch: Epoch {
            term,
            tab: TabId(format!("t{n}")),
        },
    }
}

/// The server's error answer `code`, without Retry-After.
fn refused(code: u16) -> WriteAnswer {
    WriteAnswer::Status {
        code,
        retry_after_s: None,
    }
}

fn ok(name: &str) -> WriteAnswer {
    WriteAnswer::Answered {
        current_status: Some(name.into()),
        message: None,
    }
}

#[test]
fn a_started_tab_queues_for_the_lock_and_reads_the_term_start_at_the_grant() {
    let mut s = tab(1);
    s.handle_start(setup(true), 0);
    let out = drain(&mut s);
    assert_eq!(out[0], Action::RequestLock { steal: false });
    assert!(matches!(out[1], Action::Broadcast(Msg::Hello { .. })));
    assert_eq!(s.view().role, Role::Follower);
    s.handle_lock_granted(5);
    assert_eq!(drain(&mut s), vec![Action::ReadTermStart]);
    let fence = Epoch {
        term: 4,
        tab: TabId("t9".into()),
    };
    s.handle_term_start(
        TermStart {
            fence: Some(fence),
            snapshot: None,
            since: 42,
            current: Some(BREAK),
        },
        6,
    );
    let out = drain(&mut s);
    let epoch = Epoch {
        term: 5,
        tab: TabId("t1".into()),
    };
    assert_eq!(out[0], Action::WriteFence(epoch.clone()));
    assert!(out.contains(&Action::Watch {
        generation: 1,
        since: 42
    }));
    assert_eq!(s.view().role, Role::Owner);
    assert_eq!(
        s.view().current,
        Some(BREAK),
        "the service's status at the grant"
    );
    assert_eq!(s.may_write(), Some(&epoch));
}

#[test]
fn a_pick_before_start_is_held_then_written_by_the_term_after_its_sign_in() {
    let mut s = tab(1);
    s.handle_choice(BUSY, 0);
    assert!(s.view().busy, "the menu says it is working");
    assert_eq!(drain(&mut s), vec![], "nothing is written before a term");
    s.handle_page(Some(KustomerStatusId::new("K-avail")), email(), 1);
    s.handle_start(setup(true), 2);
    s.handle_lock_granted(3);
    drain(&mut s);
    s.handle_term_start(TermStart::default(), 4);
    let out = drain(&mut s);
    let w = writes(&out);
    // The sign-in applies the page's status (Available, already CCAI's): nothing to write for it; the
    // agent's pick is newer and goes out under the term's epoch.
    assert_eq!(w.len(), 1, "{out:?}");
    assert_eq!(w[0].status, BUSY);
    assert_eq!(w[0].name, "Busy");
    assert_eq!(w[0].epoch.term, 1);
    assert!(w[0].key.starts_with("7:1.t1:"), "{}", w[0].key);
    assert!(!s.view().busy);
}

#[test]
fn a_remembered_status_the_service_no_longer_offers_is_withdrawn_and_said() {
    // Picked from the statuses remembered at first paint, before the server answered with today's.
    let gone = CcaiStatusId(42);
    let mut s = tab(1);
    s.handle_choice(gone, 0);
    assert!(s.view().busy, "held, like any pick before the start");
    s.handle_start(setup(true), 1);
    assert!(!s.view().busy, "no longer held");
    let out = drain(&mut s);
    assert!(
        notices(&out).contains(&SyncNotice::NotOffered(gone)),
        "{out:?}"
    );
    s.handle_lock_granted(2);
    s.handle_term_start(TermStart::default(), 3);
    assert!(
        writes(&drain(&mut s)).is_empty(),
        "nothing is written for it"
    );
    // A started owner refuses it at once; an offered status still goes out.
    let mut s = owner(true);
    s.handle_choice(gone, 10);
    assert!(!s.view().busy);
    let out = drain(&mut s);
    assert!(writes(&out).is_empty(), "{out:?}");
    assert!(notices(&out).contains(&SyncNotice::NotOffered(gone)));
    s.handle_choice(BUSY, 11);
    assert_eq!(writes(&drain(&mut s))[0].status, BUSY);
}

#[test]
fn a_pick_in_a_follower_is_refused_and_a_held_one_too_when_the_tab_follows() {
    let mut s = tab(2);
    s.handle_start(setup(true), 0);
    drain(&mut s);
    s.handle_message(announce(1, 1), 1);
    s.handle_choice(BUSY, 1);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::NotOwner]);

    // Held before the start and during the election, refused once another tab owns.
    let mut s = tab(3);
    s.handle_choice(BUSY, 0);
    s.handle_start(setup(true), 1);
    assert!(notices(&drain(&mut s)).is_empty());
    assert!(s.view().busy, "no owner known yet");
    s.handle_message(announce(1, 1), 2);
    let out = drain(&mut s);
    assert_eq!(notices(&out), vec![SyncNotice::NotOwner]);
    assert!(writes(&out).is_empty());
    assert!(!s.view().busy);
}

#[test]
fn the_first_page_facts_sign_in_and_a_kustomer_change_is_written_mapped() {
    let mut s = owner(true);
    s.handle_page(Some(KustomerStatusId::new("K-busy")), email(), 10);
    let w = writes(&drain(&mut s));
    assert_eq!(
        w.len(),
        1,
        "S8: the sign-in applies Kustomer's status at once"
    );
    assert_eq!(w[0].status, BUSY);
    s.handle_write_result(&w[0].key, ok("Busy"), 20);
    s.handle_page(Some(KustomerStatusId::new("K-avail")), email(), 30);
    let w = writes(&drain(&mut s));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].status, AVAILABLE);
}

#[test]
fn an_answer_is_what_shows_and_a_moved_on_status_is_found_by_name() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    assert_eq!(s.view().current, Some(AVAILABLE), "not merely requested");
    s.handle_write_result(&w[0].key, ok("Wrap-up"), 6);
    let out = drain(&mut s);
    assert_eq!(s.view().current, Some(CcaiStatusId(-4)));
    assert!(out.contains(&Action::Mirror(Mirror::Mirror {
        ccai: Some(CcaiStatusId(-4)),
        sync: Some(SyncState::Live)
    })));
}

#[test]
fn one_write_in_flight_and_the_newest_pick_after_it() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let first = writes(&drain(&mut s));
    s.handle_choice(BREAK, 6);
    s.handle_choice(AVAILABLE, 7);
    assert!(writes(&drain(&mut s)).is_empty(), "the first is unanswered");
    s.handle_write_result(&first[0].key, ok("Busy"), 8);
    let next = writes(&drain(&mut s));
    assert_eq!(next.len(), 1);
    assert_eq!(
        next[0].status, AVAILABLE,
        "the newest pick supersedes BREAK"
    );
    s.handle_write_result("an old key", ok("Busy"), 9);
    assert!(
        writes(&drain(&mut s)).is_empty(),
        "a stray answer changes nothing"
    );
}

#[test]
fn a_server_error_retries_the_same_key_at_the_timeout() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 100);
    let w = writes(&drain(&mut s));
    s.handle_write_result(&w[0].key, refused(503), 110);
    drain(&mut s);
    assert!(matches!(
        s.view().sync,
        Some(SyncState::Retrying {
            reason: RetryReason::ServerError { code: 503 },
            ..
        })
    ));
    let at = s.poll_timeout().expect("a retry is due");
    let retry_at = match s.view().sync {
        Some(SyncState::Retrying {
            next_attempt_at_ms, ..
        }) => next_attempt_at_ms,
        _ => unreachable!(),
    };
    assert_eq!(at, retry_at.min(at), "woken no later than the retry");
    s.handle_timeout(retry_at - 1);
    assert!(writes(&drain(&mut s)).is_empty(), "not before its time");
    s.handle_timeout(retry_at);
    let again = writes(&drain(&mut s));
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].key, w[0].key, "a retry keeps its key");
}

#[test]
fn a_401_pauses_and_sign_in_again_resends_the_same_change() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    s.handle_write_result(&w[0].key, refused(401), 6);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::Unauthorized]);
    assert!(s.view().paused);
    s.handle_timeout(100_000);
    assert!(writes(&drain(&mut s)).is_empty(), "paused waits");
    s.handle_signed_in_again("agent@example.com".into(), 200_000);
    let out = drain(&mut s);
    assert!(out.contains(&Action::ClearNotice));
    assert_eq!(writes(&out)[0].key, w[0].key);
}

#[test]
fn a_409_means_a_later_owner_and_this_tab_writes_no_more() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    s.handle_write_result(&w[0].key, refused(409), 6);
    let out = drain(&mut s);
    assert!(out.contains(&Action::ReleaseLock), "{out:?}");
    assert!(out.contains(&Action::RequestLock { steal: false }));
    assert_eq!(s.view().role, Role::Follower);
    assert_eq!(s.may_write(), None);
    s.handle_message(announce(2, 2), 7);
    s.handle_choice(BREAK, 7);
    let out = drain(&mut s);
    assert!(writes(&out).is_empty());
    assert_eq!(notices(&out), vec![SyncNotice::NotOwner]);
}

#[test]
fn a_takeover_waits_for_the_in_flight_answer_and_the_stored_queue() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    let w = writes(&drain(&mut s));
    s.handle_message(
        Msg::TakeoverRequest {
            from: TabId("t2".into()),
        },
        6,
    );
    let out = drain(&mut s);
    assert!(
        matches!(&out[0], Action::StoreQueue { ack: false, snapshot, .. } if snapshot.queue.len() == 1),
        "stored at once, the in-flight change included: {out:?}"
    );
    assert!(!out
        .iter()
        .any(|a| matches!(a, Action::Broadcast(Msg::SteppingDown { .. }))));
    s.handle_choice(BREAK, 7);
    assert!(
        writes(&drain(&mut s)).is_empty(),
        "no write while handing over"
    );
    s.handle_write_result(&w[0].key, ok("Busy"), 8);
    let out = drain(&mut s);
    assert!(
        matches!(out.last(), Some(Action::StoreQueue { ack: true, .. })),
        "{out:?}"
    );
    s.handle_queue_stored(9);
    let out = drain(&mut s);
    assert!(matches!(
        &out[..],
        [Action::Broadcast(Msg::SteppingDown {
            queue_handed_over: true,
            ..
        })]
    ));
    // The tab that asked steals the lock: this one follows, and the pick held meanwhile is refused.
    s.handle_lock_lost(10);
    assert!(
        notices(&drain(&mut s)).is_empty(),
        "still held: who owns next?"
    );
    s.handle_message(announce(2, 2), 11);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::NotOwner]);
}

#[test]
fn a_leaving_owner_stores_its_queue_before_the_lock_goes() {
    let mut s = owner(false);
    s.handle_choice(BUSY, 5);
    drain(&mut s);
    s.handle_lifecycle(Lifecycle::Leaving, 6);
    let out = drain(&mut s);
    let store = out
        .iter()
        .position(|a| matches!(a, Action::StoreQueue { .. }))
        .expect("stored");
    let release = out
        .iter()
        .position(|a| *a == Action::ReleaseLock)
        .expect("released");
    assert!(store < release, "{out:?}");
    assert_eq!(s.watching(), None, "the term's watch ends");
}

#[test]
fn inheritance_off_follows_no_kustomer_change_but_the_menu_still_writes() {
    let mut s = tab(1);
    s.handle_start(setup(false), 0);
    s.handle_lock_granted(1);
    s.handle_term_start(TermStart::default(), 2);
    assert!(notices(&drain(&mut s)).contains(&SyncNotice::InheritanceOff));
    s.handle_page(Some(KustomerStatusId::new("K-busy")), None, 3);
    s.handle_page(Some(KustomerStatusId::new("K-avail")), None, 4);
    assert!(writes(&drain(&mut s)).is_empty());
    s.handle_choice(BREAK, 5);
    assert_eq!(writes(&drain(&mut s)).len(), 1);
}

#[test]
fn a_finished_terms_watch_is_not_heard() {
    let mut s = owner(true);
    assert_eq!(s.watching(), Some(1));
    s.handle_status_seen(0, BREAK, false, 5);
    assert_eq!(s.view().current, Some(AVAILABLE), "an old generation");
    s.handle_status_seen(1, BREAK, false, 6);
    assert_eq!(s.view().current, Some(BREAK));
}

#[test]
fn a_follower_mirrors_the_owner_and_an_owner_does_not() {
    let mut s = tab(2);
    s.handle_start(setup(true), 0);
    let mirror = Mirror::Mirror {
        ccai: Some(BREAK),
        sync: Some(SyncState::Live),
    };
    s.handle_mirror(mirror.clone());
    assert_eq!(s.view().current, Some(BREAK));
    let mut o = owner(true);
    o.handle_mirror(mirror);
    assert_eq!(o.view().current, Some(AVAILABLE));
}

#[test]
fn a_mapping_row_gone_from_kustomer_is_said_and_kustomer_down_too() {
    let mut s = tab(1);
    let mut with_gone = setup(true);
    with_gone
        .settings
        .mapping
        .push(MappingEntry::new("K-deleted", BREAK));
    s.handle_start(with_gone, 0);
    assert!(matches!(
        notices(&drain(&mut s))[..],
        [SyncNotice::MappingProblem(_)]
    ));
    let mut s = tab(1);
    s.handle_start(
        Setup {
            kustomer: None,
            ..setup(true)
        },
        0,
    );
    assert_eq!(
        notices(&drain(&mut s)),
        vec![SyncNotice::KustomerUnreachable]
    );
}

/// The agent picks while the panel starts (held, then relayed at the term's start), and the page's
/// first facts come only after CCAI applied the pick: the Kustomer status at sign-in (S8) is older
/// than the pick and must not be written over it.
#[test]
fn a_pick_applied_before_the_pages_first_facts_is_not_undone_by_the_status_at_sign_in() {
    let mut s = tab(1);
    s.handle_start(setup(true), 0);
    s.handle_choice(BREAK, 1);
    s.handle_lock_granted(2);
    s.handle_term_start(TermStart::default(), 3);
    let w = writes(&drain(&mut s));
    assert_eq!(w.len(), 1, "the held pick goes out");
    assert_eq!(w[0].status, BREAK);
    s.handle_write_result(&w[0].key, ok("Break"), 4);
    drain(&mut s);
    s.handle_page(Some(KustomerStatusId::new("K-avail")), email(), 5);
    let out = drain(&mut s);
    assert!(writes(&out).is_empty(), "the pick was undone: {out:?}");
    assert_eq!(s.view().current, Some(BREAK));
}
