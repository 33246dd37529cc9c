//! Conversation updates (R6–R15), customer assignment (R18), transcripts (R20) and the fields (F2, F4).

use super::*;

fn answered() -> SessionEvent {
    ivr(EventKind::CallAnswered {
        agent_email: "ana@x".into(),
    })
}

#[test]
fn r6_same_customer_menu_and_channel_as_an_open_conversation_joins_it() {
    let s = ConversationStatus::Open;
    let rows = [
        (vec![open_call("k1")], "k1"),
        (
            vec![conv(
                "k1",
                ConversationStatus::Done,
                Channel::Voice,
                Some("Billing"),
            )],
            "new",
        ),
        (
            vec![conv(
                "k1",
                ConversationStatus::Snoozed,
                Channel::Voice,
                Some("Billing"),
            )],
            "new",
        ),
        (vec![conv("k1", s, Channel::Voice, Some("Sales"))], "new"),
        (vec![conv("k1", s, Channel::Chat, Some("Billing"))], "new"),
        (vec![conv("k1", s, Channel::Voice, None)], "new"),
        // The most recent matching open one, not merely the most recent.
        (
            vec![conv("k2", s, Channel::Chat, None), open_call("k1")],
            "k1",
        ),
    ];
    for (recent, want) in rows {
        let d = decide(&answered(), &known(recent.clone()));
        assert_eq!(target(&d), want, "{recent:?}");
    }
    // A voicemail conversation never takes a call, even open with the same menu.
    let mut vm = open_call("k1");
    vm.voicemail = true;
    assert_eq!(target(&decide(&answered(), &known(vec![vm]))), "new");
}

#[test]
fn r7_outbound_call_joins_the_latest_conversation_when_it_is_open() {
    let rows = [
        (vec![open_call("k1")], "k1"),
        // Follow-up: the menu and channel do not matter for an outbound call.
        (
            vec![conv(
                "k1",
                ConversationStatus::Open,
                Channel::Chat,
                Some("Sales"),
            )],
            "k1",
        ),
        (
            vec![
                open_call("k2"),
                conv("k1", ConversationStatus::Done, Channel::Voice, None),
            ],
            "k2",
        ),
    ];
    for (recent, want) in rows {
        let d = decide(&outbound(), &known(recent.clone()));
        assert_eq!(target(&d), want, "{recent:?}");
        assert_eq!(d.bind_session, Some(existing(want)));
    }
}

#[test]
fn r8_call_ending_with_recording_attaches_it() {
    let rows = [(Some("https://rec/s1.mp3"), true), (None, false)];
    for (url, attached) in rows {
        for origin in [Origin::Ivr, Origin::Outbound] {
            let mut e = ivr(EventKind::Ended {
                duration_s: 61.5,
                wait_time_s: 4.0,
                hold_time_s: 10.0,
                recording_url: url.map(Into::into),
            });
            e.session.origin = origin;
            let mut f = bound(known(vec![]));
            f.fields = all_fields(STARTED - 1);
            let d = decide(&e, &f);
            let has = d.ops.iter().any(|o| {
                matches!(o, Operation::AttachRecording { conversation, url } if *conversation == existing("k1") && url == "https://rec/s1.mp3")
            });
            assert_eq!(has, attached, "{origin:?} {url:?}");
            let fs = conv_fields(&d);
            assert_eq!(fs.get(fields::CALL_DURATION), Some(&FieldValue::Num(61.5)));
            assert_eq!(fs.get(fields::WAIT_TIME), Some(&FieldValue::Num(4.0)));
            assert_eq!(fs.get(fields::HOLD_TIME), Some(&FieldValue::Num(10.0)));
            assert_eq!(target(&d), "none");
        }
    }
}

#[test]
fn r9_transfer_assigns_the_conversation_to_the_receiving_agent() {
    for channel in [Channel::Voice, Channel::Chat] {
        let e = mobile(
            channel,
            EventKind::Transferred {
                to_agent_email: "bo@x".into(),
            },
        );
        let d = decide(&e, &bound(known(vec![])));
        assert_eq!(
            d.ops,
            vec![Operation::AssignConversation {
                conversation: existing("k1"),
                agent_email: "bo@x".into()
            }]
        );
    }
}

