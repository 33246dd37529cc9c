//! Bidirectional sync (S4) through the server (issue 16): the agent's tab holds no Kustomer key, so it
//! asks the server for Kustomer's routing statuses (`GET /api/v1/catalogs/kustomer`) and to set its own
//! Kustomer status (`PUT /api/v1/kustomer-status`), which the server does in that agent's work session
//! only (B8). Real HTTP, a real SQLite file, the real sandbox.

mod status_common;

use std::time::Duration;

use serde_json::{json, Value};
use status_common::*;

const ALEX: i64 = 11;
const ALEX_USER: &str = "u-agent-1";
/// The sandbox's `offline`-type routing status: it ends the work session (B8).
const K_OFFLINE: &str = "64f0a1c2e4b0a1b2c3d4e503";

/// `PUT /api/v1/kustomer-status` with `body`, as `token` (none: no `Authorization`).
async fn put_status(env: &Env, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut req = env.http.put(env.url("/api/v1/kustomer-status")).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.expect("server answers");
    let code = r.status().as_u16();
    (code, r.json().await.unwrap_or(Value::Null))
}

/// The user's live work session's status, as Kustomer's API shows it (B8).
async fn live_status(env: &Env, user: &str) -> Option<String> {
    let v: Value = env
        .http
        .get(format!(
            "{}/kapi/v1/routing/users/{user}/work-sessions",
            env.sb.base_url()
        ))
        .bearer_auth(sandbox::KUSTOMER_API_KEY)
        .send()
        .await
        .expect("kustomer answers")
        .json()
        .await
        .expect("json");
    v["data"]
        .as_array()?
        .iter()
        .find(|s| s["attributes"]["active"] == true)
        .and_then(|s| s["attributes"]["statusId"].as_str())
        .map(str::to_owned)
}

/// A second agent in both vendors, live in Kustomer as Available: (e-mail, Kustomer user, CCAI agent).
async fn second_agent(env: &Env) -> (String, String, i64) {
    let v: Value = env
        .http
        .post(format!("{}/sandbox/agents", env.sb.base_url()))
        .json(&json!({ "count": 1 }))
        .send()
        .await
        .expect("sandbox answers")
        .json()
        .await
        .expect("json");
    let a = &v["agents"][0];
    (
        a["email"].as_str().expect("e-mail").to_owned(),
        a["kustomer_user_id"].as_str().expect("user").to_owned(),
        a["ccai_agent_id"].as_i64().expect("agent"),
    )
}

