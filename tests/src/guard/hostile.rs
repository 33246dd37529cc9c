//! A hostile page (issue 9): the sandbox page's own scripts attack the adapter. WebDriver's scripts
//! run in the page's main world, which is exactly where a hostile Kustomer page (or a script injected
//! into it) runs. Every attempt is recorded with whether it succeeded; the tests assert that none did,
//! and the bench reports the counts.

use std::time::Duration;

use serde_json::{json, Value};

use crate::kustomer_page::kstatus;
use crate::{plain_page_server, EXTENSION_ID};
use crate::{sandbox_config, wait_for, Adapter, Browser, BrowserOptions, Sandbox, TestResult};

/// Serves `body` as a page on `ip` (a loopback address other than 127.0.0.1 is another origin the
/// extension does not run on). The server lives until the process ends.
fn serve_on(ip: &str, body: &str) -> TestResult<String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind((ip, 0))?;
    let url = format!("http://{ip}:{}/", listener.local_addr()?.port());
    let page = format!("<!doctype html><html lang=en><head><title>elsewhere</title></head><body>{body}</body></html>");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                page.len(),
                page
            );
        }
    });
    Ok(url)
}

/// The secrets the extension holds (crates/sandbox/src/auth.rs).
pub const SECRETS: &[&str] = &[
    "sandbox-ccai-token",
    "sandbox-kustomer-key",
    // HTTP Basic's form of the CCAI credentials, base64("sandbox:sandbox-ccai-token").
    "c2FuZGJveDpzYW5kYm94LWNjYWktdG9rZW4",
];

/// What only the company server holds (issue 16): none of it may reach any part of the browser.
pub const SERVER_SECRETS: &[&str] = &[
    crate::company::CLIENT_SECRET,
    crate::company::EVENTS_PASSWORD,
];

/// Every extension storage area, as the adapter frame (a trusted extension context) reads it.
const ALL_STORAGE: &str = "const done = arguments[arguments.length - 1];
    Promise.all(['local', 'session', 'sync', 'managed'].map(a =>
        chrome.storage[a].get(null).then(v => [a, v], e => [a, 'refused: ' + e])))
      .then(all => done(Object.fromEntries(all)));";

/// One attack and its outcome.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub name: String,
    pub succeeded: bool,
    pub detail: String,
}

impl Attempt {
    fn new(name: impl Into<String>, succeeded: bool, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            succeeded,
            detail: detail.into(),
        }
    }
}

/// Panics with every successful attempt listed, after checking some attempts were made at all.
pub fn assert_none_succeeded(attempts: &[Attempt]) {
    assert!(!attempts.is_empty(), "no attempt was made");
    let won: Vec<String> = attempts
        .iter()
        .filter(|a| a.succeeded)
        .map(|a| format!("{}: {}", a.name, a.detail))
        .collect();
    for a in attempts {
        println!(
            "{} {}: {}",
            if a.succeeded {
                "SUCCEEDED"
            } else {
                "refused  "
            },
            a.name,
            a.detail
        );
    }
    assert!(
        won.is_empty(),
        "the hostile page succeeded:\n{}",
        won.join("\n")
    );
}

/// A browser on the sandbox's agent page with the adapter signed in as this tab's owner, WebDriver in
/// the page. Status inheritance follows the seed mapping (one-way), so a forged Kustomer status would sync.
pub async fn agent_page(sandbox: &Sandbox) -> TestResult<Browser> {
    let browser = Browser::seeded(sandbox).await?;
    agent_page_in(browser, sandbox).await
}

/// [`agent_page`] in `browser`, seeded as the caller chose.
pub async fn agent_page_in(browser: Browser, sandbox: &Sandbox) -> TestResult<Browser> {
    browser.client.goto(&sandbox.url("/")).await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.wait_statuses_loaded().await?;
    wait_for(
        "this tab to own the status",
        Duration::from_secs(10),
        || async {
            let t = adapter.text("#owner-text").await.ok()?;
            t.contains("This tab").then_some(())
        },
    )
    .await?;
    adapter.leave().await?;
    Ok(browser)
}

