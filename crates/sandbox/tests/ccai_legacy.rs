//! The extension's legacy CCAI forms (invented, used only by the extension until issue 16), over real
//! HTTP: `?email=` on agents, and `agent_statuses` with `status_id`, `Idempotency-Key` and the
//! `X-Owner-Epoch` fence, refusals in a 200 with `message`, and the received log.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use sandbox::SandboxConfig;
use serde_json::json;

#[tokio::test]
async fn agents_by_email() {
    let env = Env::with(SandboxConfig {
        port: 0,
        agent_email: "ana@example.org".into(),
        ..SandboxConfig::default()
    })
    .await;
    let (_, v) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/agents?email=ana@example.org"))
        .await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["id"], 11);
    assert_eq!(v[0]["status"]["name"], "Available");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn agent_status_change_by_name_or_id_with_the_invented_status_id() {
    let env = Env::start().await;
    let (code, v) = env
        .json(env.set_ccai(
            json!({ "status": "Break", "agent_ids": [11], "team_ids": [], "future_key": true }),
        ))
        .await;
    assert_eq!(code, 200);
    let e = &v[0];
    assert_eq!(
        (
            e["agent_id"].as_i64(),
            e["previous_status"].as_str(),
            e["current_status"].as_str()
        ),
        (Some(11), Some("Available"), Some("Break"))
    );
    assert_eq!(e["email"], "agent@example.com");
    assert!(e.get("message").is_none());
    // The name "Meal" means the built-in; status_id picks the custom one.
    env.json(env.set_ccai(json!({ "status": "Meal", "status_id": -4, "agent_ids": [11] })))
        .await;
    assert_eq!(env.agent_status(11).await, -4);
    env.json(env.set_ccai(json!({ "status": "Meal", "status_id": 5, "agent_ids": [11] })))
        .await;
    assert_eq!(env.agent_status(11).await, 5);
    let (code, _) = env
        .json(env.set_ccai(json!({ "status": "Nope", "status_id": 99, "agent_ids": [11] })))
        .await;
    assert_eq!(code, 422);
    let received = env.received().await;
    let outcomes: Vec<&str> = received
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["applied", "applied", "applied", "unknown_status"]
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn system_statuses_are_refused_with_a_message() {
    let env = Env::start().await;
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "In-call", "status_id": -7, "agent_ids": [11] })))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        v[0]["message"],
        "Agent can't be changed to system status 'In-call'"
    );
    env.json(
        env.control(Method::POST, "/ccai/agents/11/status")
            .json(&json!({ "status_id": -7 })),
    )
    .await;
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "Available", "status_id": 0, "agent_ids": [11] })))
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        v[0]["message"],
        "Agent can't be changed from system status 'In-call'"
    );
    assert_eq!(v[0]["current_status"], "In-call");
    assert_eq!(env.agent_status(11).await, -7);
    let r = env.received().await;
    assert_eq!(r.last().unwrap()["outcome"], "refused_system_status");
    assert_eq!(r.last().unwrap()["applied"], false);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn idempotency_key_returns_the_first_answer_without_a_second_effect() {
    let env = Env::start().await;
    let send = |status: &str| {
        env.set_ccai(json!({ "status": status, "agent_ids": [11] }))
            .header("Idempotency-Key", "chg-1")
    };
    let (_, first) = env.json(send("Break")).await;
    env.json(env.set_ccai(json!({ "status": "Available", "status_id": 0, "agent_ids": [11] })))
        .await;
    let (code, again) = env.json(send("Break")).await;
    assert_eq!(code, 200);
    assert_eq!(first, again);
    assert_eq!(env.agent_status(11).await, 0, "the repeat had no effect");
    let r = env.received().await;
    assert_eq!(r.len(), 3);
    assert_eq!(
        (r[2]["duplicate"].as_bool(), r[2]["applied"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(r[2]["idempotency_key"], "chg-1");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a_lower_owner_epoch_is_fenced_off() {
    let env = Env::start().await;
    let send = |epoch: &str, status: &str| {
        env.set_ccai(json!({ "status": status, "agent_ids": [11] }))
            .header("X-Owner-Epoch", epoch)
    };
    assert_eq!(env.json(send("3", "Break")).await.0, 200);
    assert_eq!(
        env.json(send("3", "Unavailable")).await.0,
        200,
        "the same epoch goes on"
    );
    let (code, v) = env.json(send("2", "Available")).await;
    assert_eq!(code, 409);
    assert_eq!(v["error"], "stale_owner_epoch");
    assert_eq!(v["highest_epoch"], 3);
    assert_eq!(env.agent_status(11).await, -1);
    assert_eq!(env.json(send("4", "Available")).await.0, 200);
    let r = env.received().await;
    let epochs: Vec<(u64, &str)> = r
        .iter()
        .map(|e| (e["epoch"].as_u64().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        epochs,
        [
            (3, "applied"),
            (3, "applied"),
            (2, "stale_epoch"),
            (4, "applied")
        ]
    );
    let (code, _) = env.json(send("abc", "Break")).await;
    assert_eq!(code, 400);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn received_log_times_are_monotonic_with_fractions() {
    let env = Env::start().await;
    for s in ["Break", "Available", "Break"] {
        env.json(env.set_ccai(json!({ "status": s, "agent_ids": [11], "team_ids": [] })))
            .await;
    }
    let r = env.received().await;
    let times: Vec<f64> = r.iter().map(|e| e["at_ms"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let seqs: Vec<u64> = r.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    env.json(env.control(Method::POST, "/reset")).await;
    assert!(env.received().await.is_empty());
    assert_eq!(env.agent_status(11).await, 0);
    env.sandbox.stop().await;
}
