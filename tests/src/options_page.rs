//! Helpers for the options page's end-to-end tests: open it signed in to the company server started
//! beside the sandbox, read and seed the company's settings on that server, read and write the
//! extension's storage, set a control's value as a person would (with the events Leptos listens to).

use std::time::Duration;

use ccai_core::settings::SyncSettings;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{sandbox_config, wait_for, Browser, BrowserOptions, Sandbox, TestResult};

/// A browser on the options page, configured for `sandbox` and signed in to its company server as the
/// agent (an admin there), once the mapping rows are in (both lists read through the server). `seed`
/// are settings saved on the server first, as an earlier save left them (`{}`: none).
pub async fn open_options(sandbox: &Sandbox, seed: Value) -> TestResult<Browser> {
    open_options_in(sandbox, seed, "en-US").await
}

/// [`open_options`] with the browser's UI language set to `lang` (e.g. `es`).
pub async fn open_options_in(sandbox: &Sandbox, seed: Value, lang: &str) -> TestResult<Browser> {
    if seed.as_object().is_some_and(|m| !m.is_empty()) {
        seed_settings(sandbox, seed).await?;
    }
    let browser = signed_in(sandbox, lang).await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    wait_for("the mapping rows", Duration::from_secs(15), || async {
        let n = browser
            .eval("return document.querySelectorAll('#mapping tbody select').length")
            .await
            .ok()?;
        (n.as_u64()? > 0).then_some(())
    })
    .await?;
    Ok(browser)
}

/// A browser configured for `sandbox` and signed in to its company server as the agent: the agent's
/// Kustomer page signs the extension in without a window. Left on the options page.
pub async fn signed_in(sandbox: &Sandbox, lang: &str) -> TestResult<Browser> {
    signed_in_as(sandbox, lang, None).await
}

/// [`signed_in`] as the person `email` (signed in to the sandbox's Kustomer page first), or the page's
/// agent.
pub async fn signed_in_as(
    sandbox: &Sandbox,
    lang: &str,
    email: Option<&str>,
) -> TestResult<Browser> {
    let opts = BrowserOptions {
        lang: lang.into(),
        ..BrowserOptions::default()
    };
    let browser = Browser::start(opts).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    let options = browser.client.window().await?;
    let agent = browser.client.new_window(true).await?.handle;
    browser.client.switch_to_window(agent.clone()).await?;
    let page = match email {
        Some(email) => format!("/sandbox/login?email={email}&next=/"),
        None => "/".to_owned(),
    };
    browser.client.goto(&sandbox.url(&page)).await?;
    browser.client.switch_to_window(options.clone()).await?;
    session_token(&browser).await?;
    // The agent's page did its part; the tests open their own.
    browser.client.switch_to_window(agent).await?;
    browser.client.close_window().await?;
    browser.client.switch_to_window(options).await?;
    Ok(browser)
}

/// The company server's session of this browser, once it has one. Read from the current tab, which
/// must be an extension page (the agent's page signs in meanwhile in another tab).
pub async fn session_token(browser: &Browser) -> TestResult<String> {
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.session.get('company.session').then(v => done(v['company.session']?.session ?? null), () => done(null));";
    wait_for("the company session", Duration::from_secs(20), || async {
        let v = browser.client.execute_async(script, vec![]).await.ok()?;
        v.as_str().map(str::to_owned)
    })
    .await
}

/// The company server the sandbox started beside it, in this process.
pub(crate) fn company(sandbox: &Sandbox) -> TestResult<&server::Server> {
    sandbox
        .company
        .server
        .as_ref()
        .ok_or_else(|| "the company server is not running".into())
}

/// The company server forgets what it has learned of agents' CCAI statuses, as one just started:
/// its next answer about an agent's status is read from CCAI (`server::ccai::current`).
pub fn company_forgets_ccai_statuses(sandbox: &Sandbox) -> TestResult {
    company(sandbox)?.state.0.ccai_directory.current.forget();
    Ok(())
}

/// Saves `settings` on the company server as an admin's save would (checked against both vendors'
/// live lists, pushed to every agent), whatever the version now.
pub async fn seed_settings(sandbox: &Sandbox, settings: Value) -> TestResult<u64> {
    let settings: SyncSettings = serde_json::from_value(settings)?;
    let state = &company(sandbox)?.state;
    server::settings::save(state, None, settings, "e2e")
        .await
        .map_err(|e| format!("the seed settings were refused: {e:?}").into())
}

