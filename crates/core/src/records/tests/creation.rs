//! Conversation creation (R1–R5), customers (R16, R17), the phone note (R19) and standard data (R21).

use super::*;

#[test]
fn r1_mobile_sdk_call_or_chat_creates_a_conversation() {
    let rows = [
        (Channel::Voice, ConversationKind::Call, "mobile_call"),
        (Channel::Chat, ConversationKind::Chat, "mobile_chat"),
    ];
    for (channel, kind, session_type) in rows {
        let mut f = known(vec![]);
        f.fields = all_fields(STARTED - 1);
        let d = decide(&mobile(channel, EventKind::SessionStarted), &f);
        assert!(
            matches!(&d.ops[0], Operation::CreateConversation { kind: k, customer: CustomerRef::Existing(c), .. } if *k == kind && c == "c1"),
            "{channel:?}: {:?}",
            d.ops
        );
        assert_eq!(d.bind_session, Some(ConversationRef::Created));
        assert_eq!(
            conv_fields(&d).get(fields::SESSION_TYPE),
            Some(&text(session_type))
        );
    }
}

#[test]
fn r2_agent_answering_an_ivr_call_creates_a_conversation() {
    // The IVR start alone makes nothing; the answer does.
    let started = decide(&ivr(EventKind::SessionStarted), &known(vec![]));
    assert!(started.ops.is_empty());
    let d = decide(
        &ivr(EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        }),
        &known(vec![]),
    );
    assert_eq!(target(&d), "new");
    assert!(d.ops.contains(&Operation::AssignConversation {
        conversation: ConversationRef::Created,
        agent_email: "ana@x".into(),
    }));
}

#[test]
fn r3_outbound_call_creates_a_conversation_when_the_latest_is_not_open() {
    let rows = [
        (vec![], "new"),
        (
            vec![conv("k1", ConversationStatus::Done, Channel::Voice, None)],
            "new",
        ),
        (
            vec![conv(
                "k1",
                ConversationStatus::Snoozed,
                Channel::Voice,
                None,
            )],
            "new",
        ),
        (
            vec![
                conv("k2", ConversationStatus::Done, Channel::Voice, None),
                open_call("k1"),
            ],
            "new",
        ),
    ];
    for (recent, want) in rows {
        let d = decide(&outbound(), &known(recent.clone()));
        assert_eq!(target(&d), want, "{recent:?}");
    }
}

#[test]
fn r4_abandoned_call_still_creates_a_conversation() {
    let mut f = known(vec![]);
    f.fields = all_fields(STARTED - 1);
    let d = decide(&ivr(EventKind::Abandoned { wait_time_s: 42.0 }), &f);
    assert_eq!(target(&d), "new");
    assert_eq!(
        conv_fields(&d).get(fields::WAIT_TIME),
        Some(&FieldValue::Num(42.0))
    );
    assert!(notes(&d)
        .iter()
        .any(|n| n.contains("abandoned the call after 42 s")));
}

#[test]
fn r5_voicemail_creates_a_conversation_even_when_one_is_open() {
    let rows = [
        vec![],
        vec![open_call("k1")],
        vec![conv(
            "k1",
            ConversationStatus::Done,
            Channel::Voice,
            Some("Billing"),
        )],
    ];
    for recent in rows {
        let d = decide(
            &ivr(EventKind::VoicemailLeft {
                recording_url: "https://rec/v1.mp3".into(),
                duration_s: 31.0,
            }),
            &known(recent.clone()),
        );
        assert!(
            matches!(
                &d.ops[0],
                Operation::CreateConversation {
                    kind: ConversationKind::Voicemail,
                    ..
                }
            ),
            "{recent:?}: {:?}",
            d.ops
        );
        assert!(d.ops.contains(&Operation::AttachRecording {
            conversation: ConversationRef::Created,
            url: "https://rec/v1.mp3".into(),
        }));
    }
}

