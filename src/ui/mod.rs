//! The adapter frame's view layer (issue 19): the frame's markup is `adapter.html`'s, and the Rust side
//! only fills it in. A [`Var`] holds a value the frame shows; setting it re-runs, once per task, every
//! binding ([`bind`]) that the mount registered, and each binding touches the DOM only when what it
//! shows changed.
//!
//! Why not Leptos here: its reactive graph and renderer were a quarter of the adapter's code for a frame
//! of ~40 live attributes and texts (README "Size"). The admin's pages keep Leptos; the adapter pays
//! for neither. Every text is set as text (`textContent`, attributes): nothing is parsed as HTML.

pub mod bind;
mod var;

pub use bind::{by_id, localize, on, watch};
pub use var::{changed, Var};

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a frame has a document")
}

/// Runs `f` before the frame's next paint.
pub fn request_animation_frame(f: impl FnOnce() + 'static) {
    if let Some(w) = web_sys::window() {
        let cb = Closure::once_into_js(f);
        let _ = w.request_animation_frame(cb.unchecked_ref());
    }
}

/// Runs `f` every `ms` for the frame's life.
pub fn every(ms: i32, f: impl FnMut() + 'static) {
    if let Some(w) = web_sys::window() {
        let cb = Closure::<dyn FnMut()>::new(f);
        let _ = w.set_interval_with_callback_and_timeout_and_arguments_0(
            cb.as_ref().unchecked_ref(),
            ms,
        );
        cb.forget();
    }
}
