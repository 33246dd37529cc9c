//! Where the company server is: the company's Chrome policy (`chrome.storage.managed`, key
//! `serverUrl`), else what the options page saved, else a sandbox build's `sandbox-defaults.json`.

use serde::Deserialize;

use crate::chrome::storage;

/// The options page's fallback, in `chrome.storage.local`.
pub const OPTIONS_KEY: &str = "serverUrl";
/// The policy's key in `chrome.storage.managed` (`extension/managed_schema.json`).
const POLICY_KEY: &str = "serverUrl";

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
    if let Some(url) = storage::managed_get::<String>(POLICY_KEY)
        .await
        .and_then(|u| check(&u).ok())
    {
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
