//! `chrome.storage.local`: extension-origin storage. The page's scripts and the content script's
//! page-origin storage cannot reach it, which is why credentials live here and nowhere else.

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
}

/// Reads `key`; `None` when absent or not of the expected shape (an old or foreign value is not
/// trusted, it is replaced on the next write).
pub async fn get<T: DeserializeOwned>(key: &str) -> Option<T> {
    let all = JsFuture::from(local_get(&JsValue::from_str(key)))
        .await
        .ok()?;
    let value = Reflect::get(&all, &JsValue::from_str(key)).ok()?;
    if value.is_undefined() {
        return None;
    }
    serde_wasm_bindgen::from_value(value).ok()
}

/// Writes `key`. Errors are returned so the caller can show them: a failed save must not look saved.
pub async fn set<T: Serialize>(key: &str, value: &T) -> Result<(), JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let js = value.serialize(&ser).map_err(JsValue::from)?;
    let items = Object::new();
    Reflect::set(&items, &JsValue::from_str(key), &js)?;
    JsFuture::from(local_set(&items)).await.map(|_| ())
}
