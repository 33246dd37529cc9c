//! Sign-in through the company server (issue 16): the agent, signed in to Kustomer in this browser,
//! opens Kustomer; the adapter signs in to the server with Kustomer's OAuth (`launchWebAuthFlow`
//! on the server's `/auth/start`) without a window, and holds the server's session where only the
//! extension's own pages can read it.

use std::time::Duration;

use e2e::{sandbox_config, wait_for, Browser, BrowserOptions, Sandbox, TestResult};
use serde_json::{json, Value};

/// `chrome.storage.session` as an extension page sees it.
pub async fn session_storage(browser: &Browser) -> TestResult<Value> {
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.session.get(null).then(done, e => done({ error: String(e) }));";
    Ok(browser.client.execute_async(script, vec![]).await?)
}

#[tokio::test]
async fn the_agent_signed_in_to_kustomer_is_signed_in_to_the_company_server_without_a_window(
) -> TestResult {
    let sandbox = Sandbox::start().await?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    let options = browser.client.window().await?;
    let tab = browser.open_agent_tab(&sandbox).await?;

    // The session appears in the extension's session storage (read from the options page's tab).
    browser.client.switch_to_window(options.clone()).await?;
    let stored = wait_for(
        "the company session in chrome.storage.session",
        Duration::from_secs(20),
        || async {
            let stored = session_storage(&browser).await.ok()?;
            stored["company.session"]["session"]
                .is_string()
                .then_some(stored)
        },
    )
    .await?;
    let session = stored["company.session"]["session"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        stored["company.session"]["server"],
        json!(sandbox.company.url()),
        "{stored}"
    );

    // The server knows it as the agent's own session.
    let me: Value = sandbox
        .http
        .get(format!("{}/api/v1/me", sandbox.company.url()))
        .bearer_auth(&session)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    assert_eq!(me["email"], "agent@example.com", "{me}");

    // Nothing of it in the extension's disk storage.
    let local = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; chrome.storage.local.get(null).then(v => done(JSON.stringify(v)));",
            vec![],
        )
        .await?;
    let local = local.as_str().unwrap_or_default().to_owned();
    assert!(
        !local.contains(&session),
        "session in storage.local: {local}"
    );
    let _ = tab;
    browser.close().await;
    Ok(())
}
