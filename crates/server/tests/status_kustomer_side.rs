//! Kustomer-side status without trusting our selectors (issue 15): the server reads every agent's
//! status from Kustomer's work sessions (B8) and carries status inheritance (S2) and status at sign-in
//! (S8) to CCAI itself, through the company's one CCAI scheduler. Real HTTP, a real SQLite file, the
//! real sandbox; the agent's page is the sandbox's variant whose markup our selectors do not know.

mod status_common;

use std::time::{Duration, Instant};

use ccai_core::server_api::{Push, StatusPath};
use serde_json::{json, Value};
use status_common::*;

const ALEX: i64 = 11;

/// Signs Alex (the sandbox page's agent, live in Kustomer as Available) in and waits for the status
/// at sign-in (S8) to reach CCAI from the work sessions alone.
async fn signed_in(env: &Env) -> (String, tokio::sync::mpsc::UnboundedReceiver<Push>) {
    let alex = env.sign_in("agent@example.com", "u-agent-1", ALEX);
    let events = env.events(&alex).await;
    // S8 may be written before the push connection opens (the server polls Kustomer on its own), so
    // this reads CCAI, not the push; the pushes are the other tests' subject.
    until_ccai_has(env, "Available", 20).await;
    assert_eq!(writes(env).await, ["Available"], "S8, written once");
    (alex, events)
}

/// Every status CCAI's `agent_statuses` received for Alex, in order (applied or already so).
async fn writes(env: &Env) -> Vec<String> {
    env.sent_to(ALEX).await
}

/// Kustomer's work session changes as the page's own save would make it.
async fn kustomer_saves(env: &Env, status: &str) {
    let r = env
        .http
        .post(format!("{}/sandbox/kustomer/status", env.sb.base_url()))
        .json(&json!({ "status_id": status }))
        .send()
        .await
        .expect("sandbox answers");
    assert!(r.status().is_success(), "{}", r.status());
}

/// Waits until CCAI's last applied status for Alex is `name`; returns how long that took.
async fn until_ccai_has(env: &Env, name: &str, secs: u64) -> Duration {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        if writes(env).await.last().map(String::as_str) == Some(name) {
            return t0.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "ccai never applied {name} in {secs} s: {:?}",
        writes(env).await
    );
}

