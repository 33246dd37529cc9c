//! Every message an adapter sends or receives, searched for the company's vendor credentials and the
//! agent's Kustomer tokens (issue 16: only the company server holds them). An adapter page is opened
//! in a tab of its own with a recorder that DevTools installs before any of the page's scripts run
//! (`Page.addScriptToEvaluateOnNewDocument`), so it sees the adapter's whole life from its first
//! request: each request it makes and each answer (`fetch`, with headers), the push stream
//! (`EventSource`: its address and every event), the other tabs' frames (`BroadcastChannel`, both
//! ways), the sign-in (`chrome.identity`'s redirect) and the content script (a stand-in port the
//! recorder connects: what the adapter tells it, and the page facts it is told). The sandbox's agent
//! page in a second tab joins the election, so the channel carries both ways.

use std::time::Duration;

use serde_json::{json, Value};

use super::secrets::{vendor_secrets, Scan};
use crate::kustomer_page::kstatus;
use crate::{wait_for, Browser, Sandbox, TestResult};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Installed before the adapter page's own scripts; records `[kind, text]` pairs in `window.__seen`.
const RECORDER: &str = r#"(() => {
  if (!location.pathname.endsWith('/adapter.html')) return;
  const seen = (window.__seen = []);
  const text = (v) => {
    if (typeof v === 'string') return v;
    if (v instanceof ArrayBuffer || ArrayBuffer.isView(v)) return new TextDecoder().decode(v);
    try { return JSON.stringify(v); } catch (e) { return String(v); }
  };
  const keep = (kind, v) => seen.push([kind, text(v)]);
  // Received: the push stream's events, other frames' channel messages, window messages.
  const data = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'data').get;
  Object.defineProperty(MessageEvent.prototype, 'data', {
    configurable: true,
    get() {
      const v = data.call(this);
      const from = this.target && this.target.constructor ? this.target.constructor.name : 'window';
      keep('received ' + from, v);
      return v;
    },
  });
  const post = BroadcastChannel.prototype.postMessage;
  BroadcastChannel.prototype.postMessage = function (m) {
    keep('sent BroadcastChannel', m);
    return post.call(this, m);
  };
  const Source = window.EventSource;
  window.EventSource = function (url, init) {
    keep('opened EventSource', url);
    return new Source(url, init);
  };
  window.EventSource.prototype = Source.prototype;
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    // A copy: a Request made from the adapter's own would take its body, and the fetch would fail.
    const request = input instanceof Request && !init ? input.clone() : new Request(input, init);
    request.text().then((body) =>
      keep('sent fetch', request.method + ' ' + request.url + ' ' + text([...request.headers]) + ' ' + body));
    return fetch.call(this, input, init).then((response) => {
      const copy = response.clone();
      copy.text().then((body) =>
        keep('received fetch', response.status + ' ' + response.url + ' ' + text([...response.headers]) + ' ' + body));
      return response;
    });
  };
  const flow = chrome.identity.launchWebAuthFlow.bind(chrome.identity);
  chrome.identity.launchWebAuthFlow = (details) => {
    keep('sent chrome.identity', details);
    return flow(details).then((url) => { keep('received chrome.identity', url); return url; });
  };
  // The content script's side: a stand-in port, handed to the listener adapter.js registers.
  const listeners = [];
  const onConnect = chrome.runtime.onConnect;
  const listen = onConnect.addListener.bind(onConnect);
  onConnect.addListener = (fn) => { listeners.push(fn); listen(fn); };
  window.__connect = (nonce) => {
    let deliver = () => {};
    const port = {
      name: 'ccai-page:' + nonce,
      sender: { id: chrome.runtime.id, tab: { id: 1 } },
      onMessage: { addListener(fn) { deliver = fn; } },
      onDisconnect: { addListener() {} },
      postMessage(m) { keep('sent to the content script', m); },
    };
    listeners.forEach((fn) => fn(port));
    window.__page = (m) => { keep('received from the content script', m); deliver(m); };
    return listeners.length;
  };
})();"#;

/// The kinds of message the recorder must have seen for the search to mean anything.
const KINDS: &[&str] = &[
    "sent fetch",
    "received fetch",
    "opened EventSource",
    "received EventSource",
    "sent BroadcastChannel",
    "received BroadcastChannel",
    "sent chrome.identity",
    "received chrome.identity",
    "sent to the content script",
    "received from the content script",
];

fn page_facts(status_id: &str) -> Value {
    json!({ "type": "PageFacts", "markup_found": true, "kustomer_email": "agent@example.com",
        "status_id": status_id, "status_name": "", "path": "/app" })
}

