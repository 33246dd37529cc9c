//! The company's sync settings (SPEC S3–S5, P2, F2, F4, C2) as this browser last heard them from the
//! company server, which keeps them once for every agent (issue 16). The server pushes them first
//! thing on every push connection and again whenever an admin saves (`Push::Settings`); this module
//! holds the newest version and hands it to whoever follows it (status sync, the phone numbers'
//! countries), so an admin's save reaches every open adapter at once.
//!
//! `chrome.storage.local` keeps a copy with its version, only as a cache: an adapter that starts while
//! the server is away still works with the last settings it heard, and a push of an older version
//! (a connection that lagged) never replaces a newer one. Nothing here writes the settings: only the
//! server does, at an admin's request.

use ccai_core::server_api::{Push, VersionedSettings};

use crate::chrome::storage;
use crate::company::events::{self, Subscription};

// The model lives in the core, shared with the company server (issue 15).
pub use ccai_core::settings::{CustomDataRow, SyncSettings, SCHEMA};

/// The cache's key: `{version, settings}`.
const CACHE: &str = "settings";

/// The newest settings this browser has heard, if it has heard any.
pub async fn cached() -> Option<VersionedSettings> {
    let mut latest = storage::get::<VersionedSettings>(CACHE).await?;
    latest.settings.migrate();
    Some(latest)
}

/// The settings to start with: the cached newest; before the server was ever heard, a sandbox build's
/// example (`build.sh --sandbox`, the demo) or the defaults.
pub async fn load() -> SyncSettings {
    match cached().await {
        Some(latest) => latest.settings,
        None => sandbox_defaults().await.unwrap_or_default(),
    }
}

/// Keeps `latest` if it is newer than the cached version; returns whether it was. A version equal to
/// the cached one is not news (every new push connection starts with the current settings).
pub async fn remember(latest: &VersionedSettings) -> bool {
    let newer = match cached().await {
        Some(known) => latest.version > known.version,
        None => true,
    };
    if newer {
        // A failed write only loses the cache: the next connection pushes the settings again.
        let _ = storage::set(CACHE, latest).await;
    }
    newer
}

/// Calls `apply` with the settings the server pushes, for as long as the subscription lives: the
/// current ones when a connection opens, then each newer version, in order (an older version pushed
/// late is dropped). The cache is written after `apply`, so the change is seen at once.
pub fn follow(apply: impl Fn(&SyncSettings) + 'static) -> Subscription {
    let applied: std::cell::Cell<Option<u64>> = std::cell::Cell::new(None);
    events::subscribe(move |push| {
        let Push::Settings { version, settings } = push else {
            return;
        };
        if applied.get().is_some_and(|v| v >= *version) {
            return;
        }
        applied.set(Some(*version));
        let mut latest = VersionedSettings {
            version: *version,
            settings: settings.clone(),
        };
        latest.settings.migrate();
        apply(&latest.settings);
        wasm_bindgen_futures::spawn_local(async move {
            remember(&latest).await;
        });
    })
}

/// A sandbox build ships the seed's example mapping, so the demo syncs from the first click; a normal
/// build has no such file and starts with the defaults.
async fn sandbox_defaults() -> Option<SyncSettings> {
    let call = crate::http::Call {
        method: "GET",
        url: "sandbox-sync-defaults.json".into(),
        auth: String::new(),
        headers: vec![],
    };
    call.send::<(), SyncSettings>(None).await.ok()
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
