//! From CCAI's documented session deliveries (A20, `ccai_events`) to the events the record rules
//! consume (`SessionEvent`). Pure: the server passes what it already applied of the session, and its
//! agent directory (A12: `agent_info` has no e-mail, so the id is looked up).
//!
//! A delivery carries the session's whole item as known then, so the translation compares it with the
//! last one applied for the session and emits what is new:
//!
//! | what changed | internal event |
//! |---|---|
//! | first delivery of an inbound session | `SessionStarted` (R1 for SDK/web chats; IVR calls wait) |
//! | an agent appears on an inbound session (A20 Assigned: "Agent accepted") | `CallAnswered` |
//! | an agent appears on an outbound call | `OutboundCallStarted`, or `CallBack` with a `parent_id` |
//! | the agent changes | `Transferred` |
//! | End reached, no agent ever, no voicemail | `Abandoned` (wait from `wait_duration`) |
//! | End reached, a voicemail (`status` or `voicemail_reason`) with its recording | `VoicemailLeft` |
//! | End reached otherwise | `Ended` (durations, `recording_url`) |
//! | `recording_url` appears after End | `Ended` again with it (R8), or `VoicemailLeft` |
//! | `status` becomes "voicemail read" | `VoicemailHandled { Read }` |
//! | a chat's `transcript` appears | `ChatTranscript` (R20) |
//! | `rating` appears | `Rated` (R14) |
//!
//! A delivery older than the last one applied (by `timestamp`) carries less than what was applied: it
//! emits nothing. A later delivery of a lower state is not stale: a transfer assigns the session again.
//!
//! Not documented, and so never emitted: `SmartActionCompleted`/`SmartActionFailed` (R12),
//! `CustomData` (R13, F4), `HangUpAndCallBack` (R10: nothing tells it from a call back; a call back of
//! 10 s or more follows R3/R7, which also joins the open conversation), voicemail dismissed or returned
//! (R15: only A12's "Voicemail Read" status exists). The dispositions (A20 Final) have no rule.

use super::ccai_events::{CcaiSessionEvent, Named, SessionState};
use super::event::{
    Channel, CustomerKey, EndUser, EventKind, Origin, SessionEvent, SessionInfo, VoicemailAction,
};
use super::rules::CALL_BACK_THRESHOLD_S;

/// What the server has applied of a session before this delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionSoFar<'a> {
    /// The last delivery applied (the one with the latest `timestamp`); `None` for a new session.
    pub previous: Option<&'a CcaiSessionEvent>,
    /// The highest state applied (`SessionState::rank`), 0 for none.
    pub max_rank: u8,
    /// The last delivery applied of the session named by the item's `parent_id`, for a call back.
    pub parent: Option<&'a CcaiSessionEvent>,
}

/// Why a delivery is acknowledged but not applied (logged by the server).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Skip {
    #[error("agent {0} is not in the agent directory")]
    UnknownAgent(i64),
    #[error("state {0:?} is not one of A20's six")]
    UnknownState(String),
}

