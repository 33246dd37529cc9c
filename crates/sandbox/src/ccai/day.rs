//! "A day in the contact center" as CCAI's external session events (API-NOTES A20): each session is a
//! series of deliveries through A20's six states (Start, Routing, Assigned, Active, End, Final), each
//! carrying the session's `item` as known then, in the format of `ccai_core::records::ccai_events`.
//! The server's record-rules tests and bench play it; `delivery_order::deliveries` interleaves the
//! sessions by a seed and adds duplicates (a retried delivery: same `event_id`) and delays on request.
//!
//! What A20 cannot carry is not played: SmartActions, SDK custom data, "hang up and call back" as its
//! own kind (a call back with a `parent_id` is played instead), voicemail dismissed/returned.

use ccai_core::records::ccai_events::{
    AgentInfo, CcaiSessionEvent, EndUserInfo, Id, Named, Names, SessionItem, SessionState,
};

use super::session_events::{event, event_uuid, Channel};
use crate::state::iso_from_millis;

/// The two agents of the day: the sandbox's seeded CCAI agents 11 (the page's agent,
/// `agent@example.com`) and 12 (Bo Berg, `bo@example.com`). A12's `agent_info` has no e-mail: the
/// server maps the id through `GET /manager/api/v1/agents`.
pub const AGENT_ID: i64 = 11;
pub const BO_ID: i64 = 12;

/// One session's deliveries, in the order CCAI makes them.
pub struct Story {
    pub channel: Channel,
    pub events: Vec<CcaiSessionEvent>,
}

/// The CCAI id of the day's session `name` (`a1`, `b2`, …) for `tag`: numbers, as A12's ids are.
/// The plain day (`tag` "") uses 101 (a1) … 402 (d2); a tag moves them to a range of its own.
pub fn session_id(tag: &str, name: &str) -> i64 {
    let mut b = name.bytes();
    let letter = i64::from(b.next().unwrap_or(b'a').saturating_sub(b'a')) + 1;
    let n: i64 = name.get(1..).and_then(|d| d.parse().ok()).unwrap_or(0);
    let base = if tag.is_empty() {
        0
    } else {
        10_000 * (1 + (hash(tag) % 100_000) as i64)
    };
    base + letter * 100 + n
}

fn hash(s: &str) -> u64 {
    s.bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
}

pub fn agent_info(id: i64) -> AgentInfo {
    let (first, last) = match id {
        AGENT_ID => ("Alex", "Agent"),
        BO_ID => ("Bo", "Berg"),
        _ => ("Agent", ""),
    };
    AgentInfo {
        id,
        name: Some(format!("{first} {last}").trim().to_owned()),
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        agent_number: Some(format!("10{id}")),
    }
}

/// How a session of the day goes. Each step is a state and what the item gains there.
struct Plan<'a> {
    tag: &'a str,
    name: &'a str,
    channel: Channel,
    start_ms: u64,
    item: SessionItem,
    steps: Vec<Step<'a>>,
}

impl Plan<'_> {
    fn story(self) -> Story {
        let mut item = self.item;
        item.id = Id::Num(session_id(self.tag, self.name));
        item.created_at = Some(iso_from_millis(self.start_ms as i64));
        let seed = hash(self.tag) ^ (item.id.as_i64().unwrap_or(0) as u64).rotate_left(32);
        let events = self
            .steps
            .into_iter()
            .enumerate()
            .map(|(i, (state, change))| {
                change(&mut item);
                let at = self.start_ms + i as u64 * 1000;
                event(state, at, item.clone(), event_uuid(seed, i as u64))
            })
            .collect();
        Story {
            channel: self.channel,
            events,
        }
    }
}

fn call_item(phone: &str, call_type: &str, lang: &str) -> SessionItem {
    SessionItem {
        call_type: Some(call_type.into()),
        status: Some("queued".into()),
        lang: Some(lang.into()),
        dn: Some(phone.into()),
        end_user: Some(EndUserInfo {
            identifier: Some(phone.into()),
            ..EndUserInfo::default()
        }),
        ..SessionItem::default()
    }
}

