//! Status inheritance end to end (issue 4): the agent changes status in Kustomer's own menu; CCAI
//! receives the mapped status; the adapter shows what CCAI confirmed. Named by SPEC id.

use std::time::Duration;

use e2e::kustomer_page::{kstatus, seed_mapping};
use e2e::{
    sandbox_config, wait_adapter_text, wait_for, Adapter, Browser, BrowserOptions, Sandbox,
    TestResult,
};

async fn agent_page(sandbox: &Sandbox, direction: &str, priority: &str) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser
        .configure_sync(sandbox, seed_mapping(), direction, priority)
        .await?;
    browser.client.goto(&sandbox.url("/")).await?;
    Ok(browser)
}

/// Waits until this tab owns the status and its relay is live: the owner has read CCAI's feed
/// position and signed in, so a CCAI change made from now on is seen as a change, not as history.
async fn wait_owner(browser: &Browser) -> TestResult {
    wait_adapter_text(browser, "#owner-text", "This tab").await?;
    wait_adapter_text(browser, "#sync-state", "live")
        .await
        .map(|_| ())
}

#[tokio::test]
async fn s2_seed_mapping_relays_each_kustomer_change_as_the_mapped_ccai_status() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    let before = sandbox.ccai_applied().await?.len();

    // K3 → B: Lunch → Special Task (-3). (Not Special Task: two statuses share that name, A9, and A8 sets by
    // name, so the server refuses it as a target.)
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "CCAI Special Task after Kustomer Lunch")
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    // K2 → A and K4 → D.
    browser.pick_kustomer_status(kstatus::FOCUS).await?;
    sandbox
        .wait_ccai_status(0, "CCAI Available after Focus time")
        .await?;
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    sandbox
        .wait_ccai_status(1, "CCAI Training after Kustomer Training")
        .await?;
    // K1 → A.
    browser.pick_kustomer_status(kstatus::AVAILABLE).await?;
    sandbox
        .wait_ccai_status(0, "CCAI Available after Kustomer Available")
        .await?;

    let applied = sandbox.ccai_applied().await?;
    assert_eq!(
        applied[before..],
        [-3, 0, 1, 0],
        "each change once, in order"
    );
    // Through the company server: CCAI got each change once, by the documented request (no
    // idempotency key or owner epoch of ours reaches CCAI, A7: the server de-duplicates and fences;
    // the fidelity ledger names any such header as undocumented).
    let ledger = sandbox.inner.app().fidelity.report();
    assert!(
        ledger
            .undocumented
            .iter()
            .all(|s| !s.route.starts_with("/ccai")),
        "{:?}",
        ledger.undocumented
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s8_the_current_kustomer_status_is_applied_at_sign_in() -> TestResult {
    let sandbox = Sandbox::start().await?;
    sandbox
        .control(
            "/sandbox/kustomer/status",
            serde_json::json!({ "status_id": kstatus::LUNCH }),
        )
        .await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    sandbox
        .wait_ccai_status(-3, "CCAI Special Task from the page's Lunch at sign-in")
        .await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s2_an_unmapped_kustomer_status_is_reported_and_nothing_is_relayed() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    let before = sandbox.ccai_received().await?.len();
    browser.pick_kustomer_status(kstatus::BUSY).await?;
    let notice = wait_adapter_text(&browser, "#notice", "Busy").await?;
    assert!(notice.contains("no CCAI status"), "{notice}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sandbox.ccai_received().await?.len(),
        before,
        "nothing sent to CCAI"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a5_an_email_mismatch_is_shown_and_stops_sync() -> TestResult {
    let sandbox = Sandbox::start().await?;
    sandbox
        .control(
            "/sandbox/kustomer/current-user",
            serde_json::json!({ "email": "someone.else@example.com" }),
        )
        .await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    // A5 through the company server: it signs the agent in only as the CCAI agent with their Kustomer
    // e-mail, and says so when there is none.
    let notice = wait_adapter_text(&browser, "#notice", "someone.else@example.com").await?;
    assert!(notice.contains("No CCAI Platform agent"), "{notice}");
    let before = sandbox.ccai_received().await?.len();
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sandbox.ccai_received().await?.len(),
        before,
        "no silent wrong sync"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s4_bidirectional_reflects_a_ccai_change_back_into_kustomer() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "Bidirectional", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    // CCAI moves the agent to Special Task: the mapped Kustomer status is Lunch.
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -3, "reason": "supervisor" }),
        )
        .await?;
    wait_for("the page to show Lunch", Duration::from_secs(8), || async {
        (browser.kustomer_status_on_page().await.ok()? == kstatus::LUNCH).then_some(())
    })
    .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    // Through the company server (issue 16): it set the agent's work session (B8's PUT) with the
    // company's key; the browser asked Kustomer's API for nothing, neither the status list nor the write.
    let requests = kustomer_requests(&sandbox).await?;
    let server_put = requests.iter().any(|r| {
        r["method"] == "PUT"
            && r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/kapi/v1/routing/work-sessions/"))
            && r["user_agent"].is_null()
    });
    assert!(server_put, "the server set the work session: {requests:#?}");
    let from_browser: Vec<_> = requests
        .iter()
        .filter(|r| r["authorised"] == true && !r["user_agent"].is_null())
        .collect();
    assert!(
        from_browser.is_empty(),
        "the browser called Kustomer's API itself: {from_browser:#?}"
    );
    browser.close().await;
    Ok(())
}

