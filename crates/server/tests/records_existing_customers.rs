//! Callers who already are Kustomer customers (made by a person, another channel, or before the
//! connector): the connector finds them by phone and gives them the conversation instead of a second
//! customer (R16 only for a new number). Against the real sandbox on loopback and a real SQLite file.
//!
//! The seeded sandbox has María García "+34 612 34 56 78" (open e-mail conversation) and Jordi Puig
//! "612 345 678" (open voice conversation); the sandbox's phone search returns both for +34612345678.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};
use support::*;

const AGENT: &str = "agent@example.com";

/// One end user's events, numbered 1, 2, 3… as CCAI numbers them.
struct Caller {
    phone: String,
    seq: u64,
    t0_ms: u64,
}

impl Caller {
    fn new(world: &World, phone: &str) -> Caller {
        Caller {
            phone: phone.to_owned(),
            seq: 0,
            t0_ms: world.t0_ms(),
        }
    }

    fn event(&mut self, session: &str, origin: &str, kind: Value) -> Value {
        self.seq += 1;
        let mut e = json!({
            "event_id": format!("{session}-{}-e{}", self.phone, self.seq),
            "session_id": session,
            "seq": self.seq,
            "at_ms": self.t0_ms + self.seq,
            "session_started_at_ms": self.t0_ms,
            "end_user": { "phone": self.phone },
            "session": if origin == "ivr" {
                json!({ "channel": "voice", "origin": "ivr", "language": "es", "menu": "Billing", "queue_name": "Support" })
            } else {
                json!({ "channel": "voice", "origin": "outbound", "language": "es", "queue_name": "Support" })
            },
        });
        for (k, v) in kind.as_object().cloned().unwrap_or_default() {
            e[k] = v;
        }
        e
    }

    /// An IVR call, answered by the agent and ended: R2 (or R6) puts it somewhere.
    fn answered_call(&mut self, session: &str) -> Vec<Value> {
        vec![
            self.event(session, "ivr", json!({ "type": "session_started" })),
            self.event(
                session,
                "ivr",
                json!({ "type": "call_answered", "agent_email": AGENT }),
            ),
            self.event(
                session,
                "ivr",
                json!({ "type": "ended", "duration_s": 40.0, "wait_time_s": 2.0, "hold_time_s": 0.0 }),
            ),
        ]
    }
}

async fn send(conn: &connector::Connector, bodies: &[Value]) {
    let st = play(&conn.webhook_url(), SECRET, bodies)
        .await
        .expect("plays");
    assert!(st.iter().all(|s| *s == 200), "{st:?}");
}

async fn settle(conn: &connector::Connector) {
    assert!(
        conn.wait_idle(Duration::from_secs(30)).await,
        "connector never idle"
    );
    assert_eq!(conn.engine.metrics.failed_ops.load(Ordering::Relaxed), 0);
}

