//! Pushes across instances on PostgreSQL (issue 18; `CCAI_TEST_PG_URL`, set by `./build.sh test`;
//! these tests fail without it). Two servers share one database; the agent's push connection is on the
//! second, and what concerns the agent happens on the first: an admin's settings save, an admin's
//! sign-out, and a run of pushes large and small, which arrive all, once and in order.

mod support;

use std::time::Duration;

use ccai_core::server_api::Push;
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::store::testing;
use server::Server;
use support::{Env, Events, ALEX, BO};

/// A sandbox, instance A (the `Env`'s server) and instance B, both on one fresh PostgreSQL database.
async fn two_instances(test: &str) -> (Env, Server) {
    let name = format!(
        "ccai_fanout_{test}_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_nanos()
    );
    let db = testing::postgres_database(&name)
        .unwrap_or_else(|e| panic!("these tests need PostgreSQL ({}): {e}", testing::PG_URL_VAR));
    let a_db = db.clone();
    let env = Env::start(move |cfg| cfg.db = a_db).await;
    let mut cfg = support::config(&env.sandbox, &env.dir);
    cfg.db = db;
    let b = Server::start(cfg).await.expect("instance b starts");
    assert_eq!(b.state.0.hub.hears_others(), Some(true), "b listens");
    (env, b)
}

/// The agent's connection on `b`, past the settings every connection starts with.
async fn alex_on(env: &Env, b: &Server) -> (String, Events) {
    let alex = env.sign_in(ALEX).await;
    let mut events = env.events_at(&b.url(), &alex.session).await;
    match events.next(Duration::from_secs(5)).await {
        Some(Push::Settings { .. }) => {}
        other => panic!("a connection starts with the settings, got {other:?}"),
    }
    (alex.session, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_settings_save_on_one_instance_reaches_an_agent_connected_to_another() {
    let (env, b) = two_instances("settings").await;
    let (_alex, mut on_b) = alex_on(&env, &b).await;
    let bo = env.sign_in(BO).await;

    let (status, current) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{current}");
    let version = current["version"].as_u64().expect("a version");
    let mut body = current.clone();
    body["settings"]["phone_countries"] = json!(["ES", "US"]);
    let (status, saved) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .header("If-Match", format!("\"{version}\""))
                .json(&body),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");

    match on_b.next(Duration::from_secs(5)).await {
        Some(Push::Settings {
            version: v,
            settings,
        }) => {
            assert_eq!(v, version + 1);
            assert_eq!(settings.phone_countries, vec!["ES", "US"]);
        }
        other => panic!("the save on a reaches the agent on b, got {other:?}"),
    }
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_made_on_one_instance_reach_another_all_once_and_in_order_large_ones_too() {
    let (env, b) = two_instances("order").await;
    let (_alex, mut on_b) = alex_on(&env, &b).await;

    // Every tenth is over PostgreSQL's 8,000-byte NOTIFY limit: it travels through the overflow table.
    let reason = |i: usize| {
        if i.is_multiple_of(10) {
            format!("{i}:{}", "x".repeat(9_000))
        } else {
            format!("{i}")
        }
    };
    const N: usize = 200;
    for i in 0..N {
        env.server().state.0.hub.send(
            ALEX,
            Push::StatusFailed {
                key: format!("k{i}"),
                reason: reason(i),
            },
        );
    }
    for i in 0..N {
        match on_b.next(Duration::from_secs(10)).await {
            Some(Push::StatusFailed { key, reason: r }) => {
                assert_eq!(key, format!("k{i}"), "in order");
                assert_eq!(r, reason(i), "whole");
            }
            other => panic!("push {i} of {N}: got {other:?}"),
        }
    }
    assert!(
        on_b.next(Duration::from_millis(500)).await.is_none(),
        "nothing twice"
    );
    drop(b);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_signing_an_agent_out_on_one_instance_closes_their_stream_on_another() {
    let (env, b) = two_instances("signout").await;
    let (alex, mut on_b) = alex_on(&env, &b).await;
    let bo = env.sign_in(BO).await;

    let (status, body) = env
        .call(env.api(
            Method::POST,
            &format!("/admin/v1/agents/{ALEX}/signout"),
            &bo.session,
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    match on_b.next(Duration::from_secs(5)).await {
        Some(Push::SignedOut { reason }) => assert!(reason.contains(BO), "{reason}"),
        other => panic!("the agent on b is told, got {other:?}"),
    }
    assert!(on_b.closed(Duration::from_secs(5)).await, "and b closes it");
    // The session is gone on every instance.
    let res = env
        .http
        .get(format!("{}/api/v1/me", b.url()))
        .bearer_auth(&alex)
        .send()
        .await
        .expect("me");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}
