//! API-NOTES A20 over real HTTP: the sandbox POSTs CCAI's external session events, `{count, events}`
//! with HTTP Basic, to the URL set per channel, through the six states; a call for an agent moves the
//! model as CCAI does; the day's script arrives with duplicates and delays when asked.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use std::sync::{Arc, Mutex};

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use base64::Engine;
use ccai_core::records::ccai_events::{SessionEventsBody, SessionState};
use common::Env;
use reqwest::Method;
use serde_json::json;

type Got = Arc<Mutex<Vec<(String, String, SessionEventsBody)>>>;

/// A receiver like the company server's intake: records (channel, Authorization, body) and says 200.
async fn receiver() -> (String, Got) {
    let got: Got = Arc::default();
    let app = Router::new()
        .route(
            "/events/{channel}",
            post(
                |State(got): State<Got>,
                 Path(channel): Path<String>,
                 headers: HeaderMap,
                 body: String| async move {
                    let auth = headers["authorization"].to_str().unwrap().to_owned();
                    let parsed: SessionEventsBody = serde_json::from_str(&body).unwrap();
                    got.lock().unwrap().push((channel, auth, parsed));
                    "ok"
                },
            ),
        )
        .with_state(got.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, got)
}

async fn configure(env: &Env, url: &str) {
    let body = json!({
        "call": { "url": format!("{url}/call"), "username": "ccai", "password": "s3cret" },
        "chat": { "url": format!("{url}/chat"), "username": "ccai", "password": "s3cret" },
    });
    let (code, v) = env
        .json(
            env.control(Method::POST, "/ccai/session-events/settings")
                .json(&body),
        )
        .await;
    assert_eq!(code, 200);
    assert!(
        !v.to_string().contains("s3cret"),
        "the password is never shown: {v}"
    );
}

#[tokio::test]
async fn a20_a_call_for_an_agent_goes_through_the_six_states_with_basic_auth() {
    let env = Env::start().await;
    let (url, got) = receiver().await;
    let (code, v) = env
        .json(
            env.control(Method::POST, "/ccai/agents/13/call")
                .json(&json!({ "wait": true })),
        )
        .await;
    assert_eq!(code, 409, "no URL set yet: {v}");
    configure(&env, &url).await;
    let (code, v) = env
        .json(
            env.control(Method::POST, "/ccai/agents/13/call")
                .json(&json!({ "wait": true })),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let call_id = v["call_id"].as_i64().unwrap();
    let got = got.lock().unwrap().clone();
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("ccai:s3cret")
    );
    let states: Vec<SessionState> = got
        .iter()
        .map(|(_, _, b)| b.events[0].state.clone())
        .collect();
    use SessionState::*;
    assert_eq!(states, [Start, Routing, Assigned, Active, End, Final]);
    for (channel, auth, body) in &got {
        assert_eq!((channel.as_str(), auth.as_str()), ("call", basic.as_str()));
        assert_eq!(body.count, 1);
        body.check().unwrap();
        assert_eq!(body.events[0].item.id.as_i64(), Some(call_id));
    }
    let events: Vec<_> = got.iter().map(|(_, _, b)| b.events[0].clone()).collect();
    assert!(events.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert!(
        events[1].item.agent_info.is_none(),
        "nobody before Assigned"
    );
    assert_eq!(events[2].item.agent_info.as_ref().unwrap().id, 13);
    assert!(events[3].connected_at().is_some());
    assert!(events[4].ends_at().is_some());
    assert!(events[5].dispositions.is_some());
    assert!(events[0].item.dn.as_deref().unwrap().starts_with('+'));
    // The model moved as CCAI does: In-call, Wrap-up, then Available; the call is finished (A17).
    assert_eq!(env.agent_status(13).await, 0);
    let (_, log) = env
        .json(env.control(Method::GET, "/ccai/applied?agent_id=13"))
        .await;
    let statuses: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["In-call", "Wrap-up", "Available"]);
    let (_, calls) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/calls"))
        .await;
    assert_eq!(calls[0]["status"], "finished");
    let (_, sent) = env
        .json(env.control(Method::GET, "/ccai/session-events/log"))
        .await;
    assert_eq!(
        sent.as_array().unwrap().len(),
        6,
        "the refused call sent nothing"
    );
    env.sandbox.stop().await;
}

