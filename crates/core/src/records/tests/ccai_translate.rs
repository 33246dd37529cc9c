//! CCAI's documented deliveries (A20) → the rules' events: one table per kind of session.

use super::super::ccai_events::*;
use super::super::ccai_translate::{translate, SessionSoFar, Skip};
use super::super::{Channel, EventKind, Origin, VoicemailAction};

const ANA: i64 = 11;
const BO: i64 = 12;

fn directory(id: i64) -> Option<String> {
    match id {
        ANA => Some("ana@example.com".into()),
        BO => Some("bo@example.com".into()),
        _ => None,
    }
}

fn agent(id: i64) -> Option<AgentInfo> {
    Some(AgentInfo {
        id,
        name: Some(format!("Agent {id}")),
        ..AgentInfo::default()
    })
}

/// A delivery of an inbound IVR call `1001` from +14155550100, menu Billing, queue Support.
fn call(state: SessionState, t: u64, edit: impl FnOnce(&mut SessionItem)) -> CcaiSessionEvent {
    let mut item = SessionItem {
        id: Id::Num(1001),
        call_type: Some("IVR".into()),
        lang: Some("en".into()),
        dn: Some("+14155550100".into()),
        menu_path: Some(Names::Many(vec![Named::Object {
            id: Some(Id::Num(7)),
            name: Some("Billing".into()),
        }])),
        queue_path_names: Some(Names::Many(vec![Named::Name("Support".into())])),
        created_at: Some("2026-12-06T10:00:00Z".into()),
        ..SessionItem::default()
    };
    edit(&mut item);
    CcaiSessionEvent {
        event_id: uuid::Uuid::from_u128(u128::from(t) << 8 | u128::from(state.rank())),
        timestamp: t,
        state,
        status: None,
        participant_event: None,
        connected_at: None,
        ends_at: None,
        initiator: None,
        dispositions: None,
        item,
    }
}

/// Plays `deliveries` in order as the server does (each against the last applied), the kinds out.
fn play(channel: Channel, deliveries: &[CcaiSessionEvent]) -> Vec<EventKind> {
    let mut out = Vec::new();
    let mut previous: Option<&CcaiSessionEvent> = None;
    let mut max_rank = 0;
    for d in deliveries {
        let so_far = SessionSoFar {
            previous,
            max_rank,
            parent: None,
        };
        let events = translate(channel, d, &so_far, directory).expect("translates");
        out.extend(events.into_iter().map(|e| e.kind));
        if previous.is_none_or(|p| p.timestamp <= d.timestamp) {
            previous = Some(d);
        }
        max_rank = max_rank.max(d.state.rank());
    }
    out
}

fn answered(id: i64) -> EventKind {
    EventKind::CallAnswered {
        agent_email: directory(id).unwrap_or_default(),
    }
}

fn ended(d: f64, w: f64, h: f64, rec: Option<&str>) -> EventKind {
    EventKind::Ended {
        duration_s: d,
        wait_time_s: w,
        hold_time_s: h,
        recording_url: rec.map(str::to_owned),
    }
}

