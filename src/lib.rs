//! The extension's WASM: the adapter frame shown inside the Kustomer page (its view, and its engine
//! loaded after the view's first paint), the options page, the operations page and the phone module.
//! Each is built as its own file (issue 19: one Cargo feature per entry, `build.sh`), so a page loads
//! only the code its entry reaches; all by default.
//!
//! Architecture invariant: this crate is the browser edge. Decisions live in `ccai-core`; this crate
//! turns browser events into core inputs and core outputs into fetches, storage writes and views.
//! Everything here runs in the extension's own origin, never in the page's.

// A build with one entry leaves the other entries' code unused (the linker drops it).
#![cfg_attr(
    not(all(
        feature = "adapter",
        feature = "engine",
        feature = "options",
        feature = "operations",
        feature = "phones"
    )),
    allow(dead_code, unused_imports)
)]

mod adapter;
mod chrome;
pub(crate) mod company;
mod engine;
mod frame;
mod http;
#[cfg(feature = "operations")]
mod operations;
#[cfg(feature = "options")]
mod options;
mod settings;
mod softphone;
mod sync;
mod timer;
mod ui;
mod upgrade;

use wasm_bindgen::prelude::*;

#[cfg(feature = "adapter")]
/// Entry point of `adapter.html`'s view, called by `adapter.js` at once.
#[wasm_bindgen]
pub fn start_adapter(bridge: adapter::Bridge) {
    console_error_panic_hook::set_once();
    adapter::mount(bridge);
}

#[cfg(feature = "adapter")]
/// What the engine tells the view to show (`frame::FrameView`, a plain object).
#[wasm_bindgen]
pub fn show_frame(view: JsValue) {
    adapter::show(view);
}

#[cfg(feature = "engine")]
/// Entry point of the adapter frame's engine, which `adapter.js` loads after the view's first paint
/// with the port to the content script and the way to the view.
#[wasm_bindgen]
pub fn start_engine(bridge: frame::Bridge) {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    engine::start(bridge);
}

#[cfg(feature = "options")]
/// Entry point of `options.html`.
#[wasm_bindgen]
pub fn start_options() {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    options::mount();
}

#[cfg(feature = "operations")]
/// Entry point of `operations.html` (issue 18: the people who run the server, admins only).
#[wasm_bindgen]
pub fn start_operations() {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    operations::mount();
}

/// The phone module (`pkg/phones.js`), loaded by the adapter on first use: one question
/// (`ccai_core::phone::wire::PhoneQuestion`, a plain object as JSON has it), its answer likewise; an
/// unreadable question gets `null`. Plain objects through `serde_wasm_bindgen`, as every other message:
/// JSON text would compile each type's code once more (issue 19).
#[cfg(feature = "phones")]
#[wasm_bindgen]
pub fn phone_answer(question: JsValue) -> JsValue {
    use ccai_core::phone::wire::{answer, PhoneQuestion};
    use serde::Serialize;
    serde_wasm_bindgen::from_value::<PhoneQuestion>(question)
        .ok()
        .and_then(|q| {
            answer(&q)
                .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
                .ok()
        })
        .unwrap_or(JsValue::NULL)
}

#[cfg(all(test, target_arch = "wasm32"))]
mod web_tests;
