//! Sync settings: direction (S4) and prioritisation (S5), each a radio group whose options carry one
//! sentence saying what they do; the countries national phone numbers are read in (C2); and the
//! address of CCAI's own agent adapter, which the panel opens for what CCAI offers no API for (C3).
//! Each field the admin changed stays as typed until saved, even when the page takes another admin's
//! version, and a save writes only those fields: the others keep whatever is saved (another admin's
//! change to them included).

use ccai_core::reconcile::{Direction, Priority};
use ccai_core::settings::SettingsProblem;
use leptos::prelude::*;

use super::text::{admin_failure, problem_words};
use super::{page, AdminError};
use crate::chrome::i18n::t;

#[component]
pub fn SyncForm() -> impl IntoView {
    let page = page();
    let direction = RwSignal::new(Direction::OneWay);
    let priority = RwSignal::new(Priority::LatestChangeWins);
    let state = RwSignal::new(String::new());
    let countries = RwSignal::new(String::new());
    let country_error = RwSignal::new(String::new());
    let adapter_url = RwSignal::new(String::new());
    let adapter_error = RwSignal::new(String::new());
    // Per field, edited and not saved yet: the server's version does not replace what the admin typed.
    let edited = Edited::default();
    Effect::new(move |_| {
        if let Some(s) = page.settings.get() {
            if !edited.direction.get_untracked() {
                direction.set(s.direction);
            }
            if !edited.priority.get_untracked() {
                priority.set(s.priority);
            }
            if !edited.countries.get_untracked() {
                countries.set(s.phone_countries.join(", "));
            }
            if !edited.adapter_url.get_untracked() {
                adapter_url.set(s.ccai_adapter_url.clone());
            }
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (d, p) = (direction.get_untracked(), priority.get_untracked());
        // C2: unknown codes are dropped; an empty list keeps the previous one.
        let c = ccai_core::phone::countries(&countries.get_untracked());
        let url = adapter_url.get_untracked().trim().to_owned();
        country_error.set(String::new());
        adapter_error.set(String::new());
        if !ccai_core::settings::is_adapter_url(&url) {
            adapter_error.set(problem_words(&SettingsProblem::AdapterUrl { url }));
            state.set(t("optSyncHasErrors"));
            return;
        }
        leptos::task::spawn_local(async move {
            let saved = page
                .save_settings(|s| {
                    if edited.direction.get_untracked() {
                        s.direction = d;
                    }
                    if edited.priority.get_untracked() {
                        s.priority = p;
                    }
                    if edited.countries.get_untracked() && !c.is_empty() {
                        s.phone_countries = c;
                    }
                    if edited.adapter_url.get_untracked() {
                        s.ccai_adapter_url = url;
                    }
                })
                .await;
            match saved {
                Ok(()) => {
                    edited.clear();
                    state.set(t("optSyncSaved"));
                }
                Err(e) => {
                    if let AdminError::Refused(r) = &e {
                        let mine: Vec<String> = r
                            .details
                            .iter()
                            .filter(|p| {
                                matches!(
                                    p,
                                    SettingsProblem::UnknownCountry { .. }
                                        | SettingsProblem::CountryTwice { .. }
                                )
                            })
                            .map(problem_words)
                            .collect();
                        country_error.set(mine.join(" "));
                        let adapter: Vec<String> = r
                            .details
                            .iter()
                            .filter(|p| matches!(p, SettingsProblem::AdapterUrl { .. }))
                            .map(problem_words)
                            .collect();
                        adapter_error.set(adapter.join(" "));
                    }
                    state.set(admin_failure(&e));
                }
            }
        });
    };
    view! {
        <form id="sync" on:submit=save aria-labelledby="sync-title">
            <h2 id="sync-title">{t("optSyncTitle")}</h2>
            <fieldset>
                <legend>{t("optDirectionLegend")}</legend>
                {choice("direction", "dir-one-way", "optDirOneWay", "optDirOneWayHelp", direction, Direction::OneWay, edited.direction)}
                {choice("direction", "dir-both", "optDirBoth", "optDirBothHelp", direction, Direction::Bidirectional, edited.direction)}
            </fieldset>
            <fieldset>
                <legend>{t("optPriorityLegend")}</legend>
                {choice("priority", "prio-latest", "optPrioLatest", "optPrioLatestHelp", priority, Priority::LatestChangeWins, edited.priority)}
                {choice("priority", "prio-crm", "optPrioCrm", "optPrioCrmHelp", priority, Priority::CrmOverridesNext, edited.priority)}
            </fieldset>
            <fieldset>
                <legend>{t("phoneCountriesLegend")}</legend>
                <label for="phone-countries">{t("phoneCountriesLabel")}</label>
                <input id="phone-countries" type="text" autocomplete="off" maxlength="64"
                    aria-describedby="phone-countries-help phone-countries-error"
                    aria-invalid=move || if country_error.with(String::is_empty) { "false" } else { "true" }
                    prop:value=move || countries.get()
                    on:input=move |e| {
                        edited.countries.set(true);
                        countries.set(event_target_value(&e));
                    }/>
                <p id="phone-countries-help" class="help">{t("phoneCountriesHelp")}</p>
                <p id="phone-countries-error" class="error">{move || country_error.get()}</p>
            </fieldset>
            <fieldset>
                <legend>{t("optAdapterLegend")}</legend>
                <label for="ccai-adapter-url">{t("optAdapterUrlLabel")}</label>
                <input id="ccai-adapter-url" type="url" autocomplete="off" spellcheck="false" maxlength="2048"
                    aria-describedby="ccai-adapter-url-help ccai-adapter-url-error"
                    aria-invalid=move || if adapter_error.with(String::is_empty) { "false" } else { "true" }
                    prop:value=move || adapter_url.get()
                    on:input=move |e| {
                        edited.adapter_url.set(true);
                        adapter_url.set(event_target_value(&e));
                    }/>
                <p id="ccai-adapter-url-help" class="help">{t("optAdapterUrlHelp")}</p>
                <p id="ccai-adapter-url-error" class="error">{move || adapter_error.get()}</p>
            </fieldset>
            <button type="submit" id="save-sync">{t("optSaveSync")}</button>
            <p id="sync-state" role="status" aria-live="polite">{move || state.get()}</p>
        </form>
    }
}

/// Which fields the admin changed since the last save.
#[derive(Clone, Copy)]
struct Edited {
    direction: RwSignal<bool>,
    priority: RwSignal<bool>,
    countries: RwSignal<bool>,
    adapter_url: RwSignal<bool>,
}

impl Default for Edited {
    fn default() -> Self {
        Self {
            direction: RwSignal::new(false),
            priority: RwSignal::new(false),
            countries: RwSignal::new(false),
            adapter_url: RwSignal::new(false),
        }
    }
}

impl Edited {
    fn clear(self) {
        for s in [
            self.direction,
            self.priority,
            self.countries,
            self.adapter_url,
        ] {
            s.set(false);
        }
    }
}

/// One radio button with its label and its sentence (linked with `aria-describedby`).
fn choice<T: Copy + PartialEq + Send + Sync + 'static>(
    name: &'static str,
    id: &'static str,
    label: &'static str,
    help: &'static str,
    signal: RwSignal<T>,
    value: T,
    dirty: RwSignal<bool>,
) -> impl IntoView {
    let help_id = format!("{id}-help");
    view! {
        <div class="choice">
            <input
                type="radio"
                id=id
                name=name
                aria-describedby=help_id.clone()
                prop:checked=move || signal.get() == value
                on:change=move |_| {
                    dirty.set(true);
                    signal.set(value);
                }
            />
            <label for=id>{t(label)}</label>
            <p id=help_id class="help">{t(help)}</p>
        </div>
    }
}
