//! A day in the contact center, end to end: the sandbox's CCAI side plays a seeded day through the
//! connector into the sandbox's Kustomer; the final Kustomer state is compared with the state written out
//! below BY HAND from the rules (SPEC R1–R21), not produced by the code under test.

mod support;

use serde_json::json;
use support::*;

/// What the rules say the day leaves in Kustomer, per end user: their conversations, newest first.
fn expected() -> serde_json::Value {
    json!({
        // A: IVR call answered, transferred to Bo, SmartAction, recorded (R2, R16, R19, R9, R12, R8); a
        // second call on the same menu joins it while open (R6); the 4 s call returned joins it too (R11),
        // its agent is the last assignment; the voicemail gets its own conversation (R5), then is read (R15).
        "+14155550101": [
            {
                "name": "Voicemail a4", "status": "open", "assignedUsers": [], "messages": 1,
                "notes": ["Phone number: +14155550101", "Voicemail left (20 s).", "Voicemail read by agent@example.com."],
                "attachments": ["a4.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "voicemail", "sessionIdStr": "a4",
                            "phoneNumberStr": "+14155550101", "menuSelectionStr": "Billing" }
            },
            {
                "name": "Call a1", "status": "open", "assignedUsers": ["u-agent-1"], "messages": 3,
                "notes": ["Phone number: +14155550101", "SmartAction \"Verify identity\" completed.\nverified: yes"],
                "attachments": ["id.jpg", "a1.mp3", "a3.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "outbound_call", "sessionIdStr": "a3",
                            "phoneNumberStr": "+14155550101", "menuSelectionStr": "Billing",
                            "callDurationNum": 60.0, "waitTimeNum": 0.0, "holdTimeNum": 0.0 }
            }
        ],
        // B: abandoned (R4), then the agent's outbound follow-up joins the open conversation (R7).
        "+34911222333": [
            {
                "name": "Call b1", "status": "open", "assignedUsers": ["u-agent-1"], "messages": 2,
                "notes": ["Phone number: +34911222333", "Caller abandoned the call after 30 s in queue."],
                "attachments": ["b2.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "outbound_call", "sessionIdStr": "b2",
                            "phoneNumberStr": "+34911222333", "menuSelectionStr": "Ventas",
                            "callDurationNum": 120.0, "waitTimeNum": 0.0, "holdTimeNum": 0.0 }
            }
        ],
        // C: new app user's mobile chat (R1, R17); SDK data through the mapping (R13); failed SmartAction
        // (R12); transcript (R20); rating (R14). No phone, so no phone note.
        "app-42": [
            {
                "name": "Chat c1", "status": "open", "assignedUsers": ["u-agent-1"], "messages": 1,
                "notes": ["SmartAction \"Fingerprint\" failed: fingerprint access not enabled",
                          "Chat transcript attached: chat.txt", "CSAT rating: 4/5. Comment: great"],
                "attachments": ["chat.txt"],
                "custom": { "queueNameStr": "Chat", "sessionTypeStr": "mobile_chat", "sessionIdStr": "c1",
                            "menuSelectionStr": "Orders", "loyaltyPlanStr": "gold",
                            "csatRatingNum": 4.0, "csatCommentTxt": "great",
                            "callDurationNum": 300.0, "waitTimeNum": 2.0, "holdTimeNum": 0.0 }
            }
        ],
        // D: hang up and call back joins the open conversation (R10).
        "+447700900123": [
            {
                "name": "Call d1", "status": "open", "assignedUsers": ["u-agent-1"], "messages": 2,
                "notes": ["Phone number: +447700900123"],
                "attachments": ["d2.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "outbound_call", "sessionIdStr": "d2",
                            "phoneNumberStr": "+447700900123", "menuSelectionStr": "Support",
                            "callDurationNum": 45.0, "waitTimeNum": 0.0, "holdTimeNum": 0.0 }
            }
        ]
    })
}

/// Whom each end user is assigned to (R18: only a customer new in the session follows its
/// assignments). A is made in a1, answered by the agent, then transferred to Bo (u-agent-2): Bo; a2–a4
/// are later sessions. B is made in b1, abandoned; b2's follow-up is a later session: nobody. C (the
/// app user) and D are answered by the agent in the session that made them.
fn expected_customer_assignments() -> serde_json::Value {
    json!({
        "+14155550101": ["u-agent-2"],
        "+34911222333": [],
        "app-42": ["u-agent-1"],
        "+447700900123": ["u-agent-1"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn day_in_the_contact_center_ends_in_the_state_the_rules_say() {
    let world = World::start().await;
    let conn = world.connector(None).await;
    let bodies = world.deliveries(&PlayOptions {
        seed: 1,
        ..PlayOptions::default()
    });
    let statuses = play(&conn.webhook_url(), SECRET, &bodies)
        .await
        .expect("plays");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(
        conn.wait_idle(std::time::Duration::from_secs(30)).await,
        "connector never idle"
    );
    assert_eq!(world.snapshot().await, expected());
    assert_eq!(
        world.customer_assignments().await,
        expected_customer_assignments()
    );
    assert_eq!(
        conn.engine
            .metrics
            .failed_ops
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_day_with_duplicates_delays_faults_and_a_restart_ends_the_same() {
    let world = World::start().await;
    let db = world.db_path();
    let conn = world.connector(Some(db.clone())).await;
    let bodies = world.deliveries(&PlayOptions {
        seed: 7,
        duplicate_permille: 300,
        delay_permille: 250,
    });
    world
        .faults(json!([
            { "kind": "status", "code": 500 },
            { "kind": "drop" },
            { "kind": "lost_response" },
            { "kind": "status", "code": 429 },
            { "kind": "latency", "ms": 300 },
            { "kind": "status", "code": 503 },
            { "kind": "lost_response" }
        ]))
        .await;
    // The customer lookups' reads come first and take most of those; these hit writes, where a lost
    // response is the ambiguous case the idempotency keys are for.
    world
        .schedule_faults(json!({
            "service": "kustomer", "method": "POST",
            "faults": [
                { "kind": "lost_response" },
                { "kind": "status", "code": 500 },
                { "kind": "drop" },
                { "kind": "lost_response" }
            ]
        }))
        .await;
    let half = bodies.len() / 2;
    let first = play(&conn.webhook_url(), SECRET, &bodies[..half])
        .await
        .expect("plays");
    assert!(first.iter().all(|s| *s == 200), "{first:?}");
    // Killed mid-work: operations are in flight, some events not yet decided.
    conn.kill().await;
    let conn = world.connector(Some(db)).await;
    let rest = play(&conn.webhook_url(), SECRET, &bodies[half..])
        .await
        .expect("plays");
    assert!(rest.iter().all(|s| *s == 200), "{rest:?}");
    assert!(
        conn.wait_idle(std::time::Duration::from_secs(60)).await,
        "connector never idle"
    );
    assert_eq!(world.snapshot().await, expected());
    assert_eq!(
        world.customer_assignments().await,
        expected_customer_assignments()
    );
    let log = world.fault_log().await;
    assert_eq!(log["pending"], json!([]), "every fault fired");
    let lost_writes = log["fired"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["method"] == "POST" && f["fault"]["kind"] == "lost_response")
        .count();
    assert!(lost_writes >= 2, "{}", log["fired"]);
}
