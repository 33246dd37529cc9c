//! Issue 18: the operations page, for the people who run the company server (admins only). An admin
//! sees, live, the agent whose status just changed in Kustomer, the CCAI status it became and that
//! CCAI applied it, the instance acting for the company, the CCAI budget and an empty outbox; an agent
//! who is not an admin is told so, in their language, and sees nothing of it.

use std::time::Duration;

use e2e::kustomer_page::{kstatus, seed_mapping};
use e2e::options_page::{signed_in, signed_in_as, wait_text};
use e2e::{wait_for, Browser, Sandbox, TestResult};
use serde_json::json;

async fn text(browser: &Browser, css: &str) -> String {
    browser
        .eval(&format!(
            "return document.querySelector({css:?})?.textContent ?? ''"
        ))
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

#[tokio::test]
async fn an_admin_sees_an_agents_change_applied_by_ccai_live() -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = signed_in(&sandbox, "en-US").await?;
    browser
        .configure_sync(&sandbox, seed_mapping(), "OneWay", "LatestChangeWins")
        .await?;
    // The admin finds the page from the options page.
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    let link = wait_for("the operations link", Duration::from_secs(15), || async {
        browser
            .eval("return document.querySelector('#operations-link')?.href ?? null")
            .await
            .ok()?
            .as_str()
            .map(str::to_owned)
    })
    .await?;
    let ops = browser.client.window().await?;
    browser.client.goto(&link).await?;
    wait_text(&browser, "#ops-lease", "The only instance").await?;

    // The agent works in Kustomer in another tab, with the page open beside it.
    browser.open_agent_tab(&sandbox).await?;
    browser.wait_kustomer_menu().await?;
    // The adapter claims the status (an owner term) before the change, so it is relayed at once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    browser.pick_kustomer_status(kstatus::TRAINING).await?;
    browser.client.switch_to_window(ops).await?;

    let row = "#ops-agents tr[data-email='agent@example.com']";
    let state = wait_for(
        "the operations page to show the change applied",
        Duration::from_secs(20),
        || async {
            let row_text = text(&browser, row).await;
            (row_text.contains("Training") && row_text.contains("Applied")).then_some(row_text)
        },
    )
    .await?;
    assert!(state.contains("Term "), "an owner tab is shown: {state}");
    assert_eq!(
        sandbox.ccai_status().await?,
        1,
        "CCAI has the agent in Training"
    );
    wait_for("an empty outbox", Duration::from_secs(10), || async {
        (text(&browser, "#ops-outbox").await == "0").then_some(())
    })
    .await?;
    let budget = text(&browser, "#ops-budget").await;
    assert!(
        budget.ends_with("of 10"),
        "the company's CCAI budget: {budget}"
    );
    assert_eq!(text(&browser, "#ops-problem").await, "");
    // Live: the page reads again by itself.
    let first = text(&browser, "#ops-updated").await;
    wait_for("a newer reading", Duration::from_secs(6), || async {
        (text(&browser, "#ops-updated").await != first).then_some(())
    })
    .await?;
    browser.screenshot("operations_page_admin").await?;
    browser.close().await;
    Ok(())
}

#[tokio::test]
async fn an_agent_who_is_not_an_admin_is_told_so_in_spanish_and_sees_nothing() -> TestResult {
    const BO: &str = "bo@example.com";
    let sandbox = Sandbox::start().await?;
    let browser = signed_in_as(&sandbox, "es", Some(BO)).await?;
    browser
        .client
        .goto(&Browser::extension_url("operations.html"))
        .await?;
    wait_text(&browser, "#ops-problem", "Solo los administradores").await?;
    let shown = browser
        .eval("return [document.querySelectorAll('#ops-server, #ops-agents').length, document.documentElement.lang, document.title]")
        .await?;
    assert_eq!(shown[0], json!(0), "nothing of the operations is shown");
    assert_eq!(shown[1], json!("es"));
    assert!(
        shown[2].as_str().is_some_and(|t| t.contains("operaciones")),
        "{shown}"
    );
    browser.close().await;
    Ok(())
}
