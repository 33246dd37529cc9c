//! Callers who already are Kustomer customers (made by a person, another channel, or before the
//! server): the server finds them by phone (B9 `GET /v1/customers/phone=`) and gives them the
//! conversation instead of a second customer (R16 only for a new number). Fed by CCAI's documented
//! session events through the intake; against the real sandbox on loopback and a real SQLite file.

mod records_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use records_support::day::{agent, bodies, Session};
use records_support::*;
use reqwest::Method;
use serde_json::{json, Value};
use server::Server;

/// One end user's sessions, as CCAI delivers them.
struct Caller {
    phone: String,
    t_ms: u64,
}

impl Caller {
    fn new(world: &World, phone: &str) -> Caller {
        Caller {
            phone: phone.to_owned(),
            t_ms: world.t0_ms(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.t_ms += 1000;
        self.t_ms
    }

    /// An IVR call, answered by the agent and ended: R2 (or R6) puts it somewhere.
    fn answered_call(&mut self, session: &str) -> Vec<(&'static str, Value)> {
        let mut s = Session::new(
            "",
            "call",
            json!({ "id": session, "call_type": "IVR", "lang": "es",
            "dn": self.phone, "menu_path": "Billing", "queue_path_names": ["Support"] }),
        );
        s.at("Start", self.tick(), json!({}))
            .at(
                "Assigned",
                self.tick(),
                json!({ "agent_info": agent(AGENT_ID) }),
            )
            .at(
                "End",
                self.tick(),
                json!({ "status": "finished", "call_duration": 40.0,
                                            "wait_duration": 2.0, "hold_duration": 0.0 }),
            );
        bodies(&s)
    }

    /// The agent calls them, recorded: R3/R7 put it somewhere.
    fn outbound_call(&mut self, session: &str) -> Vec<(&'static str, Value)> {
        let mut s = Session::new(
            "",
            "call",
            json!({ "id": session, "call_type": "Voice Outbound (API)",
            "lang": "es", "dn": self.phone, "agent_info": agent(AGENT_ID) }),
        );
        s.at("Start", self.tick(), json!({})).at(
            "End",
            self.tick(),
            json!({ "status": "finished", "call_duration": 50.0,
                                            "recording_url": "https://rec.example/o1.mp3" }),
        );
        bodies(&s)
    }
}

async fn send(world: &World, server: &Server, bodies: &[(&'static str, Value)]) {
    let st = world.play(server, bodies).await;
    assert!(st.iter().all(|s| *s == 200), "{st:?}");
}

async fn settle(world: &World, server: &Server) {
    assert!(
        world.wait_idle(server, Duration::from_secs(30)).await,
        "server never idle"
    );
    assert_eq!(
        server
            .state
            .0
            .records
            .metrics
            .failed_ops
            .load(Ordering::Relaxed),
        0
    );
}

fn searches(server: &Server) -> u64 {
    server
        .state
        .0
        .records
        .lookup
        .counts
        .searches
        .load(Ordering::Relaxed)
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

/// Customers holding exactly this number as typed (`+34…` without spaces), i.e. ones the server made.
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
    let server = world.server(None).await;
    let mut caller = Caller::new(&world, "+34699112233");
    // The agent calls her back (R7: her latest conversation, a person's e-mail one, is open)…
    let mut bodies = caller.outbound_call("o1");
    // …then she calls in through the IVR (not the e-mail's channel: a conversation of its own, R2).
    bodies.extend(caller.answered_call("i2"));
    send(&world, &server, &bodies).await;
    settle(&world, &server).await;

    assert_eq!(
        conversations(&world, &ana).await,
        vec![
            json!({ "name": "Call i2 · language es · menu Billing", "messages": 0,
                    "notes": ["Phone number: +34699112233"], "attachments": [],
                    "assignedUsers": ["u-agent-1"] }),
            json!({ "name": "Order question", "messages": 1, "notes": ["Recording attached: o1.mp3"],
                    "attachments": ["o1.mp3"], "assignedUsers": ["u-agent-1"] }),
        ]
    );
    assert!(customers_made_for(&world, "+34699112233").await.is_empty());
    // Looked up once; remembered as found, not as made by the server (R18 never takes it for new).
    assert_eq!(searches(&server), 1);
    let stored = server
        .state
        .0
        .store
        .records_customer("phone:+34699112233")
        .expect("store")
        .expect("remembered");
    assert_eq!(stored.id, ana);
    assert_eq!(stored.created_by_session, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loose_match_kustomer_answers_is_not_the_caller() {
    let world = World::start().await;
    // Kustomer's look-up answers this record for +34612345678 (its digits end with the caller's, and it
    // is the most recently updated of the loose matches); it is another number.
    let lookalike = person_creates_customer(&world, "Lookalike", "+1 346 123 45678").await;
    let found = world.get("/customers/phone=%2B34612345678").await;
    assert_eq!(found["data"]["id"], json!(lookalike), "{found}");

    let server = world.server(None).await;
    let mut caller = Caller::new(&world, "+34612345678");
    send(&world, &server, &caller.answered_call("m1")).await;
    settle(&world, &server).await;

    assert!(conversations(&world, &lookalike).await.is_empty());
    let made = customers_made_for(&world, "+34612345678").await;
    assert_eq!(made.len(), 1, "R16: the caller is new");
    assert_eq!(
        conversations(&world, &made[0]).await[0]["name"],
        "Call m1 · language es · menu Billing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_found_is_kept_for_the_callers_next_calls() {
    let world = World::start().await;
    let older = person_creates_customer(&world, "Pat (old record)", "+34 633 00 01 11").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    let newer = person_creates_customer(&world, "Pat (new record)", "+34 633 000 111").await;
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A person updates the older record: Kustomer's look-up now answers it.
    world
        .kapi_send(
            Method::PATCH,
            &format!("/customers/{older}"),
            json!({ "name": "Pat Smith" }),
        )
        .await;
    let server = world.server(None).await;
    let mut caller = Caller::new(&world, "+34633000111");
    send(&world, &server, &caller.answered_call("p1")).await;
    settle(&world, &server).await;
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
    send(&world, &server, &caller.answered_call("p2")).await;
    settle(&world, &server).await;
    let convs = conversations(&world, &older).await;
    assert_eq!(convs.len(), 1, "p2 joins p1's open call (R6): {convs:?}");
    assert_eq!(convs[0]["messages"], 1);
    assert!(conversations(&world, &newer).await.is_empty());
    assert_eq!(searches(&server), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_no_customer_has_makes_a_new_customer_and_a_later_one_is_still_found() {
    let world = World::start().await;
    let server = world.server(None).await;
    let mut caller = Caller::new(&world, "+34910000999");
    send(&world, &server, &caller.answered_call("n1")).await;
    settle(&world, &server).await;
    let made = customers_made_for(&world, "+34910000999").await;
    assert_eq!(made.len(), 1, "R16: a new customer");
    let convs = conversations(&world, &made[0]).await;
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["name"], "Call n1 · language es · menu Billing");
    // An IVR call's start reads nothing (R2 waits for the answer): one search, at the answer.
    assert_eq!(searches(&server), 1);
    let stored = server
        .state
        .0
        .store
        .records_customer("phone:+34910000999")
        .expect("store")
        .expect("made");
    assert_eq!(stored.created_by_session.as_deref(), Some("n1"));

    // Another caller rings and is not a customer yet; while they wait, a person makes their record.
    // The answered call finds that record: no duplicate.
    let mut late = Caller::new(&world, "+34910000888");
    let all = late.answered_call("l1");
    send(&world, &server, &all[..1]).await;
    settle(&world, &server).await;
    let lola = person_creates_customer(&world, "Lola", "910 000 888").await;
    tokio::time::sleep(server::records::lookup::MISS_TTL + Duration::from_millis(100)).await;
    send(&world, &server, &all[1..]).await;
    settle(&world, &server).await;
    assert!(customers_made_for(&world, "+34910000888").await.is_empty());
    let convs = conversations(&world, &lola).await;
    assert_eq!(convs.len(), 1);
    assert_eq!(convs[0]["name"], "Call l1 · language es · menu Billing");
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
    // Every kind of failure on the look-up's reads (the search and the customer's conversations).
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
    let server = world.server(Some(db.clone())).await;
    let mut caller = Caller::new(&world, "+34677123456");
    let mut bodies = caller.answered_call("f1");
    let rest = bodies.split_off(2);
    send(&world, &server, &bodies).await;
    // Killed while the look-up is still failing, or waiting on the slow answer.
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.kill().await;
    let server = world.server(Some(db)).await;
    send(&world, &server, &rest).await;
    settle(&world, &server).await;

    let log = world.fault_log().await;
    assert_eq!(log["pending"], json!([]), "every fault fired");
    let fired = log["fired"].as_array().map_or(0, Vec::len);
    assert_eq!(fired, 6);
    let convs = conversations(&world, &fran).await;
    assert_eq!(
        convs,
        vec![
            json!({ "name": "Call f1 · language es · menu Billing", "messages": 0,
                    "notes": ["Phone number: +34677123456"], "attachments": [],
                    "assignedUsers": ["u-agent-1"] }),
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
    let server = world.server(None).await;
    let mut caller = Caller::new(&world, "+34688123456");
    send(&world, &server, &caller.answered_call("v1")).await;
    settle(&world, &server).await;
    // As before the look-up existed: a customer of the server's own, and the call recorded on it.
    assert_eq!(
        server
            .state
            .0
            .records
            .lookup
            .counts
            .refused
            .load(Ordering::Relaxed),
        1
    );
    let made = customers_made_for(&world, "+34688123456").await;
    assert_eq!(made.len(), 1);
    assert_eq!(conversations(&world, &made[0]).await.len(), 1);
    assert!(conversations(&world, &vera).await.is_empty());
}
