//! The sandbox's CCAI side emitting session events to a connector (issue 8): a scripted "day in the
//! contact center" (calls, chats, voicemails, an abandonment, a transfer, SmartActions, a rating), each
//! event signed `X-CCAI-Signature: sha256=HMAC-SHA256(secret, "{timestamp}.{body}")` and POSTed to the
//! connector's webhook URL, optionally with duplicates and delayed (reordered) deliveries.
//!
//! SHA-256 and a bare HTTP/1.1 client are written out here so the sandbox keeps its small dependency
//! list (it serves HTTP; it sends only these webhooks, to loopback).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use tokio::net::TcpStream;

/// The agents of the day: the sandbox's signed-in agent (`u-agent-1`) and Bo Berg (`u-agent-2`).
pub const AGENT: &str = "agent@example.com";
pub const BO: &str = "bo@example.com";

/// One end user's part of the day: their events in order.
pub struct Story {
    pub events: Vec<Value>,
}

fn envelope(user: &Value, session: &str, session_info: &Value, started: u64, kind: Value) -> Value {
    let mut e = json!({
        "session_id": session,
        "session_started_at_ms": started,
        "end_user": user,
        "session": session_info,
    });
    if let (Some(e), Some(k)) = (e.as_object_mut(), kind.as_object()) {
        for (key, v) in k {
            e.insert(key.clone(), v.clone());
        }
    }
    e
}

fn ivr(menu: &str, lang: &str) -> Value {
    json!({ "channel": "voice", "origin": "ivr", "language": lang, "menu": menu, "queue_name": "Support" })
}

fn outbound(lang: &str) -> Value {
    json!({ "channel": "voice", "origin": "outbound", "language": lang, "queue_name": "Support" })
}

