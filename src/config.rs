//! The connection settings the admin saves in the options page, kept in `chrome.storage.local`.

use serde::{Deserialize, Serialize};

use crate::chrome::storage;

const KEY: &str = "config";

/// Where the two services are and how to authenticate. Stored in extension storage only: neither the
/// page's scripts nor the content script can read it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Kustomer API base, e.g. `https://acme.api.kustomerapp.com` (the sandbox: `http://127.0.0.1:8123/kapi`).
    pub kustomer_base: String,
    pub kustomer_key: String,
    /// CCAI base, e.g. `https://acme.uc1.ccaiplatform.com` (the sandbox: `http://127.0.0.1:8123/ccai`).
    pub ccai_base: String,
    /// CCAI Basic-auth user: the tenant's subdomain.
    pub ccai_user: String,
    pub ccai_token: String,
    /// The CCAI agent this browser signs in as (SPEC A5: must equal the Kustomer e-mail).
    pub agent_email: String,
}

impl Config {
    pub fn is_complete(&self) -> bool {
        [
            &self.kustomer_base,
            &self.ccai_base,
            &self.ccai_user,
            &self.ccai_token,
            &self.agent_email,
        ]
        .iter()
        .all(|s| !s.trim().is_empty())
    }
}

/// The saved configuration; else the defaults a sandbox build ships (`sandbox-defaults.json`, written by
/// `build.sh --sandbox`); else an empty one, which the adapter reports as "not configured".
pub async fn load() -> Config {
    if let Some(saved) = storage::get::<Config>(KEY).await {
        return saved;
    }
    sandbox_defaults().await.unwrap_or_default()
}

pub async fn save(config: &Config) -> Result<(), wasm_bindgen::JsValue> {
    storage::set(KEY, config).await
}

async fn sandbox_defaults() -> Option<Config> {
    let call = crate::http::Call {
        method: "GET",
        url: "sandbox-defaults.json".into(),
        auth: String::new(),
        headers: vec![],
    };
    call.send::<(), Config>(None).await.ok()
}
