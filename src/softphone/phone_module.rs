//! The adapter's side of the phone module (issue 19): libphonenumber is its own WASM file
//! (`pkg/phones_bg.wasm`, the crate built with the `phones` feature), which `adapter.js` imports the
//! first time it is asked. So the adapter's start-up does not carry the phone metadata, and the page's
//! first numbers pay for it once, after the panel is up.

use ccai_core::phone::wire::{PhoneAnswer, PhoneQuestion};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `adapter.js`: loads the module once and answers a question (JSON) with its answer (JSON).
    #[wasm_bindgen(js_namespace = ccaiPhones, js_name = ask)]
    fn ask_json(question: String) -> js_sys::Promise;
}

/// Asks the phone module; `None` when it could not be loaded or answered (said in the console).
pub async fn ask(question: &PhoneQuestion) -> Option<PhoneAnswer> {
    let json = serde_json::to_string(question).ok()?;
    let answer = match JsFuture::from(ask_json(json)).await {
        Ok(v) => v.as_string()?,
        Err(e) => {
            web_sys::console::warn_2(&"the phone module failed:".into(), &e);
            return None;
        }
    };
    serde_json::from_str(&answer).ok()
}