/// Every request Kustomer's API received (the sandbox's journal), with who sent it: a browser sends a
/// `User-Agent`, the company server none; the imitated page's own requests carry no `Authorization`.
async fn kustomer_requests(sandbox: &Sandbox) -> TestResult<Vec<serde_json::Value>> {
    let v = sandbox.get_json("/sandbox/kustomer/requests").await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn s4_one_way_leaves_kustomer_alone_when_ccai_changes() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -3 }),
        )
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Special Task").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(browser.kustomer_status_on_page().await?, kstatus::AVAILABLE);
    browser.close().await;
    Ok(())
}

/// A call: In-call, then Wrap-up, which CCAI ends by itself (to Available) after `wrap_up_ms`.
async fn play_call(sandbox: &Sandbox) -> TestResult {
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -7 }),
        )
        .await?;
    sandbox.wait_ccai_status(-7, "In-call").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -6, "wrap_up_ms": 400 }),
        )
        .await?;
    Ok(())
}

#[tokio::test]
async fn s5_crm_overrides_next_applies_the_kustomer_status_after_wrap_up() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "CrmOverridesNext").await?;
    wait_owner(&browser).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "Special Task before the call")
        .await?;
    play_call(&sandbox).await?;
    // CCAI moves the agent to Available after wrap-up; the CRM's Lunch → Special Task wins instead.
    tokio::time::sleep(Duration::from_millis(600)).await;
    sandbox
        .wait_ccai_status(-3, "Special Task again after wrap-up")
        .await?;
    let applied = sandbox.ccai_applied().await?;
    assert_eq!(
        applied.iter().filter(|s| **s == -3).count(),
        2,
        "Special Task before the call and after it: {applied:?}"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s5_latest_change_wins_keeps_ccai_next_status_after_wrap_up() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "Special Task before the call")
        .await?;
    play_call(&sandbox).await?;
    sandbox
        .wait_ccai_status(0, "CCAI's automatic Available after wrap-up")
        .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sandbox.ccai_status().await?, 0, "CCAI's next status stands");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s5_a_change_during_a_call_waits_for_the_system_status_to_end() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -7 }),
        )
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "In-call").await?;
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    wait_adapter_text(&browser, "#notice", "system status").await?;
    assert_eq!(sandbox.ccai_status().await?, -7, "the call is never fought");
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -6, "wrap_up_ms": 300 }),
        )
        .await?;
    sandbox
        .wait_ccai_status(1, "Training once wrap-up ended")
        .await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s1_a_refused_change_is_shown_in_ccai_words() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    sandbox
        .control(
            "/sandbox/ccai/agents/11/status",
            serde_json::json!({ "status_id": -7 }),
        )
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "In-call").await?;
    // The agent picks Break in the adapter's own dropdown while CCAI has them in a call.
    let adapter = Adapter::enter(&browser).await?;
    adapter
        .browser
        .client
        .find(fantoccini::Locator::Css("#status-button"))
        .await?
        .click()
        .await?;
    adapter
        .browser
        .client
        .find(fantoccini::Locator::Css(
            "#status-list [data-status-id='-2']",
        ))
        .await?
        .click()
        .await?;
    adapter.leave().await?;
    // CCAI kept the agent in the call; the server says so by push, and the adapter in words.
    let notice = wait_adapter_text(&browser, "#notice", "In-call").await?;
    assert!(notice.contains("did not change"), "{notice}");
    assert_eq!(sandbox.ccai_status().await?, -7);
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s3_a_stale_mapping_row_is_shown_and_the_other_rows_still_sync() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    // Lunch → CCAI status 99, deleted in CCAI since the mapping was saved; a Kustomer status that no
    // longer exists; and two good rows.
    let mapping = serde_json::json!([
        { "kustomer": kstatus::AVAILABLE, "ccai": 0 },
        { "kustomer": kstatus::LUNCH, "ccai": 99 },
        { "kustomer": "deleted-kustomer-status", "ccai": -2 },
        { "kustomer": kstatus::TRAINING, "ccai": 1 },
    ]);
    browser
        .configure_sync(&sandbox, mapping, "OneWay", "LatestChangeWins")
        .await?;
    browser.client.goto(&sandbox.url("/")).await?;
    let notice = wait_adapter_text(&browser, "#notice", "mapping").await?;
    assert!(
        notice.contains("99") || notice.contains("deleted-kustomer-status"),
        "{notice}"
    );
    wait_owner(&browser).await?;
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    sandbox
        .wait_ccai_status(1, "Training through a good row")
        .await?;
    let before = sandbox.ccai_received().await?.len();
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    wait_adapter_text(&browser, "#notice", "Lunch").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        sandbox.ccai_received().await?.len(),
        before,
        "the stale row sends nothing"
    );
    browser.close().await;
    Ok(())
}

