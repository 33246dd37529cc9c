//! Sign-in end to end (issue 15): the server as Kustomer's OAuth client with PKCE (API-NOTES B3)
//! against the sandbox's OAuth, the person from Kustomer with their own token (B6), the CCAI agent with
//! the same e-mail (A10). A bad state, a reused state or code, and a code bound to another sign-in's
//! verifier are refused, and nobody is signed in by them.

mod support;

use reqwest::{Method, StatusCode};
use support::{location, query, Env, ADA, ALEX};

#[tokio::test]
async fn an_agent_signs_in_and_is_who_both_vendors_say() {
    let env = Env::start(|_| {}).await;
    let tokens = env.sign_in(ALEX).await;
    assert_eq!(tokens.expires_in, 15 * 60);
    let (status, me) = env
        .call(env.api(Method::GET, "/api/v1/me", &tokens.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["email"], ALEX);
    assert_eq!(me["kustomer_user_id"], "u-agent-1");
    assert_eq!(me["ccai_agent_id"], 11);
    assert_eq!(me["admin"], false);
    // The agent's Kustomer tokens stay on the server, sealed in its file; the browser got only the
    // server's own tokens.
    let state = &env.server().state.0;
    let stored = state
        .store
        .kustomer_tokens(ALEX)
        .expect("read")
        .expect("the agent's Kustomer tokens are kept server-side");
    let opened = state
        .agent_tokens
        .read(&state.store, ALEX)
        .expect("read")
        .expect("they open with the server's key");
    assert!(stored.access.starts_with("v1:") && !stored.access.contains(&opened.access));
    let refresh = opened.refresh.expect("a refresh token");
    assert!(!stored.refresh.expect("sealed refresh").contains(&refresh));
    for theirs in [&opened.access, &refresh] {
        assert!(![&tokens.session, &tokens.refresh].contains(&theirs));
    }
    // With them the server acts as the agent: Kustomer says who they belong to (B6).
    let access = server::agent_tokens::access_token(&env.server().state, ALEX)
        .await
        .expect("a fresh token");
    let user = server::oauth::current_user(&env.server().state, &access)
        .await
        .expect("users/current");
    assert_eq!(user.email.as_deref(), Some(ALEX));
}

#[tokio::test]
async fn a_state_the_server_never_issued_is_refused() {
    let env = Env::start(|_| {}).await;
    let cookie = env.page_cookie(ALEX).await;
    let authorize = env.start_sign_in().await;
    let mut callback = env.authorize(&authorize, &cookie).await;
    let code = query(&callback)("code").expect("code");
    callback.set_query(Some(&format!("code={code}&state=forged-state")));
    let res = env.callback(&callback).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let words = res.text().await.expect("text");
    assert!(words.contains("expired or was already used"), "{words}");
}

#[tokio::test]
async fn a_callback_used_twice_signs_in_once() {
    let env = Env::start(|_| {}).await;
    let cookie = env.page_cookie(ALEX).await;
    let authorize = env.start_sign_in().await;
    let callback = env.authorize(&authorize, &cookie).await;
    let first = env.callback(&callback).await;
    assert_eq!(first.status(), StatusCode::FOUND);
    let again = env.callback(&callback).await;
    assert_eq!(
        again.status(),
        StatusCode::BAD_REQUEST,
        "the state is single use"
    );
}

#[tokio::test]
async fn a_code_already_exchanged_is_refused_under_a_fresh_state() {
    let env = Env::start(|_| {}).await;
    let cookie = env.page_cookie(ALEX).await;
    let first = env.authorize(&env.start_sign_in().await, &cookie).await;
    assert_eq!(env.callback(&first).await.status(), StatusCode::FOUND);
    let used_code = query(&first)("code").expect("code");
    // A second sign-in, but its callback carries the first (already exchanged) code.
    let second = env.authorize(&env.start_sign_in().await, &cookie).await;
    let state = query(&second)("state").expect("state");
    let mut replay = second.clone();
    replay.set_query(Some(&format!("code={used_code}&state={state}")));
    let res = env.callback(&replay).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let words = res.text().await.expect("text");
    assert!(
        words.contains("Kustomer did not accept the sign-in code"),
        "{words}"
    );
}

#[tokio::test]
async fn a_code_from_another_sign_in_fails_pkce() {
    let env = Env::start(|_| {}).await;
    let cookie = env.page_cookie(ALEX).await;
    // Two sign-ins in flight; the attacker's code arrives with the victim's state, so the server
    // sends the victim's verifier, which does not match the code's challenge.
    let a = env.authorize(&env.start_sign_in().await, &cookie).await;
    let b = env.authorize(&env.start_sign_in().await, &cookie).await;
    let mut crossed = b.clone();
    crossed.set_query(Some(&format!(
        "code={}&state={}",
        query(&a)("code").expect("code"),
        query(&b)("state").expect("state")
    )));
    let res = env.callback(&crossed).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let words = res.text().await.expect("text");
    assert!(
        words.contains("Kustomer did not accept the sign-in code"),
        "{words}"
    );
    assert!(env
        .server()
        .state
        .0
        .store
        .signed_in_agents(server::now_ms())
        .expect("read")
        .is_empty());
}

#[tokio::test]
async fn a_kustomer_user_without_a_ccai_agent_is_refused_in_words() {
    let env = Env::start(|_| {}).await;
    let cookie = env.page_cookie(ADA).await;
    let callback = env.authorize(&env.start_sign_in().await, &cookie).await;
    let res = env.callback(&callback).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.headers()["content-type"]
        .to_str()
        .expect("type")
        .starts_with("text/plain"));
    let words = res.text().await.expect("text");
    assert!(
        words.contains("No CCAI Platform agent has the e-mail admin@example.com"),
        "{words}"
    );
}

#[tokio::test]
async fn an_extension_gets_its_tokens_or_its_refusal_in_the_fragment() {
    let env = Env::start(|_| {}).await;
    let ext = format!(
        "https://{}.chromiumapp.org/signed-in",
        server::config::EXTENSION_ID
    );
    let ext = ext.as_str();
    for (who, ok) in [(ALEX, true), (ADA, false)] {
        let cookie = env.page_cookie(who).await;
        let res = env
            .http
            .get(env.url("/auth/start"))
            .query(&[("redirect", ext)])
            .send()
            .await
            .expect("start");
        let authorize = reqwest::Url::parse(location(&res)).expect("url");
        let callback = env.authorize(&authorize, &cookie).await;
        let res = env.callback(&callback).await;
        assert_eq!(res.status(), StatusCode::FOUND);
        let to = location(&res);
        assert!(to.starts_with(&format!("{ext}#")), "{to}");
        if ok {
            assert!(support::fragment_tokens(to).is_some(), "{to}");
        } else {
            assert!(to.contains("error=no_ccai_agent"), "{to}");
        }
    }
    // Anywhere else is refused before Kustomer is even asked: a website, or another extension of the
    // agent's browser.
    for elsewhere in [
        "https://evil.example/",
        "https://abcdefghijklmnopabcdefghijklmnop.chromiumapp.org/signed-in",
    ] {
        let res = env
            .http
            .get(env.url("/auth/start"))
            .query(&[("redirect", elsewhere)])
            .send()
            .await
            .expect("start");
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{elsewhere}");
    }
}
