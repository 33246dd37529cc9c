//! Status changes reach CCAI exactly once and in order, through 429, 500, dropped connections, lost
//! answers and a server killed and restarted midway; the agent hears each change's outcome.

mod status_common;

use ccai_core::server_api::Push;
use serde_json::json;
use status_common::*;

const AGENT: i64 = 11;
const EMAIL: &str = "agent@example.com";

fn is_outcome(p: &Push) -> bool {
    matches!(
        p,
        Push::StatusApplied { .. } | Push::StatusFailed { .. } | Push::StatusSuperseded { .. }
    )
}

/// The changes CCAI applied must be the agent's changes in order, each at most once, ending with the
/// latest (a change superseded while it waited may be skipped, never reordered).
fn assert_in_order_subsequence(applied: &[String], sent: &[&str]) {
    let mut at = 0;
    for name in applied {
        let pos = sent[at..]
            .iter()
            .position(|s| s == name)
            .unwrap_or_else(|| {
                panic!("ccai applied {name} out of order: applied {applied:?}, sent {sent:?}")
            });
        at += pos + 1;
    }
    assert_eq!(
        applied.last().map(String::as_str),
        sent.last().copied(),
        "the latest change is the status ccai ends in: applied {applied:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn through_429_500_drops_and_lost_answers_each_change_lands_once_in_order() {
    let env = start(10).await;
    let token = env.sign_in(EMAIL, "u-agent-1", AGENT);
    let epoch = env.claim(&token).await;
    let mut events = env.events(&token).await;
    // One fault per request, in this order: every kind of trouble the docs allow (A3, A4) and two the
    // network adds.
    env.fault(json!({
        "service": "ccai",
        "path_prefix": "/apps/api/v1/agent_statuses",
        "faults": [
            {"kind": "status", "code": 429},
            {"kind": "status", "code": 500},
            {"kind": "drop"},
            {"kind": "lost_response"},
            {"kind": "status", "code": 503}
        ]
    }))
    .await;

    // Each change waits for the previous outcome, so none is superseded: all four must land.
    let plan = [
        ("k1", K_TRAINING, "Training"),
        ("k2", K_LUNCH, "Break"),
        ("k3", K_AVAILABLE, "Available"),
        ("k4", K_TRAINING, "Training"),
    ];
    for (key, kustomer, _) in plan {
        let (code, body) = env.change(&token, key, epoch, kustomer).await;
        assert_eq!(
            (code, body["outcome"].as_str()),
            (200, Some("Queued")),
            "{body}"
        );
        let got = wait_for(&mut events, 1, 30, is_outcome).await;
        assert!(
            matches!(&got[0], Push::StatusApplied { key: k, .. } if k == key),
            "{key}: {got:?}"
        );
    }
    // A retry of an accepted change (the answer was lost on its way to the tab) changes nothing.
    let (code, body) = env.change(&token, "k2", epoch, K_LUNCH).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Duplicate")));

    let sent: Vec<&str> = plan.iter().map(|p| p.2).collect();
    let applied = env.applied_to(AGENT).await;
    assert_eq!(applied, sent, "each change applied exactly once, in order");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_changes_is_merged_the_latest_wins_and_order_holds() {
    let env = start(1).await;
    let token = env.sign_in(EMAIL, "u-agent-1", AGENT);
    let epoch = env.claim(&token).await;
    let mut events = env.events(&token).await;
    // First the agent leaves Available, so that the burst's last change is a real change at CCAI.
    let (code, _) = env.change(&token, "b0", epoch, K_TRAINING).await;
    assert_eq!(code, 200);
    wait_for(&mut events, 1, 30, is_outcome).await;
    let burst = [
        ("b1", K_LUNCH, "Break"),
        ("b2", K_TRAINING, "Training"),
        ("b3", K_TRAINING, "Training"),
        ("b4", K_LUNCH, "Break"),
        ("b5", K_AVAILABLE, "Available"),
    ];
    for (key, kustomer, _) in burst {
        let (code, _) = env.change(&token, key, epoch, kustomer).await;
        assert_eq!(code, 200);
    }
    // Every key gets exactly one outcome: applied, or superseded by a later change.
    let outcomes = wait_for(&mut events, burst.len(), 30, is_outcome).await;
    let last = outcomes
        .iter()
        .find(|p| matches!(p, Push::StatusApplied { key, .. } if key == "b5"));
    assert!(last.is_some(), "the latest change is applied: {outcomes:?}");
    // A change replaced while it waited is told as superseded, by a later key of the burst, never as
    // failed.
    let keys: Vec<&str> = burst.iter().map(|b| b.0).collect();
    let superseded: Vec<(&str, &str)> = outcomes
        .iter()
        .filter_map(|p| match p {
            Push::StatusSuperseded { key, by_key } => Some((key.as_str(), by_key.as_str())),
            _ => None,
        })
        .collect();
    assert!(!superseded.is_empty(), "{outcomes:?}");
    for (key, by) in &superseded {
        let at = |k: &str| keys.iter().position(|x| *x == k);
        assert!(
            at(key).is_some() && at(by) > at(key),
            "{key} superseded by a later change, not {by:?}"
        );
    }
    assert!(
        !outcomes
            .iter()
            .any(|p| matches!(p, Push::StatusFailed { .. })),
        "{outcomes:?}"
    );
    let sent: Vec<&str> = std::iter::once("Training")
        .chain(burst.iter().map(|p| p.2))
        .collect();
    let applied = env.applied_to(AGENT).await;
    assert!(
        applied.len() < sent.len(),
        "waiting changes were merged: {applied:?}"
    );
    assert_in_order_subsequence(&applied, &sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_killed_midway_resumes_its_queue_from_the_file() {
    // One request per second: the server is killed while changes wait for their turn.
    let mut env = start(1).await;
    let tokens: Vec<(i64, String)> = [
        (11, EMAIL, "u-agent-1"),
        (13, "chris@example.com", "u-agent-3"),
    ]
    .iter()
    .map(|(id, email, user)| (*id, env.sign_in(email, user, *id)))
    .collect();
    let mut epochs = Vec::new();
    for (_, t) in &tokens {
        epochs.push(env.claim(t).await);
    }
    // Different targets cannot share a request: they queue behind one another at 1/s.
    let plan = [
        (0usize, "c1", K_TRAINING),
        (1, "c2", K_LUNCH),
        (0, "c3", K_LUNCH),
        (1, "c4", K_TRAINING),
    ];
    for (who, key, kustomer) in plan {
        let (code, _) = env.change(&tokens[who].1, key, epochs[who], kustomer).await;
        assert_eq!(code, 200);
    }
    let open = server::status::store::open_changes(&env.state().0.store.lock()).expect("reads");
    assert!(!open.is_empty(), "the kill comes while changes wait");
    env.crash_and_restart().await;
    let mut events: Vec<_> = Vec::new();
    for (_, t) in &tokens {
        events.push(env.events(t).await);
    }
    // The same keys after the restart are duplicates: they were stored before "queued" was said.
    let (code, body) = env.change(&tokens[0].1, "c3", epochs[0], K_LUNCH).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Duplicate")));
    // Both agents end in their latest status, and nothing is applied out of order.
    for (i, want) in [(0usize, "Break"), (1, "Training")] {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let applied = env.applied_to(tokens[i].0).await;
            if applied.last().map(String::as_str) == Some(want) {
                let sent: Vec<&str> = if i == 0 {
                    vec!["Training", "Break"]
                } else {
                    vec!["Break", "Training"]
                };
                assert_in_order_subsequence(&applied, &sent);
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "agent {i} never reached {want}: {applied:?}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }
    let _ = &mut events;
}
