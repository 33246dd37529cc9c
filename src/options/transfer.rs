//! Export and import of the company's settings through the server (issue 7; issue 16). The export is
//! the server's file (`ccai-server-settings`); it holds no secret, because the server's credentials
//! never leave the server. An import takes that file or this extension's older export (its `sync`
//! part; the connection and any credentials in it are ignored: the server has its own). The file is
//! read here first, so a file that is not one says so in the admin's language; the server then checks
//! the settings whole against both vendors' live status lists and saves them as the next version, or
//! refuses them whole: a bad file changes nothing.

use ccai_core::server_api::SETTINGS_FORMAT;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::text::{admin_failure, problem_words};
use super::{admin_api, page, AdminError};
use crate::chrome::i18n::{t, t1};
use crate::settings::SyncSettings;

/// The extension's own export format before issue 16.
const EXTENSION_FORMAT: &str = "ccai-kustomer-config";

#[derive(Deserialize)]
struct AnyFile {
    format: Option<String>,
    /// The server's file.
    #[serde(default)]
    settings: Option<SyncSettings>,
    /// The extension's older file.
    #[serde(default)]
    sync: Option<SyncSettings>,
}

/// The file's text as JSON with two-space indents.
fn pretty<T: Serialize>(value: &T) -> Option<String> {
    let value = value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify_with_replacer_and_space(&value, &wasm_bindgen::JsValue::NULL, &2.into())
        .ok()
        .map(String::from)
}

/// Reads a file: the settings in it, or why it is not a settings file.
fn read(text: &str) -> Result<SyncSettings, String> {
    let value = js_sys::JSON::parse(text).map_err(|_| t("optImportNotJson"))?;
    let file: AnyFile = serde_wasm_bindgen::from_value(value)
        .map_err(|e| t1("optImportBadShape", &e.to_string()))?;
    let body = match file.format.as_deref() {
        Some(SETTINGS_FORMAT) => file.settings,
        Some(EXTENSION_FORMAT) => file.sync,
        _ => return Err(t("optImportBadFormat")),
    };
    let mut settings = body.ok_or_else(|| t1("optImportBadShape", "settings"))?;
    settings.migrate();
    Ok(settings)
}

#[component]
pub fn Transfer() -> impl IntoView {
    let page = page();
    let exported = RwSignal::new(String::new());
    let import_text = RwSignal::new(String::new());
    let problems: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let state = RwSignal::new(String::new());
    let busy = RwSignal::new(false);

    let export = move |_| {
        problems.set(Vec::new());
        leptos::task::spawn_local(async move {
            match admin_api::export().await {
                Ok(file) => {
                    exported.set(pretty(&file).unwrap_or_default());
                    state.set(t("optExportReady"));
                }
                Err(e) => state.set(admin_failure(&e)),
            }
        });
    };
    let import = move |_| {
        if busy.get_untracked() {
            return;
        }
        let settings = match read(&import_text.get_untracked()) {
            Ok(s) => s,
            Err(why) => {
                state.set(t1("optImportRefused", "1"));
                problems.set(vec![why]);
                return;
            }
        };
        busy.set(true);
        problems.set(Vec::new());
        leptos::task::spawn_local(async move {
            match admin_api::import(settings).await {
                Ok(saved) => {
                    page.saved(saved);
                    state.set(t("optImportDone"));
                }
                Err(AdminError::Refused(r)) => {
                    let found: Vec<String> = if r.details.is_empty() {
                        r.problems.clone()
                    } else {
                        r.details.iter().map(problem_words).collect()
                    };
                    state.set(t1("optImportRefused", &found.len().to_string()));
                    problems.set(found);
                }
                Err(e) => state.set(admin_failure(&e)),
            }
            busy.set(false);
        });
    };
    let href = move || {
        format!(
            "data:application/json;charset=utf-8,{}",
            js_sys::encode_uri_component(&exported.get())
        )
    };
    view! {
        <section id="transfer" aria-labelledby="transfer-title">
            <h2 id="transfer-title">{t("optTransferTitle")}</h2>
            <p class="hint">{t("optTransferHint")}</p>
            <button type="button" id="export" on:click=export>{t("optExport")}</button>
            <Show when=move || !exported.get().is_empty()>
                <div class="field">
                    <label for="export-text">{t("optExportLabel")}</label>
                    <textarea id="export-text" readonly rows="8" prop:value=move || exported.get()></textarea>
                    <a id="export-download" href=href download="ccai-server-settings.json">{t("optExportDownload")}</a>
                </div>
            </Show>
            <div class="field">
                <label for="import-text">{t("optImportLabel")}</label>
                <textarea id="import-text" rows="8" spellcheck="false" aria-describedby="import-problems"
                    prop:value=move || import_text.get()
                    on:input=move |ev| import_text.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" id="import" on:click=import aria-busy=move || busy.get().to_string()>{t("optImport")}</button>
            <div role="alert" id="import-problems">
                <ul>{move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            </div>
            <p id="transfer-state" role="status" aria-live="polite">{move || state.get()}</p>
        </section>
    }
}
