//! Export and import of the whole configuration as JSON (issue 7). An import is checked completely
//! before anything is written (shape, mapping against the live catalogs, F4 rows), so a bad file
//! changes nothing; the two storage writes are ordered and the first is undone if the second fails.
//!
//! The export leaves out the Kustomer API key and the CCAI API token unless the admin asks for them:
//! a configuration file gets copied between admins, attached to tickets and kept in repositories, and
//! the CCAI token is a company-wide secret (API-NOTES.md). Importing a file without them keeps the
//! credentials this browser already has.

use ccai_core::mapping::Mapping;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::fields::custom_data_problems;
use super::mapping::words;
use super::{page, Load, Page};
use crate::chrome::i18n::{t, t1};
use crate::config::{self, Config};
use crate::settings::{self, SyncSettings};

const FORMAT: &str = "ccai-kustomer-config";

#[derive(Serialize, Deserialize)]
struct ExportFile {
    format: String,
    #[serde(default)]
    version: String,
    connection: Connection,
    sync: SyncSettings,
}

#[derive(Serialize, Deserialize)]
struct Connection {
    kustomer_base: String,
    ccai_base: String,
    ccai_user: String,
    agent_email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kustomer_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ccai_token: Option<String>,
}

fn export_text(page: Page, with_secrets: bool) -> Option<String> {
    let c = page.config.get_untracked();
    let file = ExportFile {
        format: FORMAT.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        connection: Connection {
            kustomer_base: c.kustomer_base,
            ccai_base: c.ccai_base,
            ccai_user: c.ccai_user,
            agent_email: c.agent_email,
            kustomer_key: with_secrets.then_some(c.kustomer_key),
            ccai_token: with_secrets.then_some(c.ccai_token),
        },
        sync: page.settings.get_untracked().unwrap_or_default(),
    };
    let value = file
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify_with_replacer_and_space(&value, &wasm_bindgen::JsValue::NULL, &2.into())
        .ok()
        .map(String::from)
}

/// Reads and checks a file; returns what to store, or every reason it cannot be imported.
fn check(page: Page, text: &str) -> Result<(Config, SyncSettings), Vec<String>> {
    let value = js_sys::JSON::parse(text).map_err(|_| vec![t("optImportNotJson")])?;
    let file: ExportFile = serde_wasm_bindgen::from_value(value)
        .map_err(|e| vec![t1("optImportBadShape", &e.to_string())])?;
    if file.format != FORMAT {
        return Err(vec![t("optImportBadFormat")]);
    }
    let mut sync = file.sync;
    sync.migrate();
    let (Load::Ready(kcat), Load::Ready(ccat)) =
        (page.kustomer.get_untracked(), page.ccai.get_untracked())
    else {
        return Err(vec![t("optImportNoCatalogs")]);
    };
    let mut problems = Vec::new();
    if let Err(errors) = Mapping::validate(&sync.mapping, &kcat, &ccat) {
        problems.extend(errors.iter().map(|e| t1("optImportMappingRow", &words(e))));
    }
    problems.extend(
        custom_data_problems(&sync.custom_data)
            .into_iter()
            .map(|(_, m)| m),
    );
    let conn = file.connection;
    let mut config = page.config.get_untracked();
    config.kustomer_base = conn.kustomer_base;
    config.ccai_base = conn.ccai_base;
    config.ccai_user = conn.ccai_user;
    config.agent_email = conn.agent_email;
    config.kustomer_key = conn.kustomer_key.unwrap_or(config.kustomer_key);
    config.ccai_token = conn.ccai_token.unwrap_or(config.ccai_token);
    if !config.is_complete() {
        problems.push(t("connectionIncomplete"));
    }
    if problems.is_empty() {
        Ok((config, sync))
    } else {
        Err(problems)
    }
}

async fn apply(page: Page, config: Config, sync: SyncSettings) -> Result<(), ()> {
    let before = page.settings.get_untracked().unwrap_or_default();
    settings::save(&sync).await.map_err(|_| ())?;
    if config::save(&config).await.is_err() {
        let _ = settings::save(&before).await;
        return Err(());
    }
    page.settings.set(Some(sync));
    page.config.set(config);
    page.reload_catalogs();
    Ok(())
}

#[component]
pub fn Transfer() -> impl IntoView {
    let page = page();
    let with_secrets = RwSignal::new(false);
    let exported = RwSignal::new(String::new());
    let import_text = RwSignal::new(String::new());
    let problems: RwSignal<Vec<String>> = RwSignal::new(Vec::new());
    let state = RwSignal::new(String::new());

    let export = move |_| {
        exported.set(export_text(page, with_secrets.get_untracked()).unwrap_or_default());
        state.set(t("optExportReady"));
    };
    let import = move |_| match check(page, &import_text.get_untracked()) {
        Err(found) => {
            state.set(t1("optImportRefused", &found.len().to_string()));
            problems.set(found);
        }
        Ok((config, sync)) => {
            problems.set(Vec::new());
            leptos::task::spawn_local(async move {
                let ok = apply(page, config, sync).await.is_ok();
                state.set(if ok {
                    t("optImportDone")
                } else {
                    t("saveFailed")
                });
            });
        }
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
            <div class="choice">
                <input type="checkbox" id="export-secrets" aria-describedby="export-secrets-help"
                    prop:checked=move || with_secrets.get()
                    on:change=move |ev| with_secrets.set(event_target_checked(&ev)) />
                <label for="export-secrets">{t("optExportSecrets")}</label>
                <p id="export-secrets-help" class="help">{t("optExportSecretsHelp")}</p>
            </div>
            <button type="button" id="export" on:click=export>{t("optExport")}</button>
            <Show when=move || !exported.get().is_empty()>
                <div class="field">
                    <label for="export-text">{t("optExportLabel")}</label>
                    <textarea id="export-text" readonly rows="8" prop:value=move || exported.get()></textarea>
                    <a id="export-download" href=href download="ccai-kustomer-config.json">{t("optExportDownload")}</a>
                </div>
            </Show>
            <div class="field">
                <label for="import-text">{t("optImportLabel")}</label>
                <textarea id="import-text" rows="8" spellcheck="false" aria-describedby="import-problems"
                    prop:value=move || import_text.get()
                    on:input=move |ev| import_text.set(event_target_value(&ev))></textarea>
            </div>
            <button type="button" id="import" on:click=import>{t("optImport")}</button>
            <div role="alert" id="import-problems">
                <ul>{move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul>
            </div>
            <p id="transfer-state" role="status" aria-live="polite">{move || state.get()}</p>
        </section>
    }
}
