//! SPEC P1 across issue 16: before the company server, each admin's browser kept the settings in
//! `chrome.storage.local` (`sync`). An update must not lose that configuration, so while the server
//! has never been given settings (version 0) and this browser still holds some, the page offers to
//! import them into the server (migrated to the current schema, checked by the server like any
//! import). Once the server has settings the offer goes; this browser's old copy is read by nothing.

use leptos::prelude::*;

use super::text::admin_failure;
use super::{admin_api, page};
use crate::chrome::i18n::t;
use crate::chrome::storage;
use crate::settings::SyncSettings;

/// Where the extension kept the settings before issue 16.
const KEY: &str = "sync";

#[component]
pub fn EarlierSettings() -> impl IntoView {
    let page = page();
    let earlier: RwSignal<Option<SyncSettings>> = RwSignal::new(None);
    let state = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Some(mut s) = storage::get::<SyncSettings>(KEY).await {
            s.migrate();
            earlier.set(Some(s));
        }
    });
    // Only once the server's settings are read: version 0 is also the page's value before that.
    let offer = move || {
        earlier.with(Option::is_some)
            && page.settings.with(Option::is_some)
            && page.version.get() == 0
    };
    let import = move |_| {
        let Some(settings) = earlier.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            match admin_api::import(settings).await {
                Ok(saved) => {
                    page.saved(saved);
                    state.set(t("optEarlierDone"));
                }
                Err(e) => state.set(admin_failure(&e)),
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=offer>
            <section id="earlier" aria-labelledby="earlier-title">
                <h2 id="earlier-title">{t("optEarlierTitle")}</h2>
                <p class="hint">{t("optEarlierHint")}</p>
                <button type="button" id="import-earlier" on:click=import aria-busy=move || busy.get().to_string()>
                    {t("optEarlierImport")}
                </button>
            </section>
        </Show>
        <p id="earlier-state" role="status" aria-live="polite">{move || state.get()}</p>
    }
}