/// `failed` with what the recorded page shows and what was recorded of the kinds containing `kind`
/// (all when empty), cut short: what a timed-out step needs to be understood.
async fn explained(browser: &Browser, failed: BoxError, kind: &str) -> BoxError {
    let shown = browser.eval("return document.body.innerText").await;
    let script = format!(
        "return (window.__seen || []).filter(p => p[0].includes({kind:?})).map(p => p[0] + ' ' + p[1].slice(0, 300))"
    );
    let seen = browser.eval(&script).await;
    format!("{failed}; the page shows {shown:?}; recorded: {seen:?}").into()
}

/// Signs an agent in through a recorded adapter, has it own the status and relay a change, opens the
/// agent page beside it, then searches every recorded message.
pub async fn message_secrets(sandbox: &Sandbox) -> TestResult<Scan> {
    let browser = Browser::seeded(sandbox).await?;
    let recorded = browser.client.new_window(true).await?.handle;
    browser.client.switch_to_window(recorded.clone()).await?;
    // The agent is signed in to Kustomer in this profile (the page's session cookie, as a visit to
    // the agent page leaves it), so the recorded adapter signs in to the company server itself.
    let session = sandbox.inner.app().session_token.clone();
    browser
        .cdp(
            "Network.setCookie",
            json!({ "name": "ksession", "value": session, "url": sandbox.url("/"),
                "httpOnly": true, "sameSite": "Strict" }),
        )
        .await?;
    browser
        .cdp(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": RECORDER }),
        )
        .await?;
    browser
        .client
        .goto(&format!(
            "{}#recorded",
            Browser::extension_url("adapter.html")
        ))
        .await?;
    wait_for(
        "the adapter page to listen for its content script",
        Duration::from_secs(10),
        || async {
            let n = browser
                .eval("return window.__connect ? window.__connect('recorded') : 0")
                .await
                .ok()?;
            (n.as_u64()? > 0).then_some(())
        },
    )
    .await?;
    let say = |facts: Value| {
        let browser = &browser;
        async move {
            browser
                .client
                .execute("window.__page(arguments[0])", vec![facts])
                .await
        }
    };
    say(page_facts(kstatus::AVAILABLE)).await?;
    let owner = wait_for(
        "the recorded adapter to own the status",
        Duration::from_secs(15),
        || async {
            let t = browser
                .eval("const e = document.querySelector('#owner-text'); return e ? e.textContent : ''")
                .await
                .ok()?;
            t.as_str()?.contains("This tab").then_some(())
        },
    )
    .await;
    if let Err(e) = owner {
        return Err(explained(&browser, e, "").await);
    }
    say(page_facts(kstatus::LUNCH)).await?;
    let relayed = sandbox
        .wait_ccai_status(-3, "the recorded adapter's relay of Lunch to reach CCAI")
        .await;
    if let Err(e) = relayed {
        return Err(explained(&browser, e, "fetch").await);
    }
    // A second frame joins: the channel now carries messages both ways.
    browser.open_agent_tab(sandbox).await?;
    browser.client.switch_to_window(recorded).await?;
    let seen = wait_for(
        "every kind of message to be recorded",
        Duration::from_secs(15),
        || async {
            let seen = browser.eval("return window.__seen").await.ok()?;
            let kinds: Vec<&str> = seen
                .as_array()?
                .iter()
                .filter_map(|p| p[0].as_str())
                .collect();
            KINDS
                .iter()
                .all(|k| kinds.contains(k))
                .then(|| seen.clone())
        },
    )
    .await;
    let seen = match seen {
        Ok(seen) => seen,
        Err(e) => return Err(explained(&browser, e, "").await),
    };
    // The company session the adapter sends with every request: the recorder must find it, or it would
    // miss a secret as well.
    let session = crate::options_page::session_token(&browser).await?;
    browser.close().await;
    let mut canary = Scan::default();
    for pair in seen.as_array().into_iter().flatten() {
        canary.search(
            "",
            pair[1].as_str().unwrap_or_default(),
            std::slice::from_ref(&session),
        );
    }
    if canary.found.is_empty() {
        return Err(
            "the company session is in none of the recorded messages: the recorder is blind".into(),
        );
    }
    let mut secrets = vendor_secrets();
    secrets.extend(sandbox.inner.app().lock().kustomer.oauth.known_tokens());
    let mut scan = Scan::default();
    for pair in seen.as_array().into_iter().flatten() {
        let kind = pair[0].as_str().unwrap_or("?");
        scan.search(kind, pair[1].as_str().unwrap_or_default(), &secrets);
    }
    Ok(scan)
}
