use super::*;
use CallState::*;

fn live(view: &CallView) -> Option<(String, CallState, Option<u64>)> {
    match &view.shown {
        Shown::Live {
            session_id,
            state,
            seconds,
            ..
        } => Some((session_id.clone(), *state, *seconds)),
        _ => None,
    }
}

#[test]
fn a_pushed_call_moves_through_its_states_and_ends_with_its_length() {
    let mut b = CallBoard::new();
    // (push, at CCAI's ms, received at this clock's ms, shown after it)
    let table = [
        (Ringing, 1_000, 1_050, Some(("s1", Ringing, None))),
        (Accepted, 2_000, 2_040, Some(("s1", Accepted, None))),
        (Connected, 3_000, 3_030, Some(("s1", Connected, Some(0)))),
        (Ended, 65_500, 65_530, None),
    ];
    for (state, at, now, want) in table {
        b.handle_call("s1", state, at, now);
        let want = want.map(|(s, st, secs)| (s.to_owned(), st, secs));
        assert_eq!(live(&b.view(now)), want, "{state:?}");
    }
    let v = b.view(70_000);
    assert_eq!(v.shown, Shown::Idle);
    assert_eq!(
        v.ended,
        Some(EndedCall {
            session_id: "s1".into(),
            seconds: Some(62)
        }),
        "62.5 s connected by CCAI's clock"
    );
    assert!(!v.is_live());
}

#[test]
fn repeated_late_and_reordered_pushes_never_move_a_call_back() {
    let mut b = CallBoard::new();
    b.handle_call("s1", Connected, 3_000, 3_010);
    for (state, at) in [(Ringing, 1_000), (Accepted, 2_000), (Connected, 3_000)] {
        b.handle_call("s1", state, at, 3_020);
        assert_eq!(live(&b.view(3_020)).map(|l| l.1), Some(Connected));
    }
    b.handle_call("s1", Ended, 9_000, 9_010);
    b.handle_call("s1", Connected, 3_000, 9_020);
    assert_eq!(
        b.view(9_020).shown,
        Shown::Idle,
        "an ended call stays ended"
    );
}

#[test]
fn the_timer_counts_on_ccais_clock_whatever_this_computers_clock_says() {
    // This computer's clock is 90 s behind CCAI's; pushes take 20-200 ms.
    let skew: i64 = -90_000;
    let local = |ccai: u64, travel: u64| (ccai as i64 + skew) as u64 + travel;
    let mut b = CallBoard::new();
    b.handle_call("s1", Ringing, 100_000, local(100_000, 200));
    b.handle_call("s1", Connected, 110_000, local(110_000, 20));
    // 45 s later on CCAI's clock.
    assert_eq!(
        live(&b.view(local(155_000, 0))).and_then(|l| l.2),
        Some(44),
        "counts from CCAI's connection time, less the fastest travel seen (20 ms)"
    );
    assert_eq!(live(&b.view(local(155_100, 0))).and_then(|l| l.2), Some(45));
}

#[test]
fn a_placed_call_shows_as_placing_until_its_first_push_and_keeps_its_extension() {
    let mut b = CallBoard::new();
    assert!(b.handle_placing("+44 20 7946 0958".into(), Some("123".into()), 0));
    assert!(
        !b.handle_placing("+1 415-555-0100".into(), None, 10),
        "one call at a time: a double click is one call"
    );
    assert_eq!(
        b.view(10).shown,
        Shown::Placing {
            number: "+44 20 7946 0958".into(),
            extension: Some("123".into())
        }
    );
    assert!(b.view(10).is_live(), "leaving asks while a call is placed");
    b.handle_call("1001", Ringing, 500, 600);
    match b.view(600).shown {
        Shown::Live {
            session_id,
            extension,
            ..
        } => assert_eq!(
            (session_id.as_str(), extension),
            ("1001", Some("123".into()))
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(b.poll_timeout(), None);
}

#[test]
fn a_placed_call_that_never_shows_gives_the_dialer_back() {
    let mut b = CallBoard::new();
    b.handle_placing("+34 612 34 56 78".into(), None, 1_000);
    assert_eq!(b.poll_timeout(), Some(1_000 + PLACING_TIMEOUT_MS));
    b.handle_timeout(1_000 + PLACING_TIMEOUT_MS - 1);
    assert!(b.view(0).is_live());
    b.handle_timeout(1_000 + PLACING_TIMEOUT_MS);
    assert_eq!(b.view(0).shown, Shown::Idle);
    // A refusal gives it back at once.
    b.handle_placing("+34 612 34 56 78".into(), None, 50_000);
    b.handle_place_failed();
    assert_eq!(b.view(0).shown, Shown::Idle);
    assert_eq!(b.poll_timeout(), None);
}

#[test]
fn the_newest_call_is_shown_and_an_old_ones_end_does_not_hide_it() {
    let mut b = CallBoard::new();
    b.handle_call("s1", Connected, 1_000, 1_000);
    b.handle_call("s2", Ringing, 2_000, 2_000);
    assert_eq!(live(&b.view(2_000)).map(|l| l.0), Some("s2".into()));
    b.handle_call("s1", Ended, 3_000, 3_000);
    assert_eq!(live(&b.view(3_000)).map(|l| l.0), Some("s2".into()));
    assert_eq!(b.view(3_000).ended, None);
}

#[test]
fn only_the_owner_opens_a_conversation_once_per_session_and_never_after_the_call() {
    let mut b = CallBoard::new();
    b.handle_call("s1", Ringing, 1_000, 1_000);
    b.handle_record("s1", "c1");
    assert_eq!(b.poll_action(), None, "a follower tab opens nothing");
    b.handle_role(true);
    // (record pushed, opens)
    let table = [
        (("s1", "c1"), Some("c1")),
        (("s1", "c1"), None),       // told again after a server restart
        (("s1", "c2"), Some("c2")), // the session moved to another conversation
        (("s9", "c9"), Some("c9")), // a record before its call's first push
    ];
    for ((session, conversation), want) in table {
        b.handle_record(session, conversation);
        assert_eq!(
            b.poll_action(),
            want.map(|c| Action::Navigate {
                conversation_id: c.into()
            }),
            "{session} {conversation}"
        );
    }
    b.handle_call("s1", Ended, 5_000, 5_000);
    b.handle_record("s1", "c3");
    assert_eq!(b.poll_action(), None, "the agent has moved on");
}

#[test]
fn memory_of_sessions_is_bounded() {
    let mut b = CallBoard::new();
    for n in 0..(SEEN_MAX as u64 + 10) {
        let s = format!("s{n}");
        b.handle_call(&s, Ringing, n, n);
        b.handle_call(&s, Ended, n, n);
    }
    assert!(b.seen.len() <= SEEN_MAX);
    assert!(b.popped.is_empty());
}
