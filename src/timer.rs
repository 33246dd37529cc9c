//! The page's timer as a future, for the frame's pauses (a retry's back-off, the ring's settling), and
//! as the other side of a race (a browser read that may never answer).

use js_sys::{Object, Promise};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;

pub(crate) async fn sleep_ms(ms: i32) {
    let _ = JsFuture::from(resolves_after(ms, &JsValue::UNDEFINED)).await;
}

/// Whether `reading` settles (either way) within `wait_ms`; one settled already does at once.
pub(crate) async fn settles_within(reading: &Promise, wait_ms: i32) -> bool {
    let timer_value: JsValue = Object::new().into();
    let timer = resolves_after(wait_ms.max(0), &timer_value);
    match JsFuture::from(Promise::race(&js_sys::Array::of2(reading, &timer))).await {
        Ok(v) => !Object::is(&v, &timer_value),
        Err(_) => true,
    }
}

/// A promise that resolves with `value` after `ms`.
fn resolves_after(ms: i32, value: &JsValue) -> Promise {
    Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_1(&resolve, ms, value);
        }
    })
}