#[test]
fn r10_hang_up_and_call_back_joins_the_open_conversation() {
    let mut e = outbound();
    e.kind = EventKind::HangUpAndCallBack {
        agent_email: "ana@x".into(),
    };
    e.session_id = "s2".into();
    let rows = [
        (vec![open_call("k1")], "k1"),
        (
            vec![conv("k1", ConversationStatus::Done, Channel::Voice, None)],
            "new",
        ),
    ];
    for (recent, want) in rows {
        assert_eq!(
            target(&decide(&e, &known(recent.clone()))),
            want,
            "{recent:?}"
        );
    }
}

/// A call-back (session `s2`) of session `s1`, which lasted `secs` and is bound to the open `k1`; the
/// customer's latest conversation is `latest`.
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
fn r11_call_back_after_a_call_under_10_s_joins_its_open_conversation() {
    let done = conv("k0", ConversationStatus::Done, Channel::Voice, None);
    let rows = [(0.0, "k1"), (4.2, "k1"), (9.999, "k1")];
    for (secs, want) in rows {
        assert_eq!(target(&call_back(secs, vec![done.clone()])), want, "{secs}");
    }
}

#[test]
fn r12_smart_action_results_files_or_error_are_added() {
    let mut results = BTreeMap::new();
    results.insert("verified".to_string(), "yes".to_string());
    let ok = ivr(EventKind::SmartActionCompleted {
        action: "Verify identity".into(),
        results,
        files: vec![SharedFile {
            name: "id.jpg".into(),
            url: "https://files/id.jpg".into(),
        }],
    });
    let d = decide(&ok, &bound(known(vec![])));
    assert_eq!(
        d.ops,
        vec![
            Operation::AddNote {
                conversation: existing("k1"),
                body: "SmartAction \"Verify identity\" completed.\nverified: yes".into()
            },
            Operation::AttachFile {
                conversation: existing("k1"),
                file_name: "id.jpg".into(),
                url: "https://files/id.jpg".into()
            },
        ]
    );
    let failed = ivr(EventKind::SmartActionFailed {
        action: "Verify identity".into(),
        error: "fingerprint access not enabled".into(),
    });
    assert_eq!(
        notes(&decide(&failed, &bound(known(vec![])))),
        vec!["SmartAction \"Verify identity\" failed: fingerprint access not enabled".to_string()]
    );
}

#[test]
fn r13_sdk_custom_data_lands_in_the_mapped_field() {
    let mut data = BTreeMap::new();
    data.insert("plan".to_string(), "gold".to_string());
    data.insert("cartTotal".to_string(), "99.5".to_string());
    data.insert("age".to_string(), "not a number".to_string());
    data.insert("unmapped".to_string(), "x".to_string());
    let mut f = bound(known(vec![]));
    f.sdk_mapping.insert("plan".into(), "loyaltyPlanStr".into());
    f.sdk_mapping
        .insert("cartTotal".into(), "cartTotalNum".into());
    f.sdk_mapping.insert("age".into(), "ageNum".into());
    f.sdk_mapping.insert("device".into(), "deviceStr".into());
    f.fields = ["loyaltyPlanStr", "cartTotalNum", "ageNum", "deviceStr"]
        .iter()
        .map(|n| FieldDef {
            name: (*n).into(),
            created_at_ms: 0,
        })
        .collect();
    let d = decide(&mobile(Channel::Chat, EventKind::CustomData { data }), &f);
    assert_eq!(
        d.ops,
        vec![Operation::SetCustomFields {
            target: FieldTarget::Conversation(existing("k1")),
            fields: vec![
                ("cartTotalNum".into(), FieldValue::Num(99.5)),
                ("loyaltyPlanStr".into(), text("gold")),
            ]
        }]
    );
}

#[test]
fn r14_mobile_rating_is_added() {
    let mut f = bound(known(vec![]));
    f.fields = all_fields(STARTED - 1);
    let rows = [
        (Some("quick"), "CSAT rating: 5/5. Comment: quick", true),
        (None, "CSAT rating: 5/5.", false),
    ];
    for (comment, note, has_comment) in rows {
        let e = mobile(
            Channel::Voice,
            EventKind::Rated {
                rating: 5,
                comment: comment.map(Into::into),
            },
        );
        let d = decide(&e, &f);
        assert_eq!(notes(&d), vec![note.to_string()]);
        let fs = conv_fields(&d);
        assert_eq!(fs.get(fields::CSAT_RATING), Some(&FieldValue::Num(5.0)));
        assert_eq!(fs.contains_key(fields::CSAT_COMMENT), has_comment);
    }
}

