//! Two things agents complain of (USERS.md, Agents): closing or reloading the owner tab during a call
//! must ask first, and staying must leave everything as it was, the tab still the owner; and an owner
//! tab in the background must still ring at once, however long it has been hidden: the call comes by
//! push (an event stream, not a timer), and its screen pop follows at once.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use e2e::phones::{far_end, wait_ccai_call};
use e2e::{
    adapter_text, sandbox_config, wait_adapter_text, wait_for, Adapter, Browser, BrowserOptions,
    Sandbox, TestResult,
};
use fantoccini::Locator;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(10);

async fn agent_page(sandbox: &Sandbox, opts: BrowserOptions) -> TestResult<Browser> {
    let browser = Browser::start(opts).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    Ok(browser)
}

/// Places an outbound call from the dialer and has the customer answer it; returns CCAI's call id.
async fn connected_call(browser: &Browser, sandbox: &Sandbox) -> TestResult<i64> {
    let adapter = Adapter::enter(browser).await?;
    let input = browser.client.find(Locator::Css("#dial-input")).await?;
    input.send_keys("612 345 678").await?;
    browser
        .client
        .find(Locator::Css("#call-button"))
        .await?
        .click()
        .await?;
    adapter.leave().await?;
    let call = wait_ccai_call(sandbox).await?;
    let id = call["id"].as_i64().ok_or("call id")?;
    wait_adapter_text(browser, "#call-status", "Ringing").await?;
    far_end(sandbox, id, "answer").await?;
    wait_adapter_text(browser, "#call-status", "Connected").await?;
    Ok(id)
}

/// Whether leaving the page is questioned, i.e. the browser's own `beforeunload` is cancelled, which is
/// what makes it ask "Leave site?". The page follows a link to the sandbox's 204 (a real navigation
/// start, so a real, trusted event; then the page stays), and a listener added after the extension's
/// reads the outcome. chromedriver answers a real "Leave site?" itself, unseen (even with
/// `unhandledPromptBehavior` set to ignore it), so WebDriver cannot show the dialog.
async fn leaving_is_questioned(browser: &Browser) -> TestResult<bool> {
    browser
        .eval(
            "if (!window.leaving) {
               window.leaving = [];
               addEventListener('beforeunload', (e) => window.leaving.push([e.isTrusted, e.defaultPrevented]));
             }
             window.leaving.length = 0;
             location.href = '/sandbox/no-content';",
        )
        .await?;
    let seen = wait_for("the page's beforeunload", WAIT, || async {
        let v = browser.eval("return window.leaving || null").await.ok()?;
        v.as_array()?.first().cloned()
    })
    .await?;
    assert_eq!(seen[0], json!(true), "the browser's own event");
    Ok(seen[1] == json!(true))
}

/// What a page script learns from its own `beforeunload`: whether something cancelled it.
async fn fake_leaving_is_answered(browser: &Browser) -> TestResult<bool> {
    let v = browser
        .eval(
            "const e = new Event('beforeunload', { cancelable: true });
             dispatchEvent(e);
             return e.defaultPrevented",
        )
        .await?;
    Ok(v == json!(true))
}

#[tokio::test]
async fn leaving_the_owner_tab_during_a_call_asks_first_and_staying_keeps_the_tab_the_owner(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, BrowserOptions::default()).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    let owner = browser.client.window().await?;

    // A second tab waits to take over: if the owner stepped down when the page started to leave, it
    // would, and the agent who stays would find the call's tab no longer in charge.
    let other = browser.open_agent_tab(&sandbox).await?;
    wait_adapter_text(&browser, "#owner-text", "Another Kustomer tab").await?;
    browser.client.switch_to_window(owner.clone()).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;

    let id = connected_call(&browser, &sandbox).await?;
    // The frame told the content script when the call was placed, long before "Connected"; the check
    // is made once, since an unquestioned leave would hand the tab over.
    assert!(leaving_is_questioned(&browser).await?, "a live call: asked");
    // A page script cannot find out that the agent is on a call by faking the event.
    assert!(
        !fake_leaving_is_answered(&browser).await?,
        "a page's own beforeunload is not answered"
    );
    // The agent stays: the tab is still the owner, and the call goes on in it.
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert!(
        adapter_text(&browser, "#owner-text")
            .await?
            .contains("This tab"),
        "still the owner tab"
    );
    assert!(adapter_text(&browser, "#call-status")
        .await?
        .contains("Connected"));
    let call = sandbox.get_json("/ccai/manager/api/v1/calls").await?;
    assert_eq!(call[0]["status"], json!("connected"));
    browser.client.switch_to_window(other.clone()).await?;
    assert!(adapter_text(&browser, "#owner-text")
        .await?
        .contains("Another Kustomer tab"));
    browser.client.switch_to_window(owner).await?;

    // The call ends (the customer hangs up): leaving is free again (and, unasked, the tab hands over
    // as it starts to leave).
    far_end(&sandbox, id, "hangup").await?;
    wait_adapter_text(&browser, "#call-ended", "Call ended").await?;
    wait_for("leaving to be free again", WAIT, || async {
        (!leaving_is_questioned(&browser).await.ok()?).then_some(())
    })
    .await?;
    browser.close().await;
    Ok(())
}

