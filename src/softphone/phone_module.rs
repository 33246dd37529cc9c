//! The adapter's side of the phone module (issue 19): libphonenumber is its own WASM file
//! (`pkg/phones_bg.wasm`, the crate built with the `phones` feature), which `adapter.js` imports the
//! first time it is asked. So the adapter's start-up does not carry the phone metadata, and the page's
//! first numbers pay for it once, after the panel is up.

use ccai_core::phone::wire::{PhoneAnswer, PhoneQuestion};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// `adapter.js`: loads the module once and answers a question with its answer (plain objects).
    #[wasm_bindgen(js_namespace = ccaiPhones, js_name = ask)]
    fn ask_js(question: JsValue) -> js_sys::Promise;
}

/// Asks the phone module; `None` when it could not be loaded or answered (said in the console).
pub async fn ask(question: &PhoneQuestion) -> Option<PhoneAnswer> {
    let question =
        serde::Serialize::serialize(question, &serde_wasm_bindgen::Serializer::json_compatible())
            .ok()?;
    let answer = match JsFuture::from(ask_js(question)).await {
        Ok(v) => v,
        Err(e) => {
            web_sys::console::warn_2(&"the phone module failed:".into(), &e);
            return None;
        }
    };
    serde_wasm_bindgen::from_value(answer).ok()
}
