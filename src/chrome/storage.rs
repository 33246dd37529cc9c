//! `chrome.storage`: extension-origin storage. The page's scripts and the content script's
//! page-origin storage cannot reach it.
//!
//! - `local` keeps the admin's choices and the relay's queue across restarts.
//! - `session` ([`session_get`], [`session_set`]) lives in memory until the browser quits, and by
//!   default only trusted contexts (the extension's own pages and frames) may read it, never a content
//!   script: the company server's session tokens live there (`src/company/session.rs`).
//! - `managed` ([`managed_get`]) is what the company's Chrome policy sets, read-only.

use js_sys::{Object, Promise, Reflect};
use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get)]
    fn local_get(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set)]
    fn local_set(items: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove)]
    fn local_remove(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get)]
    fn session_get_js(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set)]
    fn session_set_js(items: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = remove)]
    fn session_remove_js(keys: &JsValue) -> Promise;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "storage", "managed"], js_name = get)]
    fn managed_get_js(keys: &JsValue) -> Result<Promise, JsValue>;
}

/// `key` out of a `chrome.storage` read under way (`adapter.js` also starts the first paint's reads
/// itself, while the WASM compiles): as [`get`].
pub async fn get_from<T: DeserializeOwned>(reading: &Promise, key: &str) -> Option<T> {
    let all = JsFuture::from(reading.clone()).await.ok()?;
    let value = Reflect::get(&all, &JsValue::from_str(key)).ok()?;
    if value.is_undefined() {
        return None;
    }
    serde_wasm_bindgen::from_value(value).ok()
}

fn items<T: Serialize>(key: &str, value: &T) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let js = value.serialize(&ser).map_err(JsValue::from)?;
    let items = Object::new();
    Reflect::set(&items, &JsValue::from_str(key), &js)?;
    Ok(items.into())
}

/// Reads `key`; `None` when absent or not of the expected shape (an old or foreign value is not
/// trusted, it is replaced on the next write).
pub async fn get<T: DeserializeOwned>(key: &str) -> Option<T> {
    get_from(&local_get(&JsValue::from_str(key)), key).await
}

/// Writes `key`. Errors are returned so the caller can show them: a failed save must not look saved.
pub async fn set<T: Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    JsFuture::from(local_set(&items(key, value)?))
        .await
        .map(|_| ())
}

/// Removes `key`.
pub async fn remove(key: &str) -> Result<(), JsValue> {
    JsFuture::from(local_remove(&JsValue::from_str(key)))
        .await
        .map(|_| ())
}

/// Reads `key` from `chrome.storage.session`.
pub async fn session_get<T: DeserializeOwned>(key: &str) -> Option<T> {
    get_from(&session_get_js(&JsValue::from_str(key)), key).await
}

/// Writes `key` to `chrome.storage.session`.
pub async fn session_set<T: Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    JsFuture::from(session_set_js(&items(key, value)?))
        .await
        .map(|_| ())
}

/// Removes `key` from `chrome.storage.session`.
pub async fn session_remove(key: &str) {
    let _ = JsFuture::from(session_remove_js(&JsValue::from_str(key))).await;
}

/// Starts reading `key` from the policy's `chrome.storage.managed`, for [`get_from`] (`None` in it
/// without a policy); `None` where the browser offers no managed storage at all.
pub fn managed_reading(key: &str) -> Option<Promise> {
    managed_get_js(&JsValue::from_str(key)).ok()
}
