//! Custom fields in Kustomer (SPEC F1–F4). "Create" asks the company server to define the customer
//! field and the conversation fields the record rules write (names from `ccai_core::records::fields`),
//! named in the admin's language; the server sends Kustomer only those that are missing (a second run
//! sends nothing) and records when each was created, because data is written only for sessions that
//! start afterwards (F2). Below it, F4: SDK custom-data keys mapped to Kustomer fields.

use ccai_core::records::fields::ALL;
use ccai_core::server_api::CreateFields;
use ccai_core::settings::SettingsProblem;
use leptos::prelude::*;

use super::text::admin_failure;
use super::{admin_api, page, AdminError};
use crate::chrome::i18n::{t, t1};
use crate::settings::CustomDataRow;

pub use ccai_core::records::fields::resource_of;

/// The display name of every F1 field, in the admin's language.
fn display_names() -> CreateFields {
    CreateFields {
        display_names: ALL
            .iter()
            .map(|n| ((*n).to_owned(), t(&format!("optField_{n}"))))
            .collect(),
    }
}

#[component]
pub fn Fields() -> impl IntoView {
    let page = page();
    let state = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let create = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let text = match admin_api::create_fields(&display_names()).await {
                Err(e) => admin_failure(&e),
                Ok(out) => {
                    page.saved(out.settings);
                    if out.created == 0 {
                        t1("optFieldsNothing", &out.existing.to_string())
                    } else {
                        t1("optFieldsCreated", &out.created.to_string())
                    }
                }
            };
            state.set(text);
            busy.set(false);
        });
    };
    let created_at = move |name: &'static str| {
        page.settings.with(|s| {
            s.as_ref().and_then(|s| {
                s.fields
                    .iter()
                    .find(|f| f.name == name)
                    .map(|f| f.created_at.clone())
            })
        })
    };
    view! {
        <section id="fields" aria-labelledby="fields-title">
            <h2 id="fields-title">{t("optFieldsTitle")}</h2>
            <p class="hint">{t("optFieldsHint")}</p>
            <table class="fields">
                <thead>
                    <tr>
                        <th scope="col">{t("optColField")}</th>
                        <th scope="col">{t("optColResource")}</th>
                        <th scope="col">{t("optColCreated")}</th>
                    </tr>
                </thead>
                <tbody>
                    {ALL.iter().map(|name| {
                        let name: &'static str = name;
                        view! {
                            <tr id=format!("field-{name}")>
                                <th scope="row">{t(&format!("optField_{name}"))}" "<code>{name}</code></th>
                                <td>{t(&format!("optResource_{}", resource_of(name)))}</td>
                                <td class="created">{move || created_at(name).unwrap_or_else(|| t("optNotCreated"))}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <button type="button" id="create-fields" on:click=create aria-busy=move || busy.get().to_string()>
                {t("optCreateFields")}
            </button>
            <p id="fields-state" role="status" aria-live="polite">{move || state.get()}</p>
        </section>
    }
}

/// The F4 rows' problems, by row (from 0): an empty key, a key used twice, or a field name Kustomer
/// refuses. The core decides (the server checks the same on save); this words them.
pub fn custom_data_problems(rows: &[CustomDataRow]) -> Vec<(usize, String)> {
    server_problems(&ccai_core::settings::custom_data_problems(rows))
}

/// The F4 problems among `problems`, by row (from 0), in the admin's language.
fn server_problems(problems: &[SettingsProblem]) -> Vec<(usize, String)> {
    problems
        .iter()
        .filter_map(|p| match p {
            SettingsProblem::EmptyKey { row } => Some((*row, t("optDataKeyEmpty"))),
            SettingsProblem::KeyTwice { row, key } => Some((*row, t1("optDataKeyTwice", key))),
            SettingsProblem::BadField { row, field } => Some((*row, t1("optDataFieldBad", field))),
            _ => None,
        })
        .map(|(row, words)| (row.saturating_sub(1), words))
        .collect()
}

#[component]
pub fn CustomData() -> impl IntoView {
    let page = page();
    let rows: RwSignal<Vec<CustomDataRow>> = RwSignal::new(Vec::new());
    let problems: RwSignal<Vec<(usize, String)>> = RwSignal::new(Vec::new());
    let state = RwSignal::new(String::new());
    // Edited and not saved: a new version from the server does not replace the admin's rows.
    let dirty = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(s) = page.settings.get() {
            if !dirty.get_untracked() {
                rows.set(s.custom_data.clone());
            }
        }
    });
    let add = move |_| {
        dirty.set(true);
        rows.update(|r| r.push(CustomDataRow::default()));
    };
    let save = move |_| {
        let current: Vec<CustomDataRow> = rows
            .get_untracked()
            .into_iter()
            .map(|r| CustomDataRow {
                key: r.key.trim().to_owned(),
                field: r.field.trim().to_owned(),
            })
            .collect();
        let found = custom_data_problems(&current);
        if !found.is_empty() {
            state.set(t1("optDataHasErrors", &found.len().to_string()));
            problems.set(found);
            return;
        }
        problems.set(Vec::new());
        leptos::task::spawn_local(async move {
            match page.save_settings(|s| s.custom_data = current).await {
                Ok(()) => {
                    dirty.set(false);
                    state.set(t("optDataSaved"));
                }
                Err(e) => {
                    if let AdminError::Refused(r) = &e {
                        problems.set(server_problems(&r.details));
                    }
                    state.set(admin_failure(&e));
                }
            }
        });
    };
    view! {
        <section id="custom-data" aria-labelledby="custom-data-title">
            <h2 id="custom-data-title">{t("optDataTitle")}</h2>
            <p class="hint">{t("optDataHint")}</p>
            <datalist id="f1-fields">
                {ALL.iter().filter(|n| resource_of(n) == "conversation").map(|n| view! { <option value=*n></option> }).collect_view()}
            </datalist>
            <table class="custom-data">
                <thead>
                    <tr>
                        <th scope="col">{t("optColDataKey")}</th>
                        <th scope="col">{t("optColDataField")}</th>
                        <th scope="col"><span class="visually-hidden">{t("optColActions")}</span></th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each={move || (0..rows.with(Vec::len)).collect::<Vec<_>>()}
                        key=|i| *i
                        children={move |i| data_row(i, rows, problems, dirty)}
                    />
                </tbody>
            </table>
            <div class="actions">
                <button type="button" id="add-data-row" on:click=add>{t("optDataAdd")}</button>
                <button type="button" id="save-data" on:click=save>{t("optDataSave")}</button>
            </div>
            <p id="data-state" role="status" aria-live="polite">{move || state.get()}</p>
        </section>
    }
}

fn data_row(
    i: usize,
    rows: RwSignal<Vec<CustomDataRow>>,
    problems: RwSignal<Vec<(usize, String)>>,
    dirty: RwSignal<bool>,
) -> impl IntoView {
    let get =
        move |f: fn(&CustomDataRow) -> String| rows.with(|r| r.get(i).map(f).unwrap_or_default());
    let error = move || problems.with(|p| p.iter().find(|(r, _)| *r == i).map(|(_, m)| m.clone()));
    let invalid = move || if error().is_some() { "true" } else { "false" };
    let err_id = format!("data-err-{i}");
    let n = (i + 1).to_string();
    let remove = move |_| {
        dirty.set(true);
        rows.update(|r| {
            if i < r.len() {
                r.remove(i);
            }
        });
        problems.set(Vec::new());
    };
    view! {
        <tr>
            <td>
                <input type="text" id=format!("data-key-{i}") aria-label=t1("optDataKeyLabel", &n)
                    aria-invalid=invalid aria-describedby=err_id.clone()
                    prop:value=move || get(|r| r.key.clone())
                    on:input=move |ev| { dirty.set(true); rows.update(|r| if let Some(r) = r.get_mut(i) { r.key = event_target_value(&ev) }) } />
            </td>
            <td>
                <input type="text" id=format!("data-field-{i}") list="f1-fields" aria-label=t1("optDataFieldLabel", &n)
                    aria-invalid=invalid aria-describedby=err_id.clone()
                    prop:value=move || get(|r| r.field.clone())
                    on:input=move |ev| { dirty.set(true); rows.update(|r| if let Some(r) = r.get_mut(i) { r.field = event_target_value(&ev) }) } />
                <span id=err_id class="error">{error}</span>
            </td>
            <td>
                <button type="button" aria-label=t1("optDataRemoveLabel", &n) on:click=remove>{t("optRemove")}</button>
            </td>
        </tr>
    }
}
