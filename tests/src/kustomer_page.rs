//! Acting on the sandbox's Kustomer page as an agent does, and on the sandbox's CCAI as CCAI does.

use std::time::Duration;

use fantoccini::wd::WindowHandle;
use fantoccini::Locator;
use serde_json::{json, Value};

use crate::{sandbox_config, wait_for, Browser, BrowserOptions, Sandbox, TestResult};

/// The sandbox's Kustomer routing statuses (crates/sandbox/src/kustomer/model.rs).
pub mod kstatus {
    pub const AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
    pub const BUSY: &str = "64f0a1c2e4b0a1b2c3d4e502";
    pub const OFFLINE: &str = "64f0a1c2e4b0a1b2c3d4e503";
    pub const LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";
    pub const TRAINING: &str = "64f0a1c2e4b0a1b2c3d4e505";
    pub const FOCUS: &str = "64f0a1c2e4b0a1b2c3d4e506";
}

/// The seed's example (SPEC S3: K1→A, K2→A, K3→B, K4→D) on the sandbox's statuses: Available and Focus
/// time → Available, Lunch → Special Task, Training → Training (custom id 1), Offline → Offline. Busy is left
/// unmapped on purpose.
pub fn seed_mapping() -> Value {
    json!([
        { "kustomer": kstatus::AVAILABLE, "ccai": 0 },
        { "kustomer": kstatus::FOCUS, "ccai": 0 },
        { "kustomer": kstatus::LUNCH, "ccai": -3 },
        { "kustomer": kstatus::TRAINING, "ccai": 1 },
        { "kustomer": kstatus::OFFLINE, "ccai": -10 },
    ])
}

impl Browser {
    /// A browser with the extension pointed at `sandbox` and the seed's mapping synced one way, the
    /// latest change winning: the start of every test that does not vary those.
    pub async fn seeded(sandbox: &Sandbox) -> TestResult<Browser> {
        let browser = Browser::start(BrowserOptions::default()).await?;
        browser.configure(sandbox_config(&sandbox.url(""))).await?;
        browser
            .configure_sync(sandbox, seed_mapping(), "OneWay", "LatestChangeWins")
            .await?;
        Ok(browser)
    }

    /// Opens the sandbox's agent page in a new tab, WebDriver in it; returns the tab.
    pub async fn open_agent_tab(&self, sandbox: &Sandbox) -> TestResult<WindowHandle> {
        let tab = self.client.new_window(true).await?;
        self.client.switch_to_window(tab.handle.clone()).await?;
        self.client.goto(&sandbox.url("/")).await?;
        Ok(tab.handle)
    }

    /// Gives the company server beside `sandbox` these sync settings, as an admin's earlier save left
    /// them (stored as given, so a test may also store rows that no longer fit); every adapter opened
    /// afterwards gets them first thing on its push connection (issue 16). This browser's adapters
    /// also have them cached, as after an earlier session, so they start with them even when they
    /// cannot sign in to the server.
    pub async fn configure_sync(
        &self,
        sandbox: &Sandbox,
        mapping: Value,
        direction: &str,
        priority: &str,
    ) -> TestResult {
        let inheritance = mapping.as_array().is_some_and(|m| !m.is_empty());
        let settings = json!({ "schema": 2, "direction": direction, "priority": priority,
            "inheritance": inheritance, "mapping": mapping });
        crate::options_page::store_settings_row(sandbox, settings)?;
        let cached = crate::options_page::server_settings(sandbox)?;
        self.client
            .goto(&Self::extension_url("options.html"))
            .await?;
        let script = "const done = arguments[arguments.length - 1];
            chrome.storage.local.set({ settings: arguments[0] }).then(() => done('ok'), e => done(String(e)));";
        let r = self.client.execute_async(script, vec![cached]).await?;
        if r != json!("ok") {
            return Err(format!("could not cache the sync settings: {r}").into());
        }
        Ok(())
    }

    /// Waits (10 s at most) until the current tab shows Kustomer's routing-status menu: a freshly
    /// opened tab may still be loading its page.
    pub async fn wait_kustomer_menu(&self) -> TestResult {
        wait_for("the Kustomer menu", Duration::from_secs(10), || async {
            let v = self
                .eval("return !!document.querySelector('[data-kt=routing-status-button]')")
                .await
                .ok()?;
            (v == json!(true)).then_some(())
        })
        .await
    }

    /// Picks `status_id` in Kustomer's own routing-status menu, with the mouse, as an agent does.
    pub async fn pick_kustomer_status(&self, status_id: &str) -> TestResult {
        self.client
            .find(Locator::Css("[data-kt=routing-status-button]"))
            .await?
            .click()
            .await?;
        let item = format!("[data-kt=routing-status-menu] [data-status-id='{status_id}']");
        self.client
            .wait()
            .at_most(Duration::from_secs(3))
            .for_element(Locator::Css(&item))
            .await?
            .click()
            .await?;
        Ok(())
    }

    /// The Kustomer status the page shows.
    pub async fn kustomer_status_on_page(&self) -> TestResult<String> {
        let v = self.eval("const el = document.querySelector('[data-kt=routing-status]'); return el && el.getAttribute('data-status-id')").await?;
        Ok(v.as_str().unwrap_or_default().to_owned())
    }
}

impl Sandbox {
    /// POST a JSON body to a sandbox control endpoint.
    pub async fn control(&self, path: &str, body: Value) -> TestResult<Value> {
        let r = self.http.post(self.url(path)).json(&body).send().await?;
        let status = r.status();
        let v: Value = r.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("{path}: {status} {v}").into());
        }
        Ok(v)
    }

    /// What CCAI's `agent_statuses` received, in order.
    pub async fn ccai_received(&self) -> TestResult<Vec<Value>> {
        let v: Value = self
            .http
            .get(self.url("/sandbox/ccai/received"))
            .send()
            .await?
            .json()
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// The status ids CCAI applied for agent 11, in order.
    pub async fn ccai_applied(&self) -> TestResult<Vec<i64>> {
        Ok(self
            .ccai_received()
            .await?
            .iter()
            .filter(|r| r["applied"] == json!(true) && r["agent_id"] == json!(11))
            .filter_map(|r| r["status_id"].as_i64())
            .collect())
    }

    /// CCAI's agent `id` as A10's list gives it (filtered by `id[]`: CCAI documents no route for one
    /// agent, so the tests read only what the product may read too).
    pub async fn ccai_agent(&self, id: i64) -> TestResult<serde_json::Value> {
        let list = self
            .get_json(&format!("/ccai/manager/api/v1/agents?id[]={id}"))
            .await?;
        list.as_array()
            .and_then(|a| a.first())
            .cloned()
            .ok_or_else(|| format!("CCAI lists no agent {id}: {list}").into())
    }

    /// The agent's CCAI status id now.
    pub async fn ccai_status(&self) -> TestResult<i64> {
        let agent = self.ccai_agent(11).await?;
        agent["status"]["id"]
            .as_i64()
            .ok_or_else(|| format!("no status in {agent}").into())
    }

    /// Waits until the agent's CCAI status is `id`.
    pub async fn wait_ccai_status(&self, id: i64, what: &str) -> TestResult {
        wait_for(what, Duration::from_secs(8), || async {
            (self.ccai_status().await.ok()? == id).then_some(())
        })
        .await
    }
}