#[test]
fn r16_ivr_call_from_a_new_number_creates_a_customer() {
    let rows = [(None, true), (Some("c9"), false)];
    for (customer, creates) in rows {
        let f = KustomerFacts {
            customer: customer.map(|id: &str| CustomerFacts {
                id: id.into(),
                created_by_session: None,
            }),
            ..KustomerFacts::default()
        };
        let d = decide(
            &ivr(EventKind::CallAnswered {
                agent_email: "ana@x".into(),
            }),
            &f,
        );
        assert_eq!(creates_customer(&d), creates);
        if creates {
            assert_eq!(
                d.ops[0],
                Operation::CreateCustomer {
                    key: CustomerKey::Phone(PHONE.into()),
                    name: None
                }
            );
            assert!(matches!(
                &d.ops[1],
                Operation::CreateConversation {
                    customer: CustomerRef::Created,
                    ..
                }
            ));
        }
    }
}

#[test]
fn r17_new_app_user_starting_the_sdk_creates_a_customer() {
    let mut f = KustomerFacts {
        fields: all_fields(STARTED - 1),
        ..KustomerFacts::default()
    };
    let d = decide(&mobile(Channel::Chat, EventKind::SessionStarted), &f);
    assert_eq!(
        d.ops[0],
        Operation::CreateCustomer {
            key: CustomerKey::AppUser("u-7".into()),
            name: None
        }
    );
    // The account field custom user id (F1) is written on the new customer.
    assert!(d.ops.contains(&Operation::SetCustomFields {
        target: FieldTarget::Customer(CustomerRef::Created),
        fields: vec![(fields::CUSTOM_USER_ID.into(), text("u-7"))],
    }));
    f.customer = Some(CustomerFacts {
        id: "c1".into(),
        created_by_session: None,
    });
    assert!(!creates_customer(&decide(
        &mobile(Channel::Chat, EventKind::SessionStarted),
        &f
    )));
}

#[test]
fn r19_phone_number_with_country_code_is_a_note_on_the_conversation() {
    let rows = [
        ("+14155550100", "Phone number: +14155550100"),
        ("14155550100", "Phone number: +14155550100"),
        ("+34 912 345 678", "Phone number: +34 912 345 678"),
    ];
    for (phone, note) in rows {
        let mut e = ivr(EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        });
        e.end_user.phone = Some(phone.into());
        let d = decide(&e, &known(vec![]));
        assert!(
            d.ops.contains(&Operation::AddNote {
                conversation: ConversationRef::Created,
                body: note.into(),
            }),
            "{phone}: {:?}",
            d.ops
        );
    }
}

#[test]
fn r21_standard_data_on_every_call_record() {
    let standard = StandardData {
        call_id: "s1".into(),
        language: "en".into(),
        menu: Some("Billing".into()),
    };
    let rows = [
        ivr(EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        }),
        ivr(EventKind::Abandoned { wait_time_s: 3.0 }),
        mobile(Channel::Voice, EventKind::SessionStarted),
    ];
    for e in rows {
        let d = decide(&e, &known(vec![]));
        assert!(
            d.ops.iter().any(
                |o| matches!(o, Operation::CreateConversation { standard: s, .. } if *s == standard)
            ),
            "{:?}",
            d.ops
        );
    }
    // Joining an open conversation carries it too (R6).
    let d = decide(
        &ivr(EventKind::CallAnswered {
            agent_email: "ana@x".into(),
        }),
        &known(vec![open_call("k1")]),
    );
    assert!(d.ops.contains(&Operation::AppendToConversation {
        conversation: existing("k1"),
        kind: ConversationKind::Call,
        standard,
    }));
    // And the recording after the call (see r8).
    let d = decide(
        &ivr(EventKind::Ended {
            duration_s: 60.0,
            wait_time_s: 5.0,
            hold_time_s: 0.0,
            recording_url: Some("https://rec/s1.mp3".into()),
        }),
        &bound(known(vec![])),
    );
    assert!(d
        .ops
        .iter()
        .any(|o| matches!(o, Operation::AttachRecording { .. })));
}
