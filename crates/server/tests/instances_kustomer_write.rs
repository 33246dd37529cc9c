//! Bidirectional sync's Kustomer write (S4) with several instances on PostgreSQL (issue 18): the
//! agent's tab asks a stand-by, and the instance that polls Kustomer's work sessions is another. It
//! must still know the change as the server's own and not write it back to CCAI. It runs in
//! `./build.sh test`'s pass with every test server on PostgreSQL (`CCAI_TEST_DB=postgres`); in the
//! SQLite pass there is one instance, and it returns at once.

mod status_common;

use std::time::Duration;

use serde_json::{json, Value};
use server::Server;
use status_common::*;

const ALEX: i64 = 11;

async fn writes(env: &Env) -> Vec<String> {
    env.sent_to(ALEX).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_through_a_stand_by_is_not_written_back_by_the_instance_that_polls() {
    if !server::store::testing::on_postgres() {
        eprintln!("several instances need PostgreSQL: this runs with CCAI_TEST_DB=postgres");
        return;
    }
    let env = start_inheriting(10).await;
    let standby = Server::start(env.config())
        .await
        .expect("a second instance starts");
    assert!(env.state().acts_for_company(), "the first instance polls");
    assert!(!standby.state.acts_for_company(), "the second stands by");
    let alex = env.sign_in("agent@example.com", "u-agent-1", ALEX);
    for _ in 0..400 {
        if !writes(&env).await.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        writes(&env).await,
        ["Available"],
        "S8, from the first instance"
    );

    let r = env
        .http
        .put(format!("{}/api/v1/kustomer-status", standby.url()))
        .bearer_auth(&alex)
        .json(&json!({ "kustomer_status_id": K_LUNCH }))
        .send()
        .await
        .expect("the stand-by answers");
    let code = r.status().as_u16();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(code, 200, "{body}");
    // Six polls of the first instance (every 500 ms here) read Lunch in Alex's work session.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        writes(&env).await,
        ["Available"],
        "the first instance took the stand-by's change for news and wrote it to ccai"
    );
    standby.kill().await;
}
