//! CCAI API over real HTTP: Basic auth (A2), user statuses (A9), CCAI-side changes and the legacy
//! activity feed.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn basic_auth_is_required() {
    let env = Env::start().await;
    let url = format!("{}/ccai/manager/api/v1/user_statuses", env.base);
    assert_eq!(env.http.get(&url).send().await.unwrap().status(), 401);
    let wrong = env
        .http
        .get(&url)
        .basic_auth("sandbox", Some("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let bearer = env
        .http
        .get(&url)
        .bearer_auth("sandbox-kustomer-key")
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn user_statuses_include_builtins_and_a_repeated_name() {
    let env = Env::start().await;
    let (code, v) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/user_statuses"))
        .await;
    assert_eq!(code, 200);
    let list = v.as_array().unwrap();
    assert_eq!(
        list[0],
        json!({ "id": 0, "wfm_id": 11, "name": "Available", "color": "green" })
    );
    // A9's table, as documented.
    let a9 = [
        (0, "Available", "green", 11),
        (-1, "Unavailable", "red", 12),
        (-2, "Break", "yellow", 29),
        (-3, "Special Task", "pink", 30),
        (-4, "Meal", "brown", 31),
        (-5, "Missed Call", "blue_grey", 32),
        (-6, "Wrap-up", "purple", 33),
        (-7, "In-call", "light_blue", 34),
        (-8, "In-chat", "indigo", 35),
        (-10, "Offline", "grey", 36),
        (5, "Meal", "green", 45),
    ];
    for (id, name, color, wfm_id) in a9 {
        let want = json!({ "id": id, "wfm_id": wfm_id, "name": name, "color": color });
        assert!(list.contains(&want), "A9 status {want}");
    }
    let meals = list.iter().filter(|s| s["name"] == "Meal").count();
    assert_eq!(meals, 2);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn wrap_up_ends_by_itself_into_available() {
    let env = Env::start().await;
    env.json(
        env.control(Method::POST, "/ccai/agents/11/status")
            .json(&json!({ "status_id": -7 })),
    )
    .await;
    env.json(
        env.control(Method::POST, "/ccai/agents/11/status")
            .json(&json!({ "status_id": -6, "wrap_up_ms": 100 })),
    )
    .await;
    assert_eq!(env.agent_status(11).await, -6, "in Wrap-up");
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
    while env.agent_status(11).await != 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "Wrap-up did not end by itself"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    env.sandbox.stop().await;
}

#[tokio::test]
async fn wrap_up_can_be_ended_by_hand() {
    let env = Env::start().await;
    env.json(
        env.control(Method::POST, "/ccai/agents/11/status")
            .json(&json!({ "status_id": -6, "wrap_up_ms": 0 })),
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(env.agent_status(11).await, -6);
    let (code, _) = env
        .json(env.control(Method::POST, "/ccai/agents/11/wrap-up/end"))
        .await;
    assert_eq!(code, 200);
    assert_eq!(env.agent_status(11).await, 0);
    env.sandbox.stop().await;
}
