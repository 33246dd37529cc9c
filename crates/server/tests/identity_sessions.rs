//! Agent sessions at the server's API (issue 15): identity comes only from the session; another
//! agent's, an expired or a revoked session is refused (401/403) and changes nothing; refresh rotates
//! and a reused refresh token signs the session out; admin actions are refused to agents; an admin's
//! sign-out and a Kustomer deactivation are out within the configured interval, push connections told.

mod support;

use std::time::Duration;

use ccai_core::server_api::Push;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Env, ALEX, BO};

#[tokio::test]
async fn identity_comes_only_from_the_session() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    // A body naming someone else is not read: the session decides.
    let (status, me) = env
        .call(
            env.api(Method::GET, "/api/v1/me", &alex.session)
                .json(&json!({"email": BO, "ccai_agent_id": 12})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (me["email"].as_str(), me["ccai_agent_id"].as_i64()),
        (Some(ALEX), Some(11))
    );
    let (_, me) = env
        .call(env.api(Method::GET, "/api/v1/me", &bo.session))
        .await;
    assert_eq!(me["email"], BO);
    // Alex signing out ends only Alex's session.
    let (status, _) = env
        .call(env.api(Method::POST, "/auth/signout", &alex.session))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"]
            .as_str()
            .expect("words")
            .starts_with("signed out"),
        "{body}"
    );
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn missing_unknown_and_expired_sessions_get_401() {
    let env = Env::start(|c| c.session_ttl = Duration::from_secs(1)).await;
    let alex = env.sign_in(ALEX).await;
    let (status, body) = env.call(env.http.get(env.url("/api/v1/me"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["error"]
        .as_str()
        .expect("words")
        .contains("no session token"));
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", "made-up"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let (status, body) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        body["error"].as_str().expect("words").contains("expired"),
        "{body}"
    );
    // The refresh token still works, and gives a session that does.
    let (status, fresh) = env
        .call(
            env.http
                .post(env.url("/auth/refresh"))
                .json(&json!({"refresh": alex.refresh})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    let session = fresh["session"].as_str().expect("session");
    let (status, _) = env.call(env.api(Method::GET, "/api/v1/me", session)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_refresh_token_ends_the_session() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let refresh = |token: String| {
        env.call(
            env.http
                .post(env.url("/auth/refresh"))
                .json(&json!({ "refresh": token })),
        )
    };
    let (status, next) = refresh(alex.refresh.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let next_session = next["session"].as_str().expect("session").to_owned();
    assert_ne!(next_session, alex.session);
    // The old session token is replaced.
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The old refresh token again: someone else has a copy, so the whole session ends.
    let (status, body) = refresh(alex.refresh.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &next_session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = refresh(next["refresh"].as_str().expect("r").to_owned()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // A malformed body is answered in words.
    let (status, body) = env
        .call(env.http.post(env.url("/auth/refresh")).body("{"))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().expect("words").contains("not valid"));
}

#[tokio::test]
async fn admin_actions_are_refused_to_agents_and_change_nothing() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    for (method, path) in [
        (Method::GET, "/admin/v1/settings"),
        (Method::GET, "/admin/v1/agents"),
        (Method::GET, "/admin/v1/settings/export"),
        (Method::POST, "/admin/v1/agents/bo@example.com/signout"),
    ] {
        let (status, body) = env.call(env.api(method.clone(), path, &alex.session)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        let (status, _) = env
            .call(env.http.request(method.clone(), env.url(path)))
            .await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a session"
        );
    }
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &bo.session))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the refused sign-out changed nothing"
    );
    let (status, agents) = env
        .call(env.api(Method::GET, "/admin/v1/agents", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(agents.as_array().map(Vec::len), Some(2), "{agents}");
}

#[tokio::test]
async fn an_admin_signs_an_agent_out_and_their_push_connection_is_told_and_closed() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    let mut events = env.events(&alex.session).await;
    assert!(matches!(
        events.next(Duration::from_secs(5)).await,
        Some(Push::Settings { .. })
    ));
    let (status, body) = env
        .call(env.api(
            Method::POST,
            "/admin/v1/agents/agent@example.com/signout",
            &bo.session,
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["sessions_signed_out"], 1);
    match events.next(Duration::from_secs(5)).await {
        Some(Push::SignedOut { reason }) => assert!(reason.contains("by an admin"), "{reason}"),
        other => panic!("expected SignedOut, got {other:?}"),
    }
    assert!(events.closed(Duration::from_secs(5)).await);
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = env
        .call(
            env.http
                .post(env.url("/auth/refresh"))
                .json(&json!({"refresh": alex.refresh})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the refresh token went with the session"
    );
}

#[tokio::test]
async fn an_agent_kustomer_deactivates_is_out_within_the_interval() {
    let env = Env::start(|c| c.standing_interval = Duration::from_secs(1)).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    let mut events = env.events(&alex.session).await;
    assert!(events.next(Duration::from_secs(5)).await.is_some());
    env.deactivate("u-agent-1").await;
    match events.next(Duration::from_secs(5)).await {
        Some(Push::SignedOut { reason }) => assert!(reason.contains("Kustomer"), "{reason}"),
        other => panic!("expected SignedOut, got {other:?}"),
    }
    assert!(events.closed(Duration::from_secs(5)).await);
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Bo, still active in Kustomer, stays signed in through several rounds.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
}

/// How many times the server asked Kustomer who a token belongs to (B6).
async fn users_current_requests(env: &Env) -> usize {
    let v: Value = env
        .http
        .get(env.sandbox_url("/sandbox/kustomer/requests"))
        .send()
        .await
        .expect("journal")
        .json()
        .await
        .expect("json");
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("/v1/users/current"))
        })
        .count()
}

#[tokio::test]
async fn the_standing_check_does_not_ask_again_about_an_agent_who_just_signed_in() {
    // A shift start: the sign-in asked Kustomer who the agent is; a standing round in the same
    // interval would only spend the org's budget on the same answer.
    let env = Env::start(|c| c.standing_interval = Duration::from_secs(2)).await;
    env.sign_in(ALEX).await;
    let after_sign_in = users_current_requests(&env).await;
    server::standing::check_all(&env.server().state).await;
    assert_eq!(
        users_current_requests(&env).await,
        after_sign_in,
        "no Kustomer request for an agent signed in within the interval"
    );
    // One interval later the agent is checked like everyone else.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    server::standing::check_all(&env.server().state).await;
    assert!(users_current_requests(&env).await > after_sign_in);
}

#[tokio::test]
async fn short_lived_kustomer_tokens_are_refreshed_and_the_agent_stays_in() {
    let env = Env::start_with(
        |sb| sb.oauth_access_ttl_s = 3,
        |c| c.standing_interval = Duration::from_secs(1),
    )
    .await;
    let alex = env.sign_in(ALEX).await;
    let state = &env.server().state.0;
    let first = state
        .agent_tokens
        .read(&state.store, ALEX)
        .expect("read")
        .expect("kept");
    // Several standing rounds across two expiries of Kustomer's access token.
    tokio::time::sleep(Duration::from_secs(7)).await;
    let (status, _) = env
        .call(env.api(Method::GET, "/api/v1/me", &alex.session))
        .await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    let now = state
        .agent_tokens
        .read(&state.store, ALEX)
        .expect("read")
        .expect("kept");
    assert_ne!(now.access, first.access, "the access token was refreshed");
    assert_ne!(now.refresh, first.refresh, "and the refresh token rotated");
}

#[tokio::test]
async fn a_ticket_opens_the_stream_once() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let (status, t) = env
        .call(env.api(Method::POST, "/api/v1/events/ticket", &alex.session))
        .await;
    assert_eq!(status, StatusCode::OK);
    let ticket = t["ticket"].as_str().expect("ticket");
    let url = env.url(&format!("/api/v1/events?ticket={ticket}"));
    let first = env.http.get(&url).send().await.expect("events");
    assert_eq!(first.status(), StatusCode::OK);
    let again = env.http.get(&url).send().await.expect("events");
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "a ticket is single use"
    );
    let none = env
        .http
        .get(env.url("/api/v1/events"))
        .send()
        .await
        .expect("events");
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}