/// What the adapter shows and what CCAI has, to compare before and after an attack.
#[derive(Debug, PartialEq)]
struct Snapshot {
    adapter_text: String,
    ccai_status: i64,
    ccai_received: usize,
    host_width: i64,
    host_height: i64,
}

async fn snapshot(browser: &Browser, sandbox: &Sandbox) -> TestResult<Snapshot> {
    let host = browser
        .eval("const r = document.querySelector('ccai-adapter').getBoundingClientRect(); return [Math.round(r.width), Math.round(r.height)]")
        .await?;
    let adapter = Adapter::enter(browser).await?;
    let adapter_text = adapter
        .eval("return document.body.innerText")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    adapter.leave().await?;
    Ok(Snapshot {
        adapter_text,
        ccai_status: sandbox.ccai_status().await?,
        // Writes that changed CCAI: the server's own writes of the status the agent already has
        // (Kustomer's work sessions carried over, S2) answer "unchanged" and are not the page's doing.
        ccai_received: sandbox
            .ccai_received()
            .await?
            .iter()
            .filter(|r| r["outcome"] != "unchanged")
            .count(),
        host_width: host[0].as_i64().unwrap_or(-1),
        host_height: host[1].as_i64().unwrap_or(-1),
    })
}

/// Runs `script` in the page, waits for any effect to land, and records whether anything changed.
async fn attack(
    browser: &Browser,
    sandbox: &Sandbox,
    name: &str,
    script: &str,
) -> TestResult<(Attempt, Value)> {
    let before = snapshot(browser, sandbox).await?;
    let said = browser.eval(script).await?;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let after = snapshot(browser, sandbox).await?;
    let forged_shown = after.adapter_text.contains("FORGED");
    let changed = before != after || forged_shown;
    let attempt = Attempt::new(
        name,
        changed,
        if changed {
            format!("page said {said}; before {before:?}, after {after:?}")
        } else {
            format!("page said {said}; nothing changed")
        },
    );
    Ok((attempt, said))
}

/// Posts `msg` inside the adapter frame's own window (what a page holding a handle could do).
async fn attack_in_frame(
    browser: &Browser,
    sandbox: &Sandbox,
    name: &str,
    msg: &Value,
) -> TestResult<Attempt> {
    let before = snapshot(browser, sandbox).await?;
    let adapter = Adapter::enter(browser).await?;
    adapter
        .eval(&format!(
            "window.postMessage({msg}, '*'); window.postMessage(JSON.stringify({msg}), '*'); return 1;"
        ))
        .await?;
    adapter.leave().await?;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let after = snapshot(browser, sandbox).await?;
    let changed = before != after || after.adapter_text.contains("FORGED");
    Ok(Attempt::new(
        name,
        changed,
        if changed {
            format!("before {before:?}, after {after:?}")
        } else {
            "nothing changed".to_owned()
        },
    ))
}