/// Not documented: the `call_type` of a call that came through the IVR (A12 documents the API ones);
/// the day uses A12's inbound value.
const INBOUND: &str = "Voice Inbound (API)";
const OUTBOUND: &str = "Voice Outbound (API)";

type Step<'a> = (SessionState, Box<dyn Fn(&mut SessionItem) + 'a>);

fn routing<'a>(menu: &'a str, queue: &'a str) -> Step<'a> {
    (
        SessionState::Routing,
        Box::new(move |i: &mut SessionItem| {
            i.selected_menu = Some(Named::Name(menu.into()));
            i.menu_path = Some(Names::Many(vec![Named::Name(menu.into())]));
            i.queue_path_names = Some(Names::Many(vec![Named::Name(queue.into())]));
        }),
    )
}

fn assigned<'a>(agent: i64) -> Step<'a> {
    (
        SessionState::Assigned,
        Box::new(move |i: &mut SessionItem| {
            i.agent_info = Some(agent_info(agent));
            i.status = Some("assigned".into());
        }),
    )
}

fn active<'a>(at_ms: u64) -> Step<'a> {
    (
        SessionState::Active,
        Box::new(move |i: &mut SessionItem| {
            i.status = Some("connected".into());
            i.connected_at = Some(iso_from_millis(at_ms as i64));
        }),
    )
}

/// End: durations in seconds (not documented: the unit), the recording if there is one.
fn end<'a>(at_ms: u64, talk_s: f64, wait_s: f64, recording: Option<&'a str>) -> Step<'a> {
    (
        SessionState::End,
        Box::new(move |i: &mut SessionItem| {
            i.status = Some("finished".into());
            i.ends_at = Some(iso_from_millis(at_ms as i64));
            i.call_duration = Some(talk_s);
            i.wait_duration = Some(wait_s);
            i.hold_duration = Some(0.0);
            i.recording_url = recording.map(str::to_owned);
        }),
    )
}

fn final_state<'a>() -> Step<'a> {
    (SessionState::Final, Box::new(|_: &mut SessionItem| {}))
}