/// The day, per end user (`tag` makes the ids unique when a bench plays many days). Times start at
/// `t0_ms`; the sessions start after it, so fields created before `t0_ms` are written (F2).
pub fn day(tag: &str, t0_ms: u64) -> Vec<Story> {
    let t = |s: u64| t0_ms + s * 1000;
    let sid = |s: &str| format!("{tag}{s}");
    let mut stories = Vec::new();

    // A: an IVR caller. Answered, transferred, a SmartAction, recorded (R2, R16, R19, R9, R12, R8);
    // calls again on the same menu while it is open (R6), a 4-second call returned at once (R11), then a
    // voicemail (R5) that an agent reads (R15).
    let a = json!({ "phone": format!("+1415555{}", tag_digits(tag, "0101")) });
    let (a1, a2, a3, a4) = (sid("a1"), sid("a2"), sid("a3"), sid("a4"));
    let billing = ivr("Billing", "en");
    stories.push(Story {
        events: vec![
            envelope(&a, &a1, &billing, t(1), json!({ "type": "session_started" })),
            envelope(&a, &a1, &billing, t(1), json!({ "type": "call_answered", "agent_email": AGENT })),
            envelope(&a, &a1, &billing, t(1), json!({ "type": "transferred", "to_agent_email": BO })),
            envelope(&a, &a1, &billing, t(1), json!({ "type": "smart_action_completed", "action": "Verify identity",
                "results": { "verified": "yes" }, "files": [{ "name": "id.jpg", "url": "https://files.example/id.jpg" }] })),
            envelope(&a, &a1, &billing, t(1), json!({ "type": "ended", "duration_s": 95.0, "wait_time_s": 12.0,
                "hold_time_s": 5.0, "recording_url": "https://rec.example/a1.mp3" })),
            envelope(&a, &a2, &billing, t(200), json!({ "type": "session_started" })),
            envelope(&a, &a2, &billing, t(200), json!({ "type": "call_answered", "agent_email": AGENT })),
            envelope(&a, &a2, &billing, t(200), json!({ "type": "ended", "duration_s": 4.0, "wait_time_s": 3.0, "hold_time_s": 0.0 })),
            envelope(&a, &a3, &outbound("en"), t(210), json!({ "type": "call_back", "agent_email": AGENT,
                "previous_session_id": a2, "previous_duration_s": 4.0 })),
            envelope(&a, &a3, &outbound("en"), t(210), json!({ "type": "ended", "duration_s": 60.0, "wait_time_s": 0.0,
                "hold_time_s": 0.0, "recording_url": "https://rec.example/a3.mp3" })),
            envelope(&a, &a4, &billing, t(400), json!({ "type": "session_started" })),
            envelope(&a, &a4, &billing, t(400), json!({ "type": "voicemail_left", "recording_url": "https://rec.example/a4.mp3", "duration_s": 20.0 })),
            envelope(&a, &a4, &billing, t(400), json!({ "type": "voicemail_handled", "action": "read", "agent_email": AGENT })),
        ],
    });

    // B: a Spanish caller who abandons (R4); the agent follows up with an outbound call (R7).
    let b = json!({ "phone": format!("+34911{}", tag_digits(tag, "222333")) });
    let (b1, b2) = (sid("b1"), sid("b2"));
    let ventas = ivr("Ventas", "es");
    stories.push(Story {
        events: vec![
            envelope(&b, &b1, &ventas, t(5), json!({ "type": "session_started" })),
            envelope(
                &b,
                &b1,
                &ventas,
                t(5),
                json!({ "type": "abandoned", "wait_time_s": 30.0 }),
            ),
            envelope(
                &b,
                &b2,
                &outbound("es"),
                t(300),
                json!({ "type": "outbound_call_started", "agent_email": AGENT }),
            ),
            envelope(
                &b,
                &b2,
                &outbound("es"),
                t(300),
                json!({ "type": "ended", "duration_s": 120.0, "wait_time_s": 0.0,
                "hold_time_s": 0.0, "recording_url": "https://rec.example/b2.mp3" }),
            ),
        ],
    });

    // C: a new app user chatting from the mobile SDK (R1, R17, R18), SDK data (R13), a failed SmartAction
    // (R12), the transcript (R20) and a rating (R14).
    let c = json!({ "app_user_id": format!("app-{tag}42"), "name": format!("Chen {tag}") });
    let c1 = sid("c1");
    let chat = json!({ "channel": "chat", "origin": "mobile_sdk", "language": "en", "menu": "Orders", "queue_name": "Chat" });
    stories.push(Story {
        events: vec![
            envelope(&c, &c1, &chat, t(10), json!({ "type": "session_started" })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "call_answered", "agent_email": AGENT })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "custom_data", "data": { "plan": "gold", "device": "iPhone" } })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "smart_action_failed", "action": "Fingerprint",
                "error": "fingerprint access not enabled" })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "chat_transcript", "file_name": "chat.txt",
                "content": "Customer: where is my order?\nAgent: on its way." })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "rated", "rating": 4, "comment": "great" })),
            envelope(&c, &c1, &chat, t(10), json!({ "type": "ended", "duration_s": 300.0, "wait_time_s": 2.0, "hold_time_s": 0.0 })),
        ],
    });

    // D: an IVR caller the agent hangs up on and calls back from the widget (R10).
    let d = json!({ "phone": format!("+44770090{}", tag_digits(tag, "0123")) });
    let (d1, d2) = (sid("d1"), sid("d2"));
    let support = ivr("Support", "en");
    stories.push(Story {
        events: vec![
            envelope(&d, &d1, &support, t(20), json!({ "type": "session_started" })),
            envelope(&d, &d1, &support, t(20), json!({ "type": "call_answered", "agent_email": AGENT })),
            envelope(&d, &d1, &support, t(20), json!({ "type": "ended", "duration_s": 30.0, "wait_time_s": 1.0, "hold_time_s": 0.0 })),
            envelope(&d, &d2, &outbound("en"), t(60), json!({ "type": "hang_up_and_call_back", "agent_email": AGENT })),
            envelope(&d, &d2, &outbound("en"), t(60), json!({ "type": "ended", "duration_s": 45.0, "wait_time_s": 0.0,
                "hold_time_s": 0.0, "recording_url": "https://rec.example/d2.mp3" })),
        ],
    });

    // Number each end user's events 1, 2, 3… and give every event its id and time.
    for story in &mut stories {
        for (i, e) in story.events.iter_mut().enumerate() {
            let session = e["session_id"].as_str().unwrap_or_default().to_owned();
            let started = e["session_started_at_ms"].as_u64().unwrap_or(t0_ms);
            if let Some(o) = e.as_object_mut() {
                o.insert("event_id".into(), json!(format!("{session}-e{}", i + 1)));
                o.insert("seq".into(), json!(i as u64 + 1));
                o.insert("at_ms".into(), json!(started + i as u64));
            }
        }
    }
    stories
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

