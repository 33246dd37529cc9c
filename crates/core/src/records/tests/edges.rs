//! The edges between rules.

use super::*;

#[test]
fn edge_r11_boundary_at_10_s_is_an_ordinary_outbound_call() {
    // The call-back's own conversation k1 is open; the customer's latest, k9, is another conversation.
    let latest_open = vec![open_call("k9"), open_call("k1")];
    let latest_done = vec![conv("k9", ConversationStatus::Done, Channel::Voice, None)];
    let rows = [
        (9.999, latest_open.clone(), "k1"), // R11
        (10.0, latest_open, "k9"),          // R7
        (9.999, latest_done.clone(), "k1"), // R11
        (10.0, latest_done.clone(), "new"), // R3
        (25.0, latest_done, "new"),         // R3
    ];
    for (secs, latest, want) in rows {
        assert_eq!(target(&call_back(secs, latest)), want, "{secs}");
    }
}

fn call_back(secs: f64, latest: Vec<ConversationFacts>) -> Decision {
    let mut e = outbound();
    e.session_id = "s2".into();
    e.kind = EventKind::CallBack {
        agent_email: "ana@x".into(),
        previous_session_id: "s1".into(),
        previous_duration_s: secs,
    };
    decide(&e, &bound(known(latest)))
}

#[test]
fn edge_call_back_under_10_s_whose_conversation_closed_follows_r3_r7() {
    let mut f = known(vec![]);
    f.session_conversations.insert(
        "s1".into(),
        conv("k1", ConversationStatus::Done, Channel::Voice, None),
    );
    let mut e = outbound();
    e.session_id = "s2".into();
    e.kind = EventKind::CallBack {
        agent_email: "ana@x".into(),
        previous_session_id: "s1".into(),
        previous_duration_s: 3.0,
    };
    assert_eq!(target(&decide(&e, &f)), "new");
}

#[test]
fn edge_open_vs_not_open_for_every_joining_rule() {
    // (status, inbound R6, outbound R7/R3)
    let rows = [
        (ConversationStatus::Open, "k1", "k1"),
        (ConversationStatus::Snoozed, "new", "new"),
        (ConversationStatus::Done, "new", "new"),
    ];
    for (status, inbound, out) in rows {
        let recent = vec![conv("k1", status, Channel::Voice, Some("Billing"))];
        let answered = ivr(EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        });
        assert_eq!(
            target(&decide(&answered, &known(recent.clone()))),
            inbound,
            "{status:?}"
        );
        assert_eq!(
            target(&decide(&outbound(), &known(recent))),
            out,
            "{status:?}"
        );
    }
}

#[test]
fn edge_outbound_follow_up_after_a_voicemail_joins_the_open_voicemail_conversation() {
    let mut vm = open_call("k5");
    vm.voicemail = true;
    let d = decide(&outbound(), &known(vec![vm.clone(), open_call("k1")]));
    assert_eq!(target(&d), "k5");
    // An inbound call does not join it (R6 skips voicemail conversations), it joins the open call.
    let answered = ivr(EventKind::CallAnswered {
        agent_email: "ana@x".into(),
    });
    assert_eq!(
        target(&decide(&answered, &known(vec![vm, open_call("k1")]))),
        "k1"
    );
}

#[test]
fn edge_abandoned_call_with_a_matching_open_conversation_joins_it() {
    let d = decide(
        &ivr(EventKind::Abandoned { wait_time_s: 8.0 }),
        &known(vec![open_call("k1")]),
    );
    assert_eq!(target(&d), "k1");
}

#[test]
fn edge_event_for_a_session_without_conversation_still_makes_one() {
    let e = ivr(EventKind::Rated {
        rating: 2,
        comment: None,
    });
    let d = decide(&e, &known(vec![]));
    assert_eq!(target(&d), "new");
    assert_eq!(d.bind_session, Some(ConversationRef::Created));
}

#[test]
fn edge_answer_of_a_session_that_already_has_a_conversation_only_assigns() {
    let e = mobile(
        Channel::Voice,
        EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        },
    );
    let d = decide(&e, &bound(known(vec![])));
    assert_eq!(
        d.ops,
        vec![Operation::AssignConversation {
            conversation: existing("k1"),
            agent_email: "ana@x".into()
        }]
    );
    // And a duplicate start changes nothing.
    assert!(decide(
        &mobile(Channel::Voice, EventKind::SessionStarted),
        &bound(known(vec![]))
    )
    .ops
    .is_empty());
}

#[test]
fn edge_events_round_trip_as_json() {
    let e = mobile(
        Channel::Chat,
        EventKind::Rated {
            rating: 4,
            comment: Some("ok".into()),
        },
    );
    let json = serde_json::to_string(&e).expect("serializes");
    assert!(json.contains("\"type\":\"rated\""), "{json}");
    let back: SessionEvent = serde_json::from_str(&json).expect("parses");
    assert_eq!(back, e);
    let d = decide(
        &ivr(EventKind::CallAnswered {
            agent_email: "a@x".into(),
        }),
        &KustomerFacts::default(),
    );
    let ops = serde_json::to_string(&d).expect("serializes");
    let back: Decision = serde_json::from_str(&ops).expect("parses");
    assert_eq!(back, d);
}

#[test]
fn a_start_the_rules_ignore_is_known_without_facts() {
    use super::super::rules::is_noop;
    let facts = known(vec![open_call("d1")]);
    let rows = [
        (ivr(EventKind::SessionStarted), true),
        (
            SessionEvent {
                kind: EventKind::SessionStarted,
                ..outbound()
            },
            true,
        ),
        (mobile(Channel::Chat, EventKind::SessionStarted), false),
        (
            ivr(EventKind::CallAnswered {
                agent_email: "a@x".into(),
            }),
            false,
        ),
    ];
    for (event, noop) in rows {
        assert_eq!(is_noop(&event), noop, "{:?}", event.kind);
        if noop {
            assert!(decide(&event, &facts).ops.is_empty(), "{:?}", event.kind);
        }
    }
}
