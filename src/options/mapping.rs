//! The mapping editor (SPEC S3): one row per Kustomer status read from Kustomer's API, a CCAI status
//! chosen for each from CCAI's API, Save. The core validates ([`Mapping::validate`]); each problem is
//! shown beside its row (`aria-invalid`, `aria-describedby`), and a sentence per row previews the
//! result ("an agent in Lunch becomes Break in CCAI", USERS.md).
//!
//! Rows saved earlier that no longer fit (a status deleted in Kustomer, a row repeated by an import or
//! an older version) appear as extra rows with their problem and a Remove button, from
//! [`Mapping::revalidate`], so nothing stored is hidden from the admin.
//!
//! Both status lists and the settings come from the company server, which checks the mapping again
//! on save (against the live lists): its refusals are shown beside their rows too. The rows are
//! rebuilt when the server's version changes, unless the admin has edited them and not saved.

use ccai_core::mapping::{Mapping, MappingEntry, MappingError};
use ccai_core::status::{CcaiCatalog, CcaiStatusId, KustomerCatalog, KustomerStatusId};
use leptos::prelude::*;

use ccai_core::settings::SettingsProblem;

use super::connection::catalog_problem;
use super::text::admin_failure;
use super::{page, AdminError, Load};
use crate::chrome::i18n::t2;
use crate::chrome::i18n::{t, t1};

/// One row of the editor.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub kustomer: KustomerStatusId,
    pub ccai: Option<CcaiStatusId>,
    pub preferred: bool,
    /// A stored row beyond the one-per-status rows: stale or repeated. It can only be removed.
    pub extra: bool,
}

/// The editor's rows for `stored` rows: Kustomer's statuses in Kustomer's order, then the stored rows
/// that did not find a place. Also returns, per stored row, the editor row it became.
pub fn draft_from(stored: &[MappingEntry], kustomer: &KustomerCatalog) -> (Vec<Row>, Vec<usize>) {
    let mut placed: Vec<Option<usize>> = vec![None; stored.len()];
    let mut rows = Vec::new();
    for status in kustomer.iter() {
        let first = stored.iter().position(|e| e.kustomer == status.id);
        let row = match first {
            Some(i) => {
                placed[i] = Some(rows.len());
                Row {
                    kustomer: status.id.clone(),
                    ccai: Some(stored[i].ccai),
                    preferred: stored[i].preferred,
                    extra: false,
                }
            }
            None => Row {
                kustomer: status.id.clone(),
                ccai: None,
                preferred: false,
                extra: false,
            },
        };
        rows.push(row);
    }
    let mut map = Vec::with_capacity(stored.len());
    for (i, e) in stored.iter().enumerate() {
        let at = placed[i].unwrap_or_else(|| {
            rows.push(Row {
                kustomer: e.kustomer.clone(),
                ccai: Some(e.ccai),
                preferred: e.preferred,
                extra: true,
            });
            rows.len() - 1
        });
        map.push(at);
    }
    (rows, map)
}

/// The rows to validate and save (mapped rows only, in the editor's order), and per entry its row.
pub fn entries_from(rows: &[Row]) -> (Vec<MappingEntry>, Vec<usize>) {
    rows.iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.ccai.map(|c| {
                (
                    MappingEntry {
                        kustomer: r.kustomer.clone(),
                        ccai: c,
                        preferred: r.preferred,
                    },
                    i,
                )
            })
        })
        .unzip()
}

fn row_of(e: &MappingError) -> Option<usize> {
    match e {
        MappingError::Empty => None,
        MappingError::UnknownKustomerStatus { row, .. }
        | MappingError::UnknownCcaiStatus { row, .. }
        | MappingError::DuplicateKustomerStatus { row, .. }
        | MappingError::SystemStatusTarget { row, .. }
        | MappingError::SecondPreferred { row, .. } => Some(*row),
    }
}

/// The admin's words for a core error (the core's own `Display` is English only).
pub fn words(e: &MappingError) -> String {
    match e {
        MappingError::Empty => t("optErrEmpty"),
        MappingError::UnknownKustomerStatus { kustomer, .. } => {
            t1("optErrUnknownKustomer", kustomer.as_str())
        }
        MappingError::UnknownCcaiStatus { ccai, .. } => t1("optErrUnknownCcai", &ccai.to_string()),
        MappingError::DuplicateKustomerStatus { kustomer_name, .. } => {
            t1("optErrDuplicate", kustomer_name)
        }
        MappingError::SystemStatusTarget { ccai_name, .. } => t1("optErrSystemTarget", ccai_name),
        MappingError::SecondPreferred { ccai_name, .. } => t1("optErrSecondPreferred", ccai_name),
    }
}

