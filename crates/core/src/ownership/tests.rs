//! Table tests of single transitions. The election under random interleavings of several tabs runs
//! on the composed machine that ships (`status_sync/tests/sim.rs`), not on an imitation of it.

use super::*;

fn tab(n: usize) -> TabId {
    TabId(format!("t{n}"))
}

fn ep(term: u64, n: usize) -> Epoch {
    Epoch { term, tab: tab(n) }
}

fn owner_of(n: usize, fence: Option<Epoch>) -> (Ownership, Vec<OwnerAction>) {
    let mut o = Ownership::new(tab(n), OwnershipConfig::default(), 0, 0);
    o.handle(OwnerEvent::Started, 0);
    let out = o.handle(OwnerEvent::LockGranted { fence }, 0);
    (o, out)
}

fn msg(m: Msg) -> OwnerEvent {
    OwnerEvent::Message { msg: m }
}

#[test]
fn started_tab_queues_for_the_lock_and_says_hello() {
    let mut o = Ownership::new(tab(1), OwnershipConfig::default(), 0, 0);
    let out = o.handle(OwnerEvent::Started, 0);
    assert_eq!(
        out,
        vec![
            OwnerAction::BecameFollower { owner: None },
            OwnerAction::RequestLock { steal: false },
            OwnerAction::Broadcast {
                msg: Msg::Hello { from: tab(1) }
            },
        ]
    );
    assert_eq!(o.may_send(), None);
}

#[test]
fn granted_lock_starts_a_term_above_the_stored_fence() {
    let (o, out) = owner_of(1, Some(ep(7, 2)));
    assert_eq!(out[0], OwnerAction::BecameOwner { epoch: ep(8, 1) });
    assert_eq!(out[2], OwnerAction::StartRelay { epoch: ep(8, 1) });
    assert_eq!(o.may_send(), Some(&ep(8, 1)));
}

#[test]
fn owner_answers_hello_from_its_message_handler() {
    let (mut o, _) = owner_of(1, None);
    assert_eq!(
        o.handle(msg(Msg::Hello { from: tab(2) }), 5),
        vec![OwnerAction::Broadcast {
            msg: Msg::OwnerAnnounce {
                owner: tab(1),
                epoch: ep(1, 1)
            }
        }]
    );
}

#[test]
fn pagehide_releases_the_lock_because_bfcache_would_keep_it() {
    let (mut o, _) = owner_of(1, None);
    let out = o.handle(OwnerEvent::PageHide, 5);
    assert_eq!(out.first(), Some(&OwnerAction::StopRelay));
    assert_eq!(out.last(), Some(&OwnerAction::ReleaseLock));
    assert_eq!(o.may_send(), None);
    assert_eq!(
        o.handle(OwnerEvent::PageShow, 9)[1],
        OwnerAction::RequestLock { steal: false }
    );
}

#[test]
fn an_owner_whose_page_starts_to_leave_steps_down_and_queues_again() {
    let (mut o, _) = owner_of(1, None);
    let out = o.handle(OwnerEvent::PageLeaving, 5);
    assert_eq!(
        out,
        vec![
            OwnerAction::StopRelay,
            OwnerAction::Broadcast {
                msg: Msg::SteppingDown {
                    epoch: ep(1, 1),
                    to: None,
                    queue_handed_over: false,
                }
            },
            OwnerAction::ReleaseLock,
            OwnerAction::BecameFollower { owner: None },
            OwnerAction::RequestLock { steal: false },
        ]
    );
    assert_eq!(o.may_send(), None);
    // The navigation commits: the queued request is cancelled, nothing else is said.
    assert_eq!(
        o.handle(OwnerEvent::PageHide, 40),
        vec![OwnerAction::ReleaseLock]
    );
}

#[test]
fn a_cancelled_navigation_leaves_the_tab_a_follower_that_can_own_again() {
    let (mut o, _) = owner_of(1, Some(ep(3, 2)));
    o.handle(OwnerEvent::PageLeaving, 5);
    // The only tab: the browser grants it its queued request again, under a new term.
    let out = o.handle(
        OwnerEvent::LockGranted {
            fence: Some(ep(4, 1)),
        },
        9,
    );
    assert_eq!(out[0], OwnerAction::BecameOwner { epoch: ep(5, 1) });
    assert_eq!(o.may_send(), Some(&ep(5, 1)));
}

#[test]
fn a_follower_whose_page_starts_to_leave_changes_nothing() {
    let mut f = Ownership::new(tab(2), OwnershipConfig::default(), 0, 0);
    f.handle(OwnerEvent::Started, 0);
    assert_eq!(f.handle(OwnerEvent::PageLeaving, 5), vec![]);
}

