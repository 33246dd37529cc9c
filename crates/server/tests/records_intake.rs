//! The session-event door (A20): HTTP Basic with the portal's username and password, the documented
//! `{count, events}` body; everything else refused with its reason and nothing stored; an event naming an
//! agent or a session the server does not know acknowledged and not applied. Real HTTP, real SQLite.

mod records_support;

use records_support::day::{agent, uuid_for};
use records_support::*;
use serde_json::{json, Value};
use server::Server;

fn delivery(n: u64, state: &str, item: Value) -> Value {
    json!({ "event_id": uuid_for("intake", n), "timestamp": 1_800_000_000_000u64 + n, "state": state,
            "item": item })
}

fn ivr(id: &str) -> Value {
    json!({ "id": id, "call_type": "IVR", "lang": "en", "dn": "+14155550177", "menu_path": "Billing" })
}

/// Deliveries stored, in any state. One query: counted state by state, a delivery that moves from
/// `pending` to `translated` between two counts would count twice (it did, on PostgreSQL).
fn stored(server: &Server) -> u64 {
    let conn = server.state.0.store.lock();
    conn.query_row("SELECT COUNT(*) FROM records_deliveries", [], |r| {
        r.get::<_, i64>(0)
    })
    .expect("count") as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_and_foreign_formats_are_refused_with_the_reason_and_nothing_is_stored() {
    let world = World::start().await;
    let server = world.server(None).await;
    let good = json!({ "count": 1, "events": [delivery(1, "Start", ivr("r1"))] });
    // (case, channel, body, credentials, status, the reason's words)
    type Row<'a> = (&'a str, &'a str, Value, (&'a str, &'a str), u16, &'a str);
    let rows: Vec<Row> = vec![
        (
            "wrong password",
            "call",
            good.clone(),
            (USER, "guess"),
            401,
            "wrong username or password",
        ),
        (
            "wrong username",
            "call",
            good.clone(),
            ("admin", PASSWORD),
            401,
            "wrong username or password",
        ),
        (
            "not JSON",
            "call",
            json!("{count: 1"),
            (USER, PASSWORD),
            400,
            "not CCAI's session-event format",
        ),
        (
            "the old signed webhook body",
            "call",
            json!({ "event_id": "e1", "session_id": "s1", "seq": 1, "type": "session_started" }),
            (USER, PASSWORD),
            400,
            "missing field `count`",
        ),
        (
            "count disagrees",
            "call",
            json!({ "count": 2, "events": [delivery(2, "Start", ivr("r2"))] }),
            (USER, PASSWORD),
            400,
            "count is 2 but the body carries 1 events",
        ),
        (
            "event id not a UUID",
            "call",
            json!({ "count": 1, "events": [{ "event_id": "e-3", "timestamp": 1, "state": "Start", "item": ivr("r3") }] }),
            (USER, PASSWORD),
            400,
            "UUID",
        ),
        (
            "no item",
            "call",
            json!({ "count": 1, "events": [{ "event_id": uuid_for("intake", 4), "timestamp": 1, "state": "Start" }] }),
            (USER, PASSWORD),
            400,
            "missing field `item`",
        ),
        (
            "one bad event refuses the body",
            "call",
            json!({ "count": 2, "events": [delivery(5, "Start", ivr("r5")), { "event_id": uuid_for("intake", 6), "state": "End", "item": ivr("r5") }] }),
            (USER, PASSWORD),
            400,
            "missing field `timestamp`",
        ),
        (
            "no such channel",
            "sms",
            good.clone(),
            (USER, PASSWORD),
            404,
            "use call or chat",
        ),
    ];
    for (name, channel, body, creds, status, reason) in rows {
        let (got, answer) = if body.is_string() {
            let r = reqwest::Client::new()
                .post(format!("{}/ccai/session-events/{channel}", server.url()))
                .basic_auth(creds.0, Some(creds.1))
                .header("content-type", "application/json")
                .body(body.as_str().unwrap_or_default().to_owned())
                .send()
                .await
                .expect("answers");
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap_or(Value::Null))
        } else {
            world.post_events(&server, channel, &body, creds).await
        };
        assert_eq!(got, status, "{name}: {answer}");
        let why = answer["error"].as_str().unwrap_or_default();
        assert!(why.contains(reason), "{name}: {why:?} lacks {reason:?}");
        assert_eq!(stored(&server), 0, "{name}: nothing stored");
    }
    let no_auth = reqwest::Client::new()
        .post(format!("{}/ccai/session-events/call", server.url()))
        .json(&good)
        .send()
        .await
        .expect("answers");
    assert_eq!(no_auth.status().as_u16(), 401);
    assert!(no_auth.headers().contains_key("www-authenticate"));
    // The right credentials take the same body.
    let (st, answer) = world
        .post_events(&server, "call", &good, (USER, PASSWORD))
        .await;
    assert_eq!(
        (st, answer["accepted"].as_u64()),
        (200, Some(1)),
        "{answer}"
    );
    assert_eq!(stored(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_agents_and_sessions_are_acknowledged_and_not_applied_and_repeats_are_ignored() {
    let world = World::start().await;
    let server = world.server(None).await;
    let mut stranger = ivr("u1");
    stranger["agent_info"] = agent(999);
    let body = json!({ "count": 3, "events": [
        delivery(10, "Assigned", stranger),
        delivery(11, "Final", ivr("never-seen")),
        delivery(12, "Start", ivr("u2")),
    ] });
    let (st, answer) = world
        .post_events(&server, "call", &body, (USER, PASSWORD))
        .await;
    assert_eq!(st, 200, "{answer}");
    assert_eq!(answer["accepted"], 1, "{answer}");
    let reasons: Vec<&str> = answer["ignored"]
        .as_array()
        .expect("ignored")
        .iter()
        .filter_map(|i| i["reason"].as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{answer}");
    assert!(reasons[0].contains("unknown agent 999"), "{reasons:?}");
    assert!(
        reasons[1].contains("unknown session never-seen"),
        "{reasons:?}"
    );
    assert_eq!(stored(&server), 1, "only the known session's Start");
    // CCAI sends the same body again: nothing new.
    let (st, again) = world
        .post_events(&server, "call", &body, (USER, PASSWORD))
        .await;
    assert_eq!(
        (st, again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (200, Some(0), Some(1))
    );
    assert!(
        world
            .wait_idle(&server, std::time::Duration::from_secs(10))
            .await
    );
    // Nothing reached Kustomer for the stranger's call.
    let customers = world.get("/customers/phone=%2B14155550177").await;
    assert!(
        customers["data"].is_null() || customers["errors"].is_array(),
        "{customers}"
    );
}
