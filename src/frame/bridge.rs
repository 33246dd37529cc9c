//! The engine's ways out, as `adapter.js` hands them over: the port to the content script, the view,
//! the Web Locks.

use ccai_core::protocol::{FrameMessage, PageMessage};
use wasm_bindgen::prelude::*;

use super::{FrameView, Intent};

#[wasm_bindgen]
extern "C" {
    /// `{ firstPaintItems, post, subscribe, lock, show, intents }` from `adapter.js`.
    pub type Bridge;
    #[wasm_bindgen(method)]
    fn post(this: &Bridge, msg: JsValue);
    #[wasm_bindgen(method)]
    fn subscribe(this: &Bridge, on_message: &Closure<dyn FnMut(JsValue)>);
    /// `chrome.storage.local`'s items for the first paint, read while the WASM compiled (`adapter.js`
    /// names the keys; the engine reads `ccaiStatuses`, [`super::remembered`]).
    #[wasm_bindgen(method, getter, js_name = firstPaintItems)]
    pub fn first_paint_items(this: &Bridge) -> js_sys::Promise;
    /// Hands the view what to show (a [`FrameView`], a plain object).
    #[wasm_bindgen(method)]
    fn show(this: &Bridge, view: JsValue);
    /// Subscribes to the view's intents, those asked before the engine ran first.
    #[wasm_bindgen(method)]
    fn intents(this: &Bridge, on_intent: &Closure<dyn FnMut(JsValue)>);
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

    /// Tells the view what to show.
    pub fn show_view(&self, view: &FrameView) {
        let ser = serde_wasm_bindgen::Serializer::json_compatible();
        if let Ok(js) = serde::Serialize::serialize(view, &ser) {
            self.show(js);
        }
    }

    /// Calls `handler` for each intent of the agent's, in order.
    pub fn on_intent(&self, mut handler: impl FnMut(Intent) + 'static) {
        let closure = Closure::<dyn FnMut(JsValue)>::new(move |js: JsValue| {
            if let Ok(intent) = serde_wasm_bindgen::from_value::<Intent>(js) {
                handler(intent);
            }
        });
        self.intents(&closure);
        closure.forget();
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
