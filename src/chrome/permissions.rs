//! `chrome.permissions`: the company server's origin, an optional host permission granted at sign-in
//! (or by the company's policy).

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["chrome", "permissions"], js_name = contains)]
    fn contains_js(permissions: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ["chrome", "permissions"], js_name = request)]
    fn request_js(permissions: &JsValue) -> Result<Promise, JsValue>;
}

fn origins(pattern: &str) -> JsValue {
    let p = Object::new();
    let _ = Reflect::set(&p, &"origins".into(), &Array::of1(&pattern.into()));
    p.into()
}

async fn ask(promise: Result<Promise, JsValue>) -> bool {
    match promise {
        Ok(p) => JsFuture::from(p)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    }
}

/// Whether the extension may reach `pattern` (`https://host/*`).
pub async fn has_origin(pattern: &str) -> bool {
    ask(contains_js(&origins(pattern))).await
}

/// Asks the person for `pattern`; only from a click (the browser refuses it otherwise). A pattern
/// already granted resolves at once without asking.
pub async fn request_origin(pattern: &str) -> bool {
    ask(request_js(&origins(pattern))).await
}