/// Splits core errors into (editor row, words) and the errors that belong to no row.
fn place(errors: &[MappingError], row_of_entry: &[usize]) -> (Vec<(usize, String)>, Vec<String>) {
    let mut rows = Vec::new();
    let mut global = Vec::new();
    for e in errors {
        match row_of(e).and_then(|r| row_of_entry.get(r.wrapping_sub(1))) {
            Some(&at) => rows.push((at, words(e))),
            None => global.push(words(e)),
        }
    }
    (rows, global)
}

#[component]
pub fn MappingEditor() -> impl IntoView {
    let page = page();
    let draft: RwSignal<Vec<Row>> = RwSignal::new(Vec::new());
    let problems: RwSignal<Vec<(usize, String)>> = RwSignal::new(Vec::new());
    let state = RwSignal::new(String::new());
    // The settings version the rows were built from; `None` until built (or when a list reloads).
    let built: RwSignal<Option<u64>> = RwSignal::new(None);
    // Edited and not saved: a new version from the server does not replace the admin's rows.
    let dirty = RwSignal::new(false);

    // Builds the rows once both catalogs and the settings are in, again after the catalogs reload,
    // and when the server's version changes while the admin has nothing unsaved here.
    Effect::new(move |_| {
        let (kustomer, ccai) = (page.kustomer.get(), page.ccai.get());
        let (Load::Ready(kcat), Load::Ready(ccat)) = (kustomer, ccai) else {
            built.set(None);
            return;
        };
        let Some(settings) = page.settings.get() else {
            return;
        };
        let version = page.version.get();
        match built.get_untracked() {
            Some(v) if v == version => return,
            Some(_) if dirty.get_untracked() => return,
            _ => {}
        }
        let (rows, map) = draft_from(&settings.mapping, &kcat);
        let stale = Mapping::revalidate(&settings.mapping, &kcat, &ccat);
        let (per_row, _) = place(&stale.problems, &map);
        if !per_row.is_empty() {
            state.set(t1("optMappingStale", &per_row.len().to_string()));
        }
        problems.set(per_row);
        draft.set(rows);
        built.set(Some(version));
    });

    let save = move |_| {
        let (Load::Ready(kcat), Load::Ready(ccat)) =
            (page.kustomer.get_untracked(), page.ccai.get_untracked())
        else {
            state.set(t("optMappingNoCatalogs"));
            return;
        };
        if !page.inheritance_on() {
            state.set(t("optMappingNeedsInheritance"));
            return;
        }
        let (entries, map) = entries_from(&draft.get_untracked());
        match Mapping::validate(&entries, &kcat, &ccat) {
            Err(errors) => {
                let (per_row, global) = place(&errors, &map);
                let n = per_row.len();
                problems.set(per_row);
                let mut text = global.join(" ");
                if n > 0 {
                    text = format!("{} {text}", t1("optMappingHasErrors", &n.to_string()))
                        .trim()
                        .to_owned();
                }
                state.set(text);
            }
            Ok(mapping) => {
                problems.set(Vec::new());
                state.set(String::new());
                let rows = mapping.entries().to_vec();
                // A valid mapping keeps every row in order: the n-th row sent is `map[n]`.
                let sent_rows = map.clone();
                leptos::task::spawn_local(async move {
                    match page.save_settings(|s| s.mapping = rows).await {
                        Ok(()) => {
                            dirty.set(false);
                            state.set(t("optMappingSaved"));
                        }
                        Err(e) => {
                            // The server checked the rows against the live lists: its findings go
                            // beside their rows, the rest into the sentence.
                            if let AdminError::Refused(r) = &e {
                                let errors: Vec<MappingError> = r
                                    .details
                                    .iter()
                                    .filter_map(|p| match p {
                                        SettingsProblem::Mapping(m) => Some(m.clone()),
                                        _ => None,
                                    })
                                    .collect();
                                problems.set(place(&errors, &sent_rows).0);
                            }
                            state.set(admin_failure(&e));
                        }
                    }
                });
            }
        }
    };

    view! {
        <section id="mapping" aria-labelledby="mapping-title">
            <h2 id="mapping-title">{t("optMappingTitle")}</h2>
            <p class="hint">{t("optMappingHint")}</p>
            <p class="problem">
                {move || page.kustomer.with(catalog_problem).or_else(|| page.ccai.with(catalog_problem))}
            </p>
            <table class="mapping">
                <thead>
                    <tr>
                        <th scope="col">{t("optColKustomer")}</th>
                        <th scope="col">{t("optColCcai")}</th>
                        <th scope="col">{t("optColPreview")}</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each={move || draft.get().into_iter().enumerate().collect::<Vec<_>>()}
                        key=|(i, r)| (*i, r.kustomer.clone(), r.extra)
                        children={move |(i, row)| row_view(i, row, draft, problems, state, dirty)}
                    />
                </tbody>
            </table>
            <button type="button" id="save-mapping" on:click=save>{t("optSaveMapping")}</button>
            <p id="mapping-state" role="status" aria-live="polite">{move || state.get()}</p>
        </section>
    }
}

