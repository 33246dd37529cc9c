//! `chrome.i18n`: every user-visible string comes from `_locales` (en, es).

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn get_message(name: &str, substitutions: &JsValue) -> String;
}

/// The message `key` in the browser's language. A missing key shows the key itself, so a test (and
/// a person) can see which one is missing instead of an empty label.
pub fn t(key: &str) -> String {
    let s = get_message(key, &JsValue::UNDEFINED);
    if s.is_empty() {
        key.to_owned()
    } else {
        s
    }
}

/// The message `key` with `$1` replaced by `arg`.
pub fn t1(key: &str, arg: &str) -> String {
    let s = get_message(key, &JsValue::from_str(arg));
    if s.is_empty() {
        format!("{key}: {arg}")
    } else {
        s
    }
}

/// The message `key` with `$1` and `$2` replaced by `a` and `b`.
pub fn t2(key: &str, a: &str, b: &str) -> String {
    let args = js_sys::Array::of2(&JsValue::from_str(a), &JsValue::from_str(b));
    let s = get_message(key, &args);
    if s.is_empty() {
        format!("{key}: {a} {b}")
    } else {
        s
    }
}
