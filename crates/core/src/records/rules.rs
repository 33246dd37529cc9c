//! The record rules R1–R21 (and F2–F4): one CCAI session event plus the Kustomer facts in, the Kustomer
//! operations out. Pure: same inputs, same answer.

use super::event::{Channel, EventKind, Origin, SessionEvent, VoicemailAction};
use super::facts::{ConversationFacts, KustomerFacts};
use super::fields::{self, FieldWriter};
use super::operation::{
    ConversationKind, ConversationRef, CustomerRef, Decision, FieldTarget, Operation, StandardData,
};

/// R11: a call shorter than this, returned with "Call back", joins the call's conversation.
pub const CALL_BACK_THRESHOLD_S: f64 = 10.0;

/// Decides the Kustomer operations for one event.
///
/// Rules between rules, decided here because the seed is silent:
/// - R6 looks for the most recent *open* conversation of the customer with the same channel and the same
///   menu selection (voicemail conversations never take appended sessions).
/// - R4 vs R6: an abandoned call with a matching open conversation joins it; R4 only guarantees that an
///   abandoned call is never without a record.
/// - R11 at 10 s or more is an ordinary outbound call (R3/R7 on the customer's latest conversation).
/// - An event for a session that has no conversation yet (its start never came) makes one, so that no
///   data is dropped.
pub fn decide(event: &SessionEvent, facts: &KustomerFacts) -> Decision {
    let mut d = Decider {
        event,
        facts,
        ops: Vec::new(),
        customer: None,
        bind: None,
    };
    d.run();
    Decision {
        ops: d.ops,
        bind_session: d.bind,
    }
}

struct Decider<'a> {
    event: &'a SessionEvent,
    facts: &'a KustomerFacts,
    ops: Vec<Operation>,
    customer: Option<CustomerRef>,
    bind: Option<ConversationRef>,
}