/// Stores `settings` on the company server unchecked, as a save of an earlier day left them before
/// statuses were deleted in Kustomer (the server checks every save, so only its store can hold them).
pub fn store_settings_row(sandbox: &Sandbox, settings: Value) -> TestResult {
    let state = &company(sandbox)?.state;
    let (version, _) = server::settings::current(state)?;
    state.0.store.lock().execute(
        "INSERT INTO settings (version, body, saved_by, saved_at_ms) VALUES (?1, ?2, ?3, ?4)",
        server::store::db::params![version as i64 + 1, settings.to_string(), "e2e", 0i64],
    )?;
    Ok(())
}

/// The company's settings on the server now: `{version, settings}`.
pub fn server_settings(sandbox: &Sandbox) -> TestResult<Value> {
    let (version, settings) = server::settings::current(&company(sandbox)?.state)?;
    Ok(json!({ "version": version, "settings": settings }))
}

/// The company's settings on the server now, without their version.
pub fn stored(sandbox: &Sandbox) -> TestResult<Value> {
    Ok(server_settings(sandbox)?["settings"].clone())
}

pub async fn storage_get(browser: &Browser, key: &str) -> TestResult<Value> {
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.local.get(arguments[0]).then(v => done(v[arguments[0]] ?? null), e => done(String(e)));";
    Ok(browser
        .client
        .execute_async(script, vec![json!(key)])
        .await?)
}

pub async fn storage_set(browser: &Browser, key: &str, value: Value) -> TestResult {
    let script = "const done = arguments[arguments.length - 1];
        chrome.storage.local.set({ [arguments[0]]: arguments[1] }).then(() => done('ok'), e => done(String(e)));";
    let r = browser
        .client
        .execute_async(script, vec![json!(key), value])
        .await?;
    if r != json!("ok") {
        return Err(format!("could not store {key}: {r}").into());
    }
    Ok(())
}

/// Sets an input's, textarea's or select's value and fires `input` and `change`, as typing or
/// picking does.
pub async fn set_value(browser: &Browser, css: &str, value: &str) -> TestResult {
    let script = "const el = document.querySelector(arguments[0]);
        if (!el) return 'missing';
        el.focus(); el.value = arguments[1];
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
        return el.value === arguments[1] ? 'ok' : 'not set: ' + el.value;";
    let r = browser
        .client
        .execute(script, vec![json!(css), json!(value)])
        .await?;
    if r != json!("ok") {
        return Err(format!("{css}: {r}").into());
    }
    Ok(())
}

/// The mapping row's `<select>` for a Kustomer status id (the first, when a status has several rows).
pub fn mapping_select(kustomer_id: &str) -> String {
    format!("#mapping select[data-kustomer='{kustomer_id}']")
}

pub async fn click(browser: &Browser, css: &str) -> TestResult {
    browser
        .client
        .find(Locator::Css(css))
        .await?
        .click()
        .await?;
    Ok(())
}

/// The element's text, or "" when it is not there.
pub async fn text(browser: &Browser, css: &str) -> TestResult<String> {
    let script =
        "const el = document.querySelector(arguments[0]); return el ? el.textContent : '';";
    Ok(browser
        .client
        .execute(script, vec![json!(css)])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

/// Waits until the element's text contains `needle`; returns the text.
pub async fn wait_text(browser: &Browser, css: &str, needle: &str) -> TestResult<String> {
    let what = format!("{css} to say {needle:?}");
    let found = wait_for(&what, Duration::from_secs(10), || async {
        let t = text(browser, css).await.ok()?;
        t.contains(needle).then_some(t)
    })
    .await;
    match found {
        Ok(t) => Ok(t),
        Err(e) => Err(format!(
            "{e}; it says {:?}",
            text(browser, css).await.unwrap_or_default()
        )
        .into()),
    }
}

/// Enables status inheritance (P2's step 2) and waits until the server has it.
pub async fn enable_inheritance(browser: &Browser, sandbox: &Sandbox) -> TestResult {
    wait_text(browser, "#step-statuses", "Done").await?;
    click(browser, "#enable-inheritance").await?;
    wait_for("inheritance saved", Duration::from_secs(10), || async {
        (stored(sandbox).ok()?["inheritance"] == json!(true)).then_some(())
    })
    .await
}
