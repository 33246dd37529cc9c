//! The admin's sync settings (SPEC S3–S5, P2, F2, F4), kept in `chrome.storage.local` beside the
//! connection. The adapter reads them; the options page writes them.

use crate::chrome::storage;

// The model lives in the core, shared with the company server (issue 15).
pub use ccai_core::settings::{CreatedField, CustomDataRow, SyncSettings, SCHEMA};

pub const KEY: &str = "sync";

/// Reads the settings, migrating (and writing back) an older stored schema.
pub async fn load() -> SyncSettings {
    let Some(mut settings) = storage::get::<SyncSettings>(KEY).await else {
        return sandbox_defaults().await.unwrap_or_default();
    };
    if settings.migrate() {
        let _ = save(&settings).await;
    }
    settings
}

/// A sandbox build (`build.sh --sandbox`, the demo) ships the seed's example mapping, so the demo syncs
/// from the first click; a normal build has no such file and starts empty.
async fn sandbox_defaults() -> Option<SyncSettings> {
    let call = crate::http::Call {
        method: "GET",
        url: "sandbox-sync-defaults.json".into(),
        auth: String::new(),
        headers: vec![],
    };
    call.send::<(), SyncSettings>(None).await.ok()
}

pub async fn save(settings: &SyncSettings) -> Result<(), wasm_bindgen::JsValue> {
    storage::set(KEY, settings).await
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn p1_a_v1_value_as_stored_reads_with_defaults_for_the_new_keys() {
        let js = js_sys::JSON::parse(r#"{"schema":1,"direction":"OneWay","priority":"LatestChangeWins","mapping":[{"kustomer":"K1","ccai":0}]}"#)
            .expect("json");
        let mut s: SyncSettings = serde_wasm_bindgen::from_value(js).expect("a v1 value reads");
        assert!(s.fields.is_empty() && s.custom_data.is_empty());
        assert!(s.migrate() && s.inheritance);
    }
}
