//! Words for the options page: messages with two substitutions, and every way a call can fail, said
//! so that an admin knows what to fix (issue 7: unreachable, 401, 403 with the missing role, wrong URL).

use wasm_bindgen::prelude::*;

use crate::chrome::i18n::{t, t1};
use crate::http::HttpError;

#[wasm_bindgen]
extern "C" {
    // `chrome.i18n.getMessage` with an array of substitutions. `chrome/i18n.rs` has the one-argument
    // form; this page needs two ("an agent in $1 becomes $2 in CCAI").
    #[wasm_bindgen(js_namespace = ["chrome", "i18n"], js_name = getMessage)]
    fn get_message_list(name: &str, substitutions: &js_sys::Array) -> String;
}

/// The message `key` with `$1` and `$2` replaced.
pub fn t2(key: &str, a: &str, b: &str) -> String {
    let subs = js_sys::Array::of2(&JsValue::from_str(a), &JsValue::from_str(b));
    let s = get_message_list(key, &subs);
    if s.is_empty() {
        format!("{key}: {a}, {b}")
    } else {
        s
    }
}

/// Which service a call went to: the two word their refusals differently.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Kustomer,
    Ccai,
}

/// One sentence for a failed call. `base` is the base URL the admin typed; `role` the Kustomer role
/// the call needs (Kustomer's 403 means the API key lacks it; the status code is all we get).
pub fn failure(side: Side, err: &HttpError, base: &str, role: &str) -> String {
    match (err, side) {
        (HttpError::Unreachable, _) => t1("optErrUnreachable", base),
        (HttpError::BadBody, _) => t1("optErrNotJson", base),
        (HttpError::Status { code: 401, .. }, Side::Kustomer) => t("optErrKustomer401"),
        (HttpError::Status { code: 401, .. }, Side::Ccai) => t("optErrCcai401"),
        (HttpError::Status { code: 403, .. }, Side::Kustomer) => t1("optErrKustomer403", role),
        (HttpError::Status { code: 403, .. }, Side::Ccai) => t("optErrCcai403"),
        (HttpError::Status { code: 404, .. }, _) => t1("optErr404", base),
        (HttpError::Status { code: 429, .. }, _) => t("optErr429"),
        (HttpError::Status { code, .. }, _) => t1("optErrStatus", &code.to_string()),
    }
}