/// The day, per session (`tag` makes the ids unique when a bench plays many days). Sessions start
/// after `t0_ms`, so fields created before `t0_ms` are written (F2).
pub fn day(tag: &str, t0_ms: u64) -> Vec<Story> {
    let t = |s: u64| t0_ms + s * 1000;
    let phone_a = format!("+1415555{}", tag_digits(tag, "0101"));
    let phone_b = format!("+34911{}", tag_digits(tag, "222333"));
    let phone_d = format!("+44770090{}", tag_digits(tag, "0123"));
    let app_user = format!("app-{tag}42");
    let plan = |name: &'static str, channel, start_ms, item, steps| Plan {
        tag,
        name,
        channel,
        start_ms,
        item,
        steps,
    };
    let a2 = session_id(tag, "a2");
    let d1 = session_id(tag, "d1");
    let rec = |s: &str| format!("https://rec.example/{s}.mp3");
    let (rec_a1, rec_a3, rec_a4, rec_b2, rec_d2) =
        (rec("a1"), rec("a3"), rec("a4"), rec("b2"), rec("d2"));
    let plans = vec![
        // A: an IVR caller, answered by the agent and transferred to Bo (a second Assigned), recorded.
        plan(
            "a1",
            Channel::Call,
            t(1),
            call_item(&phone_a, INBOUND, "en"),
            vec![
                routing("Billing", "Support"),
                assigned(AGENT_ID),
                active(t(1) + 2000),
                assigned(BO_ID),
                active(t(1) + 4000),
                end(t(96), 95.0, 12.0, Some(&rec_a1)),
                final_state(),
            ],
        ),
        // … calls again: a 4-second call, returned at once by the agent (a call back, `parent_id`).
        plan(
            "a2",
            Channel::Call,
            t(200),
            call_item(&phone_a, INBOUND, "en"),
            vec![
                routing("Billing", "Support"),
                assigned(AGENT_ID),
                active(t(200) + 2000),
                end(t(204), 4.0, 3.0, None),
                final_state(),
            ],
        ),
        plan(
            "a3",
            Channel::Call,
            t(210),
            SessionItem {
                parent_id: Some(Id::Num(a2)),
                ..call_item(&phone_a, OUTBOUND, "en")
            },
            vec![
                assigned(AGENT_ID),
                active(t(210) + 1000),
                end(t(270), 60.0, 0.0, Some(&rec_a3)),
                final_state(),
            ],
        ),
        // … then leaves a voicemail, which the agent reads.
        plan(
            "a4",
            Channel::Call,
            t(400),
            call_item(&phone_a, INBOUND, "en"),
            vec![
                routing("Billing", "Support"),
                (
                    SessionState::End,
                    Box::new(|i: &mut SessionItem| {
                        i.status = Some("voicemail".into());
                        i.voicemail_reason = Some("no_agent_available".into());
                        i.ends_at = Some(iso_from_millis(t(420) as i64));
                        i.call_duration = Some(20.0);
                        i.recording_url = Some(rec_a4.clone());
                    }),
                ),
                (
                    SessionState::Final,
                    Box::new(|i: &mut SessionItem| {
                        i.status = Some("voicemail_read".into());
                        i.agent_info = Some(agent_info(AGENT_ID));
                    }),
                ),
            ],
        ),
        // B: a Spanish caller who abandons in the queue; the agent calls back later (no parent).
        plan(
            "b1",
            Channel::Call,
            t(5),
            call_item(&phone_b, INBOUND, "es"),
            vec![routing("Ventas", "Support"), end(t(35), 0.0, 30.0, None)],
        ),
        plan(
            "b2",
            Channel::Call,
            t(300),
            call_item(&phone_b, OUTBOUND, "es"),
            vec![
                assigned(AGENT_ID),
                active(t(300) + 1000),
                end(t(420), 120.0, 0.0, Some(&rec_b2)),
                final_state(),
            ],
        ),
        // C: a mobile-SDK chat: answered, its transcript and a rating at the end.
        plan(
            "c1",
            Channel::Chat,
            t(10),
            SessionItem {
                chat_type: Some("Messaging Inbound (App Chat)".into()),
                status: Some("queued".into()),
                lang: Some("en".into()),
                end_user: Some(EndUserInfo {
                    identifier: Some(app_user.clone()),
                    ..EndUserInfo::default()
                }),
                ..SessionItem::default()
            },
            vec![
                routing("Orders", "Chat"),
                assigned(AGENT_ID),
                active(t(10) + 2000),
                (
                    SessionState::End,
                    Box::new(|i: &mut SessionItem| {
                        i.status = Some("finished".into());
                        i.ends_at = Some(iso_from_millis(t(310) as i64));
                        i.chat_duration = Some(300.0);
                        i.wait_duration = Some(2.0);
                        i.transcript = Some(serde_json::json!(
                            "Customer: where is my order?\nAgent: on its way."
                        ));
                        i.rating = Some(4.0);
                    }),
                ),
                final_state(),
            ],
        ),
        // D: an IVR caller the agent hangs up on and calls back from the widget (a call back).
        plan(
            "d1",
            Channel::Call,
            t(20),
            call_item(&phone_d, INBOUND, "en"),
            vec![
                routing("Support", "Support"),
                assigned(AGENT_ID),
                active(t(20) + 1000),
                end(t(50), 30.0, 1.0, None),
                final_state(),
            ],
        ),
        plan(
            "d2",
            Channel::Call,
            t(60),
            SessionItem {
                parent_id: Some(Id::Num(d1)),
                ..call_item(&phone_d, OUTBOUND, "en")
            },
            vec![
                assigned(AGENT_ID),
                active(t(60) + 1000),
                end(t(105), 45.0, 0.0, Some(&rec_d2)),
                final_state(),
            ],
        ),
    ];
    plans
        .into_iter()
        .map(|mut p| {
            p.steps
                .insert(0, (SessionState::Start, Box::new(|_: &mut SessionItem| {})));
            p.story()
        })
        .collect()
}

/// Digits for a tag, so phone numbers of different days differ: the default for the plain day.
fn tag_digits(tag: &str, default: &str) -> String {
    if tag.is_empty() {
        return default.to_owned();
    }
    let width = default.len();
    format!("{:0width$}", hash(tag) % 10u64.pow(width as u32))
}
