//! `chrome.identity`: the sign-in window (`launchWebAuthFlow`) and the address it ends at.

use js_sys::{Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "identity"], js_name = getRedirectURL)]
    fn get_redirect_url(path: &str) -> String;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "identity"], js_name = launchWebAuthFlow)]
    fn launch_web_auth_flow(details: &JsValue) -> Result<Promise, JsValue>;
}

/// `https://<extension id>.chromiumapp.org/<path>`: the only address a flow may end at.
pub fn redirect_url(path: &str) -> String {
    get_redirect_url(path)
}

/// Opens `url` in the browser's sign-in flow and resolves with the address it ended at (fragment
/// included). `interactive: false` completes only without a window (a person already signed in);
/// otherwise it fails at once. The error is the browser's message, in English.
pub async fn launch(url: &str, interactive: bool) -> Result<String, String> {
    let details = Object::new();
    let _ = Reflect::set(&details, &"url".into(), &url.into());
    let _ = Reflect::set(&details, &"interactive".into(), &interactive.into());
    let promise = launch_web_auth_flow(&details).map_err(|e| words(&e))?;
    let answer = JsFuture::from(promise).await.map_err(|e| words(&e))?;
    answer
        .as_string()
        .ok_or_else(|| "the sign-in flow ended without an address".to_owned())
}

fn words(e: &JsValue) -> String {
    Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "the sign-in flow failed".to_owned())
}
