//! However hard the agents push, CCAI never sees more than the company's rate in any one-second
//! window (the sandbox measures it), and nothing is refused for it.

mod status_common;

use ccai_core::server_api::Push;
use serde_json::{json, Value};
use status_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_is_never_above_the_budget_in_any_second() {
    let env = start(1).await;
    let agents = [
        (11, "agent@example.com", "u-agent-1"),
        (12, "bo@example.com", "u-agent-2"),
        (13, "chris@example.com", "u-agent-3"),
    ];
    let mut sessions = Vec::new();
    for (id, email, user) in agents {
        let token = env.sign_in(email, user, id);
        let epoch = env.claim(&token).await;
        let events = env.events(&token).await;
        sessions.push((token, epoch, events));
    }
    let sb = env.sb.base_url();
    // CCAI answers 429 past one request a second, and the measurement starts now.
    let set = env
        .http
        .post(format!("{sb}/sandbox/ccai/rate"))
        .json(&json!({"limit": 1}))
        .send()
        .await
        .expect("sandbox answers");
    assert!(set.status().is_success());
    // Three agents, twenty changes each over two seconds, three targets: without the budget the
    // scheduler would send a batch whenever the previous one was answered.
    let targets: Vec<&str> = [K_TRAINING, K_LUNCH, K_AVAILABLE]
        .iter()
        .cycle()
        .take(20)
        .copied()
        .collect();
    for (n, target) in targets.iter().enumerate() {
        for (i, (token, epoch, _)) in sessions.iter().enumerate() {
            let (code, _) = env
                .change(token, &format!("r{i}-{n}"), *epoch, target)
                .await;
            assert_eq!(code, 200);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // Every agent's last change is applied.
    for (i, (_, _, events)) in sessions.iter_mut().enumerate() {
        let key = format!("r{i}-{}", targets.len() - 1);
        wait_for(
            events,
            1,
            60,
            |p| matches!(p, Push::StatusApplied { key: k, .. } if *k == key),
        )
        .await;
    }
    let report: Value = env
        .http
        .get(format!("{sb}/sandbox/ccai/rate"))
        .send()
        .await
        .expect("sandbox answers")
        .json()
        .await
        .expect("json");
    assert_eq!(report["max_in_any_1s_window"], 1, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    assert!(report["total"].as_u64().is_some_and(|t| t >= 2), "{report}");
}