#[test]
fn an_answered_ivr_call_in_its_six_states() {
    use SessionState::*;
    let done = |i: &mut SessionItem| {
        i.agent_info = agent(ANA);
        i.call_duration = Some(95.0);
        i.wait_duration = Some(12.0);
        i.hold_duration = Some(5.0);
        i.recording_url = Some("https://rec.example/1001.mp3".into());
    };
    let rows: Vec<(&str, Vec<CcaiSessionEvent>, Vec<EventKind>)> = vec![
        (
            "in order",
            vec![
                call(Start, 1, |_| {}),
                call(Routing, 2, |_| {}),
                call(Assigned, 3, |i| i.agent_info = agent(ANA)),
                call(Active, 4, |i| i.agent_info = agent(ANA)),
                call(End, 5, done),
                call(Final, 6, done),
            ],
            vec![
                EventKind::SessionStarted,
                answered(ANA),
                ended(95.0, 12.0, 5.0, Some("https://rec.example/1001.mp3")),
            ],
        ),
        (
            "Start and Assigned lost: End catches up",
            vec![call(End, 5, done)],
            vec![
                EventKind::SessionStarted,
                answered(ANA),
                ended(95.0, 12.0, 5.0, Some("https://rec.example/1001.mp3")),
            ],
        ),
        (
            "an old delivery after a newer one adds nothing",
            vec![
                call(Assigned, 3, |i| i.agent_info = agent(ANA)),
                call(Start, 1, |_| {}),
            ],
            vec![EventKind::SessionStarted, answered(ANA)],
        ),
        (
            "the recording comes with Final",
            vec![
                call(Assigned, 3, |i| i.agent_info = agent(ANA)),
                call(End, 5, |i| {
                    i.agent_info = agent(ANA);
                    i.call_duration = Some(30.0);
                }),
                call(Final, 6, |i| {
                    i.agent_info = agent(ANA);
                    i.call_duration = Some(30.0);
                    i.recording_url = Some("https://rec.example/late.mp3".into());
                }),
            ],
            vec![
                EventKind::SessionStarted,
                answered(ANA),
                ended(30.0, 0.0, 0.0, None),
                ended(30.0, 0.0, 0.0, Some("https://rec.example/late.mp3")),
            ],
        ),
        (
            "transferred to Bo, then rated",
            vec![
                call(Assigned, 3, |i| i.agent_info = agent(ANA)),
                call(Active, 4, |i| i.agent_info = agent(ANA)),
                call(Assigned, 7, |i| i.agent_info = agent(BO)),
                call(End, 9, |i| {
                    i.agent_info = agent(BO);
                    i.rating = Some(4.0);
                }),
            ],
            vec![
                EventKind::SessionStarted,
                answered(ANA),
                EventKind::Transferred {
                    to_agent_email: "bo@example.com".into(),
                },
                ended(0.0, 0.0, 0.0, None),
                EventKind::Rated {
                    rating: 4,
                    comment: None,
                },
            ],
        ),
        (
            "abandoned: End without an agent",
            vec![
                call(Start, 1, |_| {}),
                call(End, 5, |i| i.wait_duration = Some(30.0)),
                call(Final, 6, |i| i.wait_duration = Some(30.0)),
            ],
            vec![
                EventKind::SessionStarted,
                EventKind::Abandoned { wait_time_s: 30.0 },
            ],
        ),
        (
            "a voicemail, then read by Ana",
            vec![
                call(Start, 1, |_| {}),
                call(End, 5, |i| {
                    i.status = Some("voicemail".into());
                    i.call_duration = Some(20.0);
                    i.recording_url = Some("https://rec.example/vm.mp3".into());
                }),
                call(Final, 50, |i| {
                    i.status = Some("Voicemail Read".into());
                    i.call_duration = Some(20.0);
                    i.recording_url = Some("https://rec.example/vm.mp3".into());
                    i.agent_info = agent(ANA);
                }),
            ],
            vec![
                EventKind::SessionStarted,
                EventKind::VoicemailLeft {
                    recording_url: "https://rec.example/vm.mp3".into(),
                    duration_s: 20.0,
                },
                EventKind::VoicemailHandled {
                    action: VoicemailAction::Read,
                    agent_email: "ana@example.com".into(),
                },
            ],
        ),
        (
            "a voicemail whose recording comes later",
            vec![
                call(End, 5, |i| i.voicemail_reason = Some("after hours".into())),
                call(Final, 6, |i| {
                    i.voicemail_reason = Some("after hours".into());
                    i.recording_url = Some("https://rec.example/vm2.mp3".into());
                }),
            ],
            vec![
                EventKind::SessionStarted,
                EventKind::VoicemailLeft {
                    recording_url: "https://rec.example/vm2.mp3".into(),
                    duration_s: 0.0,
                },
            ],
        ),
    ];
    for (name, deliveries, want) in rows {
        assert_eq!(play(Channel::Voice, &deliveries), want, "{name}");
    }
}

#[test]
fn outbound_calls_and_call_backs() {
    use SessionState::*;
    let out = |state, t, parent: Option<i64>| {
        call(state, t, |i| {
            i.id = Id::Num(2002);
            i.call_type = Some("Voice Outbound (API)".into());
            i.agent_info = agent(ANA);
            i.parent_id = parent.map(Id::Num);
            i.menu_path = None;
        })
    };
    let short_parent = call(End, 1, |i| {
        i.agent_info = agent(ANA);
        i.call_duration = Some(4.0);
    });
    let rows = [
        (
            "an outbound call",
            None,
            None,
            EventKind::OutboundCallStarted {
                agent_email: "ana@example.com".into(),
            },
        ),
        (
            "a call back of a 4 s call",
            Some(1001),
            Some(&short_parent),
            EventKind::CallBack {
                agent_email: "ana@example.com".into(),
                previous_session_id: "1001".into(),
                previous_duration_s: 4.0,
            },
        ),
        (
            "a call back of a call the server never saw counts as long",
            Some(999),
            None,
            EventKind::CallBack {
                agent_email: "ana@example.com".into(),
                previous_session_id: "999".into(),
                previous_duration_s: 10.0,
            },
        ),
    ];
    for (name, parent_id, parent, want) in rows {
        let d = out(Start, 10, parent_id);
        let so_far = SessionSoFar {
            parent,
            ..SessionSoFar::default()
        };
        let got = translate(Channel::Voice, &d, &so_far, directory).expect("translates");
        assert_eq!(got.len(), 1, "{name}");
        assert_eq!(got[0].kind, want, "{name}");
        assert_eq!(got[0].session.origin, Origin::Outbound, "{name}");
        assert_eq!(
            got[0].end_user.phone.as_deref(),
            Some("+14155550100"),
            "{name}"
        );
    }
}

