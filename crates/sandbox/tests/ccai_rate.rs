//! API-NOTES A3 over real HTTP: past the configured rate in any 1-second window CCAI answers 429, and
//! `GET /sandbox/ccai/rate` reports the most requests seen in any 1-second window.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use futures_util::future::join_all;
use reqwest::Method;
use sandbox::SandboxConfig;
use serde_json::{json, Value};

async fn burst(env: &Env, n: usize) -> Vec<reqwest::Response> {
    let reqs = (0..n).map(|_| {
        env.ccai(Method::GET, "/manager/api/v1/user_statuses")
            .send()
    });
    join_all(reqs)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

async fn report(env: &Env) -> Value {
    env.json(env.control(Method::GET, "/ccai/rate")).await.1
}

#[tokio::test]
async fn a3_past_the_rate_is_429_and_the_hook_reports_the_busiest_second() {
    let env = Env::with(SandboxConfig {
        port: 0,
        ccai_rate: Some(5),
        ..SandboxConfig::default()
    })
    .await;
    let answers = burst(&env, 12).await;
    let ok = answers.iter().filter(|r| r.status() == 200).count();
    assert_eq!(ok, 5, "5 requests per second");
    let refused: Vec<&reqwest::Response> = answers.iter().filter(|r| r.status() == 429).collect();
    assert_eq!(refused.len(), 7);
    assert_eq!(refused[0].headers()["retry-after"], "1");
    let r = report(&env).await;
    assert_eq!(
        (
            r["limit"].as_u64(),
            r["total"].as_u64(),
            r["rejected"].as_u64()
        ),
        (Some(5), Some(12), Some(7))
    );
    assert_eq!(
        r["max_in_any_1s_window"], 12,
        "what the client sent, refused ones included"
    );
    assert_eq!(r["max_accepted_in_any_1s_window"], 5);
    assert!(r["window_start_ms"].as_i64().unwrap() > 0);
    // A refused request does not use the budget: a second later there is room again.
    tokio::time::sleep(std::time::Duration::from_millis(1050)).await;
    assert_eq!(burst(&env, 1).await[0].status(), 200);
    // Unauthenticated requests are not the customer's.
    let anon = env
        .http
        .get(format!("{}/ccai/manager/api/v1/user_statuses", env.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    assert_eq!(report(&env).await["total"], 13);
    // Reset keeps the limit and clears the figures.
    let (code, r) = env.json(env.control(Method::DELETE, "/ccai/rate")).await;
    assert_eq!(
        (code, r["total"].as_u64(), r["limit"].as_u64()),
        (200, Some(0), Some(5))
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a3_off_by_default_but_measured_and_settable_by_the_hook() {
    let env = Env::start().await;
    let answers = burst(&env, 15).await;
    assert!(answers.iter().all(|r| r.status() == 200));
    let r = report(&env).await;
    assert_eq!(
        (r["limit"].clone(), r["max_in_any_1s_window"].as_u64()),
        (Value::Null, Some(15))
    );
    let (_, r) = env
        .json(
            env.control(Method::POST, "/ccai/rate")
                .json(&json!({ "limit": 1 })),
        )
        .await;
    assert_eq!(
        (r["limit"].as_u64(), r["total"].as_u64()),
        (Some(1), Some(0))
    );
    let codes: Vec<u16> = burst(&env, 2)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let mut sorted = codes.clone();
    sorted.sort();
    assert_eq!(sorted, [200, 429], "{codes:?}");
    let (_, body) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/user_statuses"))
        .await;
    assert!(body["message"].as_str().unwrap().contains("per second"));
    env.sandbox.stop().await;
}
