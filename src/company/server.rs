//! Where the company server is: the company's Chrome policy (`chrome.storage.managed`, key
//! `serverUrl`), else what the options page saved, else a sandbox build's `sandbox-defaults.json`.

use std::cell::RefCell;

use js_sys::Promise;
use serde::Deserialize;

use crate::chrome::storage;

/// The options page's fallback, in `chrome.storage.local`.
pub const OPTIONS_KEY: &str = "serverUrl";
/// The policy's key in `chrome.storage.managed` (`extension/managed_schema.json`).
const POLICY_KEY: &str = "serverUrl";
/// The policy's address as last read, in `chrome.storage.local` (`null`: no policy). Not a secret:
/// the options page shows it.
const POLICY_SEEN_KEY: &str = "policyServerUrl";
/// How long a page waits for the policy before it goes on with the address the policy gave last.
/// Chromium's managed storage waits for its policy service, which can take seconds at a browser's
/// start or not answer at all (here: over 15 s in about one fresh headless browser in three, the
/// adapter stuck at "Connecting…"; reported in ghostery/ghostery-extension#3367 and
/// microsoft/MicrosoftEdge-Extensions#299).
const POLICY_WAIT_MS: f64 = 1_000.0;

thread_local! {
    /// This page's one read of the policy, and when the page stops waiting for it.
    static POLICY: RefCell<Option<(Promise, f64)>> = const { RefCell::new(None) };
}

/// Who set the server's address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The company's Chrome policy: the options page shows it and cannot change it.
    Policy,
    Options,
    /// A sandbox build's defaults (`build.sh --sandbox`, the demo).
    SandboxDefaults,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerUrl {
    /// Without a trailing `/`, e.g. `https://ccai.example.com`.
    pub url: String,
    pub source: Source,
}

impl ServerUrl {
    /// The host permission's pattern for this server, `https://host:port/*`.
    pub fn origin_pattern(&self) -> String {
        origin_pattern(&self.url).unwrap_or_default()
    }
}

/// The server's address, if any is set.
pub async fn server_url() -> Option<ServerUrl> {
    if let Some(url) = policy_url().await.and_then(|u| check(&u).ok()) {
        return Some(ServerUrl {
            url,
            source: Source::Policy,
        });
    }
    if let Some(url) = storage::get::<String>(OPTIONS_KEY)
        .await
        .and_then(|u| check(&u).ok())
    {
        return Some(ServerUrl {
            url,
            source: Source::Options,
        });
    }
    let url = sandbox_default().await.and_then(|u| check(&u).ok())?;
    Some(ServerUrl {
        url,
        source: Source::SandboxDefaults,
    })
}

/// The policy's address (`None`: no policy), as the policy said last: a page does not wait for the
/// policy service, whose answer (this page's read, however late) is remembered for the next page. A
/// changed policy is therefore taken at the next page load. Only a browser that never had an answer
/// waits, at most [`POLICY_WAIT_MS`], and then goes on as without a policy.
async fn policy_url() -> Option<String> {
    let (reading, give_up_at) = policy_read()?;
    if let Some(seen) = storage::get::<Option<String>>(POLICY_SEEN_KEY).await {
        return seen;
    }
    let wait = (give_up_at - js_sys::Date::now()).max(0.0) as i32;
    if crate::timer::settles_within(&reading, wait).await {
        return storage::get_from::<String>(&reading, POLICY_KEY).await;
    }
    // Said for the next pages, so that they do not wait too; the answer, if it comes, replaces it.
    let _ = storage::set(POLICY_SEEN_KEY, &None::<String>).await;
    None
}

/// The page's read of the policy, started at the first ask.
fn policy_read() -> Option<(Promise, f64)> {
    POLICY.with(|p| {
        if let Some(read) = p.borrow().as_ref() {
            return Some(read.clone());
        }
        let reading = storage::managed_reading(POLICY_KEY)?;
        wasm_bindgen_futures::spawn_local(remember_policy(reading.clone()));
        let read = (reading, js_sys::Date::now() + POLICY_WAIT_MS);
        *p.borrow_mut() = Some(read.clone());
        Some(read)
    })
}

/// Keeps what the policy answered for the pages that will not wait for it.
async fn remember_policy(reading: Promise) {
    let seen = storage::get::<Option<String>>(POLICY_SEEN_KEY).await;
    let url = storage::get_from::<String>(&reading, POLICY_KEY).await;
    if seen.as_ref() != Some(&url) {
        let _ = storage::set(POLICY_SEEN_KEY, &url).await;
    }
}

/// Saves the options page's address after [`check`]; the error is in words for the page.
pub async fn save(url: &str) -> Result<String, String> {
    let url = check(url)?;
    storage::set(OPTIONS_KEY, &url)
        .await
        .map_err(|_| "the browser did not save it".to_owned())?;
    Ok(url)
}

/// An `https://` address, or `http://` on this computer (a local sandbox); normalised without the
/// trailing `/`. Plain HTTP elsewhere would carry the agent's session in clear.
pub fn check(url: &str) -> Result<String, String> {
    let parsed = web_sys::Url::new(url.trim()).map_err(|_| "not a web address".to_owned())?;
    let loopback = matches!(parsed.hostname().as_str(), "127.0.0.1" | "localhost");
    match parsed.protocol().as_str() {
        "https:" => {}
        "http:" if loopback => {}
        _ => return Err("the address must start with https://".to_owned()),
    }
    if !parsed.search().is_empty() || !parsed.hash().is_empty() {
        return Err("the address must not have a ? or # part".to_owned());
    }
    let path = parsed.pathname();
    Ok(format!("{}{}", parsed.origin(), path.trim_end_matches('/')))
}

fn origin_pattern(url: &str) -> Option<String> {
    let parsed = web_sys::Url::new(url).ok()?;
    // Match patterns take no port: the host's every port (Chrome's match pattern syntax).
    Some(format!("{}//{}/*", parsed.protocol(), parsed.hostname()))
}

#[derive(Deserialize)]
struct Defaults {
    #[serde(default)]
    server_url: Option<String>,
}

async fn sandbox_default() -> Option<String> {
    let call = crate::http::Call {
        method: "GET",
        url: "sandbox-defaults.json".into(),
        auth: String::new(),
        headers: vec![],
    };
    call.send::<(), Defaults>(None).await.ok()?.server_url
}
