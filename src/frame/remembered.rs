//! CCAI's statuses as the company server last listed them, kept in `chrome.storage.local` (they are not
//! secret) so the status menu is usable at the frame's first paint while the server is asked again
//! (issue 19). A pick made from them before the answer is held by status sync, which withdraws it,
//! saying so, if the server no longer offers that status (`ccai_core::status_sync`).

use ccai_core::status::CcaiStatus;
use js_sys::Promise;

use crate::chrome::storage;

/// Read by `adapter.js` with the other first-paint items.
const KEY: &str = "ccaiStatuses";

pub async fn load(first_paint_items: &Promise) -> Vec<CcaiStatus> {
    storage::get_from(first_paint_items, KEY)
        .await
        .unwrap_or_default()
}

/// Stores the server's list when it differs from what was remembered.
pub fn keep(remembered: &[CcaiStatus], listed: &[CcaiStatus]) {
    if remembered == listed {
        return;
    }
    let listed = listed.to_vec();
    wasm_bindgen_futures::spawn_local(async move {
        // Only a faster first paint is lost if this fails: the next load asks the server anyway.
        let _ = storage::set(KEY, &listed).await;
    });
}