/// The rules' events for `delivery` on `channel` (the URL it came to), oldest first.
pub fn translate(
    channel: Channel,
    delivery: &CcaiSessionEvent,
    so_far: &SessionSoFar<'_>,
    agent_email: impl Fn(i64) -> Option<String>,
) -> Result<Vec<SessionEvent>, Skip> {
    let rank = delivery.state.rank();
    if let SessionState::Other(name) = &delivery.state {
        return Err(Skip::UnknownState(name.clone()));
    }
    let prev = so_far.previous;
    if prev.is_some_and(|p| {
        p.timestamp > delivery.timestamp
            || (p.timestamp == delivery.timestamp && p.state.rank() >= rank)
    }) {
        return Ok(Vec::new());
    }
    let item = &delivery.item;
    let prev_item = prev.map(|p| &p.item);
    let email = |id: i64| agent_email(id).ok_or(Skip::UnknownAgent(id));
    let origin = origin(channel, delivery);
    let mut kinds = Vec::new();

    let agent = item.agent_info.as_ref().map(|a| a.id);
    let prev_agent = prev_item.and_then(|i| i.agent_info.as_ref()).map(|a| a.id);
    if prev.is_none() && origin != Origin::Outbound {
        kinds.push(EventKind::SessionStarted);
    }
    match (prev_agent, agent) {
        (None, Some(id)) if origin == Origin::Outbound => {
            let agent_email = email(id)?;
            kinds.push(match &item.parent_id {
                Some(parent) => EventKind::CallBack {
                    agent_email,
                    previous_session_id: parent.as_text(),
                    // Not documented: a parent whose duration is unknown counts as a long call
                    // (R3/R7 then place it; R11 needs the duration).
                    previous_duration_s: so_far
                        .parent
                        .and_then(|p| p.item.call_duration)
                        .unwrap_or(CALL_BACK_THRESHOLD_S),
                },
                None => EventKind::OutboundCallStarted { agent_email },
            });
        }
        // A voicemail is never answered: an agent on it is the one who reads it (below).
        (None, Some(id)) if !is_voicemail(delivery) => kinds.push(EventKind::CallAnswered {
            agent_email: email(id)?,
        }),
        (Some(before), Some(now)) if before != now => kinds.push(EventKind::Transferred {
            to_agent_email: email(now)?,
        }),
        _ => {}
    }

    let voicemail = is_voicemail(delivery);
    let recording = item.recording_url.clone().filter(|u| !u.trim().is_empty());
    let prev_recording = prev_item.and_then(|i| i.recording_url.as_deref());
    let ended_now = so_far.max_rank < 5 && rank >= 5;
    let ended_before = so_far.max_rank >= 5;
    let duration_s = item.call_duration.or(item.chat_duration).unwrap_or(0.0);
    let ended = |recording_url: Option<String>| EventKind::Ended {
        duration_s,
        wait_time_s: item.wait_duration.unwrap_or(0.0),
        hold_time_s: item.hold_duration.unwrap_or(0.0),
        recording_url,
    };
    let new_recording = ended_before && prev_recording.is_none() && recording.is_some();
    if ended_now || new_recording {
        match (&recording, voicemail) {
            (Some(url), true) => kinds.push(EventKind::VoicemailLeft {
                recording_url: url.clone(),
                duration_s,
            }),
            // Not documented: a voicemail whose recording is not there yet waits for the delivery
            // that brings it.
            (None, true) => {}
            _ if agent.is_none() && !ended_before => kinds.push(EventKind::Abandoned {
                wait_time_s: item.wait_duration.unwrap_or(0.0),
            }),
            _ => kinds.push(ended(recording.clone())),
        }
    }

    let read = |s: Option<&str>| s.is_some_and(|s| normal(s) == "voicemail read");
    if read(item.status.as_deref()) && !read(prev_item.and_then(|i| i.status.as_deref())) {
        if let Some(id) = agent {
            kinds.push(EventKind::VoicemailHandled {
                action: VoicemailAction::Read,
                agent_email: email(id)?,
            });
        }
    }
    if channel == Channel::Chat && prev_item.is_none_or(|i| i.transcript.is_none()) {
        if let Some(content) = item.transcript.as_ref().and_then(transcript_text) {
            kinds.push(EventKind::ChatTranscript {
                file_name: format!("chat-{}.txt", item.id.as_text()),
                content,
            });
        }
    }
    if let (Some(r), None) = (item.rating, prev_item.and_then(|i| i.rating)) {
        kinds.push(EventKind::Rated {
            rating: r.round().clamp(0.0, 255.0) as u8,
            comment: None,
        });
    }

    let base = envelope(channel, origin, delivery, so_far);
    Ok(kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| SessionEvent {
            event_id: format!("{}#{i}", delivery.event_id),
            kind,
            ..base.clone()
        })
        .collect())
}

/// The customer key the session's events carry (R16/R17: the phone, the app user, or the session
/// itself), which the server partitions its work by.
pub fn customer_key(channel: Channel, d: &CcaiSessionEvent) -> CustomerKey {
    envelope(channel, origin(channel, d), d, &SessionSoFar::default()).customer_key()
}

