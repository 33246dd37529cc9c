//! One writer per agent, and only as themselves: a newer owner term fences older ones (also from
//! another computer), and nothing in a request's body can make it act for another agent.

mod status_common;

use ccai_core::server_api::Push;
use serde_json::json;
use status_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newer_owner_fences_the_older_one_across_sessions() {
    let env = start(10).await;
    // The same agent on two computers: two sessions.
    let laptop = env.sign_in("agent@example.com", "u-agent-1", 11);
    let desktop = env.sign_in("agent@example.com", "u-agent-1", 11);
    let old = env.claim(&laptop).await;
    let mut laptop_events = env.events(&laptop).await;
    let mut desktop_events = env.events(&desktop).await;
    let new = env.claim(&desktop).await;
    assert!(new > old, "epochs grow: {old} then {new}");
    let fenced = wait_for(&mut laptop_events, 1, 10, |p| {
        matches!(p, Push::Fenced { .. })
    })
    .await;
    assert_eq!(
        fenced[0],
        Push::Fenced { epoch: new },
        "the old owner's connection is told"
    );

    let (code, body) = env.change(&laptop, "from-laptop", old, K_TRAINING).await;
    assert_eq!(code, 409);
    assert_eq!(body, json!({"outcome": "Fenced", "current_epoch": new}));
    let (code, body) = env.change(&desktop, "from-desktop", new, K_LUNCH).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Queued")));
    // An epoch from the future is no better than a stale one.
    let (code, _) = env.change(&desktop, "from-nowhere", new + 5, K_LUNCH).await;
    assert_eq!(code, 409);

    // The new owner's session is not told it is fenced: the first of the two it hears is its change.
    let first = wait_for(&mut desktop_events, 1, 10, |p| {
        matches!(p, Push::Fenced { .. })
            || matches!(p, Push::StatusApplied { key, .. } if key == "from-desktop")
    })
    .await;
    assert!(
        matches!(&first[0], Push::StatusApplied { .. }),
        "Fenced goes only to the fenced session: {first:?}"
    );
    assert_eq!(
        env.applied_to(11).await,
        vec!["Break".to_string()],
        "only the owner's change"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_cannot_change_another_agents_status() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", "u-agent-1", 11);
    let chris = env.sign_in_tokens("chris@example.com", "u-agent-3", 13);
    let epoch = env.claim(&alex).await;
    let mut alex_events = env.events(&alex).await;

    // A body naming another agent in every way we can think of: the session decides, nothing else.
    let forged = json!({
        "key": "forged-1", "epoch": epoch, "kustomer_status_id": K_TRAINING, "changed_at_ms": 1,
        "agent_id": 13, "ccai_agent_id": 13, "agent_email": "chris@example.com",
        "email": "chris@example.com", "agent_ids": [13], "team_ids": [1]
    });
    let (code, body) = env.post_json(&alex, "/api/v1/status", &forged).await;
    assert_eq!((code, body["outcome"].as_str()), (200, Some("Queued")));
    wait_for(&mut alex_events, 1, 10, |p| {
        matches!(p, Push::StatusApplied { .. })
    })
    .await;
    assert_eq!(env.applied_to(11).await, vec!["Training".to_string()]);
    assert!(env.applied_to(13).await.is_empty(), "chris is untouched");

    // Without a session, with a made-up one, or with a revoked one: 401 and nothing queued.
    let change = json!({"key": "x", "epoch": 1, "kustomer_status_id": K_LUNCH, "changed_at_ms": 1});
    let r = env
        .http
        .post(env.url("/api/v1/status"))
        .json(&change)
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 401);
    let (code, _) = env
        .post_json("not-a-session", "/api/v1/status", &change)
        .await;
    assert_eq!(code, 401);
    let chris_epoch = env.claim(&chris.session).await;
    let r = env
        .http
        .post(env.url("/auth/signout"))
        .bearer_auth(&chris.session)
        .send()
        .await
        .expect("answers");
    assert!(r.status().is_success(), "sign-out works");
    let (code, _) = env
        .change(&chris.session, "after-signout", chris_epoch, K_LUNCH)
        .await;
    assert_eq!(code, 401);
    let (code, _) = env
        .post_json(&chris.session, "/api/v1/owner", &json!({}))
        .await;
    assert_eq!(code, 401);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert!(
        env.applied_to(13).await.is_empty(),
        "nothing reached ccai for chris"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_without_a_usable_mapping_is_refused_with_the_reason() {
    let env = start(10).await;
    let alex = env.sign_in("agent@example.com", "u-agent-1", 11);
    let epoch = env.claim(&alex).await;
    let (code, body) = env.change(&alex, "u1", epoch, K_BUSY).await;
    assert_eq!(code, 422);
    assert_eq!(body["outcome"], "Refused");
    assert!(
        body["reason"]
            .as_str()
            .is_some_and(|r| r.contains("no row in the admin's mapping")),
        "{body}"
    );
    let (code, body) = env.change(&alex, "u2", epoch, "no-such-status").await;
    assert_eq!(code, 422, "{body}");
    let r = env
        .http
        .post(env.url("/api/v1/status"))
        .bearer_auth(&alex)
        .header("content-type", "application/json")
        .body("{\"key\": 5")
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status().as_u16(), 400);
    let err: serde_json::Value = r.json().await.expect("json error");
    assert!(err["error"].is_string(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_term_claimed_with_its_first_change_fences_the_older_one_in_one_request() {
    let env = start(10).await;
    let laptop = env.sign_in("agent@example.com", "u-agent-1", 11);
    let desktop = env.sign_in("agent@example.com", "u-agent-1", 11);
    let old = env.claim(&laptop).await;
    let mut laptop_events = env.events(&laptop).await;
    // The change's own epoch is not the term's: the request claims one.
    let change = json!({"key": "first-of-term", "epoch": 0, "kustomer_status_id": K_LUNCH, "changed_at_ms": 1});
    let (code, body) = env
        .post_json(&desktop, "/api/v1/owner/status", &change)
        .await;
    assert_eq!(
        (code, body["outcome"].as_str()),
        (200, Some("Queued")),
        "{body}"
    );
    let new = body["epoch"].as_u64().expect("the new term");
    assert!(new > old, "epochs grow: {old} then {new}");
    let fenced = wait_for(&mut laptop_events, 1, 10, |p| {
        matches!(p, Push::Fenced { .. })
    })
    .await;
    assert_eq!(fenced[0], Push::Fenced { epoch: new });
    let (code, _) = env.change(&laptop, "from-laptop", old, K_TRAINING).await;
    assert_eq!(code, 409, "the older term is over");
    // Sent again (its answer lost): a newer term still, and the change is not queued twice.
    let (code, body) = env
        .post_json(&desktop, "/api/v1/owner/status", &change)
        .await;
    assert_eq!(
        (code, body["outcome"].as_str()),
        (200, Some("Duplicate")),
        "{body}"
    );
    assert!(body["epoch"].as_u64() > Some(new), "{body}");
    let (code, body) = env
        .post_json(&desktop, "/api/v1/owner/status", &json!({"key": ""}))
        .await;
    assert_eq!(code, 400, "{body}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(env.applied_to(11).await, vec!["Break".to_string()], "once");
}
