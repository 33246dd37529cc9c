//! The admin's options page. This first version holds the connection; the mapping editor, sync
//! settings and custom fields come with their issues.

mod connection;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chrome::i18n::{t, ui_language};

pub fn mount() {
    let Some(root) = document().get_element_by_id("root") else { return };
    if let Some(html) = document().document_element() {
        let _ = html.set_attribute("lang", &ui_language());
    }
    document().set_title(&t("optionsTitle"));
    leptos::mount::mount_to(root.unchecked_into(), || view! { <Options/> }).forget();
}

#[component]
fn Options() -> impl IntoView {
    view! {
        <h1>{t("optionsTitle")}</h1>
        <p class="version">{t1_version()}</p>
        <connection::ConnectionForm/>
    }
}

fn t1_version() -> String {
    crate::chrome::i18n::t1("versionLabel", env!("CARGO_PKG_VERSION"))
}
