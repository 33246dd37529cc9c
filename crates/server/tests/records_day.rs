//! A day in the contact center, end to end: CCAI's documented session events (A20) for a seeded day go
//! through the server's intake into the sandbox's Kustomer; the final Kustomer state is compared with the
//! state written out below BY HAND from the rules (SPEC R1–R21), not produced by the code under test.

mod records_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use records_support::*;
use serde_json::json;

/// What the rules say the day leaves in Kustomer, per end user: their conversations, newest first. A
/// conversation's name carries R21's standard data; a session joining it adds that line as a message; a
/// recording is a note with the file (B14).
fn expected() -> serde_json::Value {
    json!({
        // A: IVR call answered, transferred to Bo, recorded (R2, R16, R19, R9, R8); a second call on the
        // same menu joins it while open (R6); the 4 s call returned joins it too (R11), its agent is the
        // last assignment; the voicemail gets its own conversation (R5), then is read (R15).
        "+14155550101": [
            {
                "name": "Voicemail a4 · language en · menu Billing", "status": "open", "assignedUsers": [],
                "messages": 0,
                "notes": ["Phone number: +14155550101", "Voicemail left (20 s).", "Voicemail read by agent@example.com."],
                "attachments": ["a4.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "voicemail", "sessionIdStr": "a4",
                            "phoneNumberStr": "+14155550101", "menuSelectionStr": "Billing" }
            },
            {
                "name": "Call a1 · language en · menu Billing", "status": "open", "assignedUsers": ["u-agent-1"],
                "messages": 2,
                "notes": ["Phone number: +14155550101", "Recording attached: a1.mp3", "Recording attached: a3.mp3"],
                "attachments": ["a1.mp3", "a3.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "outbound_call", "sessionIdStr": "a3",
                            "phoneNumberStr": "+14155550101", "menuSelectionStr": "Billing",
                            "callDurationNum": 60.0, "waitTimeNum": 0.0, "holdTimeNum": 0.0 }
            }
        ],
        // B: abandoned (R4), then the agent's outbound follow-up joins the open conversation (R7).
        "+34911222333": [
            {
                "name": "Call b1 · language es · menu Ventas", "status": "open", "assignedUsers": ["u-agent-1"],
                "messages": 1,
                "notes": ["Phone number: +34911222333", "Caller abandoned the call after 30 s in queue.",
                          "Recording attached: b2.mp3"],
                "attachments": ["b2.mp3"],
                "custom": { "queueNameStr": "Support", "sessionTypeStr": "outbound_call", "sessionIdStr": "b2",
                            "phoneNumberStr": "+34911222333", "menuSelectionStr": "Ventas",
                            "callDurationNum": 120.0, "waitTimeNum": 0.0, "holdTimeNum": 0.0 }
            }
        ],
        // C: new app user's mobile chat (R1, R17); transcript (R20); rating (R14). No phone, so no phone
        // note.
        "app-42": [
            {
                "name": "Chat c1 · language en · menu Orders", "status": "open", "assignedUsers": ["u-agent-1"],
                "messages": 0,
                "notes": ["Chat transcript attached: chat-c1.txt", "CSAT rating: 4/5."],
                "attachments": ["chat-c1.txt"],
                "custom": { "queueNameStr": "Chat", "sessionTypeStr": "mobile_chat", "sessionIdStr": "c1",
                            "menuSelectionStr": "Orders", "csatRatingNum": 4.0,
                            "callDurationNum": 300.0, "waitTimeNum": 2.0, "holdTimeNum": 0.0 }
            }
        ],
        // D: the agent calls back after a 30 s call: an ordinary outbound call joins the open
        // conversation (R7; R10's own event is not documented).
        "+447700900123": [
            {
                "name": "Call d1 · language en · menu Support", "status": "open", "assignedUsers": ["u-agent-1"],
                "messages": 1,
                "notes": ["Phone number: +447700900123", "Recording attached: d2.mp3"],
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
    let server = world.server(None).await;
    let bodies = world.day(&PlayOptions {
        seed: 1,
        ..PlayOptions::default()
    });
    let statuses = world.play(&server, &bodies).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(
        world.wait_idle(&server, Duration::from_secs(30)).await,
        "server never idle"
    );
    assert_eq!(world.snapshot().await, expected());
    assert_eq!(
        world.customer_assignments().await,
        expected_customer_assignments()
    );
    let m = &server.state.0.records.metrics;
    assert_eq!(m.failed_ops.load(Ordering::Relaxed), 0);
    assert_eq!(m.not_repeated.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn same_day_with_duplicates_delays_faults_and_a_restart_ends_the_same() {
    let world = World::start().await;
    let db = world.db_path();
    let server = world.server(Some(db.clone())).await;
    let bodies = world.day(&PlayOptions {
        seed: 7,
        duplicate_permille: 300,
        delay_permille: 250,
    });
    // Definite refusals anywhere (nothing applied: sent again), a slow answer.
    world
        .faults(json!([
            { "kind": "status", "code": 500 },
            { "kind": "status", "code": 429 },
            { "kind": "latency", "ms": 300 },
            { "kind": "status", "code": 503 }
        ]))
        .await;
    // The ambiguous ends where a natural key finds the write again: a customer's and a conversation's
    // creation whose answer is lost, or whose connection drops.
    for (path, faults) in [
        (
            "/v1/customers",
            json!([{ "kind": "lost_response" }, { "kind": "drop" }]),
        ),
        (
            "/v1/conversations",
            json!([{ "kind": "drop" }, { "kind": "lost_response" }]),
        ),
    ] {
        world
            .schedule_faults(json!({
                "service": "kustomer", "method": "POST", "path_prefix": path, "faults": faults
            }))
            .await;
    }
    let half = bodies.len() / 2;
    let first = world.play(&server, &bodies[..half]).await;
    assert!(first.iter().all(|s| *s == 200), "{first:?}");
    // Killed mid-work: writes are in flight, some deliveries not yet translated.
    server.kill().await;
    let server = world.server(Some(db)).await;
    let rest = world.play(&server, &bodies[half..]).await;
    assert!(rest.iter().all(|s| *s == 200), "{rest:?}");
    assert!(
        world.wait_idle(&server, Duration::from_secs(60)).await,
        "server never idle"
    );
    assert_eq!(world.snapshot().await, expected());
    assert_eq!(
        world.customer_assignments().await,
        expected_customer_assignments()
    );
    let log = world.fault_log().await;
    assert_eq!(log["pending"], json!([]), "every fault fired");
    let ambiguous = log["fired"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| {
            f["method"] == "POST"
                && matches!(f["fault"]["kind"].as_str(), Some("lost_response" | "drop"))
        })
        .count();
    assert_eq!(ambiguous, 4, "{}", log["fired"]);
}
