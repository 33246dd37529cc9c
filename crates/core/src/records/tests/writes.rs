//! The combined writes: what one decision costs in Kustomer requests.

use super::super::writes::{plan, Attachment, Write};
use super::super::*;

fn std_data() -> StandardData {
    StandardData {
        call_id: "1001".into(),
        language: "en".into(),
        menu: Some("Billing".into()),
    }
}

fn fields(pairs: &[(&str, f64)]) -> Vec<(String, FieldValue)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), FieldValue::Num(*v)))
        .collect()
}

fn conv(id: &str) -> ConversationRef {
    ConversationRef::Existing(id.into())
}

#[test]
fn each_decision_becomes_the_fewest_writes() {
    let ana = || "ana@example.com".to_owned();
    let recording = Attachment::Hosted {
        name: "a1.mp3".into(),
        content_type: "audio/mpeg".into(),
        url: "https://rec.example/a1.mp3".into(),
    };
    let rows: Vec<(&str, Vec<Operation>, Vec<Write>)> = vec![
        (
            "an answered call from a new number: 6 operations, 3 writes",
            vec![
                Operation::CreateCustomer {
                    key: CustomerKey::Phone("+14155550100".into()),
                    name: None,
                },
                Operation::CreateConversation {
                    customer: CustomerRef::Created,
                    kind: ConversationKind::Call,
                    channel: Channel::Voice,
                    standard: std_data(),
                },
                Operation::AddNote {
                    conversation: ConversationRef::Created,
                    body: "Phone number: +14155550100".into(),
                },
                Operation::SetCustomFields {
                    target: FieldTarget::Conversation(ConversationRef::Created),
                    fields: fields(&[("waitTimeNum", 3.0)]),
                },
                Operation::AssignConversation {
                    conversation: ConversationRef::Created,
                    agent_email: ana(),
                },
                Operation::AssignCustomer {
                    customer: CustomerRef::Created,
                    agent_email: ana(),
                },
            ],
            vec![
                Write::CreateCustomer {
                    key: CustomerKey::Phone("+14155550100".into()),
                    name: None,
                    assign: Some(ana()),
                    custom: vec![],
                },
                Write::CreateConversation {
                    customer: CustomerRef::Created,
                    kind: ConversationKind::Call,
                    channel: Channel::Voice,
                    standard: std_data(),
                    assign: Some(ana()),
                    custom: fields(&[("waitTimeNum", 3.0)]),
                },
                Write::AddNote {
                    conversation: ConversationRef::Created,
                    body: "Phone number: +14155550100".into(),
                    attachments: vec![],
                },
            ],
        ),
        (
            "an ended call with its recording: the fields in one update, the file on its own note",
            vec![
                Operation::SetCustomFields {
                    target: FieldTarget::Conversation(conv("d1")),
                    fields: fields(&[("callDurationNum", 95.0), ("waitTimeNum", 12.0)]),
                },
                Operation::AttachRecording {
                    conversation: conv("d1"),
                    url: "https://rec.example/a1.mp3".into(),
                },
            ],
            vec![
                Write::UpdateConversation {
                    conversation: conv("d1"),
                    assign: None,
                    custom: fields(&[("callDurationNum", 95.0), ("waitTimeNum", 12.0)]),
                },
                Write::AddNote {
                    conversation: conv("d1"),
                    body: "Recording attached: a1.mp3".into(),
                    attachments: vec![recording.clone()],
                },
            ],
        ),
        (
            "a voicemail's recording rides on the note just before it",
            vec![
                Operation::AddNote {
                    conversation: conv("d4"),
                    body: "Voicemail left (20 s).".into(),
                },
                Operation::AttachRecording {
                    conversation: conv("d4"),
                    url: "https://rec.example/a1.mp3".into(),
                },
            ],
            vec![Write::AddNote {
                conversation: conv("d4"),
                body: "Voicemail left (20 s).".into(),
                attachments: vec![recording.clone()],
            }],
        ),
        (
            "a transcript rides on the note that announces it",
            vec![
                Operation::AttachTranscript {
                    conversation: conv("d2"),
                    file_name: "chat.txt".into(),
                    content: "hi".into(),
                },
                Operation::AddNote {
                    conversation: conv("d2"),
                    body: "Chat transcript attached: chat.txt".into(),
                },
            ],
            vec![Write::AddNote {
                conversation: conv("d2"),
                body: "Chat transcript attached: chat.txt".into(),
                attachments: vec![Attachment::Upload {
                    name: "chat.txt".into(),
                    content_type: "text/plain".into(),
                    content: "hi".into(),
                }],
            }],
        ),
        (
            "a session joining an open conversation: its line, then one update; a field set twice keeps the later value",
            vec![
                Operation::AppendToConversation {
                    conversation: conv("d3"),
                    kind: ConversationKind::Call,
                    standard: std_data(),
                },
                Operation::SetCustomFields {
                    target: FieldTarget::Conversation(conv("d3")),
                    fields: fields(&[("waitTimeNum", 1.0)]),
                },
                Operation::AssignConversation {
                    conversation: conv("d3"),
                    agent_email: ana(),
                },
                Operation::SetCustomFields {
                    target: FieldTarget::Conversation(conv("d3")),
                    fields: fields(&[("waitTimeNum", 2.0)]),
                },
            ],
            vec![
                Write::AddMessage {
                    conversation: conv("d3"),
                    kind: ConversationKind::Call,
                    standard: std_data(),
                },
                Write::UpdateConversation {
                    conversation: conv("d3"),
                    assign: Some(ana()),
                    custom: fields(&[("waitTimeNum", 2.0)]),
                },
            ],
        ),
        (
            "an existing customer's assignment is an update of its own",
            vec![Operation::AssignCustomer {
                customer: CustomerRef::Existing("c9".into()),
                agent_email: ana(),
            }],
            vec![Write::UpdateCustomer {
                customer: CustomerRef::Existing("c9".into()),
                assign: Some(ana()),
                custom: vec![],
            }],
        ),
    ];
    for (name, ops, want) in rows {
        assert_eq!(plan(&ops), want, "{name}");
    }
}

#[test]
fn only_updates_may_be_repeated_blindly() {
    let note = Write::AddNote {
        conversation: conv("d1"),
        body: "x".into(),
        attachments: vec![],
    };
    let update = Write::UpdateConversation {
        conversation: conv("d1"),
        assign: None,
        custom: vec![],
    };
    assert!(!note.is_idempotent());
    assert!(update.is_idempotent());
}
