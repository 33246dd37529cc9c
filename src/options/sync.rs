//! Sync settings: direction (S4) and prioritisation (S5), each a radio group whose options carry one
//! sentence saying what they do; and the countries national phone numbers are read in (C2).

use ccai_core::reconcile::{Direction, Priority};
use leptos::prelude::*;

use super::page;
use crate::chrome::i18n::t;

#[component]
pub fn SyncForm() -> impl IntoView {
    let page = page();
    let direction = RwSignal::new(Direction::OneWay);
    let priority = RwSignal::new(Priority::LatestChangeWins);
    let state = RwSignal::new(String::new());
    let countries = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(s) = page.settings.get() {
            direction.set(s.direction);
            priority.set(s.priority);
            countries.set(s.phone_countries.join(", "));
        }
    });
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (d, p) = (direction.get_untracked(), priority.get_untracked());
        // C2: unknown codes are dropped; an empty list keeps the previous one.
        let c = ccai_core::phone::countries(&countries.get_untracked());
        leptos::task::spawn_local(async move {
            let ok = page
                .save_settings(|s| {
                    s.direction = d;
                    s.priority = p;
                    if !c.is_empty() {
                        s.phone_countries = c;
                    }
                })
                .await
                .is_ok();
            state.set(if ok {
                t("optSyncSaved")
            } else {
                t("saveFailed")
            });
        });
    };
    view! {
        <form id="sync" on:submit=save aria-labelledby="sync-title">
            <h2 id="sync-title">{t("optSyncTitle")}</h2>
            <fieldset>
                <legend>{t("optDirectionLegend")}</legend>
                {choice("direction", "dir-one-way", "optDirOneWay", "optDirOneWayHelp", direction, Direction::OneWay)}
                {choice("direction", "dir-both", "optDirBoth", "optDirBothHelp", direction, Direction::Bidirectional)}
            </fieldset>
            <fieldset>
                <legend>{t("optPriorityLegend")}</legend>
                {choice("priority", "prio-latest", "optPrioLatest", "optPrioLatestHelp", priority, Priority::LatestChangeWins)}
                {choice("priority", "prio-crm", "optPrioCrm", "optPrioCrmHelp", priority, Priority::CrmOverridesNext)}
            </fieldset>
            <fieldset>
                <legend>{t("phoneCountriesLegend")}</legend>
                <label for="phone-countries">{t("phoneCountriesLabel")}</label>
                <input id="phone-countries" type="text" autocomplete="off" maxlength="64"
                    aria-describedby="phone-countries-help"
                    prop:value=move || countries.get()
                    on:input=move |e| countries.set(event_target_value(&e))/>
                <p id="phone-countries-help" class="help">{t("phoneCountriesHelp")}</p>
            </fieldset>
            <button type="submit" id="save-sync">{t("optSaveSync")}</button>
            <p id="sync-state" role="status" aria-live="polite">{move || state.get()}</p>
        </form>
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
                on:change=move |_| signal.set(value)
            />
            <label for=id>{t(label)}</label>
            <p id=help_id class="help">{t(help)}</p>
        </div>
    }
}
