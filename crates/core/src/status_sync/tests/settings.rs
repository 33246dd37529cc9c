//! An admin's save pushed to a running tab (issue 16): the term takes it at once, without a reload.

use super::*;

/// Settings with inheritance `on` and K-busy mapped to `busy_to`.
fn pushed(on: bool, busy_to: CcaiStatusId) -> SyncSettings {
    SyncSettings {
        inheritance: on,
        mapping: vec![
            MappingEntry::new("K-avail", AVAILABLE),
            MappingEntry::new("K-busy", busy_to),
        ],
        ..SyncSettings::default()
    }
}

/// An owner whose page says the agent is in K-busy, with inheritance `on` at the start.
fn owner_in_busy(on: bool) -> StatusSync {
    let mut s = owner(on);
    s.handle_page(Some(KustomerStatusId::new("K-busy")), email(), 10);
    let w = writes(&drain(&mut s));
    if on {
        assert_eq!(w.len(), 1);
        s.handle_write_result(&w[0].key, ok("Busy"), 11);
        drain(&mut s);
    } else {
        assert!(w.is_empty(), "inheritance off follows nothing");
    }
    s
}

#[test]
fn inheritance_turned_on_by_a_push_applies_the_kustomer_status_at_once() {
    let mut s = owner_in_busy(false);
    s.handle_settings(&pushed(true, BUSY), 20);
    let out = drain(&mut s);
    let w = writes(&out);
    assert_eq!(w.len(), 1, "{out:?}");
    assert_eq!(w[0].status, BUSY);
    assert!(
        out.contains(&Action::ClearNotice),
        "the 'inheritance off' notice goes"
    );
}

#[test]
fn a_new_mapping_by_a_push_reapplies_the_current_kustomer_status() {
    let mut s = owner_in_busy(true);
    s.handle_settings(&pushed(true, AVAILABLE), 20);
    let w = writes(&drain(&mut s));
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].status, AVAILABLE);
}

#[test]
fn the_same_settings_pushed_again_change_nothing() {
    let mut s = owner_in_busy(true);
    s.handle_settings(&pushed(true, BUSY), 20);
    assert_eq!(drain(&mut s), vec![]);
}

#[test]
fn inheritance_turned_off_by_a_push_stops_following_kustomer() {
    let mut s = owner_in_busy(true);
    s.handle_settings(&pushed(false, BUSY), 20);
    assert_eq!(notices(&drain(&mut s)), vec![SyncNotice::InheritanceOff]);
    s.handle_page(Some(KustomerStatusId::new("K-avail")), email(), 21);
    assert!(writes(&drain(&mut s)).is_empty());
}

#[test]
fn settings_pushed_before_the_start_win_over_the_ones_it_brings() {
    let mut s = tab(1);
    s.handle_settings(&pushed(true, AVAILABLE), 0);
    s.handle_page(Some(KustomerStatusId::new("K-busy")), email(), 0);
    s.handle_start(setup(false), 1);
    s.handle_lock_granted(2);
    s.handle_term_start(
        TermStart {
            current: Some(BUSY),
            ..TermStart::default()
        },
        3,
    );
    let w = writes(&drain(&mut s));
    assert_eq!(w.len(), 1, "inheritance is on, as pushed");
    assert_eq!(w[0].status, AVAILABLE, "under the pushed mapping");
}
