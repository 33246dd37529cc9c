//! The walking skeleton, as an agent sees it: the adapter inside the sandbox's Kustomer page, under the
//! page's strict CSP, pinned bottom-left, listing CCAI's statuses, minimisable, and stable across
//! Kustomer's pushState navigation. Named by SPEC id.

use std::time::Duration;

use e2e::{
    host_geometry, sandbox_config, wait_for, Adapter, Browser, BrowserOptions, Sandbox, TestResult,
};
use fantoccini::key::Key;
use fantoccini::Locator;

async fn open_agent_page(sandbox: &Sandbox) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    Ok(browser)
}

#[tokio::test]
async fn a1_adapter_mounts_inside_the_page_despite_its_strict_csp() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let page = sandbox.http.get(sandbox.url("/")).send().await?;
    let csp = page
        .headers()
        .get("content-security-policy")
        .ok_or("no CSP header")?
        .to_str()?
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("wasm-unsafe-eval"),
        "page CSP: {csp}"
    );

    let browser = open_agent_page(&sandbox).await?;
    let hosts = browser
        .eval("return document.querySelectorAll('ccai-adapter').length")
        .await?;
    assert_eq!(hosts, 1);
    // The shadow root is closed: the page's own scripts see no way in.
    assert_eq!(
        browser
            .eval("return document.querySelector('ccai-adapter').shadowRoot")
            .await?,
        serde_json::Value::Null
    );
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    adapter.leave().await?;
    let shot = browser.screenshot("a1_adapter_in_kustomer").await?;
    println!("screenshot: {}", shot.display());
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s1_status_dropdown_lies_in_the_bottom_left_corner() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_agent_page(&sandbox).await?;
    Adapter::enter(&browser)
        .await?
        .wait_statuses_loaded()
        .await?;
    browser.client.clone().enter_parent_frame().await?;
    // The frame follows the panel's size by message, so measure once the two agree.
    let (button, host, vw, vh) = wait_for("the frame to settle", Duration::from_secs(5), || async {
        let measure = async {
            let adapter = Adapter::enter(&browser).await?;
            let button = adapter
                .eval("const r = document.querySelector('#status-button').getBoundingClientRect(); return {left: r.left, top: r.top, width: r.width, height: r.height, ih: innerHeight}")
                .await?;
            adapter.leave().await?;
            let (host, vw, vh) = host_geometry(&browser).await?;
            let settled = (button["ih"].as_f64().unwrap_or(0.0) - host.height).abs() < 1.0;
            let rect = e2e::Rect::from_json(&button).ok_or("no button rectangle")?;
            TestResult::Ok(settled.then_some((rect, host, vw, vh)))
        };
        measure.await.ok().flatten()
    })
    .await?;
    let left = host.left + button.left;
    let bottom = host.top + button.bottom();
    assert!(
        (0.0..=24.0).contains(&left),
        "status dropdown starts {left}px from the left edge"
    );
    assert!(
        bottom <= vh && vh - bottom <= 24.0,
        "status dropdown ends {}px above the bottom ({vh})",
        vh - bottom
    );
    assert!(
        host.left + host.width <= vw / 2.0,
        "the adapter stays in the left half: {host:?} of {vw}"
    );
    assert!(
        button.width > 40.0 && button.height >= 24.0,
        "a usable target: {button:?}"
    );
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s1_dropdown_lists_the_ccai_statuses_the_sandbox_serves() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let served = sandbox
        .get_json("/ccai/manager/api/v1/user_statuses")
        .await?;
    let served: Vec<String> = served
        .as_array()
        .ok_or("statuses not a list")?
        .iter()
        .filter_map(|s| s["name"].as_str().map(String::from))
        .collect();
    assert!(
        served.iter().any(|s| s == "Available"),
        "the sandbox serves CCAI's built-ins: {served:?}"
    );

    let browser = open_agent_page(&sandbox).await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    assert_eq!(adapter.status_options().await?, served);
    // The button shows the agent's current CCAI status, as CCAI reports it.
    let agent = sandbox.ccai_agent(11).await?;
    let current = agent["status"]["name"]
        .as_str()
        .ok_or("agent has no status")?
        .to_owned();
    assert_eq!(adapter.text("#status-button .status-name").await?, current);
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn s1_choosing_a_status_from_the_keyboard_changes_it_in_ccai() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_agent_page(&sandbox).await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    let options = adapter.status_options().await?;
    let target = options
        .iter()
        .position(|s| s == "Break")
        .ok_or("no Break status")?;
    let current = adapter.text("#status-button .status-name").await?;
    let from = options.iter().position(|s| *s == current).unwrap_or(0);

    adapter.press("#status-button", Key::Down).await?;
    wait_for(
        "the listbox to open and take focus",
        Duration::from_secs(3),
        || async {
            let v = adapter
                .eval("return document.activeElement && document.activeElement.id")
                .await
                .ok()?;
            (v == "status-list").then_some(())
        },
    )
    .await?;
    for _ in 0..(target + options.len() - from) % options.len() {
        adapter.press("#status-list", Key::Down).await?;
    }
    adapter.press("#status-list", Key::Enter).await?;
    wait_for(
        "the button to show Break",
        Duration::from_secs(5),
        || async {
            (adapter.text("#status-button .status-name").await.ok()? == "Break").then_some(())
        },
    )
    .await?;
    assert_eq!(
        adapter.eval("return document.activeElement.id").await?,
        "status-button",
        "focus returns to the button"
    );
    let agent = sandbox.ccai_agent(11).await?;
    assert_eq!(agent["status"]["name"], "Break", "CCAI applied it: {agent}");
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a2_minimise_and_restore_work_from_the_keyboard_and_survive_a_reload() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_agent_page(&sandbox).await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    assert_eq!(
        adapter
            .attr("#panel-toggle", "aria-expanded")
            .await?
            .as_deref(),
        Some("true")
    );
    let open_height = frame_height(&browser, adapter).await?;

    let adapter = Adapter::enter(&browser).await?;
    adapter.press("#panel-toggle", Key::Enter).await?;
    wait_for("the panel to hide", Duration::from_secs(3), || async {
        (adapter
            .attr("#panel-toggle", "aria-expanded")
            .await
            .ok()??
            == "false")
            .then_some(())
    })
    .await?;
    assert_eq!(
        adapter
            .eval("return document.querySelector('#panel').hidden")
            .await?,
        true
    );
    adapter.leave().await?;
    let minimised_height = wait_for("the frame to shrink", Duration::from_secs(3), || async {
        let (r, _, _) = host_geometry(&browser).await.ok()?;
        (r.height < open_height).then_some(r.height)
    })
    .await?;
    assert!(
        minimised_height >= 24.0,
        "the status bar stays visible when minimised"
    );

    browser.client.refresh().await?;
    let adapter = Adapter::enter(&browser).await?;
    wait_for(
        "the minimised state after reload",
        Duration::from_secs(5),
        || async {
            (adapter
                .attr("#panel-toggle", "aria-expanded")
                .await
                .ok()??
                == "false")
                .then_some(())
        },
    )
    .await?;
    adapter.press("#panel-toggle", Key::Enter).await?;
    wait_for(
        "the panel to show again",
        Duration::from_secs(3),
        || async {
            (adapter
                .eval("return document.querySelector('#panel').hidden")
                .await
                .ok()?
                == false)
                .then_some(())
        },
    )
    .await?;
    browser.close().await;
    Ok(())
}