/// Issue 19: a reload's menu offers CCAI's statuses remembered from the last load at its first paint,
/// while the company server is still answering (held up here by CCAI, slow to say the agent's
/// status, which the server, as if just started, has to read); a status picked then waits for the
/// server and reaches CCAI once.
#[tokio::test]
async fn s1_a_reload_offers_the_remembered_statuses_at_once_and_a_pick_then_reaches_ccai_once(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, "OneWay", "LatestChangeWins").await?;
    wait_owner(&browser).await?;
    let before = sandbox.ccai_applied().await?.len();
    sandbox
        .control(
            "/sandbox/faults",
            serde_json::json!({
                "service": "ccai", "path_prefix": "/manager/api/v1/agents", "method": "GET",
                // The server's own background reads of the agent list may take the first ones.
                "faults": [{ "kind": "latency", "ms": 2500 }], "times": 4,
            }),
        )
        .await?;
    e2e::options_page::company_forgets_ccai_statuses(&sandbox)?;
    let reloaded = std::time::Instant::now();
    browser.client.refresh().await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    let offered = reloaded.elapsed();
    // The server has not answered: the panel still says it is connecting.
    let notice = adapter
        .eval("return document.querySelector('#notice').textContent")
        .await?;
    let pending = sandbox.get_json("/sandbox/faults").await?;
    assert!(
        notice.to_string().contains("Connecting"),
        "{notice} after {offered:?}; {pending}"
    );
    assert!(
        adapter
            .status_options()
            .await?
            .contains(&"Break".to_owned()),
        "the remembered statuses"
    );
    adapter.pick("#status-list [data-status-id='-2']").await?;
    assert_eq!(
        adapter
            .attr("#status-button", "aria-busy")
            .await?
            .as_deref(),
        Some("true"),
        "the menu says the pick is under way"
    );
    adapter.leave().await?;
    sandbox
        .wait_ccai_status(-2, "CCAI Break, picked before the server answered")
        .await?;
    wait_adapter_text(&browser, "#status-button .status-name", "Break").await?;
    let applied = sandbox.ccai_applied().await?;
    assert_eq!(applied[before..], [-2], "once");
    browser.close().await;
    Ok(())
}
