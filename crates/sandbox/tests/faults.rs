//! Fault injection (issue 5): each kind, consumed in order, one per matching request.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use std::time::{Duration, Instant};

use common::Env;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn status_faults_answer_in_order_with_retry_after() {
    let env = Env::start().await;
    env.faults(
        json!({ "service": "ccai", "path_prefix": "/apps/api/v1/agent_statuses", "faults": [
        { "kind": "status", "code": 429, "retry_after_s": 2 },
        { "kind": "status", "code": 503 },
        { "kind": "status", "code": 401 },
        { "kind": "status", "code": 500 },
    ] }),
    )
    .await;
    // Another path is not affected.
    let (code, _) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/user_statuses"))
        .await;
    assert_eq!(code, 200);
    let send = || env.set_ccai(json!({ "status": "Break", "agent_ids": [11], "team_ids": [] }));
    let res = send().send().await.unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(res.headers()["retry-after"], "2");
    for want in [503, 401, 500, 200] {
        assert_eq!(send().send().await.unwrap().status(), want);
    }
    let outcomes: Vec<String> = env
        .received()
        .await
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes,
        [
            "fault_status_429",
            "fault_status_503",
            "fault_status_401",
            "fault_status_500",
            "applied"
        ]
    );
    let (_, f) = env.json(env.control(Method::GET, "/faults")).await;
    assert!(f["pending"].as_array().unwrap().is_empty());
    assert_eq!(f["fired"].as_array().unwrap().len(), 4);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn latency_delays_then_serves() {
    let env = Env::start().await;
    env.faults(json!({ "service": "kustomer", "faults": [{ "kind": "latency", "ms": 300 }] }))
        .await;
    let t = Instant::now();
    let (code, _) = env.json(env.kapi(Method::GET, "/v1/users/current")).await;
    assert_eq!(code, 200);
    assert!(t.elapsed() >= Duration::from_millis(290));
    env.sandbox.stop().await;
}

#[tokio::test]
async fn drop_closes_the_connection_and_applies_nothing() {
    let env = Env::start().await;
    env.faults(json!({ "service": "ccai", "faults": [{ "kind": "drop" }] }))
        .await;
    let err = env
        .set_ccai(json!({ "status": "Break", "agent_ids": [11], "team_ids": [] }))
        .send()
        .await;
    assert!(err.is_err(), "no HTTP response: {err:?}");
    assert_eq!(env.agent_status(11).await, 0);
    assert_eq!(env.received().await[0]["outcome"], "fault_drop");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn lost_response_applies_the_change_though_the_client_sees_a_drop() {
    let env = Env::start().await;
    env.faults(
        json!({ "service": "ccai", "method": "POST", "faults": [{ "kind": "lost_response" }] }),
    )
    .await;
    let send = || env.set_ccai(json!({ "status": "Break", "agent_ids": [11], "team_ids": [] }));
    assert!(send().send().await.is_err(), "the response is lost");
    assert_eq!(env.agent_status(11).await, -2, "but the change was applied");
    // A7: no idempotency key; sent again, the same change is answered as one from Break to Break.
    let (code, v) = env.json(send()).await;
    assert_eq!(code, 200);
    assert_eq!(
        (
            v[0]["previous_status"].as_str(),
            v[0]["current_status"].as_str()
        ),
        (Some("Break"), Some("Break"))
    );
    let r = env.received().await;
    assert_eq!(
        (r[0]["applied"].as_bool(), r[0]["response_lost"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(
        (r[1]["outcome"].as_str(), r[1]["response_lost"].as_bool()),
        (Some("unchanged"), Some(false))
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn times_repeats_and_delete_clears() {
    let env = Env::start().await;
    env.faults(json!({ "service": "kustomer", "path_prefix": "/kapi/v1/customers", "faults": [{ "kind": "status", "code": 503 }], "times": 3 })).await;
    let (_, f) = env.json(env.control(Method::GET, "/faults")).await;
    assert_eq!(f["pending"].as_array().unwrap().len(), 3);
    assert_eq!(
        env.json(env.kapi(Method::GET, "/v1/customers")).await.0,
        503
    );
    let (_, v) = env.json(env.kapi(Method::GET, "/v1/customers")).await;
    assert_eq!(
        v["errors"][0]["status"], "503",
        "Kustomer faults answer as JSON:API errors"
    );
    let (_, c) = env.json(env.control(Method::DELETE, "/faults")).await;
    assert_eq!(c["cleared"], 1);
    assert_eq!(
        env.json(env.kapi(Method::GET, "/v1/customers")).await.0,
        200
    );
    env.sandbox.stop().await;
}
