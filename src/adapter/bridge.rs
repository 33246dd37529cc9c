//! The view's ways out, as `adapter.js` hands them over.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `{ firstPaintItems, watchSize, ready }` from `adapter.js`.
    pub type Bridge;
    /// `chrome.storage.local`'s items for the first paint, read while the WASM compiled (`adapter.js`
    /// names the keys: [`super::prefs`]'s `ui` and `frame::remembered`'s `ccaiStatuses`).
    #[wasm_bindgen(method, getter, js_name = firstPaintItems)]
    pub fn first_paint_items(this: &Bridge) -> js_sys::Promise;
    /// Keeps the frame sized to `el` (the panel grows upwards from the bottom-left corner).
    #[wasm_bindgen(method, js_name = watchSize)]
    pub fn watch_size(this: &Bridge, el: &web_sys::Element);
    /// Tells the content script the frame is interactive (once, whichever half says it first).
    #[wasm_bindgen(method)]
    pub fn ready(this: &Bridge);

    /// `adapter.js`: hands an intent to the engine, or keeps it until the engine runs.
    #[wasm_bindgen(js_namespace = ccaiFrame)]
    pub fn intent(intent: JsValue);
}
