//! Status changes made elsewhere reach the agent by push: on Kustomer's side from its documented work
//! sessions (B8, read once for the org, whatever the page's markup), on CCAI's side from its activity
//! log (A11, tailed once for the company).

mod status_common;

use ccai_core::server_api::Push;
use serde_json::json;
use status_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kustomer_status_changed_outside_our_page_is_pushed() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", "u-agent-1", 11);
    let mut events = env.events(&alex).await;
    // At sign-in: the status the agent is in now (S8).
    let first = wait_for(&mut events, 1, 10, |p| {
        matches!(p, Push::KustomerStatusChanged { .. })
    })
    .await;
    assert!(
        matches!(&first[0], Push::KustomerStatusChanged { kustomer_status_id, .. } if kustomer_status_id == K_AVAILABLE),
        "{first:?}"
    );
    // Changed in Kustomer, not through our page (another tab, a supervisor, Kustomer itself).
    let r = env
        .http
        .post(format!("{}/sandbox/kustomer/status", env.sb.base_url()))
        .json(&json!({"status_id": K_TRAINING}))
        .send()
        .await
        .expect("sandbox answers");
    assert!(r.status().is_success());
    let next = wait_for(&mut events, 1, 10, |p| {
        matches!(p, Push::KustomerStatusChanged { .. })
    })
    .await;
    assert!(
        matches!(&next[0], Push::KustomerStatusChanged { kustomer_status_id, .. } if kustomer_status_id == K_TRAINING),
        "{next:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ccai_status_changed_by_ccai_is_pushed_from_its_activity_log() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", "u-agent-1", 11);
    let mut events = env.events(&alex).await;
    // CCAI itself moves the agent (a supervisor in CCAI's portal, a call, wrap-up): nothing of ours.
    env.ccai_moves(11, -2).await;
    let got = wait_for(&mut events, 1, 15, |p| {
        matches!(
            p,
            Push::CcaiStatusChanged {
                ccai_status_id: -2,
                ..
            }
        )
    })
    .await;
    assert!(
        matches!(&got[0], Push::CcaiStatusChanged { name, .. } if name == "Break"),
        "{got:?}"
    );
}
