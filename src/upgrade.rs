//! What an update removes from what earlier versions kept. Before issue 16 the admin's vendor
//! connection, with the company's CCAI API token and Kustomer API key, sat in every browser's
//! `chrome.storage.local` (key `config`). Nothing reads it now, and a secret left behind is still a
//! secret in the browser: every extension page removes it as it starts (one call, harmless when
//! already gone). Test: `tests/tests/guard_secrets.rs` (an updated browser holds no credential).

use crate::chrome::storage;

/// Where versions before issue 16 kept the vendor connection.
const EARLIER_CONNECTION: &str = "config";

pub fn forget_earlier_secrets() {
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = storage::remove(EARLIER_CONNECTION).await {
            web_sys::console::warn_2(
                &"the earlier vendor connection could not be removed:".into(),
                &e,
            );
        }
    });
}