#[test]
fn use_this_tab_hands_over_cleanly() {
    let (mut owner, _) = owner_of(1, None);
    let mut me = Ownership::new(tab(2), OwnershipConfig::default(), 0, 0);
    me.handle(OwnerEvent::Started, 0);
    let ask = me.handle(OwnerEvent::UseThisTab, 10);
    assert_eq!(
        ask,
        vec![OwnerAction::Broadcast {
            msg: Msg::TakeoverRequest { from: tab(2) }
        }]
    );
    assert_eq!(
        owner.handle(msg(Msg::TakeoverRequest { from: tab(2) }), 11),
        vec![OwnerAction::StopRelay]
    );
    assert_eq!(
        owner.may_send(),
        None,
        "no new send while the in-flight one finishes"
    );
    let down = owner.handle(OwnerEvent::RelayStopped, 20);
    let stepping = Msg::SteppingDown {
        epoch: ep(1, 1),
        to: Some(tab(2)),
        queue_handed_over: true,
    };
    assert_eq!(
        down,
        vec![OwnerAction::Broadcast {
            msg: stepping.clone()
        }]
    );
    assert_eq!(
        me.handle(msg(stepping), 21),
        vec![OwnerAction::RequestLock { steal: true }]
    );
    let out = me.handle(
        OwnerEvent::LockGranted {
            fence: Some(ep(1, 1)),
        },
        22,
    );
    assert_eq!(out[0], OwnerAction::BecameOwner { epoch: ep(2, 2) });
    let lost = owner.handle(OwnerEvent::LockLost, 22);
    assert!(lost.contains(&OwnerAction::RequestLock { steal: false }));
    assert!(!lost.contains(&OwnerAction::StopRelay), "already stopped");
}

#[test]
fn follower_steals_from_a_silent_owner_within_ten_seconds() {
    let mut f = Ownership::new(tab(2), OwnershipConfig::default(), 999, 0);
    f.handle(OwnerEvent::Started, 0);
    f.handle(
        msg(Msg::OwnerAnnounce {
            owner: tab(1),
            epoch: ep(4, 1),
        }),
        0,
    );
    let mut now = 0;
    let mut stole_at = None;
    while now <= 10_000 {
        now += 250;
        if f.handle(OwnerEvent::Tick, now)
            .contains(&OwnerAction::RequestLock { steal: true })
        {
            stole_at = Some(now);
            break;
        }
    }
    assert!(
        stole_at.is_some_and(|t| t < 10_000),
        "stole at {stole_at:?}"
    );
    let out = f.handle(
        OwnerEvent::LockGranted {
            fence: Some(ep(4, 1)),
        },
        now,
    );
    assert_eq!(out[0], OwnerAction::BecameOwner { epoch: ep(5, 2) });
}

#[test]
fn answered_probe_means_no_steal() {
    let mut f = Ownership::new(tab(2), OwnershipConfig::default(), 0, 0);
    f.handle(OwnerEvent::Started, 0);
    f.handle(
        msg(Msg::OwnerAnnounce {
            owner: tab(1),
            epoch: ep(1, 1),
        }),
        3,
    );
    for now in (250..20_000).step_by(250) {
        let out = f.handle(OwnerEvent::Tick, now);
        assert!(!out.contains(&OwnerAction::RequestLock { steal: true }));
        if out.iter().any(|a| {
            matches!(
                a,
                OwnerAction::Broadcast {
                    msg: Msg::Hello { .. }
                }
            )
        }) {
            f.handle(
                msg(Msg::OwnerAnnounce {
                    owner: tab(1),
                    epoch: ep(1, 1),
                }),
                now + 3,
            );
        }
    }
}

#[test]
fn revived_stale_owner_is_fenced_and_yields() {
    let (mut zombie, _) = owner_of(1, None);
    // Frozen without warning; tab 2 stole the lock and wrote epoch 2 to the fence.
    let fence = ep(2, 2);
    let mine = zombie.may_send().cloned().expect("still thinks it owns");
    assert!(
        !fence_allows(&mine, Some(&fence)),
        "the fence stops its first send"
    );
    let out = zombie.handle(OwnerEvent::Fenced { term: fence.term }, 9_000);
    assert!(out.contains(&OwnerAction::StopRelay));
    assert!(out.contains(&OwnerAction::ReleaseLock));
    assert_eq!(zombie.may_send(), None);
    assert_eq!(zombie.owner(), None, "the endpoint names no tab");
    assert_eq!(
        zombie.handle(OwnerEvent::Fenced { term: 1 }, 9_001),
        vec![],
        "an old term is no news"
    );
}

#[test]
fn owner_hearing_a_stale_announce_reasserts_itself() {
    let (mut o, _) = owner_of(1, Some(ep(5, 3)));
    let out = o.handle(msg(Msg::Heartbeat { epoch: ep(5, 3) }), 1);
    assert!(matches!(
        &out[..],
        [OwnerAction::Broadcast {
            msg: Msg::OwnerAnnounce { .. }
        }]
    ));
    assert!(o.may_send().is_some());
}

#[test]
fn epochs_order_by_term_then_tab() {
    assert!(ep(2, 1) > ep(1, 9));
    assert!(ep(2, 2) > ep(2, 1));
    assert!(fence_allows(&ep(2, 1), None));
    assert_eq!(ep(3, 1).to_string(), "3.t1");
}