impl Decider<'_> {
    fn run(&mut self) {
        let e = self.event;
        match &e.kind {
            EventKind::SessionStarted => {
                // R1 (and the web widget): the session makes or joins its record at once. IVR calls wait
                // for an answer (R2), an abandonment (R4) or a voicemail (R5).
                if matches!(e.session.origin, Origin::MobileSdk | Origin::Web)
                    && self.own_conversation().is_none()
                {
                    self.start_inbound();
                }
            }
            EventKind::CallAnswered { agent_email } => {
                let conv = match self.own_conversation() {
                    Some(c) => ConversationRef::Existing(c.id.clone()),
                    None => self.start_inbound(), // R2, or R6
                };
                self.assign(conv, agent_email); // A4, R18
            }
            EventKind::OutboundCallStarted { agent_email } => {
                let conv = self.outbound(); // R3, R7
                self.assign(conv, agent_email);
            }
            EventKind::Abandoned { wait_time_s } => {
                let conv = match self.own_conversation() {
                    Some(c) => ConversationRef::Existing(c.id.clone()),
                    None => self.start_inbound(), // R4 (or R6)
                };
                self.note(
                    &conv,
                    format!(
                        "Caller abandoned the call after {} s in queue.",
                        fmt_s(*wait_time_s)
                    ),
                );
                let mut w = self.writer();
                w.num(fields::WAIT_TIME, *wait_time_s);
                self.set_fields(FieldTarget::Conversation(conv), w.finish());
            }
            EventKind::VoicemailLeft {
                recording_url,
                duration_s,
            } => {
                // R5: always a voicemail conversation of its own, even when one is open.
                let conv = self.create_conversation(ConversationKind::Voicemail);
                self.note(&conv, format!("Voicemail left ({} s).", fmt_s(*duration_s)));
                self.ops.push(Operation::AttachRecording {
                    conversation: conv,
                    url: recording_url.clone(),
                });
            }
            EventKind::Transferred { to_agent_email } => {
                let conv = self.session_conversation();
                self.assign(conv, to_agent_email); // R9, R18
            }
            EventKind::Ended {
                duration_s,
                wait_time_s,
                hold_time_s,
                recording_url,
            } => {
                let conv = self.session_conversation();
                let mut w = self.writer();
                w.num(fields::CALL_DURATION, *duration_s)
                    .num(fields::WAIT_TIME, *wait_time_s)
                    .num(fields::HOLD_TIME, *hold_time_s);
                self.set_fields(FieldTarget::Conversation(conv.clone()), w.finish());
                if let Some(url) = recording_url {
                    // R8, R21: the recording after the call.
                    self.ops.push(Operation::AttachRecording {
                        conversation: conv,
                        url: url.clone(),
                    });
                }
            }
            EventKind::HangUpAndCallBack { agent_email } => {
                // R10: the new call joins the open conversation.
                let open = self
                    .facts
                    .recent_conversations
                    .iter()
                    .find(|c| c.is_open() && !c.voicemail && c.channel == Some(Channel::Voice));
                let conv = match open {
                    Some(c) => self.append(c),
                    None => self.create_conversation(self.kind()),
                };
                self.assign(conv, agent_email);
            }
            EventKind::CallBack {
                agent_email,
                previous_session_id,
                previous_duration_s,
            } => {
                let short = *previous_duration_s < CALL_BACK_THRESHOLD_S;
                let previous = self
                    .facts
                    .session_conversations
                    .get(previous_session_id)
                    .filter(|c| c.is_open());
                let conv = match (short, previous) {
                    (true, Some(c)) => self.append(c), // R11
                    _ => self.outbound(),              // R3, R7
                };
                self.assign(conv, agent_email);
            }
            EventKind::SmartActionCompleted {
                action,
                results,
                files,
            } => {
                let conv = self.session_conversation();
                let mut body = format!("SmartAction \"{action}\" completed.");
                for (k, v) in results {
                    body.push_str(&format!("\n{k}: {v}"));
                }
                self.note(&conv, body);
                for f in files {
                    self.ops.push(Operation::AttachFile {
                        conversation: conv.clone(),
                        file_name: f.name.clone(),
                        url: f.url.clone(),
                    });
                }
            }
            EventKind::SmartActionFailed { action, error } => {
                let conv = self.session_conversation();
                self.note(&conv, format!("SmartAction \"{action}\" failed: {error}"));
            }
            EventKind::Rated { rating, comment } => {
                let conv = self.session_conversation();
                let body = match comment {
                    Some(c) => format!("CSAT rating: {rating}/5. Comment: {c}"),
                    None => format!("CSAT rating: {rating}/5."),
                };
                self.note(&conv, body);
                let mut w = self.writer();
                w.num(fields::CSAT_RATING, f64::from(*rating))
                    .text(fields::CSAT_COMMENT, comment.as_deref());
                self.set_fields(FieldTarget::Conversation(conv), w.finish());
            }
            EventKind::VoicemailHandled {
                action,
                agent_email,
            } => {
                let conv = self.session_conversation();
                let verb = match action {
                    VoicemailAction::Read => "read",
                    VoicemailAction::Dismissed => "dismissed",
                    VoicemailAction::Returned => "returned",
                };
                self.note(&conv, format!("Voicemail {verb} by {agent_email}."));
            }
            EventKind::CustomData { data } => {
                let conv = self.session_conversation();
                let mut w = self.writer();
                w.mapped(data, &self.facts.sdk_mapping);
                self.set_fields(FieldTarget::Conversation(conv), w.finish());
            }
            EventKind::ChatTranscript { file_name, content } => {
                let conv = self.session_conversation();
                self.ops.push(Operation::AttachTranscript {
                    conversation: conv.clone(),
                    file_name: file_name.clone(),
                    content: content.clone(),
                });
                self.note(&conv, format!("Chat transcript attached: {file_name}"));
            }
        }
    }

    fn kind(&self) -> ConversationKind {
        match self.event.session.channel {
            Channel::Voice => ConversationKind::Call,
            Channel::Chat => ConversationKind::Chat,
        }
    }

    fn writer(&self) -> FieldWriter<'_> {
        FieldWriter::new(&self.facts.fields, self.event.session_started_at_ms)
    }

    /// The conversation already bound to this event's session.
    fn own_conversation(&self) -> Option<&ConversationFacts> {
        self.facts.session_conversations.get(&self.event.session_id)
    }

    /// The session's conversation; one is made if the session has none (see `decide`).
    fn session_conversation(&mut self) -> ConversationRef {
        match self.own_conversation() {
            Some(c) => ConversationRef::Existing(c.id.clone()),
            None => self.create_conversation(self.kind()),
        }
    }

    /// R6: join the most recent open conversation with the same channel and menu, else R1/R2/R4: a new one.
    fn start_inbound(&mut self) -> ConversationRef {
        let s = &self.event.session;
        let open = self.facts.recent_conversations.iter().find(|c| {
            c.is_open() && !c.voicemail && c.channel == Some(s.channel) && c.menu == s.menu
        });
        match open {
            Some(c) => self.append(c),
            None => self.create_conversation(self.kind()),
        }
    }

    /// R7 when the customer's latest conversation is open, else R3.
    fn outbound(&mut self) -> ConversationRef {
        match self.facts.recent_conversations.first() {
            Some(c) if c.is_open() => self.append(c),
            _ => self.create_conversation(self.kind()),
        }
    }

    fn customer(&mut self) -> CustomerRef {
        if let Some(c) = &self.customer {
            return c.clone();
        }
        let c = match &self.facts.customer {
            Some(c) => CustomerRef::Existing(c.id.clone()),
            None => {
                // R16 (phone), R17 (app identifier).
                self.ops.push(Operation::CreateCustomer {
                    key: self.event.customer_key(),
                    name: self.event.end_user.name.clone(),
                });
                let mut w = self.writer();
                w.text(
                    fields::CUSTOM_USER_ID,
                    self.event.end_user.app_user_id.as_deref(),
                );
                self.set_fields(FieldTarget::Customer(CustomerRef::Created), w.finish());
                CustomerRef::Created
            }
        };
        self.customer = Some(c.clone());
        c
    }

    /// R18 reads whether the customer is new in this session.
    fn customer_is_new(&self) -> bool {
        match &self.facts.customer {
            None => self.customer == Some(CustomerRef::Created),
            Some(c) => c.created_by_session.as_deref() == Some(self.event.session_id.as_str()),
        }
    }

    fn create_conversation(&mut self, kind: ConversationKind) -> ConversationRef {
        let customer = self.customer();
        self.ops.push(Operation::CreateConversation {
            customer,
            kind,
            channel: self.event.session.channel,
            standard: self.standard(),
        });
        let conv = ConversationRef::Created;
        if let Some(phone) = &self.event.end_user.phone {
            // R19.
            self.note(&conv, format!("Phone number: {}", with_country_code(phone)));
        }
        self.session_fields(&conv, kind);
        self.bind = Some(conv.clone());
        conv
    }

    fn append(&mut self, existing: &ConversationFacts) -> ConversationRef {
        let conv = ConversationRef::Existing(existing.id.clone());
        let kind = self.kind();
        self.ops.push(Operation::AppendToConversation {
            conversation: conv.clone(),
            kind,
            standard: self.standard(),
        });
        self.session_fields(&conv, kind);
        self.bind = Some(conv.clone());
        conv
    }

    /// R21.
    fn standard(&self) -> StandardData {
        StandardData {
            call_id: self.event.session_id.clone(),
            language: self.event.session.language.clone(),
            menu: self.event.session.menu.clone(),
        }
    }

    /// F1's record fields that describe the session, written when it joins a conversation.
    fn session_fields(&mut self, conv: &ConversationRef, kind: ConversationKind) {
        let e = self.event;
        let session_type = session_type(e.session.origin, kind);
        let mut w = self.writer();
        w.text(fields::QUEUE_NAME, e.session.queue_name.as_deref())
            .text(fields::SESSION_TYPE, Some(session_type))
            .text(fields::SESSION_ID, Some(&e.session_id))
            .text(fields::PHONE_NUMBER, e.end_user.phone.as_deref())
            .text(fields::MENU_SELECTION, e.session.menu.as_deref())
            .text(fields::IN_WEB_EMAIL, e.session.in_web_email.as_deref());
        self.set_fields(FieldTarget::Conversation(conv.clone()), w.finish());
    }

    fn assign(&mut self, conv: ConversationRef, agent_email: &str) {
        self.ops.push(Operation::AssignConversation {
            conversation: conv,
            agent_email: agent_email.to_owned(),
        });
        if self.customer_is_new() {
            let customer = self.customer();
            self.ops.push(Operation::AssignCustomer {
                customer,
                agent_email: agent_email.to_owned(),
            });
        }
    }

    fn note(&mut self, conv: &ConversationRef, body: String) {
        self.ops.push(Operation::AddNote {
            conversation: conv.clone(),
            body,
        });
    }

    fn set_fields(
        &mut self,
        target: FieldTarget,
        fields: Vec<(String, super::operation::FieldValue)>,
    ) {
        if !fields.is_empty() {
            self.ops.push(Operation::SetCustomFields { target, fields });
        }
    }
}