async fn frame_height(browser: &Browser, adapter: Adapter<'_>) -> TestResult<f64> {
    adapter.leave().await?;
    wait_for(
        "the frame to be sized to the panel",
        Duration::from_secs(3),
        || async {
            let (r, _, _) = host_geometry(browser).await.ok()?;
            (r.height > 60.0).then_some(r.height)
        },
    )
    .await
}

#[tokio::test]
async fn a1_adapter_stays_exactly_once_across_pushstate_navigation() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = open_agent_page(&sandbox).await?;
    Adapter::enter(&browser).await?.leave().await?;
    let before = browser.client.current_url().await?;
    let links = browser
        .client
        .find_all(Locator::Css(
            "[data-kt=conversation-list] a[data-conversation-id]",
        ))
        .await?;
    assert!(links.len() >= 2, "the sandbox lists several conversations");
    links[1].click().await?;
    wait_for(
        "the URL to change by pushState",
        Duration::from_secs(3),
        || async {
            let now = browser.client.current_url().await.ok()?;
            (now != before).then_some(())
        },
    )
    .await?;
    let loads = browser
        .eval("return performance.getEntriesByType('navigation').length")
        .await?;
    assert_eq!(loads, 1, "no full page load happened");
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('ccai-adapter').length")
            .await?,
        1
    );
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn a1_without_kustomer_markup_the_adapter_says_it_cannot_find_the_status() -> TestResult {
    let sandbox = Sandbox::start().await?;
    // Any page the content script runs on, but not Kustomer's markup.
    let plain = e2e::plain_page_server("<h1>Not Kustomer</h1>")?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    browser.client.goto(&plain).await?;
    let adapter = Adapter::enter(&browser).await?;
    wait_for(
        "the missing-markup message",
        Duration::from_secs(5),
        || async {
            let text = adapter.text("#kustomer-status").await.ok()?;
            text.contains("find").then_some(())
        },
    )
    .await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn adapter_without_configuration_says_so() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.client.goto(&sandbox.url("/")).await?;
    let adapter = Adapter::enter(&browser).await?;
    wait_for(
        "the not-configured notice",
        Duration::from_secs(5),
        || async {
            let text = adapter.text("#notice").await.ok()?;
            text.contains("options").then_some(())
        },
    )
    .await?;
    browser.close().await;
    Ok(())
}