/// (a) Forged messages: to the adapter frame by `postMessage`, to the page's own window (where a
/// content script listening to `message` would hear them), on every BroadcastChannel name the
/// extension uses (on the page's origin, where the page can reach), to the extension by
/// `chrome.runtime`, and through the page's own Web Lock of the same name.
pub async fn forged_messages(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let browser = agent_page(sandbox).await?;
    let facts = json!({ "type": "PageFacts", "markup_found": true, "status_id": kstatus::LUNCH,
        "status_name": "FORGED", "kustomer_email": "agent@example.com", "path": "/" });
    let forged = [
        facts.clone(),
        json!({ "type": "Resize", "width": 4000, "height": 4000 }),
        json!({ "type": "Mirror", "ccai": -4, "sync": "FORGED" }),
        json!({ "type": "KustomerObserved", "status": kstatus::LUNCH }),
        json!({ "type": "PhoneChosen", "id": 1, "text": "+1 555 0100 FORGED" }),
        json!({ "type": "Navigate", "path": "/FORGED" }),
    ];
    let mut attempts = Vec::new();
    // The page's ways to a handle on the adapter frame: window.frames, the source of any message the
    // frame posts to its parent. The closed shadow root should leave it none.
    let handle = browser
        .eval(
            "return (async () => {
            const sources = [];
            addEventListener('message', e => sources.push(String(e.origin)));
            await new Promise(r => setTimeout(r, 1000));
            return { frames: window.length, sources };
        })()",
        )
        .await?;
    attempts.push(Attempt::new(
        "get a handle on the adapter frame (window.frames, message source)",
        handle["frames"] != json!(0) || handle["sources"] != json!([]),
        format!("{handle}"),
    ));
    for msg in &forged {
        let kind = msg["type"].as_str().unwrap_or_default();
        let script = format!(
            "const m = {msg}; let n = 0;
             for (let i = 0; i < window.length; i++) {{ frames[i].postMessage(m, '*'); frames[i].postMessage(JSON.stringify(m), '*'); n++; }}
             window.postMessage(m, '*'); window.postMessage(JSON.stringify(m), '*');
             return n;"
        );
        let name = format!("postMessage {kind} to the page's window and its frames");
        attempts.push(attack(&browser, sandbox, &name, &script).await?.0);
        // As if the page had found a handle after all: the frame must not act on window messages.
        let name = format!("postMessage {kind} straight into the adapter frame");
        attempts.push(attack_in_frame(&browser, sandbox, &name, msg).await?);
    }
    for channel in [
        "ccai-owner:11",
        "ccai-sync:11",
        "ccai-page",
        "ccai",
        "ccai-owner",
        "ccai-sync",
    ] {
        let script = format!(
            "const c = new BroadcastChannel({channel:?}); const heard = [];
             c.onmessage = e => heard.push(e.data);
             for (const m of {list}) c.postMessage(m);
             c.postMessage({{ type: 'Claim', epoch: 999999, tab: 'FORGED' }});
             c.postMessage({{ type: 'Release', epoch: 0 }});
             await new Promise(r => setTimeout(r, 300)); c.close();
             return heard.length;",
            list = Value::Array(forged.to_vec())
        );
        let name = format!("BroadcastChannel {channel:?} on the page's origin");
        let (mut a, heard) = attack(
            &browser,
            sandbox,
            &name,
            &format!("return (async () => {{ {script} }})()"),
        )
        .await?;
        // Hearing anything means the extension talks on the page's origin: a leak in itself.
        if heard != json!(0) {
            a.succeeded = true;
            a.detail = format!(
                "the page heard {heard} message(s) on {channel}: {}",
                a.detail
            );
        }
        attempts.push(a);
    }
    let script = format!(
        "return (async () => {{
           const rt = globalThis.chrome && chrome.runtime;
           if (!rt || !rt.sendMessage) return 'no chrome.runtime';
           try {{ const r = await rt.sendMessage('{EXTENSION_ID}', {facts}); return 'answered ' + JSON.stringify(r); }}
           catch (e) {{ return 'refused: ' + e.message; }}
         }})()"
    );
    let (mut a, said) = attack(
        &browser,
        sandbox,
        "chrome.runtime.sendMessage to the extension",
        &script,
    )
    .await?;
    a.succeeded |= said.as_str().is_some_and(|s| s.starts_with("answered"));
    attempts.push(a);
    let script = format!(
        "const rt = globalThis.chrome && chrome.runtime;
         if (!rt || !rt.connect) return 'no chrome.runtime';
         try {{ const p = rt.connect('{EXTENSION_ID}', {{ name: 'ccai-page:x' }}); p.postMessage({facts}); return 'connected'; }}
         catch (e) {{ return 'refused: ' + e.message; }}"
    );
    let (mut a, said) = attack(
        &browser,
        sandbox,
        "chrome.runtime.connect to the extension",
        &script,
    )
    .await?;
    a.succeeded |= said == json!("connected");
    attempts.push(a);
    let script = "return (async () => {
        const r = await navigator.locks.request('ccai-owner:11', { steal: true }, async () => 'held');
        return r; })()";
    attempts.push(
        attack(
            &browser,
            sandbox,
            "steal the Web Lock 'ccai-owner:11' on the page's origin",
            script,
        )
        .await?
        .0,
    );
    // The page's own routing status, changed by the page through the DOM, is a fact and should sync;
    // that is the product working, not an attack, so it is not counted here.
    browser.close().await;
    Ok(attempts)
}