#[test]
fn r15_voicemail_read_dismissed_or_returned_updates_the_conversation() {
    let rows = [
        (VoicemailAction::Read, "Voicemail read by ana@x."),
        (VoicemailAction::Dismissed, "Voicemail dismissed by ana@x."),
        (VoicemailAction::Returned, "Voicemail returned by ana@x."),
    ];
    for (action, note) in rows {
        let e = ivr(EventKind::VoicemailHandled {
            action,
            agent_email: "ana@x".into(),
        });
        let d = decide(&e, &bound(known(vec![])));
        assert_eq!(
            d.ops,
            vec![Operation::AddNote {
                conversation: existing("k1"),
                body: note.into()
            }]
        );
    }
}

#[test]
fn r18_new_customer_is_assigned_with_the_call() {
    let assigns_customer = |d: &Decision| {
        d.ops
            .iter()
            .any(|o| matches!(o, Operation::AssignCustomer { .. }))
    };
    // Created by this very event: assigned to the answering agent.
    let d = decide(&answered(), &KustomerFacts::default());
    assert!(d.ops.contains(&Operation::AssignCustomer {
        customer: CustomerRef::Created,
        agent_email: "ana@x".into()
    }));
    // Created earlier in this session (mobile SDK start), then transferred: the new owner gets it too.
    let mut f = bound(known(vec![]));
    f.customer = Some(CustomerFacts {
        id: "c1".into(),
        created_by_session: Some("s1".into()),
    });
    let t = ivr(EventKind::Transferred {
        to_agent_email: "bo@x".into(),
    });
    assert!(decide(&t, &f).ops.contains(&Operation::AssignCustomer {
        customer: CustomerRef::Existing("c1".into()),
        agent_email: "bo@x".into()
    }));
    // A customer from an earlier session is not new: no customer assignment.
    f.customer = Some(CustomerFacts {
        id: "c1".into(),
        created_by_session: Some("s0".into()),
    });
    assert!(!assigns_customer(&decide(&t, &f)));
    assert!(!assigns_customer(&decide(&answered(), &known(vec![]))));
}

#[test]
fn r20_chat_transcript_is_attached_and_shows_in_the_comments() {
    let e = mobile(
        Channel::Chat,
        EventKind::ChatTranscript {
            file_name: "chat-s1.txt".into(),
            content: "Hi\nHello".into(),
        },
    );
    let d = decide(&e, &bound(known(vec![])));
    assert_eq!(
        d.ops,
        vec![
            Operation::AttachTranscript {
                conversation: existing("k1"),
                file_name: "chat-s1.txt".into(),
                content: "Hi\nHello".into()
            },
            Operation::AddNote {
                conversation: existing("k1"),
                body: "Chat transcript attached: chat-s1.txt".into()
            },
        ]
    );
}

#[test]
fn f2_fields_are_written_only_for_sessions_started_after_their_creation() {
    // (field created at, written?)
    let rows = [(STARTED - 1, true), (STARTED, false), (STARTED + 1, false)];
    for (created, written) in rows {
        let mut f = known(vec![]);
        f.fields = all_fields(created);
        let d = decide(&answered(), &f);
        let fs = conv_fields(&d);
        assert_eq!(fs.contains_key(fields::SESSION_ID), written, "{created}");
        if written {
            assert_eq!(fs.get(fields::QUEUE_NAME), Some(&text("Support")));
            assert_eq!(fs.get(fields::PHONE_NUMBER), Some(&text(PHONE)));
            assert_eq!(fs.get(fields::MENU_SELECTION), Some(&text("Billing")));
            assert_eq!(fs.get(fields::SESSION_TYPE), Some(&text("ivr_call")));
        }
    }
    // A field that does not exist is never written.
    let d = decide(&answered(), &known(vec![]));
    assert!(conv_fields(&d).is_empty());
}