/// How to deliver the day.
#[derive(Clone, Debug, Default)]
pub struct PlayOptions {
    /// Interleaving of the end users (and of the faults below) is drawn from this seed.
    pub seed: u64,
    /// Per mille of events delivered twice (the second copy later, freshly signed, as CCAI retries).
    pub duplicate_permille: u32,
    /// Per mille of events held back and delivered after the next few (out of order).
    pub delay_permille: u32,
}

/// The order CCAI sends the day's events in: each end user's events in order, end users interleaved by
/// the seed, then duplicates and delays as `opts` asks. Every entry is a body to sign and send.
pub fn deliveries(stories: &[Story], opts: &PlayOptions) -> Vec<Value> {
    let mut rng = opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut cursors = vec![0usize; stories.len()];
    let mut order = Vec::new();
    loop {
        let live: Vec<usize> = (0..stories.len())
            .filter(|&i| cursors[i] < stories[i].events.len())
            .collect();
        if live.is_empty() {
            break;
        }
        let pick = live[(next() % live.len() as u64) as usize];
        order.push(stories[pick].events[cursors[pick]].clone());
        cursors[pick] += 1;
    }
    let mut out: Vec<Value> = Vec::new();
    let mut held: Vec<(usize, Value)> = Vec::new();
    for e in order {
        if (next() % 1000) < u64::from(opts.delay_permille) {
            held.push((out.len() + 1 + (next() % 4) as usize, e.clone()));
        } else {
            out.push(e.clone());
        }
        if (next() % 1000) < u64::from(opts.duplicate_permille) {
            held.push((out.len() + 2, e));
        }
        let (due, later): (Vec<_>, Vec<_>) = held.into_iter().partition(|(at, _)| *at <= out.len());
        held = later;
        out.extend(due.into_iter().map(|(_, e)| e));
    }
    out.extend(held.into_iter().map(|(_, e)| e));
    out
}

/// Signs and POSTs each body to `url` (`http://host:port/path`) over one kept-alive connection,
/// reconnecting when needed. Answers the HTTP status of each delivery.
pub async fn play(url: &str, secret: &[u8], bodies: &[Value]) -> std::io::Result<Vec<u16>> {
    let mut client = Sender::new(url)?;
    let mut statuses = Vec::with_capacity(bodies.len());
    // A re-sent copy of an event is a new delivery, so it gets a later timestamp than the copy before
    // (same second + same body would be the same signature: a replay). Other events use the clock.
    let mut last_ts: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    for b in bodies {
        let body = serde_json::to_vec(b).map_err(std::io::Error::other)?;
        let id = b["event_id"].as_str().unwrap_or_default().to_owned();
        let mut ts = now_s();
        if let Some(prev) = last_ts.get(&id) {
            ts = ts.max(prev + 1);
        }
        last_ts.insert(id, ts);
        let headers = [
            ("X-CCAI-Timestamp", ts.to_string()),
            ("X-CCAI-Signature", sign(secret, ts, &body)),
        ];
        statuses.push(client.post(&body, &headers).await?);
    }
    Ok(statuses)
}

