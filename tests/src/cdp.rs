//! Chrome DevTools Protocol commands through chromedriver (`goog/cdp/execute`), for what WebDriver
//! cannot do: crash a renderer, freeze a page, hang one frame's JavaScript.

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

    /// Hangs the frame at `url` (an out-of-process frame, so its own DevTools target) the way a hung
    /// tab looks to the others: its event handlers and timers stop running (so it answers nothing),
    /// and it keeps its Web Lock. `Emulation.setScriptExecutionDisabled` on the frame's target does
    /// that to this frame alone. `Debugger.pause` does not do: every adapter frame lives in the
    /// extension's one renderer process, and the pause stopped the other tab's frame too (measured).
    /// Promise callbacks still run in the hung frame. The page's session attaches to the frame
    /// without flattening, so the command travels as `Target.sendMessageToTarget`.
    pub async fn hang_frame(&self, url: &str) -> TestResult {
        let targets = self.cdp("Target.getTargets", json!({})).await?;
        let target = targets["targetInfos"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["url"] == json!(url))
            .and_then(|t| t["targetId"].as_str())
            .ok_or_else(|| format!("no DevTools target for {url}: {targets}"))?
            .to_owned();
        let attached = self
            .cdp(
                "Target.attachToTarget",
                json!({ "targetId": target, "flatten": false }),
            )
            .await?;
        let session = attached["sessionId"]
            .as_str()
            .ok_or("Target.attachToTarget gave no session")?;
        let message = json!({
            "id": 1,
            "method": "Emulation.setScriptExecutionDisabled",
            "params": { "value": true },
        })
        .to_string();
        self.cdp(
            "Target.sendMessageToTarget",
            json!({ "sessionId": session, "message": message }),
        )
        .await?;
        Ok(())
    }
}
