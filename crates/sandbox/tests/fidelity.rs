//! The fidelity ledger (issue 16) over real HTTP: product requests are recorded with their API-NOTES
//! section or why none documents them; the imitated page's own requests are not the product's.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::Value;

fn count(list: &Value, route: &str) -> u64 {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|s| s["route"] == route)
        .map(|s| s["count"].as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn product_requests_are_recorded_by_the_contract() {
    let env = Env::start().await;
    env.ccai(Method::GET, "/manager/api/v1/user_statuses")
        .send()
        .await
        .unwrap();
    env.ccai(
        Method::GET,
        "/manager/api/v1/agents?email=agent%40example.com",
    )
    .send()
    .await
    .unwrap();
    env.kapi(Method::GET, "/v1/customers/phone=+34612345678")
        .send()
        .await
        .unwrap();
    env.kapi(Method::GET, "/v1/customers?phone=%2B34612345678")
        .send()
        .await
        .unwrap();
    env.kapi(Method::GET, "/v1/no-such-route")
        .send()
        .await
        .unwrap();
    // The page's own app, signed in by its cookie: Kustomer's traffic, not ours.
    let cookie = env.page_cookie().await;
    env.http
        .get(format!("{}/kapi/v1/routing/statuses", env.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    // A reset (between tests) keeps the run's ledger.
    env.control(Method::POST, "/reset").send().await.unwrap();

    let (code, report) = env.json(env.control(Method::GET, "/fidelity")).await;
    assert_eq!(code, 200, "{report}");
    let documented = &report["documented"];
    let undocumented = &report["undocumented"];
    assert_eq!(
        count(documented, "/ccai/manager/api/v1/user_statuses"),
        1,
        "{report}"
    );
    assert_eq!(count(documented, "/kapi/v1/customers/{id}"), 1, "{report}");
    assert_eq!(
        count(undocumented, "/ccai/manager/api/v1/agents"),
        1,
        "{report}"
    );
    assert_eq!(count(undocumented, "/kapi/v1/customers"), 1, "{report}");
    assert_eq!(count(undocumented, "/kapi/v1/no-such-route"), 1, "{report}");
    assert_eq!(
        count(documented, "/kapi/v1/routing/statuses"),
        0,
        "the page's request: {report}"
    );
    assert_eq!(report["undocumented_calls"], 3, "{report}");
}
