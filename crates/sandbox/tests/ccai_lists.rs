//! The Manager API's lists over real HTTP: agents (A10), the agent activity log (A11) and calls (A17),
//! paged as A5 (`page`/`per` ≤ 100, `Link` rel="next"/"last", `Total`, `Per-Page`) and tailed as A6
//! (`<column>[from]`, `sort_column`, `sort_direction`).
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use std::collections::HashSet;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

/// GET on the CCAI API: status, the `Link` header, `Total`, `Per-Page`, the body.
async fn page(env: &Env, url: &str) -> (u16, String, String, String, Value) {
    let res = env
        .http
        .get(url)
        .basic_auth("sandbox", Some("sandbox-ccai-token"))
        .send()
        .await
        .unwrap();
    let h = |n: &str| {
        res.headers()
            .get(n)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (link, total, per) = (h("link"), h("total"), h("per-page"));
    (
        res.status().as_u16(),
        link,
        total,
        per,
        res.json().await.unwrap(),
    )
}

fn next_link(link: &str) -> Option<String> {
    link.split(", ")
        .find(|l| l.ends_with("rel=\"next\""))
        .map(|l| {
            l.split('>')
                .next()
                .unwrap()
                .trim_start_matches('<')
                .to_owned()
        })
}

fn seed(env: &Env, n: usize) {
    let people: Vec<(String, String)> = (1..=n)
        .map(|i| (format!("agent{i:04}@example.com"), format!("Agent {i:04}")))
        .collect();
    let mut st = env.sandbox.app().lock();
    sandbox::ccai::seed::seed_agents(&mut st.ccai, &people);
}

#[tokio::test]
async fn a5_agents_come_in_pages_of_at_most_100_with_link_total_and_per_page() {
    let env = Env::start().await;
    seed(&env, 250);
    let first = format!("{}/ccai/manager/api/v1/agents", env.base);
    let (code, link, total, per, body) = page(&env, &first).await;
    assert_eq!(code, 200);
    assert_eq!((total.as_str(), per.as_str()), ("253", "100"));
    assert_eq!(body.as_array().unwrap().len(), 100, "default per is 100");
    assert!(
        link.contains("rel=\"last\"") && link.contains("page=3"),
        "{link}"
    );
    // A client that follows rel="next" sees every agent once.
    let mut seen = HashSet::new();
    let mut url = Some(first);
    let mut pages = 0;
    while let Some(u) = url {
        let (_, link, _, _, body) = page(&env, &u).await;
        for a in body.as_array().unwrap() {
            assert!(seen.insert(a["id"].as_i64().unwrap()), "no repeats");
        }
        pages += 1;
        url = next_link(&link);
    }
    assert_eq!((seen.len(), pages), (253, 3));
    // A5: a larger per is reduced to 100.
    let (_, _, _, per, body) = page(
        &env,
        &format!(
            "{}?per=200",
            env.base.clone() + "/ccai/manager/api/v1/agents"
        ),
    )
    .await;
    assert_eq!((per.as_str(), body.as_array().unwrap().len()), ("100", 100));
    let (_, link, _, _, body) = page(
        &env,
        &format!("{}/ccai/manager/api/v1/agents?per=10&page=26", env.base),
    )
    .await;
    assert_eq!(body.as_array().unwrap().len(), 3);
    assert!(
        next_link(&link).is_none(),
        "the last page has no next: {link}"
    );
    let (code, ..) = page(
        &env,
        &format!("{}/ccai/manager/api/v1/agents?per=0", env.base),
    )
    .await;
    assert_eq!(code, 400);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a10_agents_have_the_documented_fields_and_tail_by_status_updated_at() {
    let env = Env::start().await;
    let base = format!("{}/ccai/manager/api/v1/agents", env.base);
    let (_, _, _, _, all) = page(&env, &base).await;
    let a = &all[0];
    let keys = [
        "id",
        "email",
        "created_at",
        "last_login_time",
        "first_name",
        "middle_name",
        "last_name",
        "avatar_url",
        "agent_number",
        "status",
        "status_updated_at",
        "crm_authenticated",
        "online",
        "wrap_up",
        "call_count",
        "chat_count",
        "location",
        "roles",
        "teams",
        "channels",
    ];
    for key in keys {
        assert!(a.get(key).is_some(), "A10 field {key}: {a}");
    }
    assert_eq!(
        a.as_object().unwrap().len(),
        keys.len(),
        "no invented keys: {a}"
    );
    let (_, v) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/agents?email=bo@example.com"))
        .await;
    assert_eq!(
        v.as_array().unwrap().len(),
        all.as_array().unwrap().len(),
        "A10 has no email filter: it is ignored"
    );
    assert_eq!(
        a["status"],
        json!({ "id": 0, "wfm_id": 11, "name": "Available", "color": "green" })
    );
    assert_eq!(a["teams"][0]["id"], 1);
    assert_eq!(all[1]["online"], false, "agent 12 is Offline");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    env.json(env.set_ccai(json!({ "status": "Break", "agent_ids": [13], "team_ids": [] })))
        .await;
    let (_, _, _, _, after) = page(&env, &format!("{base}?id[]=13")).await;
    let from = after[0]["status_updated_at"].as_str().unwrap().to_owned();
    let tail = format!(
        "{base}?status_updated_at[from]={from}&sort_column=status_updated_at&sort_direction=ASC"
    );
    let (code, _, total, _, body) = page(&env, &tail).await;
    assert_eq!(code, 200);
    let ids: Vec<i64> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        (ids, total.as_str()),
        (vec![13], "1"),
        "only the agent changed since"
    );
    assert_eq!(body[0]["status"]["name"], "Break");
    for bad in [
        "status_updated_at[from]=yesterday",
        "updated_at[from]=2026-01-01T00:00:00Z",
        "sort_column=email",
        "sort_direction=UP",
    ] {
        let (code, _, _, _, v) = page(&env, &format!("{base}?{bad}")).await;
        assert_eq!(code, 400, "{bad}: {v}");
        assert!(v["message"].is_string());
    }
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a11_activity_log_tails_status_changes_and_calls() {
    let env = Env::start().await;
    let logs = format!("{}/ccai/manager/api/v1/agent_activity_logs", env.base);
    env.json(env.set_ccai(json!({ "status": "Break", "agent_ids": [11], "team_ids": [] })))
        .await;
    env.json(env.set_ccai(json!({ "status": "Available", "agent_ids": [11], "team_ids": [] })))
        .await;
    let (code, c) = env
        .json(env.ccai(Method::POST, "/apps/api/v1/calls").json(&json!({
            "call_type": "Voice Outbound (API)", "agent_email": "agent@example.com",
            "end_user_number": "+34612345678" })))
        .await;
    assert_eq!(code, 201, "{c}");
    let call_id = c["id"].as_i64().unwrap();
    let (code, _, total, _, body) = page(
        &env,
        &format!("{logs}?sort_column=started_at&sort_direction=ASC"),
    )
    .await;
    assert_eq!((code, total.as_str()), (200, "4"));
    let rows: Vec<(&str, &str, Option<i64>)> = body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["activity"].as_str().unwrap(),
                e["status"]["name"].as_str().unwrap(),
                e["call_id"].as_i64(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("status_change", "Break", None),
            ("status_change", "Available", None),
            ("call_notification", "Available", Some(call_id)),
            ("status_change", "In-call", Some(call_id)),
        ]
    );
    let first = &body[0];
    assert_eq!(
        first["ended_at"], body[1]["started_at"],
        "a status period ends when the next starts"
    );
    assert!(first["duration"].as_f64().is_some());
    assert!(
        first["whodunnit"].is_null(),
        "changed through the API token"
    );
    assert_eq!(body[3]["whodunnit"]["id"], 11);
    assert!(body[3]["ended_at"].is_null(), "still open");
    // Tailing from the last start sees only what started since.
    let from = body[3]["started_at"].as_str().unwrap();
    let (_, _, _, _, tail) = page(
        &env,
        &format!("{logs}?started_at[from]={from}&sort_column=started_at&sort_direction=ASC"),
    )
    .await;
    assert!(tail
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["started_at"].as_str().unwrap() >= from));
    assert_eq!(
        tail.as_array().unwrap().last().unwrap()["id"],
        body[3]["id"]
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a17_calls_tail_by_updated_at_and_created_at() {
    let env = Env::start().await;
    let calls = format!("{}/ccai/manager/api/v1/calls", env.base);
    let (_, c) = env
        .json(env.ccai(Method::POST, "/apps/api/v1/calls").json(&json!({
            "call_type": "Voice Outbound (API)", "agent_email": "agent@example.com",
            "end_user_number": "+34612345678" })))
        .await;
    let id = c["id"].as_i64().unwrap();
    let created = c["created_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (code, _) = env
        .json(env.control(Method::POST, &format!("/ccai/calls/{id}/answer")))
        .await;
    assert_eq!(code, 200);
    let (_, _, _, _, all) = page(&env, &calls).await;
    let updated = all[0]["updated_at"].as_str().unwrap().to_owned();
    assert!(
        updated > created,
        "updated_at moves on every change: {updated} vs {created}"
    );
    assert_eq!(all[0]["status"], "connected");
    assert_eq!(all[0]["call_type"], "Voice Outbound (API)");
    let q = |col: &str, from: &str| {
        format!("{calls}?{col}[from]={from}&sort_column={col}&sort_direction=ASC")
    };
    let (_, _, total, _, _) = page(&env, &q("updated_at", &updated)).await;
    assert_eq!(total, "1");
    let (_, _, total, _, _) = page(&env, &q("created_at", &updated)).await;
    assert_eq!(total, "0", "created before that");
    let (_, _, total, _, _) = page(&env, &q("created_at", &created)).await;
    assert_eq!(total, "1", "[from] is inclusive");
    env.sandbox.stop().await;
}
