//! Helpers for the options page's end-to-end tests: open it against a sandbox, read and write the
//! extension's storage, set a control's value as a person would (with the events Leptos listens to).

use std::time::Duration;

use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{sandbox_config, wait_for, Browser, BrowserOptions, Sandbox, TestResult};

/// A browser on the options page, configured for `sandbox`, once the mapping rows are in (both
/// catalogs read). `extra` is stored first under its keys (e.g. `{"sync": …}`), as an earlier
/// version or session would have left it.
pub async fn open_options(sandbox: &Sandbox, extra: Value) -> TestResult<Browser> {
    open_options_in(sandbox, extra, "en-US").await
}

/// [`open_options`] with the browser's UI language set to `lang` (e.g. `es`).
pub async fn open_options_in(sandbox: &Sandbox, extra: Value, lang: &str) -> TestResult<Browser> {
    let opts = BrowserOptions {
        lang: lang.into(),
        ..BrowserOptions::default()
    };
    let browser = Browser::start(opts).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    if let Value::Object(map) = extra {
        for (key, value) in map {
            storage_set(&browser, &key, value).await?;
        }
    }
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    wait_for("the mapping rows", Duration::from_secs(10), || async {
        let n = browser
            .eval("return document.querySelectorAll('#mapping tbody select').length")
            .await
            .ok()?;
        (n.as_u64()? > 0).then_some(())
    })
    .await?;
    Ok(browser)
}

/// Opens the options page with only `config` stored (no wait for the catalogs: they may not load).
pub async fn open_options_with(config: Value) -> TestResult<Browser> {
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(config).await?;
    browser
        .client
        .goto(&Browser::extension_url("options.html"))
        .await?;
    wait_for("the options page", Duration::from_secs(10), || async {
        browser
            .client
            .find(Locator::Css("#setup"))
            .await
            .ok()
            .map(|_| ())
    })
    .await?;
    Ok(browser)
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

/// Enables status inheritance (P2's step 2) and waits until it is stored.
pub async fn enable_inheritance(browser: &Browser) -> TestResult {
    wait_text(browser, "#step-statuses", "Done").await?;
    click(browser, "#enable-inheritance").await?;
    wait_for("inheritance stored", Duration::from_secs(10), || async {
        let s = storage_get(browser, "sync").await.ok()?;
        (s["inheritance"] == json!(true)).then_some(())
    })
    .await
}
