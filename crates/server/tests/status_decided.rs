//! A target the owner tab decided itself (the agent's pick in the adapter's menu, S1, or its
//! reconciler's mapping): `StatusChange.ccai_status_id` is set as it is, once, and a target that
//! cannot be set by name is refused; `GET /api/v1/ccai` gives the adapter the statuses and the
//! agent's status now.

mod status_common;

use ccai_core::server_api::Push;
use serde_json::{json, Value};
use status_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_target_is_set_as_is_once_and_a_system_status_is_refused() {
    let env = start(10).await;
    let token = env.sign_in("agent@example.com", "u-agent-1", 11);
    let epoch = env.claim(&token).await;
    let mut events = env.events(&token).await;

    let change = |key: &str, ccai: i64| json!({"key": key, "epoch": epoch, "changed_at_ms": 1, "ccai_status_id": ccai});
    // Special Task (-3) has no row in the mapping: decided by the tab, it is set all the same.
    let (code, body) = env
        .post_json(&token, "/api/v1/status", &change("pick-1", -3))
        .await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Queued")));
    let (code, body) = env
        .post_json(&token, "/api/v1/status", &change("pick-1", -3))
        .await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Duplicate")));
    let applied = wait_for(
        &mut events,
        1,
        10,
        |p| matches!(p, Push::StatusApplied { key, .. } if key == "pick-1"),
    )
    .await;
    assert!(
        matches!(&applied[0], Push::StatusApplied { ccai_status, .. } if ccai_status == "Special Task"),
        "{applied:?}"
    );
    assert_eq!(
        env.applied_to(11).await,
        vec!["Special Task".to_string()],
        "once"
    );

    // In-call (-7) is CCAI's own: refused in words, nothing sent.
    let (code, body) = env
        .post_json(&token, "/api/v1/status", &change("pick-2", -7))
        .await;
    assert_eq!(code, 422, "{body}");
    assert_eq!(body["outcome"], "Refused", "{body}");
    assert_eq!(env.applied_to(11).await, vec!["Special Task".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_adapter_reads_the_statuses_and_the_agents_status_now() {
    let env = start(10).await;
    let token = env.sign_in("agent@example.com", "u-agent-1", 11);
    let (code, body) = env.get_json(&token, "/api/v1/ccai").await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["ccai_agent_id"], 11);
    let names: Vec<&str> = body["statuses"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(
        names.contains(&"Available") && names.contains(&"Meal"),
        "{names:?}"
    );
    let epoch = env.claim(&token).await;
    let (code, _) = env.change(&token, "k-1", epoch, K_LUNCH).await;
    assert_eq!(code, 200);
    // The status CCAI has now: Break after the mapped Lunch.
    let now = agent_ccai_named(&env, &token, "Break").await;
    assert_eq!(now["current"]["name"], "Break", "{now}");
}

/// `GET /api/v1/ccai` until its current status is named `name` (5 s at most): the last answer.
async fn agent_ccai_named(env: &Env, token: &str, name: &str) -> Value {
    let mut now = Value::Null;
    for _ in 0..50 {
        now = env.get_json(token, "/api/v1/ccai").await.1;
        if now["current"]["name"] == name {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    now
}

/// How many `GET /manager/api/v1/agents` CCAI has received (listings and per-agent reads).
async fn agent_reads(env: &Env) -> u64 {
    let report = env.sandbox_json("/sandbox/fidelity").await;
    report["documented"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| {
            s["method"] == "GET"
                && s["route"]
                    .as_str()
                    .is_some_and(|r| r.ends_with("/manager/api/v1/agents"))
        })
        .filter_map(|s| s["count"].as_u64())
        .sum()
}

async fn current_name(env: &Env, token: &str) -> Value {
    env.get_json(token, "/api/v1/ccai").await.1["current"]["name"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_status_now_costs_no_ccai_request_while_the_activity_log_is_tailed() {
    let env = start(10).await;
    let token = env.sign_in("agent@example.com", "u-agent-1", 11);
    // The tail (every 500 ms here) has read the log once: what the listing said is trusted.
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    let before = agent_reads(&env).await;
    assert!(current_name(&env, &token).await.is_string());
    // CCAI moves the agent itself: the tail learns it, and the next answers say so, unasked.
    env.ccai_moves(11, -2).await;
    let now = agent_ccai_named(&env, &token, "Break").await;
    assert_eq!(now["current"]["name"], "Break", "{now}");
    assert_eq!(agent_reads(&env).await, before, "answered from the tail");

    // The tail falls behind (CCAI refuses the log): after its allowed lag (3 × 500 ms) the answer
    // is read from CCAI again, not trusted stale.
    env.fault(json!({
        "service": "ccai",
        "path_prefix": "/manager/api/v1/agent_activity_logs",
        "faults": [{"kind": "status", "code": 500}],
        "times": 1000
    }))
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(2_500)).await;
    assert_eq!(current_name(&env, &token).await, "Break");
    assert_eq!(agent_reads(&env).await, before + 1, "read from CCAI");
}
