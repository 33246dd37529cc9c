//! Custom fields in Kustomer (SPEC F1–F4). "Create" defines, through the metadata API, the customer
//! field and the conversation fields the connector writes (names from `ccai_core::records::fields`),
//! sending only those that are missing: a second run sends nothing and changes nothing. It records
//! when each field was created (Kustomer's `createdAt`), because data is written only for sessions
//! that start afterwards (F2). Below it, F4: SDK custom-data keys mapped to Kustomer fields.

use ccai_core::records::fields::{ALL, CUSTOM_USER_ID};
use leptos::prelude::*;

use super::page;
use super::text::{failure, Side};
use crate::api::kustomer_metadata as admin;
use crate::chrome::i18n::{t, t1};
use crate::config::Config;
use crate::settings::{CreatedField, CustomDataRow};

/// The resource each F1 field lives on.
pub fn resource_of(name: &str) -> &'static str {
    if name == CUSTOM_USER_ID {
        "customer"
    } else {
        "conversation"
    }
}

/// What one "Create" run did.
struct Outcome {
    created: usize,
    existing: usize,
    fields: Vec<CreatedField>,
}

async fn create_all(c: &Config) -> Result<Outcome, String> {
    let role = "org.permission.metadata.update";
    let mut outcome = Outcome {
        created: 0,
        existing: 0,
        fields: Vec::new(),
    };
    for resource in ["conversation", "customer"] {
        let wanted: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|n| resource_of(n) == resource)
            .collect();
        let mut defs = admin::fields(c, resource)
            .await
            .map_err(|e| failure(Side::Kustomer, &e, &c.kustomer_base, role))?;
        let missing: Vec<(&str, String)> = wanted
            .iter()
            .filter(|n| !defs.contains_key(**n))
            .map(|n| (*n, t(&format!("optField_{n}"))))
            .collect();
        outcome.existing += wanted.len() - missing.len();
        if !missing.is_empty() {
            defs = admin::define(c, resource, &missing)
                .await
                .map_err(|e| failure(Side::Kustomer, &e, &c.kustomer_base, role))?;
            outcome.created += missing.len();
        }
        let now = String::from(js_sys::Date::new_0().to_iso_string());
        for name in wanted {
            // A tenant that does not say when a field was created gets the time we first saw it: later,
            // never earlier, so F2 can only skip data, never write into a field made after the session.
            let created_at = defs
                .get(name)
                .and_then(|d| d.created_at.clone())
                .unwrap_or_else(|| now.clone());
            outcome.fields.push(CreatedField {
                resource: resource.to_owned(),
                name: name.to_owned(),
                created_at,
            });
        }
    }
    Ok(outcome)
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
        let config = page.config.get_untracked();
        leptos::task::spawn_local(async move {
            let text = match create_all(&config).await {
                Err(why) => why,
                Ok(out) => {
                    let known = page.settings.with_untracked(|s| {
                        s.as_ref().map(|s| s.fields.clone()).unwrap_or_default()
                    });
                    let saved = known == out.fields
                        || page.save_settings(|s| s.fields = out.fields).await.is_ok();
                    if !saved {
                        t("saveFailed")
                    } else if out.created == 0 {
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

/// Whether `name` is a Kustomer custom attribute name: camelCase with a type suffix (API-NOTES.md).
pub use ccai_core::settings::is_attribute_name;

/// The F4 rows' problems, by row: an empty key, a key used twice, or a field name Kustomer refuses.
pub fn custom_data_problems(rows: &[CustomDataRow]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let key = r.key.trim();
        if key.is_empty() {
            out.push((i, t("optDataKeyEmpty")));
        } else if rows[..i].iter().any(|o| o.key.trim() == key) {
            out.push((i, t1("optDataKeyTwice", key)));
        } else if !is_attribute_name(r.field.trim()) {
            out.push((i, t1("optDataFieldBad", r.field.trim())));
        }
    }
    out
}

#[component]
pub fn CustomData() -> impl IntoView {
    let page = page();
    let rows: RwSignal<Vec<CustomDataRow>> = RwSignal::new(Vec::new());
    let problems: RwSignal<Vec<(usize, String)>> = RwSignal::new(Vec::new());
    let state = RwSignal::new(String::new());
    let loaded = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(s) = page.settings.get() {
            if !loaded.get_untracked() {
                rows.set(s.custom_data.clone());
                loaded.set(true);
            }
        }
    });
    let add = move |_| rows.update(|r| r.push(CustomDataRow::default()));
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
            let ok = page
                .save_settings(|s| s.custom_data = current)
                .await
                .is_ok();
            state.set(if ok {
                t("optDataSaved")
            } else {
                t("saveFailed")
            });
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
                        children={move |i| data_row(i, rows, problems)}
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
) -> impl IntoView {
    let get =
        move |f: fn(&CustomDataRow) -> String| rows.with(|r| r.get(i).map(f).unwrap_or_default());
    let error = move || problems.with(|p| p.iter().find(|(r, _)| *r == i).map(|(_, m)| m.clone()));
    let invalid = move || if error().is_some() { "true" } else { "false" };
    let err_id = format!("data-err-{i}");
    let n = (i + 1).to_string();
    let remove = move |_| {
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
                    on:input=move |ev| rows.update(|r| if let Some(r) = r.get_mut(i) { r.key = event_target_value(&ev) }) />
            </td>
            <td>
                <input type="text" id=format!("data-field-{i}") list="f1-fields" aria-label=t1("optDataFieldLabel", &n)
                    aria-invalid=invalid aria-describedby=err_id.clone()
                    prop:value=move || get(|r| r.field.clone())
                    on:input=move |ev| rows.update(|r| if let Some(r) = r.get_mut(i) { r.field = event_target_value(&ev) }) />
                <span id=err_id class="error">{error}</span>
            </td>
            <td>
                <button type="button" aria-label=t1("optDataRemoveLabel", &n) on:click=remove>{t("optRemove")}</button>
            </td>
        </tr>
    }
}
