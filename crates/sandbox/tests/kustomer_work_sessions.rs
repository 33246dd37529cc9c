//! Kustomer's work sessions (API-NOTES B8, paged per B5), many agents at once (`POST /sandbox/agents`),
//! and deactivation (B6), over real HTTP.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use std::time::Instant;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

const AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
const LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";
const OFFLINE: &str = "64f0a1c2e4b0a1b2c3d4e503";

async fn seed(env: &Env, count: usize) -> Value {
    let (status, v) = env
        .json(
            env.control(Method::POST, "/agents")
                .json(&json!({ "count": count })),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    v
}

/// Every item of a paged list, following `links.next` (origin-relative) to the end.
async fn all_pages(env: &Env, first: &str) -> (Vec<Value>, usize) {
    let mut items = Vec::new();
    let mut pages = 0;
    let mut next = Some(format!("/kapi{first}"));
    while let Some(path) = next {
        let req = env
            .http
            .get(format!("{}{path}", env.base))
            .bearer_auth("sandbox-kustomer-key");
        let (status, v) = env.json(req).await;
        assert_eq!(status, 200, "{path}: {v}");
        items.extend(v["data"].as_array().unwrap().iter().cloned());
        next = v["links"]["next"].as_str().map(str::to_owned);
        pages += 1;
    }
    (items, pages)
}

#[tokio::test]
async fn five_thousand_agents_seed_in_well_under_a_second_in_both_vendors() {
    let env = Env::start().await;
    let t0 = Instant::now();
    let v = seed(&env, 5000).await;
    let took = t0.elapsed();
    eprintln!(
        "seeding 5,000 agents: {} ms in the sandbox, {took:?} with HTTP and JSON",
        v["seeded_in_ms"]
    );
    assert!(
        v["seeded_in_ms"].as_f64().unwrap() < 250.0,
        "{}",
        v["seeded_in_ms"]
    );
    assert!(
        took.as_millis() < 3000,
        "seeding 5,000 agents took {took:?}"
    );
    assert_eq!(v["count"], 5000);
    let a = &v["agents"][41];
    assert_eq!(a["email"], "agent0042@example.com");

    // Kustomer: the user, with a live work session.
    let user = a["kustomer_user_id"].as_str().unwrap();
    let (_, u) = env
        .json(env.kapi(Method::GET, &format!("/v1/users/{user}")))
        .await;
    assert_eq!(u["data"]["attributes"]["email"], "agent0042@example.com");
    let (_, ws) = env
        .json(env.kapi(
            Method::GET,
            &format!("/v1/routing/users/{user}/work-sessions"),
        ))
        .await;
    assert_eq!(ws["data"][0]["attributes"]["statusId"], AVAILABLE);
    assert_eq!(ws["data"][0]["attributes"]["active"], true);
    // CCAI: the agent with the same e-mail.
    let id = a["ccai_agent_id"].as_i64().unwrap();
    let (_, agent) = env
        .json(env.ccai(Method::GET, &format!("/manager/api/v1/agents?id[]={id}")))
        .await;
    assert_eq!(agent[0]["email"], "agent0042@example.com");

    // Again: nothing new.
    let again = seed(&env, 5000).await;
    assert_eq!(
        again["agents"][41]["kustomer_user_id"],
        a["kustomer_user_id"]
    );
    let (sessions, _) = all_pages(&env, "/v1/routing/work-sessions?active=true").await;
    assert_eq!(sessions.len(), 5001, "5,000 agents and the page's agent");
}

#[tokio::test]
async fn org_wide_work_sessions_page_with_links_next_and_filter() {
    let env = Env::start().await;
    seed(&env, 250).await;
    let (all, pages) = all_pages(&env, "/v1/routing/work-sessions?user=false&active=true").await;
    assert_eq!((all.len(), pages), (251, 3));
    let first = env
        .json(env.kapi(
            Method::GET,
            "/v1/routing/work-sessions?active=true&pageSize=500",
        ))
        .await
        .1;
    assert_eq!(first["meta"]["pageSize"], 100, "B5: at most 100 a page");
    assert_eq!(first["meta"]["total"], 251);
    assert_eq!(first["meta"]["totalPages"], 3);

    // One agent to Lunch (unavailable), one Offline (its session ends).
    let id = |n: usize| all[n]["id"].as_str().unwrap().to_owned();
    for (n, status) in [(5, LUNCH), (6, OFFLINE)] {
        let (code, _) = env
            .json(
                env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{}", id(n)))
                    .json(&json!({ "statusId": status })),
            )
            .await;
        assert_eq!(code, 200);
    }
    let (unavailable, _) =
        all_pages(&env, "/v1/routing/work-sessions?statusType=unavailable").await;
    assert_eq!(unavailable.len(), 1);
    assert_eq!(unavailable[0]["id"].as_str(), Some(id(5).as_str()));
    let (live, _) = all_pages(&env, "/v1/routing/work-sessions?active=true").await;
    assert_eq!(live.len(), 250);
    let (_, ended) = env
        .json(env.kapi(Method::GET, &format!("/v1/routing/work-sessions/{}", id(6))))
        .await;
    assert_eq!(ended["data"]["attributes"]["active"], false);
    assert!(ended["data"]["attributes"]["signedOutAt"].is_string());
    // Read-only once ended.
    let (code, _) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{}", id(6)))
                .json(&json!({ "statusId": AVAILABLE })),
        )
        .await;
    assert_eq!(code, 409);

    let (code, _) = env
        .json(env.kapi(Method::GET, "/v1/routing/work-sessions?active=maybe"))
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn user_true_is_the_callers_own_sessions() {
    let env = Env::start().await;
    seed(&env, 3).await;
    // The page's session (cookie) is the page's agent.
    let cookie = env.page_cookie().await;
    let req = env
        .http
        .get(format!(
            "{}/kapi/v1/routing/work-sessions?user=true",
            env.base
        ))
        .header("cookie", cookie);
    let (_, mine) = env.json(req).await;
    let owners: Vec<_> = mine["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["relationships"]["user"]["data"]["id"].clone())
        .collect();
    assert_eq!(owners, vec![json!("u-agent-1")]);
    // The API key's machine user has none.
    let (_, key) = env
        .json(env.kapi(Method::GET, "/v1/routing/work-sessions?user=true"))
        .await;
    assert_eq!(key["data"], json!([]));
}

#[tokio::test]
async fn a_status_set_through_the_api_reaches_the_page() {
    let env = Env::start().await;
    let (_, list) = env
        .json(env.kapi(Method::GET, "/v1/routing/users/u-agent-1/work-sessions"))
        .await;
    let ws = list["data"][0]["id"].as_str().unwrap().to_owned();
    let (_, before) = env
        .json(env.kapi(Method::GET, "/v1/sandbox-events?after=0"))
        .await;
    let after = before["last"].as_u64().unwrap();
    env.json(
        env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{ws}"))
            .json(&json!({ "statusId": LUNCH })),
    )
    .await;
    let (_, events) = env
        .json(env.kapi(Method::GET, &format!("/v1/sandbox-events?after={after}")))
        .await;
    let e = &events["events"][0];
    assert_eq!(
        (e["event"].as_str(), e["statusId"].as_str()),
        (Some("status"), Some(LUNCH))
    );
    let (_, one) = env
        .json(env.kapi(Method::GET, &format!("/v1/routing/work-sessions/{ws}")))
        .await;
    assert_eq!(one["data"]["attributes"]["statusId"], LUNCH);
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session_and_refuses_their_sign_in() {
    let env = Env::start().await;
    let v = seed(&env, 2).await;
    let user = v["agents"][1]["kustomer_user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, _) = env
        .json(env.control(Method::POST, &format!("/kustomer/users/{user}/deactivate")))
        .await;
    assert_eq!(code, 200);
    let (_, ws) = env
        .json(env.kapi(
            Method::GET,
            &format!("/v1/routing/users/{user}/work-sessions"),
        ))
        .await;
    assert_eq!(ws["data"][0]["attributes"]["active"], false);
    let (code, _) = env
        .json(env.control(Method::GET, "/login?email=agent0002@example.com"))
        .await;
    assert_eq!(code, 403);
    let (code, _) = env
        .json(env.control(Method::POST, "/kustomer/users/nobody/deactivate"))
        .await;
    assert_eq!(code, 404);
}
