//! The admin's options page (issue 7): connection, guided setup, mapping editor, sync settings,
//! custom fields, export/import, version and changelog. One section per file; they share [`Page`].
//!
//! Nothing here renders HTML: every string, including names read from Kustomer and CCAI, is a text node.

mod changelog;
mod connection;
mod fields;
mod mapping;
mod setup;
mod sync;
mod text;
mod transfer;

use ccai_core::status::{CcaiCatalog, CcaiStatus, CcaiStatusId, KustomerCatalog};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::api::{ccai, kustomer};
use crate::chrome::i18n::t;
use crate::config::{self, Config};
use crate::settings::{self, SyncSettings};
use text::{failure, Side};

pub fn mount() {
    let Some(root) = document().get_element_by_id("root") else {
        return;
    };
    if let Some(html) = document().document_element() {
        // The language of the messages actually shown: `getUILanguage` can name the browser's UI
        // language (en-US) while `getMessage` follows the accepted languages (es), and a Spanish page
        // marked `lang="en-US"` is read aloud with English pronunciation (WCAG 3.1.1).
        let _ = html.set_attribute("lang", &t("optLang"));
    }
    document().set_title(&t("optionsTitle"));
    leptos::mount::mount_to(root.unchecked_into(), || view! { <Options/> }).forget();
}

/// Something read from a service: not yet, read, or failed with a sentence for the admin.
#[derive(Clone, Debug, PartialEq)]
pub enum Load<T> {
    Loading,
    Ready(T),
    Failed(String),
}

/// The page's shared state: the connection being edited, the stored settings, and both catalogs.
#[derive(Clone, Copy)]
pub struct Page {
    pub config: RwSignal<Config>,
    /// `None` until read from storage, so that no section saves over settings it has not seen.
    pub settings: RwSignal<Option<SyncSettings>>,
    pub kustomer: RwSignal<Load<KustomerCatalog>>,
    pub ccai: RwSignal<Load<CcaiCatalog>>,
}

impl Page {
    /// Reads both status lists again with the connection as it is now.
    pub fn reload_catalogs(self) {
        self.kustomer.set(Load::Loading);
        self.ccai.set(Load::Loading);
        let config = self.config.get_untracked();
        leptos::task::spawn_local(async move {
            let k = match kustomer::routing_statuses(&config).await {
                Ok(list) => Load::Ready(KustomerCatalog::new(list)),
                Err(e) => Load::Failed(failure(
                    Side::Kustomer,
                    &e,
                    &config.kustomer_base,
                    "org.permission.routing.read",
                )),
            };
            self.kustomer.set(k);
            let c = match ccai::user_statuses(&config).await {
                Ok(list) => Load::Ready(
                    list.into_iter()
                        .map(|s| CcaiStatus {
                            id: CcaiStatusId(s.id),
                            name: s.name,
                            color: None,
                        })
                        .collect(),
                ),
                Err(e) => Load::Failed(failure(Side::Ccai, &e, &config.ccai_base, "")),
            };
            self.ccai.set(c);
        });
    }

    /// Applies `change` to the stored settings and writes them. The signal changes only after a
    /// successful write, so the page never shows as saved what is not.
    pub async fn save_settings(self, change: impl FnOnce(&mut SyncSettings)) -> Result<(), ()> {
        let mut next = self.settings.get_untracked().unwrap_or_default();
        change(&mut next);
        settings::save(&next).await.map_err(|_| ())?;
        self.settings.set(Some(next));
        Ok(())
    }

    pub fn inheritance_on(self) -> bool {
        self.settings
            .with_untracked(|s| s.as_ref().is_some_and(|s| s.inheritance))
    }
}

pub fn page() -> Page {
    expect_context::<Page>()
}

#[component]
fn Options() -> impl IntoView {
    let page = Page {
        config: RwSignal::new(Config::default()),
        settings: RwSignal::new(None),
        kustomer: RwSignal::new(Load::Loading),
        ccai: RwSignal::new(Load::Loading),
    };
    provide_context(page);
    leptos::task::spawn_local(async move {
        page.config.set(config::load().await);
        page.settings.set(Some(settings::load().await));
        page.reload_catalogs();
    });
    view! {
        <h1>{t("optionsTitle")}</h1>
        <changelog::Version/>
        <connection::ConnectionForm/>
        <setup::Setup/>
        <mapping::MappingEditor/>
        <sync::SyncForm/>
        <fields::Fields/>
        <fields::CustomData/>
        <transfer::Transfer/>
        <changelog::Changelog/>
    }
}
