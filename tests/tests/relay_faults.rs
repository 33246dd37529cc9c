//! The relay through faults (issue 5): every status change reaches CCAI exactly once and in order,
//! whatever CCAI answers, and the agent always sees whether sync is live, retrying, paused or failed.

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

/// The idempotency keys of the requests that CCAI applied (a replay is not an application).
async fn applied_keys(sandbox: &Sandbox) -> TestResult<Vec<String>> {
    Ok(sandbox
        .ccai_received()
        .await?
        .iter()
        .filter(|r| r["applied"] == json!(true))
        .filter_map(|r| r["idempotency_key"].as_str().map(String::from))
        .collect())
}

fn assert_no_duplicate_effect(keys: &[String]) {
    let mut seen = std::collections::HashSet::new();
    for k in keys {
        assert!(seen.insert(k), "change {k} applied twice: {keys:?}");
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
    let shown = wait_adapter_text(&browser, "#sync-state", "retrying").await?;
    assert!(shown.contains("slow down"), "{shown}");
    sandbox
        .wait_ccai_status(-4, "Meal after Retry-After")
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
    assert_no_duplicate_effect(&applied_keys(&sandbox).await?);
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn server_errors_and_dropped_connections_back_off_then_land_once() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "status", "code": 500 }, { "kind": "status", "code": 503 }, { "kind": "drop" }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    wait_adapter_text(&browser, "#sync-state", "retrying").await?;
    sandbox
        .wait_ccai_status(-4, "Meal after three failures")
        .await?;
    let keys = applied_keys(&sandbox).await?;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let tries: Vec<Value> = sandbox.ccai_received().await?;
    assert!(
        tries.len() >= 4,
        "three failed tries and one that landed: {tries:?}"
    );
    let key = tries[0]["idempotency_key"].clone();
    assert!(
        tries.iter().all(|t| t["idempotency_key"] == key),
        "every retry carries the same key"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a_lost_response_is_retried_without_a_second_effect() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "lost_response" }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox.wait_ccai_status(-4, "Meal").await?;
    wait_for(
        "the retry to be answered from the first result",
        Duration::from_secs(8),
        || async {
            let r = sandbox.ccai_received().await.ok()?;
            r.iter()
                .any(|x| x["duplicate"] == json!(true))
                .then_some(())
        },
    )
    .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Meal").await?;
    assert_eq!(applied_keys(&sandbox).await?.len(), 1, "applied once");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn unauthorized_pauses_the_queue_and_sign_in_again_resumes_it_losing_nothing() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "status", "code": 401 }])).await?;
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
    assert_no_duplicate_effect(&applied_keys(&sandbox).await?);
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a_permanent_client_error_is_shown_and_does_not_block_later_changes() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = owner_page(&sandbox).await?;
    faults(&sandbox, json!([{ "kind": "status", "code": 422 }])).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    let notice = wait_adapter_text(&browser, "#notice", "422").await?;
    assert!(
        notice.contains("Meal"),
        "the agent is told which change failed: {notice}"
    );
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    sandbox
        .wait_ccai_status(1, "Training after the failed Meal")
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
    if let (Some(meal), Some(training)) = (order(-4), order(1)) {
        assert!(meal < training, "in order: {applied:?}");
    }
    assert_no_duplicate_effect(&applied_keys(&sandbox).await?);
    browser.close().await;
    Ok(())
}
