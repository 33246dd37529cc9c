//! Guided setup (SPEC P2, S9). The order matters: the Kustomer statuses exist, then status inheritance
//! is enabled, then the mapping is made. A step taken out of order is refused with the reason. For
//! bidirectional sync, the Kustomer prerequisites are checked through Kustomer's API as far as it
//! can see them, and the rest is listed as "check by hand".

use ccai_core::mapping::Mapping;
use leptos::prelude::*;

use super::text::{failure, Side};
use super::{page, Load};
use crate::api::kustomer_metadata as admin;
use crate::chrome::i18n::{t, t1};
use crate::config::Config;

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

/// One S9 finding: checked and true, checked and false, or the reason it could not be checked.
#[derive(Clone)]
struct Finding {
    id: &'static str,
    ok: bool,
    text: String,
}

#[component]
fn Prerequisites() -> impl IntoView {
    let page = page();
    let findings: RwSignal<Vec<Finding>> = RwSignal::new(Vec::new());
    let busy = RwSignal::new(false);
    let check = move |_| {
        busy.set(true);
        findings.set(Vec::new());
        let config = page.config.get_untracked();
        leptos::task::spawn_local(async move {
            findings.set(check_s9(&config).await);
            busy.set(false);
        });
    };
    view! {
        <h3>{t("optS9Title")}</h3>
        <p class="hint">{t("optS9Hint")}</p>
        <button type="button" id="check-s9" on:click=check>{t("optS9Check")}</button>
        <div id="s9-results" role="status" aria-live="polite">
            <Show when=move || busy.get()><p>{t("optTesting")}</p></Show>
            <ul class="checks">
                {move || findings.get().into_iter().map(|f| {
                    let word = if f.ok { t("optCheckOk") } else { t("optCheckFailed") };
                    view! { <li id=f.id class=if f.ok { "ok" } else { "bad" }><strong>{word}</strong>" "{f.text}</li> }
                }).collect_view()}
            </ul>
        </div>
        <h4>{t("optS9ManualTitle")}</h4>
        <ul id="s9-manual">
            <li>{t("optS9Manual1")}</li>
            <li>{t("optS9Manual2")}</li>
            <li>{t("optS9Manual3")}</li>
        </ul>
    }
}

/// Team Routing on for a team, an External Queue on such a team, and the agent on one of those teams.
async fn check_s9(c: &Config) -> Vec<Finding> {
    let base = &c.kustomer_base;
    let settings = match admin::routing_settings(c).await {
        Ok(s) => s,
        Err(e) => {
            let text = failure(Side::Kustomer, &e, base, "org.permission.routing.read");
            return vec![Finding {
                id: "s9-routing",
                ok: false,
                text,
            }];
        }
    };
    let routed: Vec<&String> = settings
        .iter()
        .filter(|(_, s)| s.enabled)
        .map(|(id, _)| id)
        .collect();
    let external: Vec<&String> = settings
        .iter()
        .filter(|(_, s)| s.enabled && !s.external_queues.is_empty())
        .map(|(id, _)| id)
        .collect();
    let mut out = vec![
        Finding {
            id: "s9-routing",
            ok: !routed.is_empty(),
            text: if routed.is_empty() {
                t("optS9RoutingOff")
            } else {
                t1("optS9RoutingOn", &routed.len().to_string())
            },
        },
        Finding {
            id: "s9-external",
            ok: !external.is_empty(),
            text: if external.is_empty() {
                t("optS9ExternalNone")
            } else {
                t1("optS9ExternalSome", &external.len().to_string())
            },
        },
    ];
    let user = admin::current_user(c).await;
    let teams = admin::teams(c).await;
    let finding = match (user, teams) {
        (Err(e), _) | (_, Err(e)) => failure(Side::Kustomer, &e, base, "org.permission.team.read"),
        (Ok(user), Ok(teams)) => {
            match teams
                .iter()
                .find(|team| external.contains(&&team.id) && team.members.contains(&user.id))
            {
                Some(team) => {
                    out.push(Finding {
                        id: "s9-team",
                        ok: true,
                        text: t1("optS9TeamOk", &team.name),
                    });
                    return out;
                }
                None => t1("optS9TeamMissing", &user.email),
            }
        }
    };
    out.push(Finding {
        id: "s9-team",
        ok: false,
        text: finding,
    });
    out
}