async fn kustomer_status_view(env: &Env, token: &str) -> Value {
    env.http
        .get(env.url("/api/v1/status"))
        .bearer_auth(token)
        .send()
        .await
        .expect("server answers")
        .json()
        .await
        .expect("json")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_picked_on_a_page_our_selectors_do_not_know_reaches_ccai_mapped() {
    let env = start_inheriting(10).await;
    let (alex, mut events) = signed_in(&env).await;
    let view = kustomer_status_view(&env, &alex).await;
    assert_eq!(view["kustomer_status_id"], K_AVAILABLE, "{view}");
    assert_eq!(view["source"], "work_sessions", "{view}");

    // Kustomer's page after a redesign: none of the markup the extension's selectors know.
    let page = env
        .http
        .get(format!("{}/sandbox/variant", env.sb.base_url()))
        .send()
        .await
        .expect("sandbox answers");
    let cookie = page
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|c| c.split(';').next())
        .expect("the page's session cookie")
        .to_owned();
    let html = page.text().await.expect("html");
    assert!(html.contains("kx-presence-select") && !html.contains("data-kt"));

    // The agent picks Lunch there: the page's script saves the work session (variant.js does this).
    let sessions: Value = env
        .http
        .get(format!(
            "{}/kapi/v1/routing/users/u-agent-1/work-sessions",
            env.sb.base_url()
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("kustomer answers")
        .json()
        .await
        .expect("json");
    let live = sessions["data"][0]["id"]
        .as_str()
        .expect("a live work session");
    let saved = env
        .http
        .put(format!(
            "{}/kapi/v1/routing/work-sessions/{live}",
            env.sb.base_url()
        ))
        .header("cookie", &cookie)
        .json(&json!({ "statusId": K_LUNCH }))
        .send()
        .await
        .expect("kustomer answers");
    assert!(saved.status().is_success(), "{}", saved.status());

    // The mapping makes Lunch Break; CCAI has it within the poll interval (0.5 s here) and a send.
    let took = until_ccai_has(&env, "Break", 10).await;
    assert!(took < Duration::from_millis(2_500), "took {took:?}");
    let told = wait_for(&mut events, 1, 5, |p| {
        matches!(p, Push::KustomerStatusChanged { kustomer_status_id, .. } if kustomer_status_id == K_LUNCH)
    })
    .await;
    assert!(
        matches!(
            &told[0],
            Push::KustomerStatusChanged {
                source: StatusPath::WorkSessions,
                ..
            }
        ),
        "{told:?}"
    );
    let view = kustomer_status_view(&env, &alex).await;
    assert_eq!(
        (&view["kustomer_status_id"], &view["source"]),
        (&json!(K_LUNCH), &json!("work_sessions")),
        "{view}"
    );
    assert_eq!(writes(&env).await, ["Available", "Break"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_change_seen_by_the_page_and_the_work_sessions_is_written_once() {
    let env = start_inheriting(10).await;
    let (alex, _events) = signed_in(&env).await;
    let epoch = env.claim(&alex).await;

    // The page first (it is faster), Kustomer's work session a moment later.
    let (code, body) = env.change(&alex, "11:1:1", epoch, K_LUNCH).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Queued")));
    kustomer_saves(&env, K_LUNCH).await;
    until_ccai_has(&env, "Break", 10).await;
    tokio::time::sleep(Duration::from_secs(3)).await; // six polls
    assert_eq!(writes(&env).await, ["Available", "Break"]);
    assert_eq!(kustomer_status_view(&env, &alex).await["source"], "page");

    // The work sessions first (the page's selectors were slow), then the page relays the same change.
    kustomer_saves(&env, K_TRAINING).await;
    until_ccai_has(&env, "Training", 10).await;
    let (code, body) = env.change(&alex, "11:1:2", epoch, K_TRAINING).await;
    assert_eq!(
        (code, body["outcome"].as_str()),
        (200, Some("AlreadySet")),
        "{body}"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(writes(&env).await, ["Available", "Break", "Training"]);
    let view = kustomer_status_view(&env, &alex).await;
    assert_eq!(
        (&view["source"], &view["page_seen"]),
        (&json!("work_sessions"), &json!(true))
    );

    // A retry of that relay is a duplicate, not a third write.
    let (code, body) = env.change(&alex, "11:1:2", epoch, K_TRAINING).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Duplicate")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_work_session_reading_never_overwrites_a_newer_page_change() {
    let env = start_inheriting(10).await;
    let (alex, _events) = signed_in(&env).await;
    let epoch = env.claim(&alex).await;

    // The page shows Lunch at once; Kustomer has not saved the work session yet, so the polls keep
    // reading Available for a while. None of them may undo the page's newer change.
    let (code, _) = env.change(&alex, "11:1:1", epoch, K_LUNCH).await;
    assert_eq!(code, 200);
    until_ccai_has(&env, "Break", 10).await;
    tokio::time::sleep(Duration::from_secs(3)).await; // six polls reading Available
    assert_eq!(writes(&env).await, ["Available", "Break"]);
    // The save lands: the same change, nothing more to write.
    kustomer_saves(&env, K_LUNCH).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(writes(&env).await, ["Available", "Break"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_inheritance_off_the_work_sessions_only_inform() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", "u-agent-1", ALEX);
    let mut events = env.events(&alex).await;
    wait_for(&mut events, 1, 10, |p| {
        matches!(p, Push::KustomerStatusChanged { .. })
    })
    .await;
    kustomer_saves(&env, K_LUNCH).await;
    wait_for(&mut events, 1, 10, |p| {
        matches!(p, Push::KustomerStatusChanged { kustomer_status_id, .. } if kustomer_status_id == K_LUNCH)
    })
    .await;
    assert!(writes(&env).await.is_empty(), "S2 is off: nothing written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_server_does_not_write_every_status_again() {
    let mut env = start_inheriting(10).await;
    let (_alex, _events) = signed_in(&env).await;
    env.crash_and_restart().await;
    tokio::time::sleep(Duration::from_secs(2)).await; // four polls of the new server
    assert_eq!(
        writes(&env).await,
        ["Available"],
        "the store remembers what was written"
    );
    // A change after the restart still goes.
    kustomer_saves(&env, K_LUNCH).await;
    until_ccai_has(&env, "Break", 10).await;
}
