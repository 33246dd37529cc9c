//! Calls (issue 6): an outbound call's whole lifecycle, an incoming call, and refusals.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

async fn act(env: &Env, id: i64, action: &str, body: Value) -> (u16, Value) {
    env.json(
        env.ccai(Method::POST, &format!("/apps/api/v1/calls/{id}/{action}"))
            .json(&body),
    )
    .await
}

async fn far(env: &Env, id: i64, event: &str) -> (u16, Value) {
    env.json(env.control(Method::POST, &format!("/ccai/calls/{id}/{event}")))
        .await
}

#[tokio::test]
async fn outbound_call_lifecycle() {
    let env = Env::start().await;
    let (code, c) =
        env.json(env.ccai(Method::POST, "/apps/api/v1/calls").json(
            &json!({ "agent_id": 11, "end_user_number": "+34612345678", "ticket_id": "t1" }),
        ))
        .await;
    assert_eq!(code, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        (c["status"].as_str(), c["call_type"].as_str()),
        (Some("dialing"), Some("outbound"))
    );
    assert_eq!(env.agent_status(11).await, -7, "In-call while on a call");
    assert_eq!(far(&env, id, "ring").await.1["status"], "ringing");
    assert_eq!(far(&env, id, "answer").await.1["status"], "connected");
    assert_eq!(
        act(&env, id, "hold", json!({})).await.1["status"],
        "on_hold"
    );
    assert_eq!(
        act(&env, id, "dtmf", json!({ "digits": "1" })).await.0,
        409,
        "no DTMF on hold"
    );
    assert_eq!(
        act(&env, id, "resume", json!({})).await.1["status"],
        "connected"
    );
    assert_eq!(act(&env, id, "mute", json!({})).await.1["muted"], true);
    assert_eq!(
        act(&env, id, "dtmf", json!({ "digits": "12#" })).await.1["dtmf_digits"],
        "12#"
    );
    let (_, c) = act(&env, id, "transfer", json!({ "agent_id": 13 })).await;
    assert_eq!(
        (c["status"].as_str(), c["agent"]["id"].as_i64()),
        (Some("connected"), Some(13))
    );
    assert_eq!(env.agent_status(11).await, -6, "the first agent wraps up");
    assert_eq!(env.agent_status(13).await, -7);
    let (_, c) = far(&env, id, "hangup").await;
    assert_eq!(c["status"], "finished");
    assert!(c["ended_at"].is_string());
    assert_eq!(act(&env, id, "hold", json!({})).await.0, 409);
    let (_, got) = env
        .json(env.ccai(Method::GET, &format!("/apps/api/v1/calls/{id}")))
        .await;
    assert_eq!(got["transfers"].as_array().unwrap().len(), 1);
    let (_, feed) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/agents/11/activities?since=0"))
        .await;
    assert!(feed
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a["type"] == "call" && a["call"]["id"] == id));
    env.sandbox.stop().await;
}

#[tokio::test]
async fn incoming_call_rings_then_is_answered_and_hung_up() {
    let env = Env::start().await;
    let (code, c) = env
        .json(
            env.control(Method::POST, "/ccai/calls/incoming")
                .json(&json!({ "end_user_number": "+14155550132" })),
        )
        .await;
    assert_eq!(code, 201);
    let id = c["id"].as_i64().unwrap();
    assert_eq!(
        (c["status"].as_str(), c["agent"]["id"].as_i64()),
        (Some("ringing"), Some(11))
    );
    let (_, active) = env
        .json(env.ccai(Method::GET, "/apps/api/v1/calls?agent_id=11&status=ringing"))
        .await;
    assert_eq!(active.as_array().unwrap().len(), 1);
    assert_eq!(
        act(&env, id, "answer", json!({})).await.1["status"],
        "connected"
    );
    assert_eq!(env.agent_status(11).await, -7);
    assert_eq!(
        act(&env, id, "hangup", json!({})).await.1["status"],
        "finished"
    );
    assert_eq!(env.agent_status(11).await, -6);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a_missed_ring_and_a_bad_number() {
    let env = Env::start().await;
    let (_, c) = env
        .json(
            env.control(Method::POST, "/ccai/calls/incoming")
                .json(&json!({ "end_user_number": "+442079460958" })),
        )
        .await;
    let id = c["id"].as_i64().unwrap();
    assert_eq!(far(&env, id, "miss").await.1["status"], "missed");
    assert_eq!(env.agent_status(11).await, -5);
    let (code, v) = env
        .json(
            env.ccai(Method::POST, "/apps/api/v1/calls")
                .json(&json!({ "agent_id": 11, "end_user_number": "2024-11-25-0001" })),
        )
        .await;
    assert_eq!(code, 422);
    assert!(v["message"].as_str().unwrap().contains("E.164"));
    env.sandbox.stop().await;
}