#[test]
fn a_mobile_chat_with_its_transcript_and_rating() {
    use SessionState::*;
    let chat = |state, t, edit: &dyn Fn(&mut SessionItem)| {
        call(state, t, |i| {
            i.id = Id::Num(3003);
            i.call_type = None;
            i.dn = None;
            i.end_user = Some(EndUserInfo {
                identifier: Some("app-42".into()),
                ..EndUserInfo::default()
            });
            edit(i);
        })
    };
    let deliveries = [
        chat(Start, 1, &|_| {}),
        chat(Assigned, 2, &|i| i.agent_info = agent(ANA)),
        chat(End, 3, &|i| {
            i.agent_info = agent(ANA);
            i.chat_duration = Some(300.0);
            i.transcript = Some(serde_json::json!([
                { "sender": "end_user", "message": "where is my order?" },
                { "sender": "agent", "message": "on its way" }
            ]));
            i.rating = Some(5.0);
        }),
    ];
    let want = vec![
        EventKind::SessionStarted,
        answered(ANA),
        ended(300.0, 0.0, 0.0, None),
        EventKind::ChatTranscript {
            file_name: "chat-3003.txt".into(),
            content: "end_user: where is my order?\nagent: on its way".into(),
        },
        EventKind::Rated {
            rating: 5,
            comment: None,
        },
    ];
    assert_eq!(play(Channel::Chat, &deliveries), want);
    let first = translate(
        Channel::Chat,
        &deliveries[0],
        &SessionSoFar::default(),
        directory,
    )
    .expect("translates");
    assert_eq!(first[0].session.origin, Origin::MobileSdk);
    assert_eq!(first[0].end_user.app_user_id.as_deref(), Some("app-42"));
    assert_eq!(first[0].customer_key().as_text(), "app:app-42");
}

#[test]
fn the_envelope_reads_the_documented_item() {
    let d = call(SessionState::Start, 1_765_015_200_500, |_| {});
    let e = &translate(Channel::Voice, &d, &SessionSoFar::default(), directory).expect("ok")[0];
    assert_eq!(e.session_id, "1001");
    assert_eq!(e.session.menu.as_deref(), Some("Billing"));
    assert_eq!(e.session.queue_name.as_deref(), Some("Support"));
    assert_eq!(e.session.origin, Origin::Ivr);
    // created_at 2026-12-06T10:00:00Z.
    assert_eq!(e.session_started_at_ms, 1_796_551_200_000);
    assert_eq!(e.event_id, format!("{}#0", d.event_id));
}

#[test]
fn refusals_name_what_is_unknown() {
    let stranger = call(SessionState::Assigned, 3, |i| i.agent_info = agent(77));
    assert_eq!(
        translate(
            Channel::Voice,
            &stranger,
            &SessionSoFar::default(),
            directory
        ),
        Err(Skip::UnknownAgent(77))
    );
    let odd = call(SessionState::Other("Parked".into()), 3, |_| {});
    assert_eq!(
        translate(Channel::Voice, &odd, &SessionSoFar::default(), directory),
        Err(Skip::UnknownState("Parked".into()))
    );
}

#[test]
fn the_documented_body_parses_and_checks_its_count() {
    let body = r#"{"count": 1, "events": [{
        "event_id": "0b9d4a5e-2f7c-4d43-9d0e-6a1c2b3d4e5f", "timestamp": 1765015200500,
        "state": "assigned", "status": "connected", "initiator": "agent_11",
        "participant_event": {"participant": "agent", "status": "accepted"},
        "dispositions": {"code": "sale", "custom_code_id": 4, "note": "ok"},
        "new_key_from_a_later_ccai": true,
        "item": {"call_id": 1001, "dn": "+14155550100",
                 "agent_info": {"id": 11, "name": "Ana", "agent_number": "A1"},
                 "menu_path": "Billing", "queue_path_names": ["Support", "Tier 2"]}}]}"#;
    let b: SessionEventsBody = serde_json::from_str(body).expect("the documented format parses");
    assert_eq!(b.check(), Ok(()));
    let e = &b.events[0];
    assert_eq!(e.state, SessionState::Assigned);
    assert_eq!(e.session_id(), "1001");
    assert_eq!(
        e.item
            .queue_path_names
            .as_ref()
            .and_then(Names::last)
            .as_deref(),
        Some("Tier 2")
    );
    let wrong = SessionEventsBody {
        count: 2,
        ..b.clone()
    };
    assert_eq!(
        wrong.check(),
        Err(FormatError::Count {
            count: 2,
            events: 1
        })
    );
    for bad in [
        r#"{"count": 1, "events": [{"event_id": "not-a-uuid", "timestamp": 1, "state": "Start", "item": {"id": 1}}]}"#,
        r#"{"events": []}"#,
        r#"{"count": 1, "events": [{"event_id": "0b9d4a5e-2f7c-4d43-9d0e-6a1c2b3d4e5f", "state": "Start", "item": {"id": 1}}]}"#,
    ] {
        assert!(
            serde_json::from_str::<SessionEventsBody>(bad).is_err(),
            "{bad}"
        );
    }
    // Round trip: what the sandbox emits is what the server reads.
    let again: SessionEventsBody =
        serde_json::from_str(&serde_json::to_string(&b).expect("serializes")).expect("parses");
    assert_eq!(again, b);
}
