//! API-NOTES A8 over real HTTP, as a client that sends only what A8 documents gets it: `{status (a
//! name), agent_ids, team_ids}`, one entry per agent, bulk by agents and teams, system statuses refused,
//! and the sandbox's choices where A8 is silent (README, "Not documented").
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

async fn applied(env: &Env) -> Vec<Value> {
    let (_, v) = env.json(env.control(Method::GET, "/ccai/applied")).await;
    v.as_array().cloned().unwrap()
}

async fn to_in_call(env: &Env, agent: i64) {
    let (code, _) = env
        .json(
            env.control(Method::POST, &format!("/ccai/agents/{agent}/status"))
                .json(&json!({ "status_id": -7 })),
        )
        .await;
    assert_eq!(code, 200);
}

#[tokio::test]
async fn a8_bulk_by_agent_list_and_team_answers_one_entry_per_agent_and_logs_when_applied() {
    let env = Env::start().await;
    let before = unix_ms();
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "Break", "agent_ids": [13], "team_ids": [1] })))
        .await;
    let after = unix_ms();
    assert_eq!(code, 200, "{v}");
    let entries = v.as_array().unwrap();
    let ids: Vec<i64> = entries
        .iter()
        .map(|e| e["agent_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        [13, 11, 12],
        "the listed agent, then the team's others, once each"
    );
    assert_eq!(
        entries[1],
        json!({ "agent_id": 11, "name": "Alex Agent", "email": "agent@example.com",
            "agent_number": "1011", "previous_status": "Available", "current_status": "Break" })
    );
    assert_eq!(entries[2]["previous_status"], "Offline");
    for id in [11, 12, 13] {
        assert_eq!(env.agent_status(id).await, -2);
    }
    let log = applied(&env).await;
    assert_eq!(log.len(), 3);
    for e in &log {
        assert_eq!(
            (e["status"].as_str(), e["source"].as_str()),
            (Some("Break"), Some("api"))
        );
        let t = e["applied_at_ms"].as_i64().unwrap();
        assert!(
            before <= t && t <= after,
            "applied at {t}, sent in [{before}, {after}]"
        );
    }
    // A7: no idempotency. The same request again applies again (unchanged, but logged).
    env.json(env.set_ccai(json!({ "status": "Break", "agent_ids": [11], "team_ids": [] })))
        .await;
    let log = applied(&env).await;
    assert_eq!(log.len(), 4);
    assert_eq!(log[3]["changed"], false);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a8_all_three_fields_are_required_and_errors_are_400_messages() {
    let env = Env::start().await;
    let bodies = [
        json!({ "agent_ids": [11], "team_ids": [] }),
        json!({ "status": "Break", "team_ids": [] }),
        json!({ "status": "Break", "agent_ids": [11] }),
        json!({ "status": 0, "agent_ids": [11], "team_ids": [] }),
        json!({ "status": "Break", "agent_ids": "11", "team_ids": [] }),
        json!({ "status": "Break", "agent_ids": [], "team_ids": [] }),
        json!({ "status": "Nope", "agent_ids": [11], "team_ids": [] }),
    ];
    for body in bodies {
        let (code, v) = env.json(env.set_ccai(body.clone())).await;
        assert_eq!(code, 400, "{body} → {v}");
        assert!(
            v["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body} → {v}"
        );
    }
    let not_json = env
        .ccai(Method::POST, "/apps/api/v1/agent_statuses")
        .header("content-type", "application/json")
        .body("{status");
    assert_eq!(env.json(not_json).await.0, 400);
    // Unknown ids: A4's 404, nothing applied to the known ones.
    for body in [
        json!({ "status": "Break", "agent_ids": [11, 999], "team_ids": [] }),
        json!({ "status": "Break", "agent_ids": [11], "team_ids": [77] }),
    ] {
        let (code, v) = env.json(env.set_ccai(body)).await;
        assert_eq!(code, 404, "{v}");
    }
    assert_eq!(env.agent_status(11).await, 0, "nothing applied");
    assert!(applied(&env).await.is_empty());
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a8_system_statuses_are_errors_and_a_mixed_batch_moves_the_others() {
    let env = Env::start().await;
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "In-call", "agent_ids": [11], "team_ids": [] })))
        .await;
    assert_eq!(code, 400, "to a system status: {v}");
    assert_eq!(env.agent_status(11).await, 0);
    to_in_call(&env, 11).await;
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "Break", "agent_ids": [11, 13], "team_ids": [] })))
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(
        (
            v[0]["previous_status"].as_str(),
            v[0]["current_status"].as_str()
        ),
        (Some("In-call"), Some("In-call")),
        "from a system status: unchanged"
    );
    assert!(v[0]["message"].is_string());
    assert_eq!(v[1]["current_status"], "Break");
    assert_eq!(env.agent_status(11).await, -7);
    assert_eq!(env.agent_status(13).await, -2);
    let outcomes: Vec<String> = env
        .received()
        .await
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        outcomes,
        ["refused_system_status", "refused_system_status", "applied"]
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a8_names_match_any_case_and_a_repeated_name_means_the_first_listed() {
    let env = Env::start().await;
    let (code, v) = env
        .json(env.set_ccai(json!({ "status": "special task", "agent_ids": [11], "team_ids": [] })))
        .await;
    assert_eq!(
        (code, v[0]["current_status"].as_str()),
        (200, Some("Special Task"))
    );
    assert_eq!(env.agent_status(11).await, -3);
    // A9: built-in -4 and custom 5 are both "Meal"; the first in user_statuses wins.
    env.json(env.set_ccai(json!({ "status": "Meal", "agent_ids": [11], "team_ids": [] })))
        .await;
    assert_eq!(env.agent_status(11).await, -4);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn unknown_keys_and_headers_change_nothing_and_the_received_log_is_in_order() {
    let env = Env::start().await;
    // A4: unknown keys are ignored. A7: CCAI has no idempotency key, so a repeated one is just
    // another request.
    for s in ["Break", "Available", "Break"] {
        let (code, v) = env
            .json(
                env.set_ccai(
                    json!({ "status": s, "agent_ids": [11], "team_ids": [], "future_key": true }),
                )
                .header("Idempotency-Key", "same"),
            )
            .await;
        assert_eq!((code, v[0]["current_status"].as_str()), (200, Some(s)));
    }
    assert_eq!(env.agent_status(11).await, -2);
    let r = env.received().await;
    let outcomes: Vec<&str> = r.iter().map(|e| e["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["applied", "applied", "applied"]);
    let times: Vec<f64> = r.iter().map(|e| e["at_ms"].as_f64().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let seqs: Vec<u64> = r.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
    env.json(env.control(Method::POST, "/reset")).await;
    assert!(env.received().await.is_empty());
    assert_eq!(env.agent_status(11).await, 0);
    env.sandbox.stop().await;
}
