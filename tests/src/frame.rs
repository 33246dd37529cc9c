//! Reaching the adapter as the agent sees it: the host element in the page, the closed shadow root,
//! the extension-page iframe inside it.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::Value;

use crate::{wait_for, Browser, TestResult};

pub struct Adapter<'a> {
    pub browser: &'a Browser,
}

/// A rectangle in CSS pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub left: f64,
    pub top: f64,
    pub width: f64,
    pub height: f64,
}

impl Rect {
    pub fn from_json(v: &Value) -> Option<Self> {
        Some(Self {
            left: v.get("left")?.as_f64()?,
            top: v.get("top")?.as_f64()?,
            width: v.get("width")?.as_f64()?,
            height: v.get("height")?.as_f64()?,
        })
    }
    pub fn bottom(&self) -> f64 {
        self.top + self.height
    }
}

impl<'a> Adapter<'a> {
    /// Waits for the adapter to be mounted and interactive, and switches WebDriver into its frame.
    pub async fn enter(browser: &'a Browser) -> TestResult<Adapter<'a>> {
        let c = &browser.client;
        let host = c
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("ccai-adapter"))
            .await?;
        let frame = host
            .shadow_root()
            .await?
            .find(Locator::Css("iframe"))
            .await?;
        frame.enter_frame().await?;
        c.wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("#status-button"))
            .await?;
        Ok(Self { browser })
    }

    /// Back to the Kustomer page.
    pub async fn leave(self) -> TestResult {
        self.browser.client.clone().enter_parent_frame().await?;
        Ok(())
    }

    pub async fn eval(&self, script: &str) -> TestResult<Value> {
        self.browser.eval(script).await
    }

    pub async fn text(&self, css: &str) -> TestResult<String> {
        Ok(self
            .browser
            .client
            .find(Locator::Css(css))
            .await?
            .text()
            .await?)
    }

    pub async fn attr(&self, css: &str, name: &str) -> TestResult<Option<String>> {
        Ok(self
            .browser
            .client
            .find(Locator::Css(css))
            .await?
            .attr(name)
            .await?)
    }

    /// Presses `key` (a WebDriver key code, e.g. from `fantoccini::key::Key`) on the element.
    pub async fn press(&self, css: &str, key: fantoccini::key::Key) -> TestResult {
        let k: char = key.into();
        self.browser
            .client
            .find(Locator::Css(css))
            .await?
            .send_keys(&k.to_string())
            .await?;
        Ok(())
    }

    /// Picks the status `option` (a CSS selector inside the list) in the menu with the mouse, as an
    /// agent does: opens the menu whenever it is closed (on busy cores it can close again as focus
    /// settles after the click that opened it) and clicks the option once it is shown, for 20 s at most.
    pub async fn pick(&self, option: &str) -> TestResult {
        let c = &self.browser.client;
        wait_for(
            "the open menu's option",
            Duration::from_secs(20),
            || async {
                let hidden = self
                    .eval("return document.querySelector('#status-list').hidden")
                    .await
                    .ok()?;
                if hidden == Value::Bool(true) {
                    c.find(Locator::Css("#status-button"))
                        .await
                        .ok()?
                        .click()
                        .await
                        .ok()?;
                    return None;
                }
                c.find(Locator::Css(option)).await.ok()?.click().await.ok()
            },
        )
        .await
    }

    /// Waits until the status button shows a CCAI status (the statuses loaded).
    pub async fn wait_statuses_loaded(&self) -> TestResult {
        wait_for(
            "CCAI statuses in the dropdown",
            Duration::from_secs(10),
            || async {
                let v = self
                    .eval("return document.querySelectorAll('#status-list [role=option]').length")
                    .await
                    .ok()?;
                (v.as_u64()? > 0).then_some(())
            },
        )
        .await
    }

    /// The option names of the status listbox, in order.
    pub async fn status_options(&self) -> TestResult<Vec<String>> {
        let v = self
            .eval("return [...document.querySelectorAll('#status-list [role=option]')].map(o => o.textContent.trim())")
            .await?;
        Ok(serde_json::from_value(v)?)
    }
}

/// The adapter host's rectangle in the page, and the viewport's size.
pub async fn host_geometry(browser: &Browser) -> TestResult<(Rect, f64, f64)> {
    let v = browser
        .eval(
            "const r = document.querySelector('ccai-adapter').getBoundingClientRect();
             return {left: r.left, top: r.top, width: r.width, height: r.height,
                     vw: document.documentElement.clientWidth, vh: document.documentElement.clientHeight};",
        )
        .await?;
    let rect = Rect::from_json(&v).ok_or("no host rectangle")?;
    Ok((
        rect,
        v["vw"].as_f64().unwrap_or(0.0),
        v["vh"].as_f64().unwrap_or(0.0),
    ))
}

/// The rendered text of `css` inside the adapter, as the agent sees it; back in the page afterwards.
pub async fn adapter_text(browser: &Browser, css: &str) -> TestResult<String> {
    let adapter = Adapter::enter(browser).await?;
    let text = adapter.text(css).await;
    adapter.leave().await?;
    text
}

/// Clicks `css` inside the adapter as the agent would; back in the page afterwards, also on failure.
pub async fn click_in_adapter(browser: &Browser, css: &str) -> TestResult {
    let adapter = Adapter::enter(browser).await?;
    let r = match browser.client.find(Locator::Css(css)).await {
        Ok(el) => el.click().await.map_err(Into::into),
        Err(e) => Err(e.into()),
    };
    adapter.leave().await?;
    r
}

/// Waits (10 s) until `css` inside the adapter shows `needle`; returns the whole text.
pub async fn wait_adapter_text(browser: &Browser, css: &str, needle: &str) -> TestResult<String> {
    let last = std::sync::Mutex::new(None::<String>);
    let waited = wait_for(
        &format!("{css} to say {needle:?}"),
        Duration::from_secs(10),
        || async {
            let text = adapter_text(browser, css).await.ok()?;
            *last.lock().unwrap_or_else(|e| e.into_inner()) = Some(text.clone());
            text.contains(needle).then_some(text)
        },
    )
    .await;
    // A timeout says what the agent saw instead.
    waited.map_err(|e| {
        format!(
            "{e}; it said {:?}",
            last.lock().unwrap_or_else(|e| e.into_inner())
        )
        .into()
    })
}

/// Picks the CCAI status `id` in the adapter's own status menu, with the mouse.
pub async fn pick_in_adapter(browser: &Browser, id: i64) -> TestResult {
    let adapter = Adapter::enter(browser).await?;
    let picked = adapter
        .pick(&format!("#status-list [data-status-id='{id}']"))
        .await;
    adapter.leave().await?;
    picked
}
