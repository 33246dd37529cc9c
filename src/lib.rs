//! The extension's WASM: the adapter frame shown inside the Kustomer page, and the options page.
//!
//! Architecture invariant: this crate is the browser edge. Decisions live in `ccai-core`; this crate
//! turns browser events into core inputs and core outputs into fetches, storage writes and views.
//! Everything here runs in the extension's own origin, never in the page's.

mod adapter;
mod chrome;
pub(crate) mod company;
mod frame;
mod http;
mod operations;
mod options;
mod settings;
mod softphone;
mod sync;
mod timer;
mod upgrade;

use wasm_bindgen::prelude::*;

pub use adapter::Bridge;

/// Entry point of `adapter.html`, called by `adapter.js` with the port to the content script.
#[wasm_bindgen]
pub fn start_adapter(bridge: Bridge) {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    adapter::mount(bridge);
}

/// Entry point of `options.html`.
#[wasm_bindgen]
pub fn start_options() {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    options::mount();
}

/// Entry point of `operations.html` (issue 18: the people who run the server, admins only).
#[wasm_bindgen]
pub fn start_operations() {
    console_error_panic_hook::set_once();
    upgrade::forget_earlier_secrets();
    operations::mount();
}

#[cfg(all(test, target_arch = "wasm32"))]
mod web_tests;
