//! Chrome DevTools Protocol commands through chromedriver (`goog/cdp/execute`), for what WebDriver
//! cannot do: crash a renderer, freeze a page.

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

use crate::{Browser, TestResult};

#[derive(Debug)]
struct CdpExecute {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for CdpExecute {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

impl Browser {
    /// Runs a CDP command on the current window's page.
    pub async fn cdp(&self, cmd: &str, params: Value) -> TestResult<Value> {
        Ok(self
            .client
            .issue_cmd(CdpExecute {
                cmd: cmd.into(),
                params,
            })
            .await?)
    }

    /// Crashes the current window's renderer, as a real crash would: no `pagehide`, no unload.
    /// The command itself never gets an answer from the dead renderer, so it is not awaited long.
    pub async fn crash_renderer(&self) {
        let _ = tokio::time::timeout(
            std::time::Duration::from_millis(500),
            self.cdp("Page.crash", json!({})),
        )
        .await;
    }
}
