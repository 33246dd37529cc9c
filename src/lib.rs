//! The extension's WASM: the adapter frame shown inside the Kustomer page, and the options page.
//!
//! Architecture invariant: this crate is the browser edge. Decisions live in `ccai-core`; this crate
//! turns browser events into core inputs and core outputs into fetches, storage writes and views.
//! Everything here runs in the extension's own origin, never in the page's.

mod adapter;
mod api;
mod chrome;
mod config;
mod http;
mod options;
mod settings;
mod softphone;
mod sync;
mod timer;

use wasm_bindgen::prelude::*;

pub use adapter::Bridge;

/// Entry point of `adapter.html`, called by `adapter.js` with the port to the content script.
#[wasm_bindgen]
pub fn start_adapter(bridge: Bridge) {
    console_error_panic_hook::set_once();
    adapter::mount(bridge);
}

/// Entry point of `options.html`.
#[wasm_bindgen]
pub fn start_options() {
    console_error_panic_hook::set_once();
    options::mount();
}

#[cfg(all(test, target_arch = "wasm32"))]
mod web_tests;
