//! Guided setup (SPEC P2, S9). The order matters: the Kustomer statuses exist, then status inheritance
//! is enabled, then the mapping is made. A step taken out of order is refused with the reason. For
//! bidirectional sync, the Kustomer prerequisites are listed to check by hand: Kustomer documents no
//! API that shows them.

use ccai_core::mapping::Mapping;
use leptos::prelude::*;

use super::{page, Load};
use crate::chrome::i18n::{t, t1};

/// Step 1: whether Kustomer lists at least one admin-defined status (the seed's K1…K4), or why not.
fn statuses_step(page: super::Page) -> Result<usize, String> {
    page.kustomer.with(|k| match k {
        Load::Loading => Err(t("loading")),
        Load::Failed(why) => Err(why.clone()),
        Load::Ready(cat) => {
            let own = cat.iter().filter(|s| !s.system).count();
            if own == 0 {
                Err(t("optStepStatusesNone"))
            } else {
                Ok(own)
            }
        }
    })
}

#[component]
pub fn Setup() -> impl IntoView {
    let page = page();
    let state = RwSignal::new(String::new());
    let step1 = move || statuses_step(page);
    let step2 = move || {
        page.settings
            .with(|s| s.as_ref().is_some_and(|s| s.inheritance))
    };
    let step3 = move || {
        let rows = page
            .settings
            .with(|s| s.as_ref().map(|s| s.mapping.clone()).unwrap_or_default());
        match (page.kustomer.get(), page.ccai.get()) {
            (Load::Ready(k), Load::Ready(c)) => Mapping::validate(&rows, &k, &c).is_ok(),
            _ => !rows.is_empty(),
        }
    };
    let enable = move |_| {
        if let Err(why) = statuses_step(page) {
            state.set(t1("optStepBlocked1", &why));
            return;
        }
        leptos::task::spawn_local(async move {
            let ok = page.save_settings(|s| s.inheritance = true).await.is_ok();
            state.set(if ok {
                t("optInheritanceOn")
            } else {
                t("saveFailed")
            });
        });
    };
    let disable = move |_| {
        leptos::task::spawn_local(async move {
            let ok = page.save_settings(|s| s.inheritance = false).await.is_ok();
            state.set(if ok {
                t("optInheritanceOff")
            } else {
                t("saveFailed")
            });
        });
    };
    let word = |done: bool| {
        if done {
            t("optStepDone")
        } else {
            t("optStepTodo")
        }
    };
    view! {
        <section id="setup" aria-labelledby="setup-title">
            <h2 id="setup-title">{t("optSetupTitle")}</h2>
            <p class="hint">{t("optSetupHint")}</p>
            <ol class="steps">
                <li id="step-statuses">
                    <strong>{move || word(step1().is_ok())}</strong>
                    " "
                    {t("optStep1")}
                    " "
                    <span class="detail">
                        {move || match step1() {
                            Ok(n) => t1("optStep1Found", &n.to_string()),
                            Err(why) => why,
                        }}
                    </span>
                </li>
                <li id="step-inheritance">
                    <strong>{move || word(step2())}</strong>
                    " "
                    {t("optStep2")}
                    " "
                    {move || if step2() {
                        view! { <button type="button" id="disable-inheritance" on:click=disable>{t("optDisableInheritance")}</button> }.into_any()
                    } else {
                        view! { <button type="button" id="enable-inheritance" on:click=enable>{t("optEnableInheritance")}</button> }.into_any()
                    }}
                </li>
                <li id="step-mapping">
                    <strong>{move || word(step3())}</strong>
                    " "
                    {t("optStep3")}
                </li>
            </ol>
            <p id="setup-state" role="status" aria-live="polite">{move || state.get()}</p>
            <Prerequisites/>
        </section>
    }
}

/// SPEC S9: what bidirectional sync needs of Kustomer. Kustomer documents no API for its team routing
/// settings or its teams (API-NOTES B8: "Not documented: … team routing settings and teams
/// details"), so none of it is checked by a call (before issue 16 the page read two undocumented
/// routes): the admin checks each by hand, and the list says why.
#[component]
fn Prerequisites() -> impl IntoView {
    view! {
        <h3>{t("optS9Title")}</h3>
        <p class="hint">{t("optS9Hint")}</p>
        <h4>{t("optS9ManualTitle")}</h4>
        <ul id="s9-manual">
            <li>{t("optS9ManualRouting")}</li>
            <li>{t("optS9ManualExternal")}</li>
            <li>{t("optS9ManualTeam")}</li>
            <li>{t("optS9Manual1")}</li>
            <li>{t("optS9Manual2")}</li>
            <li>{t("optS9Manual3")}</li>
        </ul>
    }
}
