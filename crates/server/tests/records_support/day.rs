//! A day in the contact center as CCAI documents its session events (A20): each session a run of
//! deliveries Start → Routing → Assigned → Active → End → Final, each carrying the session's item as
//! known then (modelled on A12's call object), POSTed as `{"count", "events"}` with HTTP Basic.
//!
//! What the old webhook day also had and A20/A12 do not document is gone from it: SmartAction results
//! (R12), SDK custom data (R13/F4), "hang up and call back" as its own event (R10: here a call back of a
//! 30 s call, which R7 joins to the same open conversation).

use serde_json::{json, Value};

/// The agents of the day, as CCAI knows them (ids) and as the server does (e-mails, Kustomer users).
pub const AGENT_ID: i64 = 101;
pub const BO_ID: i64 = 102;
pub const AGENT: &str = "agent@example.com";
pub const BO: &str = "bo@example.com";

/// One session's item, enriched as the day goes.
pub struct Session {
    tag: String,
    pub channel: &'static str,
    item: Value,
    pub deliveries: Vec<Value>,
    n: u64,
}

impl Session {
    pub fn new(tag: &str, channel: &'static str, item: Value) -> Session {
        Session {
            tag: tag.to_owned(),
            channel,
            item,
            deliveries: Vec::new(),
            n: 0,
        }
    }

    /// Adds `fields` to the item, then a delivery of `state` at `t_ms`.
    pub fn at(&mut self, state: &str, t_ms: u64, fields: Value) -> &mut Self {
        for (k, v) in fields.as_object().cloned().unwrap_or_default() {
            self.item[k] = v;
        }
        self.n += 1;
        let id = self.item["id"].to_string();
        self.deliveries.push(json!({
            "event_id": uuid_for(&format!("{}/{id}", self.tag), self.n),
            "timestamp": t_ms,
            "state": state,
            "status": if matches!(state, "End" | "Final") { "disconnected" } else { "connected" },
            "item": self.item.clone(),
        }));
        self
    }
}

/// A stable UUID (v4 layout) for the `n`th delivery of `scope`.
pub fn uuid_for(scope: &str, n: u64) -> String {
    let h = scope.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        h >> 32,
        (h >> 16) & 0xffff,
        h & 0xfff,
        n & 0xfff,
        n
    )
}

pub fn agent(id: i64) -> Value {
    let name = if id == AGENT_ID {
        "Agent One"
    } else {
        "Bo Berg"
    };
    json!({ "id": id, "name": name })
}

/// One session as the bodies CCAI POSTs, one delivery each (`{"count": 1, "events": [..]}`).
pub fn bodies(s: &Session) -> Vec<(&'static str, Value)> {
    s.deliveries
        .iter()
        .map(|d| (s.channel, json!({ "count": 1, "events": [d] })))
        .collect()
}

/// An IVR call from `phone` that starts at `t0_ms + 1 s` and is assigned to the agent a second later
/// (not ended): enough for R2 to open the customer's conversation.
pub fn assigned_call(session: &str, phone: &str, t0_ms: u64) -> Vec<(&'static str, Value)> {
    let mut s = Session::new(
        "",
        "call",
        json!({ "id": session, "call_type": "IVR", "lang": "en", "dn": phone, "menu_path": "Billing" }),
    );
    s.at("Start", t0_ms + 1000, json!({})).at(
        "Assigned",
        t0_ms + 2000,
        json!({ "agent_info": agent(AGENT_ID) }),
    );
    bodies(&s)
}

fn ivr(id: &str, phone: &str, menu: &str, lang: &str) -> Value {
    json!({ "id": id, "call_type": "IVR", "lang": lang, "dn": phone,
            "menu_path": [{ "id": 1, "name": menu }], "queue_path_names": ["Support"] })
}

fn outbound(id: &str, phone: &str, lang: &str, parent: Option<&str>) -> Value {
    let mut v = json!({ "id": id, "call_type": "Voice Outbound (API)", "lang": lang, "dn": phone,
                        "queue_path_names": ["Support"], "agent_info": agent(AGENT_ID) });
    if let Some(p) = parent {
        v["parent_id"] = json!(p);
    }
    v
}