async fn kustomer_requests(sandbox: &Sandbox) -> TestResult<Vec<Value>> {
    let v = sandbox.get_json("/sandbox/kustomer/requests").await?;
    Ok(v.as_array().cloned().unwrap_or_default())
}

fn epoch_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// How long Chromium waits before it throttles a hidden page's chained timers to one wake-up a minute:
/// 60 s for a loaded page (5 minutes while loading), shortened here so the test sees it (the features'
/// own parameters).
const GRACE_S: u64 = 10;

/// Chromium as an agent has it, with intensive throttling after `GRACE_S` hidden instead of 60 s.
fn throttled() -> BrowserOptions {
    BrowserOptions {
        // A page that has finished loading has its own grace period (60 s), set by a second feature.
        args: vec![format!(
            "--enable-features=IntensiveWakeUpThrottling:grace_period_seconds/{GRACE_S},\
             QuickIntensiveWakeUpThrottlingAfterLoading:grace_period_seconds_loaded/{GRACE_S}"
        )],
        // chromedriver switches background timer throttling off; agents' browsers have it on.
        exclude_switches: vec!["disable-background-timer-throttling".into()],
        ..BrowserOptions::default()
    }
}

#[tokio::test]
async fn an_owner_tab_in_the_background_rings_and_pops_at_once() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = agent_page(&sandbox, throttled()).await?;
    wait_adapter_text(&browser, "#owner-text", "This tab").await?;
    let owner = browser.client.window().await?;
    // The owner page's own log of when it was hidden and shown.
    browser
        .eval(
            "window.__log = [];
             document.addEventListener('visibilitychange', () => __log.push([Date.now(), document.visibilityState]));",
        )
        .await?;
    // Another tab comes to the front: the owner is now a background tab.
    browser.open_agent_tab(&sandbox).await?;
    wait_adapter_text(&browser, "#owner-text", "Another Kustomer tab").await?;
    tokio::time::sleep(Duration::from_secs(GRACE_S + 5)).await;

    // Olivia Chen calls; the hidden owner tab gets the call by push and opens the conversation the
    // server's record rules chose: the page then reads that conversation's notes from Kustomer (the
    // journal shows it), which no other party does.
    let seq_before = kustomer_requests(&sandbox).await?.len();
    let called_at = epoch_ms();
    let started = Instant::now();
    let call = sandbox
        .control(
            "/sandbox/ccai/calls/incoming",
            json!({ "end_user_number": "+14155550132" }),
        )
        .await?;
    let session = call["id"].as_i64().ok_or("call id")?.to_string();
    let looked_up = wait_for(
        "the hidden owner tab to open the caller's conversation",
        Duration::from_secs(8),
        || async {
            let server = sandbox.company.server.as_ref()?;
            let conversation = server.state.0.store.records_binding(&session).ok()??;
            let notes = format!("/kapi/v1/conversations/{conversation}/notes");
            let log = kustomer_requests(&sandbox).await.ok()?;
            let found = log.iter().skip(seq_before).any(|r| {
                r["method"] == json!("GET")
                    && r["path"].as_str().is_some_and(|p| p.starts_with(&notes))
            });
            found.then(|| (started.elapsed(), epoch_ms()))
        },
    )
    .await;

    // Whatever the outcome, the owner page's log says whether it really was hidden all along.
    browser.client.switch_to_window(owner).await?;
    let log: Vec<Value> = serde_json::from_value(browser.eval("return window.__log").await?)?;
    let hidden_at = log
        .iter()
        .find(|e| e[1] == json!("hidden"))
        .and_then(|e| e[0].as_f64())
        .ok_or(format!("the owner tab was never hidden: {log:?}"))?;
    assert!(
        called_at - hidden_at >= (GRACE_S * 1000) as f64,
        "hidden long enough to be throttled: {log:?}"
    );
    let (latency, seen_at) = looked_up?;
    let shown_again = log
        .iter()
        .filter(|e| e[1] == json!("visible"))
        .filter_map(|e| e[0].as_f64())
        .find(|t| *t > hidden_at);
    assert!(
        shown_again.is_none_or(|t| t > seen_at),
        "hidden until it rang: {log:?}"
    );
    eprintln!(
        "hidden for {:.1} s when the call came in; the owner opened the caller's conversation {latency:?} later",
        (called_at - hidden_at) / 1000.0
    );
    assert!(
        latency < Duration::from_millis(2_500),
        "a hidden owner tab pops the call's conversation at once: {latency:?}"
    );
    // And the agent, coming back to the tab, sees the call ringing.
    wait_adapter_text(&browser, "#call-status", "Ringing").await?;
    browser.close().await;
    Ok(())
}
