//! The outbox's crash window (issue 15): Kustomer has done a write, the server has not committed that it
//! did, and the server dies. Kustomer takes no idempotency keys (B18), so the restart must find the
//! write by its natural key instead of making it twice: exactly one record. Real sandbox, real SQLite,
//! the server killed in the window.
//!
//! How the window is held open: the creation's answer is lost (the sandbox applies it, then drops the
//! connection), and the look-up the server then makes to find it is slowed down; the server is killed
//! during that look-up. The file then says the write went out and is not done.

mod records_support;

use std::time::Duration;

use records_support::day::assigned_call;
use records_support::*;
use serde_json::{json, Value};

const PHONE: &str = "+34611222333";

/// Writes of the outbox that went out and are not done (the window), as `(op, attempted, done)`.
fn in_the_window(db: &std::path::Path) -> Vec<String> {
    let store = server::store::Store::open(&server::store::testing::database_for(db)).expect("db");
    let conn = store.lock();
    let mut st = conn
        .prepare("SELECT op FROM records_ops WHERE idx >= 0 AND attempted = 1 AND done = 0")
        .expect("query");
    st.query_map([], |r| r.get::<_, String>(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

async fn count_customers(world: &World) -> usize {
    let all = world.get("/customers?pageSize=1000").await;
    all["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["attributes"]["phones"][0]["phone"] == PHONE)
        .count()
}

async fn conversations_of(world: &World, customer: &str) -> Vec<Value> {
    let v = world
        .get(&format!("/customers/{customer}/conversations?pageSize=100"))
        .await;
    v["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kill_between_kustomers_answer_and_the_commit_leaves_exactly_one_customer_and_conversation(
) {
    let slow = json!({ "kind": "latency", "ms": 5000 });
    for (what, create_path, lookup_path, lookup_faults) in [
        (
            "customer",
            "/kapi/v1/customers",
            "/kapi/v1/customers/externalId=",
            json!([slow]),
        ),
        // The caller's phone look-up comes first on this path; the conversation's look-up second.
        (
            "conversation",
            "/kapi/v1/conversations",
            "/kapi/v1/customers/",
            json!([{ "kind": "latency", "ms": 1 }, slow]),
        ),
    ] {
        let world = World::start().await;
        let db = world.db_path();
        // The creation is applied and its answer lost; the look-up that follows takes 5 s.
        for (method, path, faults) in [
            ("POST", create_path, json!([{ "kind": "lost_response" }])),
            ("GET", lookup_path, lookup_faults),
        ] {
            world
                .schedule_faults(json!({ "service": "kustomer", "method": method,
                                         "path_prefix": path, "faults": faults }))
                .await;
        }
        let server = world.server(Some(db.clone())).await;
        let st = world
            .play(&server, &assigned_call("w1", PHONE, world.t0_ms()))
            .await;
        assert!(st.iter().all(|s| *s == 200), "{what}: {st:?}");
        // Wait until the creation went out and its answer was lost.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while in_the_window(&db).is_empty() {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{what}: never in the window"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        server.kill().await;
        let window = in_the_window(&db);
        assert_eq!(window.len(), 1, "{what}: {window:?}");
        assert!(
            window[0].contains(&format!("create_{what}")),
            "{what}: killed in another write's window: {window:?}"
        );
        assert_eq!(
            count_customers(&world).await,
            1,
            "{what}: Kustomer has it already"
        );

        let server = world.server(Some(db.clone())).await;
        assert!(
            world.wait_idle(&server, Duration::from_secs(30)).await,
            "{what}: never idle"
        );
        assert_eq!(
            count_customers(&world).await,
            1,
            "{what}: exactly one customer"
        );
        let customer = server
            .state
            .0
            .store
            .records_customer(&format!("phone:{PHONE}"))
            .expect("store")
            .expect("known");
        let convs = conversations_of(&world, &customer.id).await;
        assert_eq!(
            convs.len(),
            1,
            "{what}: exactly one conversation: {convs:?}"
        );
        assert_eq!(
            convs[0]["attributes"]["assignedUsers"],
            json!(["u-agent-1"]),
            "{what}"
        );
        assert!(
            in_the_window(&db).is_empty(),
            "{what}: the restart finished it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_whose_answer_was_lost_is_not_written_twice() {
    let world = World::start().await;
    world
        .schedule_faults(
            json!({ "service": "kustomer", "method": "POST", "path_prefix": "/kapi/v1/notes",
                                 "faults": [{ "kind": "lost_response" }] }),
        )
        .await;
    let server = world.server(None).await;
    let st = world
        .play(&server, &assigned_call("n1", PHONE, world.t0_ms()))
        .await;
    assert!(st.iter().all(|s| *s == 200), "{st:?}");
    assert!(world.wait_idle(&server, Duration::from_secs(30)).await);
    let customer = server
        .state
        .0
        .store
        .records_customer(&format!("phone:{PHONE}"))
        .expect("store")
        .expect("known");
    let convs = conversations_of(&world, &customer.id).await;
    let id = convs[0]["id"].as_str().expect("conversation");
    let notes = world.get(&format!("/conversations/{id}/notes")).await;
    let bodies: Vec<&str> = notes["data"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|n| n["attributes"]["body"].as_str())
        .collect();
    assert_eq!(bodies, vec![format!("Phone number: {PHONE}")]);
    assert_eq!(
        server
            .state
            .0
            .records
            .metrics
            .not_repeated
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
}
