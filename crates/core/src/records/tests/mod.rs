//! Table tests, one per rule id, named by it; then the edges between rules.

mod ccai_translate;
mod creation;
mod customer_match;
mod edges;
mod updates;
mod writes;

use std::collections::BTreeMap;

use super::*;

pub const PHONE: &str = "+14155550100";
pub const STARTED: u64 = 1_700_000_000_000;

/// An IVR voice call from `PHONE`, menu "Billing", queue "Support", started at `STARTED`.
pub fn ivr(kind: EventKind) -> SessionEvent {
    SessionEvent {
        event_id: "e1".into(),
        session_id: "s1".into(),
        seq: 1,
        at_ms: STARTED + 5_000,
        session_started_at_ms: STARTED,
        end_user: EndUser {
            phone: Some(PHONE.into()),
            app_user_id: None,
            name: None,
        },
        session: SessionInfo {
            channel: Channel::Voice,
            origin: Origin::Ivr,
            language: "en".into(),
            menu: Some("Billing".into()),
            queue_name: Some("Support".into()),
            in_web_email: None,
        },
        kind,
    }
}

/// The same end user's session from the mobile SDK (app user `u-7`), on `channel`.
pub fn mobile(channel: Channel, kind: EventKind) -> SessionEvent {
    let mut e = ivr(kind);
    e.session.origin = Origin::MobileSdk;
    e.session.channel = channel;
    e.end_user.app_user_id = Some("u-7".into());
    e
}

/// An outbound call by `agent@x` to `PHONE`.
pub fn outbound() -> SessionEvent {
    let mut e = ivr(EventKind::OutboundCallStarted {
        agent_email: "agent@x".into(),
    });
    e.session.origin = Origin::Outbound;
    e.session.menu = None;
    e
}

pub fn conv(
    id: &str,
    status: ConversationStatus,
    channel: Channel,
    menu: Option<&str>,
) -> ConversationFacts {
    ConversationFacts {
        id: id.into(),
        status,
        channel: Some(channel),
        menu: menu.map(Into::into),
        voicemail: false,
    }
}

pub fn open_call(id: &str) -> ConversationFacts {
    conv(
        id,
        ConversationStatus::Open,
        Channel::Voice,
        Some("Billing"),
    )
}

/// A known customer `c1`, with `recent` conversations (most recent first).
pub fn known(recent: Vec<ConversationFacts>) -> KustomerFacts {
    KustomerFacts {
        customer: Some(CustomerFacts {
            id: "c1".into(),
            created_by_session: None,
        }),
        recent_conversations: recent,
        ..KustomerFacts::default()
    }
}

/// `facts` whose session `s1` is bound to conversation `k1` (open call).
pub fn bound(mut facts: KustomerFacts) -> KustomerFacts {
    facts
        .session_conversations
        .insert("s1".into(), open_call("k1"));
    facts
}

/// Every F1 field, created at `at`.
pub fn all_fields(at: u64) -> Vec<FieldDef> {
    fields::ALL
        .iter()
        .map(|n| FieldDef {
            name: (*n).into(),
            created_at_ms: at,
        })
        .collect()
}

pub fn existing(id: &str) -> ConversationRef {
    ConversationRef::Existing(id.into())
}

/// Where the session ended up: `"new"` (a created conversation), the id it joined, or `"none"`.
pub fn target(d: &Decision) -> String {
    for op in &d.ops {
        match op {
            Operation::CreateConversation { .. } => return "new".into(),
            Operation::AppendToConversation {
                conversation: ConversationRef::Existing(id),
                ..
            } => return id.clone(),
            _ => {}
        }
    }
    "none".into()
}

pub fn creates_customer(d: &Decision) -> bool {
    d.ops
        .iter()
        .any(|o| matches!(o, Operation::CreateCustomer { .. }))
}

pub fn notes(d: &Decision) -> Vec<String> {
    d.ops
        .iter()
        .filter_map(|o| match o {
            Operation::AddNote { body, .. } => Some(body.clone()),
            _ => None,
        })
        .collect()
}

/// The custom fields written on conversations, by name.
pub fn conv_fields(d: &Decision) -> BTreeMap<String, FieldValue> {
    let mut out = BTreeMap::new();
    for op in &d.ops {
        if let Operation::SetCustomFields {
            target: FieldTarget::Conversation(_),
            fields,
        } = op
        {
            out.extend(fields.iter().cloned());
        }
    }
    out
}

pub fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}