pub fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `sha256=<hex>` of `"{ts}.{body}"`.
pub fn sign(secret: &[u8], ts: u64, body: &[u8]) -> String {
    let mut msg = format!("{ts}.").into_bytes();
    msg.extend_from_slice(body);
    let mac = hmac_sha256(secret, &msg);
    format!(
        "sha256={}",
        mac.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// A bare HTTP/1.1 client for loopback webhooks: keep-alive, Content-Length bodies only. Written on
/// `TcpStream::try_read`/`try_write` because the workspace's tokio has no `io-util`.
pub struct Sender {
    host: String,
    path: String,
    conn: Option<TcpStream>,
}

impl Sender {
    pub fn new(url: &str) -> std::io::Result<Sender> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| std::io::Error::other("only http:// webhook urls"))?;
        let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
        Ok(Sender {
            host: host.to_owned(),
            path: format!("/{path}"),
            conn: None,
        })
    }

    pub async fn post(&mut self, body: &[u8], headers: &[(&str, String)]) -> std::io::Result<u16> {
        // One retry on a fresh connection: a kept-alive one may have been closed by the server.
        match self.try_post(body, headers).await {
            Ok(s) => Ok(s),
            Err(_) => {
                self.conn = None;
                self.try_post(body, headers).await
            }
        }
    }

    async fn try_post(&mut self, body: &[u8], headers: &[(&str, String)]) -> std::io::Result<u16> {
        if self.conn.is_none() {
            let s = TcpStream::connect(&self.host).await?;
            s.set_nodelay(true)?;
            self.conn = Some(s);
        }
        let conn = self
            .conn
            .as_ref()
            .ok_or_else(|| std::io::Error::other("no connection"))?;
        let mut req = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            self.path,
            self.host,
            body.len()
        );
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(body);
        let mut off = 0;
        while off < bytes.len() {
            conn.writable().await?;
            match conn.try_write(&bytes[off..]) {
                Ok(n) => off += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => return Err(e),
            }
        }
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 4096];
        let (status, head_len, length, close) = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&buf[..end]).to_string();
                let mut lines = head.lines();
                let status: u16 = lines
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| std::io::Error::other("bad status line"))?;
                let (mut length, mut close) = (0usize, false);
                for h in lines {
                    if let Some((k, v)) = h.split_once(':') {
                        let k = k.trim().to_ascii_lowercase();
                        if k == "content-length" {
                            length = v.trim().parse().unwrap_or(0);
                        } else if k == "connection" && v.trim().eq_ignore_ascii_case("close") {
                            close = true;
                        }
                    }
                }
                break (status, end + 4, length, close);
            }
            read_some(conn, &mut buf, &mut chunk).await?;
        };
        while buf.len() < head_len + length {
            read_some(conn, &mut buf, &mut chunk).await?;
        }
        if close {
            self.conn = None;
        }
        Ok(status)
    }
}

async fn read_some(conn: &TcpStream, buf: &mut Vec<u8>, chunk: &mut [u8]) -> std::io::Result<()> {
    loop {
        conn.readable().await?;
        match conn.try_read(chunk) {
            Ok(0) => return Err(std::io::Error::other("connection closed")),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                return Ok(());
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(e),
        }
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&sha256(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    inner.extend_from_slice(msg);
    let mut outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    outer.extend_from_slice(&sha256(&inner));
    sha256(&outer)
}

/// SHA-256 (FIPS 180-4).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in msg.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([
                chunk[4 * i],
                chunk[4 * i + 1],
                chunk[4 * i + 2],
                chunk[4 * i + 3],
            ]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (a, b) in h.iter_mut().zip(v) {
            *a = a.wrapping_add(b);
        }
    }
    let mut out = [0u8; 32];
    for (i, x) in h.iter().enumerate() {
        out[4 * i..4 * i + 4].copy_from_slice(&x.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn deliveries_keep_each_end_users_order_without_delays() {
        let stories = day("", 0);
        let total: usize = stories.iter().map(|s| s.events.len()).sum();
        let out = deliveries(
            &stories,
            &PlayOptions {
                seed: 3,
                ..PlayOptions::default()
            },
        );
        assert_eq!(out.len(), total);
        let with_dups = deliveries(
            &stories,
            &PlayOptions {
                seed: 3,
                duplicate_permille: 500,
                delay_permille: 300,
            },
        );
        assert!(with_dups.len() > total);
    }
}