/// The statuses CCAI received for Alex once it received any (20 s at most): S8's first write.
async fn first_writes(env: &Env) -> Vec<String> {
    for _ in 0..400 {
        if !writes(env).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    writes(env).await
}

/// Every status CCAI's `agent_statuses` received for Alex, in order.
async fn writes(env: &Env) -> Vec<String> {
    env.sent_to(ALEX).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_session_neither_route_answers_and_nothing_changes() {
    let env = start(10).await;
    for token in [None, Some("not-a-session")] {
        let (code, body) = put_status(&env, token, json!({ "kustomer_status_id": K_LUNCH })).await;
        assert_eq!(code, 401, "{body}");
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{body}"
        );
        let mut req = env.http.get(env.url("/api/v1/catalogs/kustomer"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.expect("server answers");
        assert_eq!(r.status().as_u16(), 401);
    }
    assert_eq!(
        live_status(&env, ALEX_USER).await.as_deref(),
        Some(K_AVAILABLE)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_reads_kustomers_statuses_through_the_server() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    let (code, body) = env.get_json(&alex, "/api/v1/catalogs/kustomer").await;
    assert_eq!(code, 200, "{body}");
    let list: ccai_core::server_api::KustomerStatusList =
        serde_json::from_value(body).expect("typed json");
    let lunch = list
        .iter()
        .find(|s| s.id.as_str() == K_LUNCH)
        .expect("lunch is listed");
    assert_eq!(lunch.name, "Lunch");
    assert!(list.iter().any(|s| s.id.as_str() == K_OFFLINE));
}

/// How many requests Kustomer's routing-status list has received.
async fn status_list_reads(env: &Env) -> usize {
    let v = env.sandbox_json("/sandbox/kustomer/requests").await;
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/kapi/v1/routing/statuses"))
        })
        .count()
}

/// A shift's start: every tab asks for the list at once, and Kustomer is read once for all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_tabs_asking_at_once_cost_kustomer_one_reading() {
    let env = start(10).await;
    let admin = env.sign_in(ADMIN, "u-agent-2", 12);
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    // One live reading (the admin's route: every page of the list).
    let before = status_list_reads(&env).await;
    let (code, body) = env.get_json(&admin, "/admin/v1/catalogs/kustomer").await;
    assert_eq!(code, 200, "{body}");
    let one_reading = status_list_reads(&env).await - before;
    assert!(one_reading >= 1);

    let ask = || async {
        let (code, body) = env.get_json(&alex, "/api/v1/catalogs/kustomer").await;
        assert_eq!(code, 200, "{body}");
        body.as_array().map_or(0, Vec::len)
    };
    let before = status_list_reads(&env).await;
    let sizes = futures_util::future::join_all((0..20).map(|_| ask())).await;
    assert!(sizes.iter().all(|n| *n == sizes[0] && *n > 0), "{sizes:?}");
    assert_eq!(status_list_reads(&env).await - before, one_reading);
    let before = status_list_reads(&env).await;
    futures_util::future::join_all((0..20).map(|_| ask())).await;
    assert_eq!(
        status_list_reads(&env).await,
        before,
        "read again within the minute"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_sets_their_own_kustomer_status_and_nobody_elses() {
    let env = start(10).await;
    let (email, user, agent) = second_agent(&env).await;
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    let other = env.sign_in(&email, &user, agent);

    let (code, body) =
        put_status(&env, Some(&alex), json!({ "kustomer_status_id": K_LUNCH })).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(body["kustomer_status_id"], K_LUNCH);
    assert_eq!(live_status(&env, ALEX_USER).await.as_deref(), Some(K_LUNCH));
    assert_eq!(live_status(&env, &user).await.as_deref(), Some(K_AVAILABLE));

    // Naming someone else is refused outright: the session alone says whose status it is.
    let (code, body) = put_status(
        &env,
        Some(&other),
        json!({ "kustomer_status_id": K_TRAINING, "user_id": ALEX_USER }),
    )
    .await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(live_status(&env, ALEX_USER).await.as_deref(), Some(K_LUNCH));
    assert_eq!(live_status(&env, &user).await.as_deref(), Some(K_AVAILABLE));

    let (code, body) = put_status(
        &env,
        Some(&other),
        json!({ "kustomer_status_id": K_TRAINING }),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(live_status(&env, &user).await.as_deref(), Some(K_TRAINING));
    assert_eq!(live_status(&env, ALEX_USER).await.as_deref(), Some(K_LUNCH));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_kustomer_cannot_take_is_refused_in_words() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    let (code, body) = put_status(&env, Some(&alex), json!({ "kustomer_status_id": "nope" })).await;
    assert_eq!(code, 422, "{body}");
    let (code, body) = put_status(&env, Some(&alex), json!({ "kustomer_status_id": " " })).await;
    assert_eq!(code, 400, "{body}");
    let (code, body) = put_status(&env, Some(&alex), json!({ "status": K_LUNCH })).await;
    assert_eq!(code, 400, "{body}");
    assert_eq!(
        live_status(&env, ALEX_USER).await.as_deref(),
        Some(K_AVAILABLE)
    );

    // Offline in Kustomer: the session has ended (B8) and only Kustomer's own page starts one.
    let r = env
        .http
        .post(format!("{}/sandbox/kustomer/status", env.sb.base_url()))
        .json(&json!({ "status_id": K_OFFLINE }))
        .send()
        .await
        .expect("sandbox answers");
    assert!(r.status().is_success());
    let (code, body) =
        put_status(&env, Some(&alex), json!({ "kustomer_status_id": K_LUNCH })).await;
    assert_eq!(code, 409, "{body}");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("no live work session")),
        "{body}"
    );
    assert_eq!(live_status(&env, ALEX_USER).await, None);
}

/// The work-session poll reads the status the server set and does not take it for a change made in
/// Kustomer: with inheritance on (S2), nothing is written back to CCAI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_change_is_not_written_back_to_ccai() {
    let env = start_inheriting(10).await;
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    // S8 from the work sessions: Available, written once.
    assert_eq!(first_writes(&env).await, ["Available"]);

    let (code, body) =
        put_status(&env, Some(&alex), json!({ "kustomer_status_id": K_LUNCH })).await;
    assert_eq!(code, 200, "{body}");
    assert_eq!(live_status(&env, ALEX_USER).await.as_deref(), Some(K_LUNCH));
    // Six polls (every 500 ms here) read Lunch in Alex's work session.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        writes(&env).await,
        ["Available"],
        "the server's own change came back to ccai as news"
    );
    let (_, view) = env.get_json(&alex, "/api/v1/status").await;
    assert_eq!(view["kustomer_status_id"], K_LUNCH, "{view}");
    assert_eq!(view["source"], "server", "{view}");
}

/// The server restarts right after its own change, before any poll has read it: the change is still
/// its own after the restart (stored), not news to write back to CCAI.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_servers_own_change_is_still_its_own_after_a_restart() {
    let mut env = start_inheriting(10).await;
    let alex = env.sign_in("agent@example.com", ALEX_USER, ALEX);
    assert_eq!(first_writes(&env).await, ["Available"]);
    let (code, body) =
        put_status(&env, Some(&alex), json!({ "kustomer_status_id": K_LUNCH })).await;
    assert_eq!(code, 200, "{body}");
    env.crash_and_restart().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        writes(&env).await,
        ["Available"],
        "after the restart the server's own change came back to ccai as news"
    );
    let (_, view) = env.get_json(&alex, "/api/v1/status").await;
    assert_eq!(view["kustomer_status_id"], K_LUNCH, "{view}");
    assert_eq!(view["source"], "server", "{view}");
}