/// The day, per end user (`tag` makes the ids unique when a bench plays many days). Times start at
/// `t0_ms`, after the fields were created (F2).
pub fn day(tag: &str, t0_ms: u64) -> Vec<Vec<Session>> {
    let t = |s: u64| t0_ms + s * 1000;
    let sid = |s: &str| format!("{tag}{s}");
    let digits = |d: &str| tag_digits(tag, d);

    // A: an IVR caller, answered, transferred to Bo, recorded (R2, R16, R19, R9, R8); calls again on the
    // same menu while it is open (R6); a 4-second call returned at once (R11); a voicemail (R5) the agent
    // reads (R15).
    let pa = format!("+1415555{}", digits("0101"));
    let mut a1 = Session::new(tag, "call", ivr(&sid("a1"), &pa, "Billing", "en"));
    a1.at("Start", t(1), json!({}))
        .at("Routing", t(2), json!({}))
        .at("Assigned", t(3), json!({ "agent_info": agent(AGENT_ID) }))
        .at("Active", t(4), json!({ "status": "connected" }))
        .at("Assigned", t(30), json!({ "agent_info": agent(BO_ID) }))
        .at("Active", t(31), json!({}))
        .at("End", t(96), json!({ "status": "finished", "call_duration": 95.0, "wait_duration": 12.0,
                                   "hold_duration": 5.0, "recording_url": "https://rec.example/a1.mp3" }))
        .at("Final", t(100), json!({}));
    let mut a2 = Session::new(tag, "call", ivr(&sid("a2"), &pa, "Billing", "en"));
    a2.at("Start", t(200), json!({}))
        .at("Routing", t(201), json!({}))
        .at("Assigned", t(202), json!({ "agent_info": agent(AGENT_ID) }))
        .at("Active", t(203), json!({}))
        .at(
            "End",
            t(207),
            json!({ "status": "finished", "call_duration": 4.0, "wait_duration": 3.0,
                                    "hold_duration": 0.0 }),
        )
        .at("Final", t(208), json!({}));
    let mut a3 = Session::new(
        tag,
        "call",
        outbound(&sid("a3"), &pa, "en", Some(&sid("a2"))),
    );
    a3.at("Start", t(210), json!({}))
        .at("Active", t(212), json!({}))
        .at("End", t(272), json!({ "status": "finished", "call_duration": 60.0, "wait_duration": 0.0,
                                    "hold_duration": 0.0, "recording_url": "https://rec.example/a3.mp3" }))
        .at("Final", t(275), json!({}));
    let mut a4 = Session::new(tag, "call", ivr(&sid("a4"), &pa, "Billing", "en"));
    a4.at("Start", t(400), json!({}))
        .at("Routing", t(401), json!({}))
        .at("End", t(430), json!({ "status": "voicemail", "voicemail_reason": "no agent",
                                    "call_duration": 20.0, "recording_url": "https://rec.example/a4.mp3" }))
        .at("Final", t(500), json!({ "status": "voicemail_read", "agent_info": agent(AGENT_ID) }));

    // B: a Spanish caller who abandons (R4); the agent follows up with an outbound call (R7).
    let pb = format!("+34911{}", digits("222333"));
    let mut b1 = Session::new(tag, "call", ivr(&sid("b1"), &pb, "Ventas", "es"));
    b1.at("Start", t(5), json!({}))
        .at("Routing", t(6), json!({}))
        .at(
            "End",
            t(36),
            json!({ "status": "finished", "wait_duration": 30.0 }),
        )
        .at("Final", t(37), json!({}));
    let mut b2 = Session::new(tag, "call", outbound(&sid("b2"), &pb, "es", None));
    b2.at("Start", t(300), json!({}))
        .at("Active", t(302), json!({}))
        .at("End", t(422), json!({ "status": "finished", "call_duration": 120.0, "wait_duration": 0.0,
                                    "hold_duration": 0.0, "recording_url": "https://rec.example/b2.mp3" }))
        .at("Final", t(425), json!({}));

    // C: a new app user chatting from the mobile SDK (R1, R17, R18), the transcript (R20), a rating (R14).
    let mut c1 = Session::new(
        tag,
        "chat",
        json!({ "id": sid("c1"), "chat_type": "mobile", "lang": "en",
                "end_user": { "id": 42, "identifier": format!("app-{tag}42") },
                "menu_path": [{ "id": 3, "name": "Orders" }], "queue_path_names": ["Chat"] }),
    );
    c1.at("Start", t(10), json!({}))
        .at("Assigned", t(12), json!({ "agent_info": agent(AGENT_ID) }))
        .at("Active", t(13), json!({}))
        .at("End", t(313), json!({ "status": "finished", "chat_duration": 300.0, "wait_duration": 2.0,
                                    "transcript": [{ "sender": "Customer", "message": "where is my order?" },
                                                   { "sender": "Agent", "message": "on its way." }],
                                    "rating": 4 }))
        .at("Final", t(320), json!({}));

    // D: an IVR caller the agent hangs up on and calls back (R7 joins the open conversation).
    let pd = format!("+44770090{}", digits("0123"));
    let mut d1 = Session::new(tag, "call", ivr(&sid("d1"), &pd, "Support", "en"));
    d1.at("Start", t(20), json!({}))
        .at("Routing", t(21), json!({}))
        .at("Assigned", t(22), json!({ "agent_info": agent(AGENT_ID) }))
        .at("Active", t(23), json!({}))
        .at(
            "End",
            t(53),
            json!({ "status": "finished", "call_duration": 30.0, "wait_duration": 1.0,
                                   "hold_duration": 0.0 }),
        )
        .at("Final", t(55), json!({}));
    let mut d2 = Session::new(
        tag,
        "call",
        outbound(&sid("d2"), &pd, "en", Some(&sid("d1"))),
    );
    d2.at("Start", t(60), json!({}))
        .at("Active", t(62), json!({}))
        .at("End", t(107), json!({ "status": "finished", "call_duration": 45.0, "wait_duration": 0.0,
                                    "hold_duration": 0.0, "recording_url": "https://rec.example/d2.mp3" }))
        .at("Final", t(110), json!({}));

    vec![vec![a1, a2, a3, a4], vec![b1, b2], vec![c1], vec![d1, d2]]
}