/// True when `decide` answers nothing for `event` whatever the facts: an IVR call's or an outbound
/// call's start (R2 waits for an answer, R3 for the agent). The server then skips reading Kustomer.
pub fn is_noop(event: &SessionEvent) -> bool {
    matches!(event.kind, EventKind::SessionStarted)
        && matches!(event.session.origin, Origin::Ivr | Origin::Outbound)
}

/// The value of `sessionTypeStr`.
pub fn session_type(origin: Origin, kind: ConversationKind) -> &'static str {
    match (kind, origin) {
        (ConversationKind::Voicemail, _) => "voicemail",
        (ConversationKind::Chat, Origin::MobileSdk) => "mobile_chat",
        (ConversationKind::Chat, _) => "web_chat",
        (ConversationKind::Call, Origin::MobileSdk) => "mobile_call",
        (ConversationKind::Call, Origin::Web) => "web_call",
        (ConversationKind::Call, Origin::Ivr) => "ivr_call",
        (ConversationKind::Call, Origin::Outbound) => "outbound_call",
    }
}

/// R19: CCAI sends E.164, sometimes without the `+`; the note always shows the country code.
pub fn with_country_code(phone: &str) -> String {
    let trimmed = phone.trim();
    if !trimmed.starts_with('+')
        && trimmed.chars().all(|c| c.is_ascii_digit())
        && !trimmed.is_empty()
    {
        format!("+{trimmed}")
    } else {
        trimmed.to_owned()
    }
}

/// Seconds as agents read them: `12` or `9.5`.
fn fmt_s(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s}")
    }
}