/// Everything the page can reach, as one text per source.
const REACHABLE: &str = "return (async () => {
  const out = {};
  const host = document.querySelector('ccai-adapter');
  out.dom = document.documentElement.outerHTML;
  out.host_attributes = host ? [...host.attributes].map(a => a.name + '=' + a.value).join(' ') : 'no host';
  out.host_shadow = String(host && host.shadowRoot);
  try { out.host_shadow_reopen = String(host.attachShadow({ mode: 'open' })); } catch (e) { out.host_shadow_reopen = 'refused: ' + e.message; }
  out.local_storage = JSON.stringify(Object.entries(localStorage));
  out.session_storage = JSON.stringify(Object.entries(sessionStorage));
  out.cookies = document.cookie;
  out.window_name = window.name;
  out.history_state = JSON.stringify(history.state);
  out.performance = performance.getEntries().map(e => e.name).join(' ');
  try { out.frame_location = String(frames[0].location.href); } catch (e) { out.frame_location = 'refused: ' + e.name; }
  try { out.frame_document = String(frames[0].document.documentElement.outerHTML); } catch (e) { out.frame_document = 'refused: ' + e.name; }
  try { out.frame_storage = String(frames[0].localStorage.length); } catch (e) { out.frame_storage = 'refused: ' + e.name; }
  const globals = [];
  for (const k of Object.getOwnPropertyNames(window)) {
    try { const v = window[k]; if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) globals.push(k + '=' + v);
          else if (typeof v === 'object' && !(v instanceof Node) && v !== window) globals.push(k + '=' + JSON.stringify(v).slice(0, 20000)); } catch (_) {}
  }
  out.globals = globals.join('\\n');
  try {
    const dbs = indexedDB.databases ? await indexedDB.databases() : [];
    const dumps = [];
    for (const d of dbs) {
      const db = await new Promise((ok, no) => { const r = indexedDB.open(d.name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
      for (const store of db.objectStoreNames) {
        const all = await new Promise(ok => { const r = db.transaction(store).objectStore(store).getAll(); r.onsuccess = () => ok(r.result); r.onerror = () => ok([]); });
        dumps.push(d.name + '/' + store + ':' + JSON.stringify(all));
      }
      db.close();
    }
    out.indexed_db = dumps.join(' ') || 'none';
  } catch (e) { out.indexed_db = 'error ' + e; }
  try {
    const names = await caches.keys(); const dumps = [];
    for (const n of names) { const c = await caches.open(n); for (const r of await c.keys()) dumps.push(r.url + ' ' + await (await c.match(r)).text()); }
    out.cache_storage = dumps.join(' ') || 'none';
  } catch (e) { out.cache_storage = 'error ' + e; }
  try { out.page_locks = JSON.stringify(await navigator.locks.query()); } catch (e) { out.page_locks = 'error ' + e; }
  return out;
})()";

/// (b) Read any credential: every source the page's scripts can reach, searched for the secrets and
/// for the port's nonce, after the adapter has used the credentials.
pub async fn read_credentials(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let browser = agent_page(sandbox).await?;
    let adapter = Adapter::enter(&browser).await?;
    let nonce = adapter
        .eval("return location.hash.slice(1)")
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let storage = browser.client.execute_async(ALL_STORAGE, vec![]).await?;
    adapter.leave().await?;
    // Make the adapter use its credentials once more while the page watches.
    browser.pick_kustomer_status(kstatus::LUNCH).await?;
    sandbox
        .wait_ccai_status(-3, "the mapped status to reach CCAI")
        .await?;
    // The company server's session (issue 16): the page must not reach it either.
    let session = &storage["session"]["company.session"];
    let tokens: Vec<String> = ["session", "refresh"]
        .iter()
        .filter_map(|k| session[*k].as_str().map(String::from))
        .collect();
    let mut attempts = Vec::new();
    attempts.push(Attempt::new(
        "find the company session where the adapter keeps it (a check of this test itself)",
        tokens.len() != 2,
        format!("{} tokens in chrome.storage.session", tokens.len()),
    ));
    // No company server secret in any extension storage area, and the session only in the session
    // area (memory, trusted contexts), never on disk in `local` or `sync`.
    let areas = storage.to_string();
    let server_found: Vec<&str> = SERVER_SECRETS
        .iter()
        .copied()
        .filter(|s| areas.contains(s))
        .collect();
    attempts.push(Attempt::new(
        "find a company server secret in extension storage",
        !server_found.is_empty(),
        format!("found {server_found:?}"),
    ));
    let on_disk = ["local", "sync"].iter().any(|a| {
        let text = storage[*a].to_string();
        tokens.iter().any(|t| text.contains(t.as_str()))
    });
    attempts.push(Attempt::new(
        "find the company session on disk (chrome.storage.local or sync)",
        on_disk,
        String::new(),
    ));
    let reached = browser.eval(REACHABLE).await?;
    let sources = reached
        .as_object()
        .ok_or("the page's probe returned no object")?;
    let secrets: Vec<&str> = SECRETS
        .iter()
        .chain(SERVER_SECRETS)
        .copied()
        .chain(tokens.iter().map(String::as_str))
        .collect();
    for (source, text) in sources {
        let text = text
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| text.to_string());
        let found: Vec<&str> = secrets
            .iter()
            .copied()
            .filter(|s| text.contains(s))
            .collect();
        attempts.push(Attempt::new(
            format!("read a credential from {source}"),
            !found.is_empty(),
            if found.is_empty() {
                format!("{} bytes, no secret", text.len())
            } else {
                format!("found {found:?}")
            },
        ));
    }
    let opened = sources
        .get("host_shadow")
        .and_then(Value::as_str)
        .unwrap_or_default()
        != "null"
        || !sources
            .get("host_shadow_reopen")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .starts_with("refused");
    attempts.push(Attempt::new(
        "open the adapter host's shadow root",
        opened,
        format!(
            "{:?} / {:?}",
            sources.get("host_shadow"),
            sources.get("host_shadow_reopen")
        ),
    ));
    let frame_read = ["frame_location", "frame_document", "frame_storage"]
        .iter()
        .any(|k| {
            !sources
                .get(*k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .starts_with("refused")
        });
    attempts.push(Attempt::new(
        "script the adapter frame (location, document, storage)",
        frame_read,
        format!(
            "{:?} {:?} {:?}",
            sources.get("frame_location"),
            sources.get("frame_document"),
            sources.get("frame_storage")
        ),
    ));
    // The nonce is not a credential (the page cannot call chrome.runtime at all), but it should not
    // be readable either: its secrecy is the second lock on the port.
    let leaked_in: Vec<&String> = sources
        .iter()
        .filter(|(_, v)| !nonce.is_empty() && v.to_string().contains(&nonce))
        .map(|(k, _)| k)
        .collect();
    attempts.push(Attempt::new(
        "read the port's nonce",
        !leaked_in.is_empty(),
        format!("nonce found in {leaked_in:?}"),
    ));
    browser.close().await;
    Ok(attempts)
}

/// The page's and the adapter frame's `alert`, `confirm` and `prompt` record instead of showing.
const RECORD_ALERTS: &str = "window.__alerts = window.__alerts || [];
    for (const f of ['alert', 'confirm', 'prompt']) window[f] = (m) => { window.__alerts.push(f + ':' + m); };
    return 'ok';";

const PAYLOAD_HTML: &str =
    "<img src=x onerror=alert('name')><script>alert('script')</script><svg onload=alert('svg')>";

/// Elements a payload could have created, counted in the current document.
const INJECTED: &str = "return document.querySelectorAll('img[src=x], svg[onload], script:not([src]), [onerror], [onload]').length";

/// (c) Inject HTML or script through what the page shows: the seeded customer named
/// `<img src=x onerror=alert(1)>`, a note created through Kustomer's API with a script payload, and
/// hostile text in the status name, the agent's e-mail and the phone fields that the content script
/// reads and the adapter shows.
pub async fn inject_markup(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let browser = agent_page(sandbox).await?;
    let mut attempts = Vec::new();
    browser.eval(RECORD_ALERTS).await?;
    let adapter = Adapter::enter(&browser).await?;
    adapter.eval(RECORD_ALERTS).await?;
    let frame_before = adapter.eval(INJECTED).await?;
    adapter.leave().await?;

    // The hostile customer's conversation, opened as an agent would.
    let hostile = browser
        .eval("const a = [...document.querySelectorAll('[data-kt=conversation-list] a[data-conversation-id]')].find(a => a.textContent.includes('<img')); if (a) { a.click(); return a.getAttribute('data-conversation-id'); } return null;")
        .await?;
    let conversation = hostile
        .as_str()
        .ok_or("the sandbox lists no hostile customer")?
        .to_owned();
    wait_for("the hostile customer's panel", Duration::from_secs(5), || async {
        let v = browser.eval("const p = document.querySelector('[data-kt=customer-panel]'); return !!p && p.textContent.includes('<img')").await.ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    let page_elements = browser.eval(INJECTED).await?;
    attempts.push(Attempt::new(
        "customer name <img src=x onerror=alert(1)> rendered in the page",
        page_elements != json!(0),
        format!("{page_elements} element(s) from the payload in the page"),
    ));

    // A note with a script payload, through Kustomer's API (B13's `POST /v1/notes`).
    let body =
        json!({ "conversation": conversation, "body": format!("FORGED note {PAYLOAD_HTML}") });
    let r = sandbox
        .http
        .post(sandbox.url("/kapi/v1/notes"))
        .bearer_auth("sandbox-kustomer-key")
        .json(&body)
        .send()
        .await?;
    if !r.status().is_success() {
        return Err(format!("could not create the hostile note: {}", r.status()).into());
    }
    browser.client.refresh().await?;
    browser.eval(RECORD_ALERTS).await?;
    wait_for("the hostile note on the page", Duration::from_secs(5), || async {
        let v = browser.eval("return [...document.querySelectorAll('[data-kt=note]')].some(n => n.textContent.includes('FORGED note <img'))").await.ok()?;
        (v == json!(true)).then_some(())
    })
    .await?;
    let n = browser.eval(INJECTED).await?;
    attempts.push(Attempt::new(
        "note with <script>/<img onerror>/<svg onload> rendered in the page",
        n != json!(0),
        format!("{n} element(s) from the payload in the page"),
    ));

    // Hostile facts the content script reads and the adapter shows.
    let adapter = Adapter::enter(&browser).await?;
    adapter.eval(RECORD_ALERTS).await?;
    adapter.leave().await?;
    let script = format!(
        "document.querySelector('[data-kt=routing-status-name]').textContent = {p:?};
         document.querySelector('[data-kt=current-user-email]').textContent = {e:?};
         for (const el of document.querySelectorAll('[data-kt=customer-phone]')) el.textContent = {ph:?};
         return document.querySelectorAll('[data-kt=customer-phone]').length;",
        p = format!("Lunch {PAYLOAD_HTML}"),
        e = format!("\"><img src=x onerror=alert('mail')>@example.com"),
        ph = format!("+1 555 0100 {PAYLOAD_HTML}"),
    );
    let phones = browser.eval(&script).await?;
    let adapter = Adapter::enter(&browser).await?;
    let shown = wait_for(
        "the adapter to show the page's status name",
        Duration::from_secs(5),
        || async {
            let t = adapter.text("#kustomer-status").await.ok()?;
            t.contains("Lunch <img").then_some(t)
        },
    )
    .await;
    let created = adapter.eval(INJECTED).await?;
    attempts.push(Attempt::new(
        "status name with markup shown in the adapter",
        shown.is_err() || created != frame_before,
        format!("adapter shows {shown:?} as text; {created} element(s) (before: {frame_before})"),
    ));
    // Phone numbers: whatever the adapter does with them (click-to-call), no element comes of them.
    let frame_html = adapter.eval("return document.body.innerHTML").await?;
    let as_markup = frame_html
        .as_str()
        .unwrap_or_default()
        .contains("<img src=\"x\"")
        || frame_html
            .as_str()
            .unwrap_or_default()
            .contains("<img src=x");
    attempts.push(Attempt::new(
        format!("phone fields ({phones}) and e-mail with markup reach the adapter"),
        as_markup || adapter.eval(INJECTED).await? != frame_before,
        "no element created in the adapter".to_owned(),
    ));
    let frame_alerts = adapter.eval("return window.__alerts").await?;
    adapter.leave().await?;
    // The phone controls the content script may add beside numbers (C1) are in the page.
    let page_elements = browser.eval(INJECTED).await?;
    attempts.push(Attempt::new(
        "phone fields with markup rendered in the page (and any control beside them)",
        page_elements != json!(0),
        format!("{page_elements} element(s) from the payload in the page"),
    ));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let page_alerts = browser.eval("return window.__alerts").await?;
    attempts.push(Attempt::new(
        "run a script (alert) in the page or the adapter",
        page_alerts != json!([]) || frame_alerts != json!([]),
        format!("page alerts {page_alerts}, adapter alerts {frame_alerts}"),
    ));
    browser.close().await;
    Ok(attempts)
}

async fn dial_value(browser: &Browser) -> TestResult<Value> {
    let adapter = Adapter::enter(browser).await?;
    let v = adapter
        .eval("const i = document.querySelector('#dial-input'); return i ? i.value : null")
        .await?;
    adapter.leave().await?;
    Ok(v)
}

async fn calls_placed(sandbox: &Sandbox) -> TestResult<usize> {
    Ok(crate::phones::ccai_calls(sandbox).await?.len())
}

/// (c, continued) The Phone controls the content script puts beside numbers live in the page's DOM:
/// the page can click them, forge look-alikes, and rewrite the number beside them. None of that may
/// place a call (C1: the agent presses Call) or put markup into the adapter.
pub async fn phone_controls(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let browser = agent_page(sandbox).await?;
    let mut attempts = Vec::new();
    browser
        .eval("const a = document.querySelector('[data-kt=conversation-list] a[data-conversation-id]'); a.click();")
        .await?;
    let controls = wait_for(
        "a Phone control beside a number",
        Duration::from_secs(10),
        || async {
            let n = browser
                .eval("return document.querySelectorAll('[data-ccai-phone]').length")
                .await
                .ok()?;
            (n.as_u64()? > 0).then_some(n)
        },
    )
    .await?;
    // The page clicks the real controls (untrusted clicks): only the agent's own click fills the dialer.
    let dial_before = dial_value(&browser).await?;
    let clicked = browser
        .eval("const all = document.querySelectorAll('[data-ccai-phone]'); for (const b of all) b.click(); return all.length")
        .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let dial_after = dial_value(&browser).await?;
    attempts.push(Attempt::new(
        "fill the dialer by clicking the real Phone controls from a page script",
        dial_after != dial_before,
        format!("{clicked} control(s) clicked; dialer {dial_before} → {dial_after}"),
    ));
    let before = calls_placed(sandbox).await?;
    let script = format!(
        "for (const el of document.querySelectorAll('[data-kt=customer-phone]')) el.textContent = {p:?};
         const fake = document.createElement('button'); fake.setAttribute('data-ccai-phone', '1');
         document.body.append(fake); fake.click();
         for (const b of document.querySelectorAll('[data-ccai-phone]')) {{ b.click(); b.dispatchEvent(new KeyboardEvent('keydown', {{ key: 'Enter', bubbles: true }})); }}
         return document.querySelectorAll('[data-ccai-phone]').length;",
        p = format!("+1 415 555 0132 {PAYLOAD_HTML}")
    );
    let clicked = browser.eval(&script).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let after = calls_placed(sandbox).await?;
    attempts.push(Attempt::new(
        format!("click the {controls} Phone control(s) and a forged one to place a call"),
        after != before,
        format!("{clicked} control(s) clicked; CCAI calls {before} → {after}"),
    ));
    let adapter = Adapter::enter(&browser).await?;
    let dial = adapter
        .eval("return [document.querySelector('#dial-input') ? document.querySelector('#dial-input').value : null, document.querySelectorAll('img[src=x], svg[onload], script:not([src]), [onerror], [onload]').length]")
        .await?;
    adapter.leave().await?;
    attempts.push(Attempt::new(
        "markup rewritten beside a Phone control reaches the dialer",
        dial[0].as_str().is_some_and(|v| v.contains('<')) || dial[1] != json!(0),
        format!(
            "dialer holds {}, {} element(s) from markup",
            dial[0], dial[1]
        ),
    ));
    browser.close().await;
    Ok(attempts)
}

/// (d) Embed the adapter frame from pages of other origins: one the extension does not run on
/// (127.0.0.2) and one it does (another loopback port), both asking for the static
/// `chrome-extension://ID/adapter.html`, which `use_dynamic_url` refuses. Neither may load the adapter,
/// reach `chrome.runtime`, or make CCAI see anything.
pub async fn embed_frame(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let mut attempts = Vec::new();
    let url = Browser::extension_url("adapter.html");
    let body = format!("<iframe id=evil src=\"{url}#forged\" title=evil></iframe>");
    let listed = plain_page_server(&body)?;
    let unlisted = serve_on("127.0.0.2", &body)?;
    let browser = Browser::start(BrowserOptions::default()).await?;
    browser.configure(sandbox_config(&sandbox.url(""))).await?;
    for page in [&unlisted, &listed] {
        let received = sandbox.ccai_received().await?.len();
        browser.client.goto(page).await?;
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let frame = browser
            .client
            .find(fantoccini::Locator::Css("#evil"))
            .await?;
        frame.enter_frame().await?;
        let inside = browser
            .eval("return { url: location.href, adapter: !!document.querySelector('#status-button'), text: (document.body && document.body.innerText || '').slice(0, 200) }")
            .await
            .unwrap_or_else(|e| json!({ "error": e.to_string() }));
        browser.client.clone().enter_parent_frame().await?;
        let loaded = inside["adapter"] == json!(true);
        attempts.push(Attempt::new(
            format!("embed adapter.html from {page}"),
            loaded,
            format!("the frame holds {inside}"),
        ));
        let runtime = browser
            .eval("return typeof (globalThis.chrome && chrome.runtime && chrome.runtime.connect)")
            .await?;
        attempts.push(Attempt::new(
            format!("reach chrome.runtime from {page} to get a port"),
            runtime == json!("function"),
            format!("typeof chrome.runtime.connect = {runtime}"),
        ));
        let after = sandbox.ccai_received().await?.len();
        attempts.push(Attempt::new(
            format!("make CCAI act through the embedded frame on {page}"),
            after != received,
            format!("CCAI received {} request(s) meanwhile", after - received),
        ));
    }
    browser.close().await;
    Ok(attempts)
}

/// All four kinds of attack, in order.
pub async fn run_all(sandbox: &Sandbox) -> TestResult<Vec<Attempt>> {
    let mut all = forged_messages(sandbox).await?;
    all.extend(read_credentials(sandbox).await?);
    all.extend(inject_markup(sandbox).await?);
    all.extend(phone_controls(sandbox).await?);
    all.extend(embed_frame(sandbox).await?);
    Ok(all)
}