fn kustomer_name(kcat: &Load<KustomerCatalog>, id: &KustomerStatusId) -> String {
    match kcat {
        Load::Ready(c) => c.get(id).map(|s| s.name.clone()),
        _ => None,
    }
    .unwrap_or_else(|| t1("optUnknownKustomer", id.as_str()))
}

fn row_view(
    i: usize,
    row: Row,
    draft: RwSignal<Vec<Row>>,
    problems: RwSignal<Vec<(usize, String)>>,
    state: RwSignal<String>,
    dirty: RwSignal<bool>,
) -> impl IntoView {
    let page = page();
    let name = page
        .kustomer
        .with_untracked(|k| kustomer_name(k, &row.kustomer));
    let ccat: CcaiCatalog = page.ccai.with_untracked(|c| match c {
        Load::Ready(c) => c.clone(),
        _ => CcaiCatalog::new(Vec::new()),
    });
    let current = move || draft.with(|d| d.get(i).and_then(|r| r.ccai));
    let error = move || problems.with(|p| p.iter().find(|(r, _)| *r == i).map(|(_, m)| m.clone()));
    let (select_id, err_id, prev_id) =
        (format!("map-{i}"), format!("err-{i}"), format!("prev-{i}"));
    let described = format!("{prev_id} {err_id}");
    let stale = row.ccai.filter(|id| !ccat.contains(id));

    let preview = {
        let (name, ccat) = (name.clone(), ccat.clone());
        move || match current() {
            None => t1("optPreviewUnmapped", &name),
            Some(id) => match ccat.get(&id) {
                Some(s) if s.is_system() => t1("optPreviewSystem", &s.name),
                Some(s) => t2("optPreviewMapped", &name, &s.name),
                None => t1("optUnknownCcai", &id.to_string()),
            },
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let ccai = value.parse::<i64>().ok().map(CcaiStatusId);
        dirty.set(true);
        draft.update(|d| {
            if let Some(r) = d.get_mut(i) {
                r.ccai = ccai;
            }
        });
        problems.update(|p| p.retain(|(r, _)| *r != i));
    };
    let remove = move |_| {
        dirty.set(true);
        draft.update(|d| {
            if i < d.len() {
                d.remove(i);
            }
        });
        problems.update(|p| {
            p.retain(|(r, _)| *r != i);
            for (r, _) in p.iter_mut() {
                if *r > i {
                    *r -= 1;
                }
            }
        });
        state.set(t("optRowRemoved"));
    };
    let options = ccat
        .iter()
        .map(|s| {
            let id = s.id;
            let label = if s.is_system() { t1("optSystemOption", &s.name) } else { s.name.clone() };
            view! { <option value=id.0.to_string() prop:selected=move || current() == Some(id)>{label}</option> }
        })
        .collect_view();
    let label = t1("optMapSelectLabel", &name);
    let remove_label = t1("optRemoveRow", &name);
    view! {
        <tr class:extra=row.extra>
            <th scope="row">{name.clone()}</th>
            <td>
                <select
                    id=select_id
                    data-kustomer=row.kustomer.as_str().to_owned()
                    aria-label=label
                    aria-describedby=described
                    aria-invalid=move || if error().is_some() { "true" } else { "false" }
                    on:change=on_change
                >
                    <option value="" prop:selected=move || current().is_none()>{t("optNotMapped")}</option>
                    {options}
                    {stale.map(|id| view! {
                        <option value=id.0.to_string() prop:selected=move || current() == Some(id)>
                            {t1("optUnknownCcai", &id.to_string())}
                        </option>
                    })}
                </select>
                {row.extra.then(|| view! {
                    <button type="button" class="remove" aria-label=remove_label on:click=remove>{t("optRemove")}</button>
                })}
            </td>
            <td>
                <span id=prev_id class="preview">{preview}</span>
                <span id=err_id class="error">{error}</span>
            </td>
        </tr>
    }
}