/// Where the session came from. Not documented: A12 documents `call_type` values only for API calls and
/// A18 no `chat_type` values; see `SessionItem::call_type` and `chat_type`.
pub fn origin(channel: Channel, d: &CcaiSessionEvent) -> Origin {
    match channel {
        Channel::Voice => {
            let t = d.item.call_type.as_deref().map(normal).unwrap_or_default();
            if t.contains("outbound") || t.contains("outgoing") {
                Origin::Outbound
            } else {
                Origin::Ivr
            }
        }
        Channel::Chat => {
            let t = d.item.chat_type.as_deref().map(normal).unwrap_or_default();
            if t.contains("web") {
                Origin::Web
            } else {
                Origin::MobileSdk
            }
        }
    }
}

fn is_voicemail(d: &CcaiSessionEvent) -> bool {
    let status = d.item.status.as_deref().map(normal).unwrap_or_default();
    status.starts_with("voicemail") || d.item.voicemail_reason.is_some()
}

/// Lowercase, `_` as a space: A12 writes statuses both ways ("Voicemail Read", `"assigned"`).
fn normal(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace('_', " ")
}

/// Not documented: the transcript's shape (A18 lists the field only). Text as it is; a list of messages
/// as one line each, `{sender|from|type}: {message|text|body}` when those keys are there.
fn transcript_text(v: &serde_json::Value) -> Option<String> {
    let text = match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(lines) => lines
            .iter()
            .map(|l| match l {
                serde_json::Value::String(s) => s.clone(),
                other => {
                    let pick = |keys: &[&str]| {
                        keys.iter()
                            .find_map(|k| other.get(*k).and_then(|x| x.as_str()))
                    };
                    match (
                        pick(&["sender", "from", "type"]),
                        pick(&["message", "text", "body"]),
                    ) {
                        (Some(who), Some(what)) => format!("{who}: {what}"),
                        (None, Some(what)) => what.to_owned(),
                        _ => other.to_string(),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join("\n"),
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// The envelope every event of the delivery shares.
fn envelope(
    channel: Channel,
    origin: Origin,
    d: &CcaiSessionEvent,
    so_far: &SessionSoFar<'_>,
) -> SessionEvent {
    let item = &d.item;
    let identifier = item
        .end_user
        .as_ref()
        .and_then(|u| u.identifier.clone())
        .filter(|s| !s.trim().is_empty());
    let dn = item.dn.clone().filter(|s| !s.trim().is_empty());
    let end_user = match origin {
        Origin::MobileSdk | Origin::Web => EndUser {
            phone: dn,
            app_user_id: identifier,
            name: None,
        },
        Origin::Ivr | Origin::Outbound => EndUser {
            phone: dn.or(identifier.filter(|s| s.trim_start().starts_with('+'))),
            app_user_id: None,
            name: None,
        },
    };
    let started = [item.created_at.as_deref(), d.connected_at()]
        .into_iter()
        .flatten()
        .find_map(iso_ms)
        .or(so_far.previous.map(|p| p.timestamp))
        .unwrap_or(d.timestamp);
    SessionEvent {
        event_id: d.event_id.to_string(),
        session_id: item.id.as_text(),
        seq: u64::from(d.state.rank()),
        at_ms: d.timestamp,
        session_started_at_ms: started,
        end_user,
        session: SessionInfo {
            channel,
            origin,
            // Not documented: a session without `lang`; CCAI's default language (A13) is `en`.
            language: item.lang.clone().unwrap_or_else(|| "en".to_owned()),
            menu: item
                .menu_path
                .as_ref()
                .and_then(|m| m.joined())
                .or_else(|| {
                    item.selected_menu
                        .as_ref()
                        .and_then(Named::name)
                        .map(str::to_owned)
                }),
            queue_name: item.queue_path_names.as_ref().and_then(|q| q.last()),
            in_web_email: None,
        },
        kind: EventKind::SessionStarted,
    }
}

/// Epoch milliseconds of an ISO 8601 time (A20's `connected_at`/`ends_at`, A12's `created_at`).
pub fn iso_ms(s: &str) -> Option<u64> {
    let t = time::OffsetDateTime::parse(
        s.trim(),
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .ok()?;
    u64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}
