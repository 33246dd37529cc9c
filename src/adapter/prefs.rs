//! The view's first paint: the panel as the agent left it (SPEC A2: minimised or not, per browser) and
//! CCAI's statuses remembered at the last load, so the menu is usable before the engine runs.

use serde::{Deserialize, Serialize};

use super::{Bridge, ViewState};
use crate::chrome::storage;
use crate::frame::remembered;

/// Read by `adapter.js` with the other first-paint items.
const UI_KEY: &str = "ui";

/// Per-browser UI choices that survive a reload (SPEC A2).
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct UiPrefs {
    minimised: bool,
}

pub fn save_minimised(minimised: bool) {
    wasm_bindgen_futures::spawn_local(async move {
        let _ = storage::set(UI_KEY, &UiPrefs { minimised }).await;
    });
}

/// Restores the panel and paints the remembered statuses; the frame is ready as soon as it has
/// painted them (issue 19), else once the engine has heard from the server.
pub async fn first_paint(view: ViewState, bridge: Bridge) {
    let items = bridge.first_paint_items();
    let remembered = remembered::load(&items).await;
    let prefs = storage::get_from::<UiPrefs>(&items, UI_KEY).await;
    view.minimised.set(prefs.is_some_and(|p| p.minimised));
    if remembered.is_empty() {
        return;
    }
    // The engine's own list wins if it was quicker.
    if view.shown.with(|v| v.statuses.is_empty()) {
        view.shown.update(|v| v.statuses = remembered);
    }
    crate::ui::request_animation_frame(move || bridge.ready());
}
