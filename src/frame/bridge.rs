//! The port to the content script, as `adapter.js` hands it over.

use ccai_core::protocol::{FrameMessage, PageMessage};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `{ post, subscribe, watchSize }` from `adapter.js`.
    pub type Bridge;
    #[wasm_bindgen(method)]
    fn post(this: &Bridge, msg: JsValue);
    #[wasm_bindgen(method)]
    fn subscribe(this: &Bridge, on_message: &Closure<dyn FnMut(JsValue)>);
    /// `chrome.storage.local`'s items for the first paint, read while the WASM compiled (`adapter.js`
    /// names the keys: [`crate::adapter`]'s `ui` and `ccaiStatuses`).
    #[wasm_bindgen(method, getter, js_name = firstPaintItems)]
    pub fn first_paint_items(this: &Bridge) -> js_sys::Promise;
    #[wasm_bindgen(method, js_name = watchSize)]
    pub fn watch_size(this: &Bridge, el: &web_sys::Element);
    /// Requests the Web Lock `name` (or steals it); returns the function that releases it or cancels
    /// the request.
    #[wasm_bindgen(method)]
    pub fn lock(
        this: &Bridge,
        name: &str,
        steal: bool,
        on_granted: &Closure<dyn FnMut()>,
        on_lost: &Closure<dyn FnMut()>,
    ) -> js_sys::Function;
}

impl Bridge {
    pub fn send(&self, msg: &FrameMessage) {
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        if let Ok(js) = serde::Serialize::serialize(msg, &ser) {
            self.post(js);
        }
    }

    /// Calls `handler` for every well-formed message; anything else is dropped, because the content
    /// script sits beside a hostile page and a malformed message must not reach the UI.
    pub fn on_message(&self, mut handler: impl FnMut(PageMessage) + 'static) {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |js: JsValue| {
            if let Ok(msg) = serde_wasm_bindgen::from_value::<PageMessage>(js) {
                handler(msg);
            }
        });
        self.subscribe(&closure);
        // The port lives as long as the frame: so does its listener.
        closure.forget();
    }
}
