//! The admin's options page (issue 7; issue 16: the admin's client of the company server). The
//! company's settings live on the server, versioned: the page reads them with their version, each
//! section saves its own part on top of the version it read (`admin_api`), and a save refused because
//! another admin saved meanwhile keeps what this admin typed and says so. Both vendors' status lists
//! come from the server too: the browser never calls Kustomer or CCAI. The server decides who is an
//! admin; anyone else is told so and sees no editor. One section per file; they share [`Page`].
//!
//! Nothing here renders HTML: every string, including names read from Kustomer and CCAI, is a text node.

mod admin_api;
mod changelog;
mod connection;
mod earlier;
mod fields;
mod mapping;
mod setup;
mod sync;
mod text;
mod transfer;

use ccai_core::status::{CcaiCatalog, KustomerCatalog};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chrome::i18n::{t, t1};
use crate::company::{self, CompanyError};
use crate::settings::SyncSettings;
pub use admin_api::AdminError;
use text::admin_failure;

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

/// Whether this page may edit the company's settings: the server says who is an admin.
#[derive(Clone, Debug, PartialEq)]
pub enum Access {
    Checking,
    Admin,
    /// Signed in as this e-mail, not an admin: nothing to edit here.
    NotAdmin(String),
    /// No server set, or not signed in to it: the connection section says what to do.
    NotSignedIn,
    /// The server could not be asked, in words.
    Failed(String),
}

/// The page's shared state: the company's settings as last read from
/// the server with their version, who is asking, and both status lists.
#[derive(Clone, Copy)]
pub struct Page {
    /// `None` until read from the server, so that no section saves over settings it has not seen.
    pub settings: RwSignal<Option<SyncSettings>>,
    /// The server's version of [`Page::settings`]: every save starts from it.
    pub version: RwSignal<u64>,
    pub access: RwSignal<Access>,
    pub kustomer: RwSignal<Load<KustomerCatalog>>,
    pub ccai: RwSignal<Load<CcaiCatalog>>,
}

impl Page {
    /// Asks the server who is signed in, then (for an admin) the settings and both status lists.
    pub fn reload(self) {
        self.access.set(Access::Checking);
        leptos::task::spawn_local(async move {
            let access = match admin_api::me().await {
                Ok(me) if me.admin => Access::Admin,
                Ok(me) => Access::NotAdmin(me.email),
                Err(AdminError::Company(CompanyError::NoServer | CompanyError::SignedOut)) => {
                    Access::NotSignedIn
                }
                Err(e) => Access::Failed(admin_failure(&e)),
            };
            let admin = access == Access::Admin;
            self.access.set(access);
            if !admin {
                return;
            }
            match admin_api::settings().await {
                Ok(v) => self.take(v),
                Err(e) => {
                    self.access.set(Access::Failed(admin_failure(&e)));
                    return;
                }
            }
            self.reload_catalogs();
        });
    }

    /// Shows `v` as the company's settings now.
    fn take(self, v: ccai_core::server_api::VersionedSettings) {
        self.version.set(v.version);
        self.settings.set(Some(v.settings));
    }

    /// Reads both status lists again, from the server.
    fn reload_catalogs(self) {
        self.kustomer.set(Load::Loading);
        self.ccai.set(Load::Loading);
        leptos::task::spawn_local(async move {
            let k = match admin_api::kustomer_statuses().await {
                Ok(c) => Load::Ready(c),
                Err(e) => Load::Failed(admin_failure(&e)),
            };
            self.kustomer.set(k);
            let c = match admin_api::ccai_statuses().await {
                Ok(c) => Load::Ready(c),
                Err(e) => Load::Failed(admin_failure(&e)),
            };
            self.ccai.set(c);
        });
    }

    /// Applies `change` to the settings as last read and saves them on top of that version. The
    /// signals change only after the server saved, so the page never shows as saved what is not. If
    /// another admin saved meanwhile, nothing is saved: the page takes their version (sections keep
    /// what this admin typed) and the error says so; saving again puts the change on top of theirs.
    pub async fn save_settings(
        self,
        change: impl FnOnce(&mut SyncSettings),
    ) -> Result<(), AdminError> {
        let Some(mut next) = self.settings.get_untracked() else {
            return Err(AdminError::NotLoaded);
        };
        change(&mut next);
        match admin_api::save(self.version.get_untracked(), next).await {
            Ok(saved) => {
                self.take(saved);
                Ok(())
            }
            Err(e @ AdminError::Conflict(_)) => {
                if let Ok(latest) = admin_api::settings().await {
                    self.take(latest);
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Takes settings the server saved by another route (an import, the custom fields' record).
    pub fn saved(self, v: ccai_core::server_api::VersionedSettings) {
        self.take(v);
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
        settings: RwSignal::new(None),
        version: RwSignal::new(0),
        access: RwSignal::new(Access::Checking),
        kustomer: RwSignal::new(Load::Loading),
        ccai: RwSignal::new(Load::Loading),
    };
    provide_context(page);
    page.reload();
    // Signing in (or out) in the connection section changes who is asking.
    company::on_sign_in_state(move |_| page.reload());
    let admin = move || page.access.get() == Access::Admin;
    view! {
        <h1>{t("optionsTitle")}</h1>
        <changelog::Version/>
        <connection::ConnectionForm/>
        <p id="access" role="status" aria-live="polite">
            {move || match page.access.get() {
                Access::Checking | Access::Admin => String::new(),
                Access::NotAdmin(email) => t1("optOnlyAdmins", &email),
                Access::NotSignedIn => t("optSignInFirst"),
                Access::Failed(why) => why,
            }}
        </p>
        <Show when=admin>
            <p><a id="operations-link" href="operations.html" target="_blank">{t("optOperationsLink")}</a></p>
            <earlier::EarlierSettings/>
            <setup::Setup/>
            <mapping::MappingEditor/>
            <sync::SyncForm/>
            <fields::Fields/>
            <fields::CustomData/>
            <transfer::Transfer/>
        </Show>
        <changelog::Changelog/>
    }
}
