//! The standing check's cost (issue 15): an agent Kustomer deactivates is out within a minute, and
//! checking costs the org's one per-minute budget (B4) no more than that needs. A sign-in proves the
//! agent's token, so the next check is a whole interval later, not at the next round. Real HTTP, the
//! real sandbox's Kustomer (its request log), a real SQLite file.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;

/// `GET /v1/users/current` requests the sandbox's Kustomer received so far (sign-ins and checks).
async fn users_current(env: &Env) -> usize {
    let log: Value = env
        .http
        .get(env.sandbox_url("/sandbox/kustomer/requests"))
        .send()
        .await
        .expect("sandbox answers")
        .json()
        .await
        .expect("json");
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.contains("users/current"))
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_counts_as_a_check_and_the_next_comes_an_interval_later() {
    let started = Instant::now();
    let env = Env::start(|c| c.standing_interval = Duration::from_secs(4)).await;
    // Sign in just before the server's fourth second, when a round-based check would ask everyone.
    tokio::time::sleep(Duration::from_millis(3_200).saturating_sub(started.elapsed())).await;
    let _alex = env.sign_in(ALEX).await;
    let signed_in = Instant::now();
    let after_sign_in = users_current(&env).await;
    // No check for the next 2.5 s: the sign-in's own `users/current` just proved the token (the plan
    // may ask up to a quarter interval early, so at 3 s at the soonest).
    tokio::time::sleep(Duration::from_millis(2_500).saturating_sub(signed_in.elapsed())).await;
    assert_eq!(
        users_current(&env).await,
        after_sign_in,
        "checked again right after signing in"
    );
    // But within the interval (and one tick), it is checked.
    tokio::time::sleep(Duration::from_millis(5_500).saturating_sub(signed_in.elapsed())).await;
    assert_eq!(users_current(&env).await, after_sign_in + 1);
}
