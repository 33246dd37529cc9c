//! The webhook door refuses what is not CCAI's: a bad signature, a stale timestamp, a replay (401).

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_stale_timestamp_and_replays_are_refused_with_401() {
    let world = World::start().await;
    let conn = world.connector(None).await;
    let url = conn.webhook_url();
    let body = serde_json::to_vec(&world.deliveries(&PlayOptions::default())[0]).expect("json");
    let now = sandbox::ccai_webhooks::now_s();
    let mut s = Sender::new(&url).expect("url");
    let post = |ts: u64, sig: String| (ts.to_string(), sig);

    let (ts, sig) = post(now, sign(b"not the secret", now, &body));
    assert_eq!(send(&mut s, &body, ts, sig).await, 401, "bad signature");
    let old = now - 301;
    let (ts, sig) = post(old, sign(SECRET, old, &body));
    assert_eq!(send(&mut s, &body, ts, sig).await, 401, "stale");
    let (ts, sig) = post(now, sign(SECRET, now, &body));
    assert_eq!(
        send(&mut s, &body, ts.clone(), sig.clone()).await,
        200,
        "fresh"
    );
    assert_eq!(
        send(&mut s, &body, ts, sig).await,
        401,
        "timestamp + signature replayed"
    );
    // A later delivery of the same event (CCAI retrying) is fine, and has no second effect.
    let (ts, sig) = post(now + 1, sign(SECRET, now + 1, &body));
    assert_eq!(send(&mut s, &body, ts, sig).await, 200, "retry");
    // The same event id with another body is a replay.
    let mut other: serde_json::Value = serde_json::from_slice(&body).expect("json");
    other["seq"] = serde_json::json!(99);
    let other = serde_json::to_vec(&other).expect("json");
    let (ts, sig) = post(now + 2, sign(SECRET, now + 2, &other));
    assert_eq!(
        send(&mut s, &other, ts, sig).await,
        401,
        "same id, other body"
    );
    assert_eq!(
        conn.engine.store.count_events("pending").unwrap_or(0)
            + conn.engine.store.count_events("decided").unwrap_or(0)
            + conn.engine.store.count_events("done").unwrap_or(0),
        1
    );
}

async fn send(s: &mut Sender, body: &[u8], ts: String, sig: String) -> u16 {
    s.post(body, &[("X-CCAI-Timestamp", ts), ("X-CCAI-Signature", sig)])
        .await
        .expect("answer")
}
