//! The operations view's data (`GET /admin/v1/operations`, issue 18): an admin sees each signed-in
//! agent's owner term, push connections and last change with CCAI's answer, the outbox, the budget in
//! use and refusals in words; an agent who is not an admin sees nothing of it.

mod status_common;

use std::time::Duration;

use ccai_core::server_api::Operations;
use status_common::*;

async fn operations(env: &Env, token: &str) -> (u16, Option<Operations>) {
    let r = env
        .http
        .get(env.url("/admin/v1/operations"))
        .bearer_auth(token)
        .send()
        .await
        .expect("server answers");
    let code = r.status().as_u16();
    (code, r.json().await.ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sees_each_agents_sync_state_and_an_agent_sees_nothing() {
    let env = start(10).await;
    let agent = env.sign_in("agent@example.com", "u-agent-1", 11);
    let admin = env.sign_in(ADMIN, "u-agent-2", 12);
    let epoch = env.claim(&agent).await;
    let _stream = env.events(&agent).await;
    let (code, _) = env.change(&agent, "k1", epoch, K_LUNCH).await;
    assert_eq!(code, 200);

    let (code, view) = operations(&env, &agent).await;
    assert_eq!((code, view), (403, None), "an agent is not an admin");

    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let view = loop {
        let (code, view) = operations(&env, &admin).await;
        assert_eq!(code, 200);
        let view = view.expect("the view");
        let state = view
            .agents
            .iter()
            .find(|a| a.email == "agent@example.com")
            .and_then(|a| a.last_change.as_ref())
            .map(|c| c.state.clone());
        if state.as_deref() == Some("applied") {
            break view;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the change never shows applied: {view:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let alex = view
        .agents
        .iter()
        .find(|a| a.email == "agent@example.com")
        .expect("the agent is listed");
    assert_eq!(alex.owner_epoch, epoch);
    assert_eq!(alex.connections, 1, "the agent's push connection");
    let change = alex.last_change.as_ref().expect("a change");
    assert_eq!(change.ccai_status, "Break");
    assert!(view.acts_for_company, "the only instance acts");
    assert_eq!(view.ccai_rate_per_s, 10);
    assert!(view.ccai_requests_sent >= 1);
    assert_eq!(view.status_changes_open, 0);
    assert!(view.refusals.is_empty(), "{:?}", view.refusals);
}