/// Digits for a tag, so phone numbers of different days differ: the default for the plain day.
fn tag_digits(tag: &str, default: &str) -> String {
    if tag.is_empty() {
        return default.to_owned();
    }
    let n: u64 = tag
        .bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    format!(
        "{:0width$}",
        n % 10u64.pow(default.len() as u32),
        width = default.len()
    )
}

/// How to deliver the day: the sandbox's (its CCAI makes the same day's deliveries in the same order).
pub use sandbox::ccai::delivery_order::PlayOptions;

/// The POSTs CCAI makes for the day: `(channel, body)`, each end user's deliveries in order, end users
/// interleaved by the seed, duplicates and delays as `opts` asks (the sandbox's `interleave`), one to
/// three events per body.
pub fn deliveries(day: &[Vec<Session>], opts: &PlayOptions) -> Vec<(&'static str, Value)> {
    let stories: Vec<Vec<(&'static str, Value)>> = day
        .iter()
        .map(|sessions| {
            sessions
                .iter()
                .flat_map(|s| s.deliveries.iter().map(move |d| (s.channel, d.clone())))
                .collect()
        })
        .collect();
    let out = sandbox::ccai::delivery_order::interleave(&stories, opts);
    // The body sizes: a stream of its own from the same seed.
    let mut rng = opts.seed.wrapping_mul(0xD1B5_4A32_D192_ED03) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    // Bodies of one to three events of one channel, in that order.
    let mut bodies: Vec<(&'static str, Value)> = Vec::new();
    let mut i = 0;
    while i < out.len() {
        let want = 1 + (next() % 3) as usize;
        let channel = out[i].0;
        let mut events = Vec::new();
        while i < out.len() && events.len() < want && out[i].0 == channel {
            events.push(out[i].1.clone());
            i += 1;
        }
        bodies.push((channel, json!({ "count": events.len(), "events": events })));
    }
    bodies
}