fn ids(v: &Value) -> Vec<String> {
    v["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect()
}

/// A customer made in Kustomer by a person; answers its id.
async fn person_creates_customer(world: &World, name: &str, phone: &str) -> String {
    let v = world
        .kapi_send(
            Method::POST,
            "/customers",
            json!({ "name": name, "phones": [{ "phone": phone, "type": "mobile" }] }),
        )
        .await;
    v["data"]["id"].as_str().expect("customer id").to_owned()
}

/// The customer's conversations, newest first: (name, messages, notes, attachments, assigned users).
async fn conversations(world: &World, customer: &str) -> Vec<Value> {
    let list = world
        .get(&format!("/customers/{customer}/conversations?pageSize=100"))
        .await;
    let mut out = Vec::new();
    for id in ids(&list) {
        let c = world.get(&format!("/conversations/{id}")).await;
        let a = &c["data"]["attributes"];
        let notes = world.get(&format!("/conversations/{id}/notes")).await;
        let atts = world.get(&format!("/conversations/{id}/attachments")).await;
        let field = |v: &Value, f: &str| -> Vec<Value> {
            v["data"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|x| x["attributes"][f].clone())
                .collect()
        };
        out.push(json!({
            "name": a["name"], "messages": a["messageCount"], "notes": field(&notes, "body"),
            "attachments": field(&atts, "name"), "assignedUsers": a["assignedUsers"],
        }));
    }
    out
}

/// Customers holding exactly this number as typed (`+34…` without spaces), i.e. ones the connector made.
async fn customers_made_for(world: &World, e164: &str) -> Vec<String> {
    let all = world.get("/customers?pageSize=1000").await;
    all["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|c| c["attributes"]["phones"][0]["phone"] == e164)
        .filter_map(|c| c["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_who_already_is_a_customer_gets_the_conversations_not_a_second_customer() {
    let world = World::start().await;
    let ana = person_creates_customer(&world, "Ana Existing", "+34 699 11 22 33").await;
    world
        .kapi_send(
            Method::POST,
            "/conversations",
            json!({ "customer": ana, "name": "Order question", "status": "open", "channel": "email" }),
        )
        .await;
    let conn = world.connector(None).await;
    let mut caller = Caller::new(&world, "+34699112233");
    // The agent calls her back (R7: her latest conversation, a person's e-mail one, is open)…
    let mut bodies = vec![
        caller.event(
            "o1",
            "outbound",
            json!({ "type": "outbound_call_started", "agent_email": AGENT }),
        ),
        caller.event(
            "o1",
            "outbound",
            json!({ "type": "ended", "duration_s": 50.0, "wait_time_s": 0.0, "hold_time_s": 0.0,
                    "recording_url": "https://rec.example/o1.mp3" }),
        ),
    ];
    // …then she calls in through the IVR (not the e-mail's channel: a conversation of its own, R2).
    bodies.extend(caller.answered_call("i2"));
    send(&conn, &bodies).await;
    settle(&conn).await;

    assert_eq!(
        conversations(&world, &ana).await,
        vec![
            json!({ "name": "Call i2", "messages": 1, "notes": ["Phone number: +34699112233"],
                    "attachments": [], "assignedUsers": ["u-agent-1"] }),
            json!({ "name": "Order question", "messages": 1, "notes": [],
                    "attachments": ["o1.mp3"], "assignedUsers": ["u-agent-1"] }),
        ]
    );
    assert!(customers_made_for(&world, "+34699112233").await.is_empty());
    // Looked up once; remembered as found, not as made by the connector (R18 never takes it for new).
    assert_eq!(
        conn.engine.lookup.counts.searches.load(Ordering::Relaxed),
        1
    );
    let stored = conn
        .engine
        .store
        .customer("phone:+34699112233")
        .expect("store")
        .expect("remembered");
    assert_eq!(stored.id, ana);
    assert_eq!(stored.created_by_session, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn among_loose_matches_only_the_exact_number_is_the_caller() {
    let world = World::start().await;
    // The newest record, and the search returns it too: its digits end with the caller's.
    let lookalike = person_creates_customer(&world, "Lookalike", "+1 346 123 45678").await;
    let found = world.get("/customers?phone=%2B34612345678").await;
    let by_name = |name: &str| -> String {
        found["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|c| c["attributes"]["name"] == name)
            .and_then(|c| c["id"].as_str())
            .unwrap_or_else(|| panic!("the loose search returns {name}: {found}"))
            .to_owned()
    };
    assert_eq!(ids(&found).len(), 3, "loose search: {found}");
    let (maria, jordi) = (by_name("María García"), by_name("Jordi Puig"));
    assert_eq!(by_name("Lookalike"), lookalike);

    let conn = world.connector(None).await;
    let mut caller = Caller::new(&world, "+34612345678");
    send(&conn, &caller.answered_call("m1")).await;
    settle(&conn).await;

    // María's number is written with its country code; Jordi's national one matches too (in Spain),
    // which is an ambiguity, logged; the lookalike is another number.
    let maria_convs = conversations(&world, &maria).await;
    assert_eq!(maria_convs.len(), 2, "{maria_convs:?}");
    assert_eq!(maria_convs[0]["name"], "Call m1");
    assert_eq!(maria_convs[1]["name"], "Parcel not delivered");
    assert_eq!(conversations(&world, &jordi).await.len(), 1);
    assert!(conversations(&world, &lookalike).await.is_empty());
    assert!(customers_made_for(&world, "+34612345678").await.is_empty());
    assert_eq!(
        conn.engine.lookup.counts.ambiguous.load(Ordering::Relaxed),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_exact_matches_the_most_recently_updated_is_chosen_and_kept() {
    let world = World::start().await;
    let older = person_creates_customer(&world, "Pat (old record)", "+34 633 00 01 11").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer = person_creates_customer(&world, "Pat (new record)", "+34 633 000 111").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A person updates the older record: it is now the most recently updated.
    world
        .kapi_send(
            Method::PATCH,
            &format!("/customers/{older}"),
            json!({ "name": "Pat Smith" }),
        )
        .await;
    let conn = world.connector(None).await;
    let mut caller = Caller::new(&world, "+34633000111");
    send(&conn, &caller.answered_call("p1")).await;
    settle(&conn).await;
    assert_eq!(conversations(&world, &older).await.len(), 1);
    assert!(conversations(&world, &newer).await.is_empty());

    // Now the other record is touched; the caller's next call still goes where the first one went.
    world
        .kapi_send(
            Method::PATCH,
            &format!("/customers/{newer}"),
            json!({ "name": "Pat S." }),
        )
        .await;
    send(&conn, &caller.answered_call("p2")).await;
    settle(&conn).await;
    let convs = conversations(&world, &older).await;
    assert_eq!(convs.len(), 1, "p2 joins p1's open call (R6): {convs:?}");
    assert_eq!(convs[0]["messages"], 2);
    assert!(conversations(&world, &newer).await.is_empty());
    assert_eq!(
        conn.engine.lookup.counts.searches.load(Ordering::Relaxed),
        1
    );
    assert_eq!(
        conn.engine.lookup.counts.ambiguous.load(Ordering::Relaxed),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_no_customer_has_makes_a_new_customer_and_a_later_one_is_still_found() {
    let world = World::start().await;
    let conn = world.connector(None).await;
    let mut caller = Caller::new(&world, "+34910000999");
    send(&conn, &caller.answered_call("n1")).await;
    settle(&conn).await;
    let made = customers_made_for(&world, "+34910000999").await;
    assert_eq!(made.len(), 1, "R16: a new customer");
    let convs = conversations(&world, &made[0]).await;
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["name"], "Call n1");
    // The call's start and its answer shared one search (the miss is believed for a moment).
    assert_eq!(
        conn.engine.lookup.counts.searches.load(Ordering::Relaxed),
        1
    );
    let stored = conn
        .engine
        .store
        .customer("phone:+34910000999")
        .expect("store")
        .expect("made");
    assert_eq!(stored.created_by_session.as_deref(), Some("n1"));

    // Another caller rings and is not a customer yet; while they wait, a person makes their record.
    // The miss is not believed for long, so the answered call finds that record: no duplicate.
    let mut late = Caller::new(&world, "+34910000888");
    let start = late.event("l1", "ivr", json!({ "type": "session_started" }));
    send(&conn, &[start]).await;
    settle(&conn).await;
    let lola = person_creates_customer(&world, "Lola", "910 000 888").await;
    tokio::time::sleep(connector::lookup::MISS_TTL + Duration::from_millis(100)).await;
    let rest = vec![
        late.event(
            "l1",
            "ivr",
            json!({ "type": "call_answered", "agent_email": AGENT }),
        ),
        late.event(
            "l1",
            "ivr",
            json!({ "type": "ended", "duration_s": 10.0, "wait_time_s": 30.0, "hold_time_s": 0.0 }),
        ),
    ];
    send(&conn, &rest).await;
    settle(&conn).await;
    assert!(customers_made_for(&world, "+34910000888").await.is_empty());
    let convs = conversations(&world, &lola).await;
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["name"], "Call l1");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lookup_through_kustomer_faults_and_a_restart_ends_the_same() {
    let world = World::start().await;
    let db = world.db_path();
    let fran = person_creates_customer(&world, "Fran Existing", "+34 677 12 34 56").await;
    world
        .kapi_send(
            Method::POST,
            "/conversations",
            json!({ "customer": fran, "name": "Refund", "status": "open", "channel": "email" }),
        )
        .await;
    // Every kind of failure on the lookup's reads (the search and the customer's conversations).
    world
        .schedule_faults(json!({
            "service": "kustomer", "method": "GET", "path_prefix": "/kapi/v1/customers",
            "faults": [
                { "kind": "status", "code": 500 },
                { "kind": "drop" },
                { "kind": "status", "code": 429, "retry_after_s": 0 },
                { "kind": "status", "code": 503 },
                { "kind": "lost_response" },
                { "kind": "latency", "ms": 1500 }
            ]
        }))
        .await;
    let conn = world.connector(Some(db.clone())).await;
    let mut caller = Caller::new(&world, "+34677123456");
    let mut bodies = caller.answered_call("f1");
    let rest = bodies.split_off(1);
    send(&conn, &bodies).await;
    // Killed while the lookup is still failing, or waiting on the slow answer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    conn.kill().await;
    let conn = world.connector(Some(db)).await;
    send(&conn, &rest).await;
    settle(&conn).await;

    let log = world.fault_log().await;
    assert_eq!(log["pending"], json!([]), "every fault fired");
    let fired = log["fired"].as_array().map_or(0, Vec::len);
    assert_eq!(fired, 6);
    let convs = conversations(&world, &fran).await;
    assert_eq!(
        convs,
        vec![
            json!({ "name": "Call f1", "messages": 1, "notes": ["Phone number: +34677123456"],
                    "attachments": [], "assignedUsers": ["u-agent-1"] }),
            json!({ "name": "Refund", "messages": 0, "notes": [], "attachments": [],
                    "assignedUsers": [] }),
        ]
    );
    assert!(customers_made_for(&world, "+34677123456").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_kustomer_refuses_for_good_does_not_hold_the_callers_events() {
    let world = World::start().await;
    let vera = person_creates_customer(&world, "Vera Existing", "+34 688 12 34 56").await;
    world
        .schedule_faults(json!({
            "service": "kustomer", "method": "GET", "path_prefix": "/kapi/v1/customers",
            "faults": [{ "kind": "status", "code": 400 }]
        }))
        .await;
    let conn = world.connector(None).await;
    let mut caller = Caller::new(&world, "+34688123456");
    send(&conn, &caller.answered_call("v1")).await;
    settle(&conn).await;
    // As before the lookup existed: a customer of the connector's own, and the call recorded on it.
    assert_eq!(conn.engine.lookup.counts.refused.load(Ordering::Relaxed), 1);
    let made = customers_made_for(&world, "+34688123456").await;
    assert_eq!(made.len(), 1);
    assert_eq!(conversations(&world, &made[0]).await.len(), 1);
    assert!(conversations(&world, &vera).await.is_empty());
}
