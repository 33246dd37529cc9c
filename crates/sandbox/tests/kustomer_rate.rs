//! Kustomer's org-wide per-minute budget (API-NOTES B4) over real HTTP: every credential shares it,
//! 429 past it, `x-ratelimit-*` on every answer, and the measurement hook.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::Env;
use reqwest::Method;
use sandbox::SandboxConfig;
use serde_json::json;

fn header(res: &reqwest::Response, name: &str) -> u64 {
    res.headers()[name].to_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_budget_is_shared_and_429_comes_past_it_with_the_headers() {
    let env = Env::with(SandboxConfig {
        port: 0,
        kustomer_budget_per_min: Some(5),
        ..SandboxConfig::default()
    })
    .await;
    // Three with the API key, two as a person (an OAuth token would count the same; the page's own
    // cookie does not, below).
    let mut remaining = Vec::new();
    for _ in 0..5 {
        let res = env
            .kapi(Method::GET, "/v1/routing/statuses")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(header(&res, "x-ratelimit-limit"), 5);
        let reset = header(&res, "x-ratelimit-reset");
        assert!((1..=60).contains(&reset), "{reset}");
        remaining.push(header(&res, "x-ratelimit-remaining"));
    }
    assert_eq!(remaining, vec![4, 3, 2, 1, 0]);

    let res = env
        .kapi(Method::POST, "/v1/customers")
        .json(&json!({ "name": "Not made" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    assert_eq!(header(&res, "x-ratelimit-remaining"), 0);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["status"], "429");

    // The page's own requests (its session cookie) are Kustomer's web app, not counted.
    let cookie = env.page_cookie().await;
    let res = env
        .http
        .get(format!("{}/kapi/v1/routing/statuses", env.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let (_, m) = env.json(env.control(Method::GET, "/kustomer/rate")).await;
    assert_eq!(m["budget"], 5);
    assert_eq!(m["total"], 6, "5 allowed and 1 refused: {m}");
    assert_eq!(m["refused"], 1);
    assert_eq!(m["max_in_any_60s_window"], 6);

    // The hook clears the measurements and the window.
    env.json(env.control(Method::DELETE, "/kustomer/rate"))
        .await;
    let res = env
        .kapi(Method::GET, "/v1/users/current")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-ratelimit-remaining"), 4);
    // Nothing was created by the refused request.
    let (_, found) = env
        .json(env.kapi(Method::GET, "/v1/customers?pageSize=100"))
        .await;
    let names: Vec<_> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["attributes"]["name"].clone())
        .collect();
    assert!(!names.contains(&json!("Not made")), "{names:?}");
}

#[tokio::test]
async fn without_a_budget_nothing_is_refused_but_everything_is_measured() {
    let env = Env::start().await;
    for _ in 0..30 {
        let res = env
            .kapi(Method::GET, "/v1/users/current")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers().get("x-ratelimit-limit").is_none());
    }
    let (_, m) = env.json(env.control(Method::GET, "/kustomer/rate")).await;
    assert_eq!(
        (m["total"].as_u64(), m["max_in_any_60s_window"].as_u64()),
        (Some(30), Some(30))
    );

    // A budget set at run time applies at once.
    env.json(
        env.control(Method::PUT, "/kustomer/rate")
            .json(&json!({ "budget": 1 })),
    )
    .await;
    let codes: Vec<u16> = statuses_of(&env, 3).await;
    assert_eq!(codes, vec![200, 429, 429]);
}

async fn statuses_of(env: &Env, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        let res = env
            .kapi(Method::GET, "/v1/users/current")
            .send()
            .await
            .unwrap();
        out.push(res.status().as_u16());
    }
    out
}