/// The states received so far for session `id`.
fn states_of(got: &Got, id: i64) -> Vec<SessionState> {
    got.lock()
        .unwrap()
        .iter()
        .filter(|(_, _, b)| b.events[0].item.id.as_i64() == Some(id))
        .map(|(_, _, b)| b.events[0].state.clone())
        .collect()
}

async fn wait_states(got: &Got, id: i64, n: usize) -> Vec<SessionState> {
    for _ in 0..200 {
        let s = states_of(got, id);
        if s.len() >= n {
            return s;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    states_of(got, id)
}

#[tokio::test]
async fn a20_an_outbound_call_and_the_far_end_send_each_step_as_it_happens() {
    use SessionState::*;
    let env = Env::start().await;
    let (url, got) = receiver().await;
    configure(&env, &url).await;
    // A13's call: CCAI answers, then the session's first events follow.
    let (code, c) = env
        .json(env.ccai(Method::POST, "/apps/api/v1/calls").json(&json!({
            "call_type": "Voice Outbound (API)", "agent_email": "agent@example.com",
            "end_user_number": "+34612345678" })))
        .await;
    assert_eq!(code, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(wait_states(&got, id, 2).await, [Start, Assigned]);
    let far = |event: &str| env.control(Method::POST, &format!("/ccai/calls/{id}/{event}"));
    assert_eq!(env.json(far("answer")).await.0, 200);
    assert_eq!(
        states_of(&got, id),
        [Start, Assigned, Active],
        "sent before the hook answers"
    );
    assert_eq!(env.json(far("hangup")).await.0, 200);
    assert_eq!(states_of(&got, id), [Start, Assigned, Active, End, Final]);
    let events: Vec<_> = got
        .lock()
        .unwrap()
        .iter()
        .map(|(_, _, b)| b.events[0].clone())
        .collect();
    assert!(events.windows(2).all(|w| w[0].timestamp < w[1].timestamp));
    assert_eq!(events[1].item.agent_info.as_ref().unwrap().id, 11);
    assert!(events[2].connected_at().is_some() && events[3].ends_at().is_some());
    // An incoming call rings the agent (Assigned), is answered in CCAI's adapter, and a missed one ends.
    let (code, c) = env
        .json(
            env.control(Method::POST, "/ccai/calls/incoming")
                .json(&json!({
            "agent_id": 13, "end_user_number": "+14155550132" })),
        )
        .await;
    assert_eq!(code, 201, "{c}");
    let id = c["id"].as_i64().unwrap();
    assert_eq!(wait_states(&got, id, 3).await, [Start, Routing, Assigned]);
    let (code, c) = env
        .json(
            env.control(Method::POST, "/ccai/calls/incoming")
                .json(&json!({
            "agent_id": 12, "end_user_number": "+14155550199" })),
        )
        .await;
    assert_eq!(code, 201, "{c}");
    let missed = c["id"].as_i64().unwrap();
    wait_states(&got, missed, 3).await;
    let (code, _) = env
        .json(env.control(Method::POST, &format!("/ccai/calls/{missed}/miss")))
        .await;
    assert_eq!(code, 200);
    assert_eq!(states_of(&got, missed), [Start, Routing, Assigned, End]);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a20_the_day_arrives_on_both_channels_with_duplicates_and_delays() {
    let env = Env::start().await;
    let (url, got) = receiver().await;
    configure(&env, &url).await;
    let plain: usize = sandbox::ccai::day::day("", 0)
        .iter()
        .map(|s| s.events.len())
        .sum();
    let (code, v) = env
        .json(
            env.control(Method::POST, "/ccai/session-events/day")
                .json(&json!({
            "seed": 5, "duplicate_permille": 300, "delay_permille": 300 })),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    let got = got.lock().unwrap().clone();
    assert!(
        got.len() > plain,
        "duplicates were sent: {} of {plain}",
        got.len()
    );
    assert!(v["statuses"].as_array().unwrap().iter().all(|s| s == 200));
    let mut ids: Vec<String> = got
        .iter()
        .map(|(_, _, b)| b.events[0].event_id.to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), plain, "a duplicate repeats its event_id");
    let chat = got.iter().filter(|(c, _, _)| c == "chat").count();
    assert!(
        chat >= 6,
        "the chat's deliveries go to the chat URL: {chat}"
    );
    env.sandbox.stop().await;
}
