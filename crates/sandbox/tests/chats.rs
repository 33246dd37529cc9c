//! Chats (issue 6): a chat from a customer rings for the agent, is accepted or declined, and ends.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

async fn act(env: &Env, id: i64, action: &str) -> (u16, Value) {
    env.json(env.ccai(Method::POST, &format!("/apps/api/v1/chats/{id}/{action}")))
        .await
}

async fn customer(env: &Env, path: &str, body: Value) -> (u16, Value) {
    env.json(
        env.control(Method::POST, &format!("/ccai/chats{path}"))
            .json(&body),
    )
    .await
}

async fn active(env: &Env) -> Value {
    env.json(env.ccai(Method::GET, "/apps/api/v1/chats?agent_id=11&status=active"))
        .await
        .1
}

#[tokio::test]
async fn a_chat_rings_is_accepted_and_the_customer_ends_it() {
    let env = Env::start().await;
    let (code, chat) = customer(
        &env,
        "/incoming",
        json!({ "end_user": { "name": "Ana", "email": "ana@example.com" }, "message": "<b>hi</b>" }),
    )
    .await;
    assert_eq!(code, 201, "{chat}");
    let id = chat["id"].as_i64().unwrap();
    assert_eq!(
        (
            chat["status"].as_str(),
            chat["sub_status"].as_str(),
            chat["agent"]["id"].as_i64()
        ),
        (Some("queued"), Some("waiting_for_agent"), Some(11))
    );
    assert_eq!(chat["end_user"]["email"], "ana@example.com");
    assert_eq!(active(&env).await.as_array().map(Vec::len), Some(1));
    let (_, msgs) = env
        .json(env.ccai(Method::GET, &format!("/apps/api/v1/chats/{id}/messages")))
        .await;
    assert_eq!(
        (msgs[0]["from"].as_str(), msgs[0]["content"].as_str()),
        (Some("end_user"), Some("<b>hi</b>")),
        "verbatim"
    );
    assert_eq!(act(&env, id, "finish").await.0, 409, "not assigned yet");
    let (code, chat) = act(&env, id, "accept").await;
    assert_eq!((code, chat["status"].as_str()), (200, Some("assigned")));
    assert_eq!(env.agent_status(11).await, -8, "In-chat");
    let (_, chat) = customer(
        &env,
        &format!("/{id}/message"),
        json!({ "content": "still there?" }),
    )
    .await;
    assert_eq!(chat["message_count"], 2);
    let (_, chat) = customer(&env, &format!("/{id}/end"), json!({})).await;
    assert_eq!(
        (chat["status"].as_str(), chat["finish_reason"].as_str()),
        (Some("finished"), Some("end_user"))
    );
    assert_eq!(env.agent_status(11).await, 0, "Available again");
    assert_eq!(active(&env).await, json!([]));
    assert_eq!(
        customer(&env, &format!("/{id}/end"), json!({})).await.0,
        409,
        "already over"
    );
}

#[tokio::test]
async fn a_declined_chat_goes_back_to_the_queue_and_a_left_one_is_canceled() {
    let env = Env::start().await;
    let (_, chat) = customer(
        &env,
        "/incoming",
        json!({ "end_user": { "name": "Ana" }, "message": "hi" }),
    )
    .await;
    let id = chat["id"].as_i64().unwrap();
    let (code, chat) = act(&env, id, "decline").await;
    assert_eq!(code, 200);
    assert_eq!(
        (
            chat["status"].as_str(),
            chat["sub_status"].as_str(),
            &chat["agent"]
        ),
        (Some("queued"), Some("in_queue"), &Value::Null)
    );
    assert_eq!(chat["declined_agent_ids"], json!([11]));
    assert_eq!(active(&env).await, json!([]), "no longer the agent's");
    assert_eq!(act(&env, id, "accept").await.0, 409, "no longer offered");
    let (_, chat) = customer(&env, &format!("/{id}/end"), json!({})).await;
    assert_eq!(chat["status"], "canceled");
    assert_eq!(
        env.agent_status(11).await,
        0,
        "a chat never taken leaves the status alone"
    );
    let (code, _) = customer(&env, "/incoming", json!({ "end_user": { "name": "Ana" } })).await;
    assert_eq!(code, 400, "a chat needs its first message");
    assert_eq!(act(&env, 999, "accept").await.0, 404);
}
