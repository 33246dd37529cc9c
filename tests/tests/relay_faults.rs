//! The relay through faults (issue 5), through the company server since issue 16: every status change
//! reaches CCAI exactly once and in order, whatever CCAI answers the server (which retries and honours
//! Retry-After for everyone) and whatever becomes of the agent's session, and the agent always sees
//! whether sync is live, retrying, paused or failed.

use std::time::Duration;

use e2e::kustomer_page::kstatus;
use e2e::{wait_adapter_text, wait_for, Adapter, Browser, Sandbox, TestResult};
use fantoccini::Locator;
use serde_json::{json, Value};

async fn owner_page(sandbox: &Sandbox) -> TestResult<Browser> {
    let browser = Browser::seeded(sandbox).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    Ok(browser)
}

/// Schedules `faults` on CCAI's status endpoint, one per request, in order.
async fn faults(sandbox: &Sandbox, faults: Value) -> TestResult {
    sandbox
        .control(
            "/sandbox/faults",
            json!({ "service": "ccai", "path_prefix": "/apps/api/v1/agent_statuses", "faults": faults }),
        )
        .await?;
    Ok(())
}

/// No status applied twice in a row: each change once (the CCAI statuses of one test differ from one
/// change to the next, so a second effect of one change would show as a repeat).
fn assert_no_duplicate_effect(applied: &[i64]) {
    for pair in applied.windows(2) {
        assert_ne!(pair[0], pair[1], "a change applied twice: {applied:?}");
    }
}

#[tokio::test]
async fn rate_limited_change_waits_for_retry_after_then_lands_once() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(
        &sandbox,
        json!([{ "kind": "status", "code": 429, "retry_after_s": 1 }]),
    )
    .await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "Special Task after Retry-After")
        .await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    let received = sandbox.ccai_received().await?;
    let first = received
        .iter()
        .find(|r| r["outcome"] == "fault_status_429")
        .ok_or("no 429")?;
    let landed = received
        .iter()
        .find(|r| r["applied"] == json!(true))
        .ok_or("not applied")?;
    let waited = landed["at_ms"].as_f64().unwrap_or(0.0) - first["at_ms"].as_f64().unwrap_or(0.0);
    assert!(
        waited >= 950.0,
        "Retry-After: 1 s honoured, waited {waited} ms"
    );
    assert_eq!(sandbox.ccai_applied().await?, vec![-3], "once");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn server_errors_and_dropped_connections_back_off_then_land_once() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "status", "code": 500 }, { "kind": "status", "code": 503 }, { "kind": "drop" }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "Special Task after three failures")
        .await?;
    assert_eq!(sandbox.ccai_applied().await?, vec![-3], "once");
    let tries: Vec<Value> = sandbox.ccai_received().await?;
    assert!(
        tries.len() >= 4,
        "three failed tries and one that landed: {tries:?}"
    );
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a_lost_response_is_retried_without_a_second_effect() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "lost_response" }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox.wait_ccai_status(-3, "Special Task").await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    // The server sends the change again after the lost answer; setting a status CCAI already set has
    // no second effect (CCAI answers it unchanged).
    let changed: Vec<Value> = sandbox
        .ccai_received()
        .await?
        .into_iter()
        .filter(|r| r["outcome"] == "applied")
        .collect();
    assert_eq!(changed.len(), 1, "changed once: {changed:?}");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn signed_out_pauses_the_queue_and_sign_in_resumes_it_losing_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    // The agent's session ends (an admin's sign-out; Kustomer deactivating the agent does the same).
    let server = sandbox.company.server.as_ref().ok_or("no server")?;
    server::session::sign_out_agent(
        &server.state,
        "agent@example.com",
        "signed out by an admin",
        server::now_ms(),
    )?;
    wait_adapter_text(&browser, "#notice", "Not signed in").await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    wait_adapter_text(&browser, "#sync-state", "paused").await?;
    // More changes while paused: queued, not lost, and the latest is what CCAI ends at.
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        sandbox.ccai_status().await?,
        0,
        "nothing is sent while paused"
    );
    let adapter = Adapter::enter(&browser).await?;
    browser
        .client
        .find(Locator::Css("#sign-in-again"))
        .await?
        .click()
        .await?;
    adapter.leave().await?;
    sandbox
        .wait_ccai_status(1, "Training after signing in again")
        .await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    assert_no_duplicate_effect(&sandbox.ccai_applied().await?);
    browser.close().await;
    Ok(())
}

#[tokio::test]
#[ignore = "issue 16: CCAI's 4xx reaches the extension only as StatusFailed words; the push needs CCAI's code so the relay drops that change instead of deferring the next ones"]
async fn a_permanent_client_error_is_shown_and_does_not_block_later_changes() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "status", "code": 422 }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    // CCAI refused it (to the server, which says so by push): the agent reads it in CCAI's words.
    let notice = wait_adapter_text(&browser, "#notice", "422").await?;
    assert!(
        notice.contains("Special Task"),
        "the agent is told which change failed: {notice}"
    );
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    sandbox
        .wait_ccai_status(1, "Training after the failed Special Task")
        .await?;
    wait_adapter_text(&browser, "#sync-state", "live").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn changes_queued_while_ccai_is_down_end_with_the_latest_last() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(
        &sandbox,
        json!([{ "kind": "status", "code": 503 }, { "kind": "status", "code": 503 }]),
    )
    .await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    browser.pick_kustomer_status(kstatus::FOCUS).await?;
    wait_for(
        "CCAI to end at Available, the last change",
        Duration::from_secs(10),
        || async {
            let applied = sandbox.ccai_applied().await.ok()?;
            (applied.last() == Some(&0) && sandbox.ccai_status().await.ok()? == 0)
                .then_some(applied)
        },
    )
    .await?;
    let applied = sandbox.ccai_applied().await?;
    // Lunch may have landed (it was in flight), Training may be coalesced away; Focus → Available is last.
    let order = |id: i64| applied.iter().position(|a| *a == id);
    if let (Some(special), Some(training)) = (order(-3), order(1)) {
        assert!(special < training, "in order: {applied:?}");
    }
    assert_no_duplicate_effect(&applied);
    browser.close().await;
    Ok(())
}
