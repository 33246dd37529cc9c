//! The record rules' notes under load (issue 15, Kustomer's budget): when notes come faster than
//! Kustomer answers, what has gathered goes as one `POST /v1/notes/bulk` (B13); each conversation still
//! gets each of its notes exactly once. Real HTTP, real sandbox, real SQLite.

mod records_support;

use std::time::Duration;

use records_support::push::answered_call;
use records_support::*;
use serde_json::{json, Value};

const CALLS: usize = 12;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notes_that_gather_while_kustomer_is_slow_go_in_one_request_each_once() {
    let world = World::start().await;
    let server = world.server(None).await;
    // The first note takes two seconds to be answered: the others gather meanwhile.
    world
        .schedule_faults(
            json!({ "service": "kustomer", "method": "POST", "path_prefix": "/v1/notes",
                                 "faults": [{ "kind": "latency", "ms": 2000 }] }),
        )
        .await;
    let mut sends = Vec::new();
    for i in 0..CALLS {
        let world = &world;
        let server = &server;
        sends.push(async move {
            for d in answered_call(
                &format!("bulk{i}"),
                &format!("+1415888{i:04}"),
                world.t0_ms(),
            ) {
                let (st, answer) = world
                    .post_events(
                        server,
                        "call",
                        &json!({ "count": 1, "events": [d] }),
                        (USER, PASSWORD),
                    )
                    .await;
                assert_eq!(st, 200, "{answer}");
            }
        });
    }
    futures_util::future::join_all(sends).await;
    assert!(world.wait_idle(&server, Duration::from_secs(30)).await);

    for i in 0..CALLS {
        let customer = server
            .state
            .0
            .store
            .records_customer(&format!("phone:+1415888{i:04}"))
            .expect("store")
            .expect("the caller's customer");
        let convs = world
            .get(&format!("/customers/{}/conversations", customer.id))
            .await;
        let conv = convs["data"][0]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let notes = world.get(&format!("/conversations/{conv}/notes")).await;
        let bodies: Vec<&Value> = notes["data"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|n| &n["attributes"]["body"])
            .collect();
        assert_eq!(
            bodies,
            [&json!(format!("Phone number: +1415888{i:04}"))],
            "call {i}: its note, once"
        );
    }
    let requests = world.sandbox_get("/sandbox/kustomer/requests").await;
    let notes: Vec<&str> = requests
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["method"] == "POST")
        .filter_map(|r| r["path"].as_str())
        .filter(|p| p.contains("/v1/notes"))
        .collect();
    assert!(
        notes.iter().any(|p| p.ends_with("/v1/notes/bulk")),
        "{notes:?}"
    );
    assert!(
        notes.len() < CALLS,
        "{CALLS} notes in {} requests: {notes:?}",
        notes.len()
    );
}
