//! The Phone controls on the page as an agent meets them: their accessible names, and a text as read
//! with each control shown where it stands.

use std::time::Duration;

use crate::{wait_for, Browser, TestResult};

/// The Phone controls' accessible names inside `scope` on the page, in document order.
pub async fn control_labels(browser: &Browser, scope: &str) -> TestResult<Vec<String>> {
    let v = browser
        .eval(&format!(
            "return [...document.querySelectorAll('{scope} [data-ccai-phone]')].map(b => b.getAttribute('aria-label'))"
        ))
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Waits (10 s) until the controls inside `scope` are exactly `want`.
pub async fn wait_labels(browser: &Browser, scope: &str, want: &[&str]) -> TestResult {
    let want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    let r = wait_for(
        &format!("controls {want:?} in {scope}"),
        Duration::from_secs(10),
        || async {
            let seen = control_labels(browser, scope).await.ok()?;
            (seen == want).then_some(())
        },
    )
    .await;
    match r {
        Ok(()) => Ok(()),
        Err(e) => Err(format!("{e}; last seen {:?}", control_labels(browser, scope).await?).into()),
    }
}

/// The text of the element `#id` with each control shown as `[its accessible name]` where it stands.
pub async fn text_with_controls(browser: &Browser, id: &str) -> TestResult<String> {
    let v = browser
        .eval(&format!("return [...document.getElementById('{id}').childNodes].map(n => n.nodeType === 3 ? n.data : '[' + n.getAttribute('aria-label') + ']').join('')"))
        .await?;
    Ok(v.as_str().unwrap_or_default().to_owned())
}

/// The calls CCAI has for the page's agent (11), oldest first, as its Manager API lists them (A17).
pub async fn ccai_calls(sandbox: &crate::Sandbox) -> TestResult<Vec<serde_json::Value>> {
    let v = sandbox.get_json("/ccai/manager/api/v1/calls").await?;
    Ok(v.as_array()
        .map(|a| {
            a.iter()
                .filter(|c| c["agent_info"]["id"] == serde_json::json!(11))
                .cloned()
                .collect()
        })
        .unwrap_or_default())
}

/// Waits (10 s) for the agent's newest call in CCAI.
pub async fn wait_ccai_call(sandbox: &crate::Sandbox) -> TestResult<serde_json::Value> {
    wait_for("a call in CCAI", Duration::from_secs(10), || async {
        ccai_calls(sandbox).await.ok()?.into_iter().last()
    })
    .await
}

/// The far end of call `id` (or the agent in CCAI's own adapter): `answer`, `hangup`, `miss`.
pub async fn far_end(sandbox: &crate::Sandbox, id: i64, event: &str) -> TestResult {
    sandbox
        .control(
            &format!("/sandbox/ccai/calls/{id}/{event}"),
            serde_json::json!({}),
        )
        .await?;
    Ok(())
}
