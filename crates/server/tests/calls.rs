//! Click-to-call through the server (issue 16, SPEC C1–C3): `POST /api/v1/calls` places CCAI's
//! documented outbound call (A13) as the session's own agent, with the number normalised by the
//! company's countries (C2); the call's state then reaches the agent by push from CCAI's session events
//! (A20), under the call id the answer gave. Refusals come back in words and start nothing. Real HTTP,
//! real sandbox, real SQLite.

mod support;

use std::time::Duration;

use ccai_core::server_api::{CallOutcome, CallState, Push};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Env, ALEX, BO};

/// The agent's calls in CCAI's Manager list (A17).
async fn ccai_calls(env: &Env) -> Vec<Value> {
    let v: Value = env
        .http
        .get(env.sandbox_url("/ccai/manager/api/v1/calls"))
        .basic_auth(sandbox::CCAI_USER, Some(sandbox::CCAI_TOKEN))
        .send()
        .await
        .expect("calls")
        .json()
        .await
        .expect("json");
    v.as_array().cloned().unwrap_or_default()
}

/// CCAI's session events for calls go to this server's intake, as the admin sets it in CCAI's portal.
async fn point_events_here(env: &Env) {
    let res = env
        .http
        .post(env.sandbox_url("/sandbox/ccai/session-events/settings"))
        .json(&json!({ "call": {
            "url": env.url("/ccai/session-events/call"),
            "username": "ccai", "password": "events-password" } }))
        .send()
        .await
        .expect("settings");
    assert!(res.status().is_success());
}

#[tokio::test]
async fn c3_a_click_to_call_is_ccais_outbound_call_and_its_state_comes_by_push() {
    let env = Env::start(|_| {}).await;
    point_events_here(&env).await;
    let alex = env.sign_in(ALEX).await;
    let mut pushes = env.events(&alex.session).await;
    // A national number, as the page shows it: Spain is the first of the default countries (C2).
    let (status, body) = env
        .call(
            env.api(Method::POST, "/api/v1/calls", &alex.session)
                .json(&json!({ "number": "612 345 678" })),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let outcome: CallOutcome = serde_json::from_value(body).expect("an outcome");
    let CallOutcome::Started { e164, call_id } = outcome else {
        panic!("started: {outcome:?}");
    };
    assert_eq!(e164, "+34612345678");
    let calls = ccai_calls(&env).await;
    assert_eq!(calls.len(), 1, "one call");
    assert_eq!(calls[0]["call_type"], "Voice Outbound (API)");
    assert_eq!(calls[0]["end_user"]["identifier"], "+34612345678");
    assert_eq!(calls[0]["agent_info"]["id"], 11, "as the session's agent");
    let call_id = call_id.expect("CCAI's call id");
    assert_eq!(calls[0]["id"].to_string(), call_id);
    // The call rings (A20 Assigned), then the far end answers and hangs up.
    let mut seen = Vec::new();
    let far = |event: &str| {
        env.http
            .post(env.sandbox_url(&format!("/sandbox/ccai/calls/{call_id}/{event}")))
            .send()
    };
    while let Some(p) = pushes.next(Duration::from_secs(5)).await {
        if let Push::Call {
            session_id, state, ..
        } = p
        {
            assert_eq!(session_id, call_id);
            seen.push(state);
            match state {
                CallState::Ringing => assert!(far("answer").await.is_ok()),
                CallState::Connected => assert!(far("hangup").await.is_ok()),
                CallState::Ended => break,
                CallState::Accepted => {}
            }
        }
    }
    assert_eq!(
        seen,
        [CallState::Ringing, CallState::Connected, CallState::Ended]
    );
}

#[tokio::test]
async fn c2_a_refused_call_says_why_and_starts_nothing() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    // (who, number, status, words in the error)
    let cases = [
        (&alex, "2024-11-25-0001", 422, "2024-11-25-0001"),
        // Bo is Offline in CCAI: A13's own refusal, passed on.
        (&bo, "+34 612 34 56 78", 422, "not available"),
    ];
    for (who, number, code, words) in cases {
        let (status, body) = env
            .call(
                env.api(Method::POST, "/api/v1/calls", &who.session)
                    .json(&json!({ "number": number })),
            )
            .await;
        assert_eq!(status.as_u16(), code, "{number}: {body}");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(words), "{number}: {error}");
    }
    let (status, _) = env
        .call(
            env.api(Method::POST, "/api/v1/calls", &alex.session)
                .json(&json!({ "phone": "+34612345678" })),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a malformed body");
    let (status, _) = env
        .call(
            env.http
                .post(env.url("/api/v1/calls"))
                .json(&json!({ "number": "+34612345678" })),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "no session, no call");
    assert!(ccai_calls(&env).await.is_empty(), "never a call");
}
