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
