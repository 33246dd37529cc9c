//! The operations page's view: the server and its CCAI budget, one row per signed-in agent, the latest
//! refusals. Every figure has a label a screen reader reads with it (a description list, a table with
//! headers and a caption); the time of the last reading is plain text, not a live region, so a screen
//! reader is not interrupted every two seconds; a failure is an alert.

use ccai_core::server_api::{AgentSync, ChangeView, Operations, Refusal};
use leptos::prelude::*;

use super::Shown;
use crate::chrome::i18n::{t, t1, t2};

#[component]
pub fn OperationsPage(
    shown: RwSignal<Option<Shown>>,
    problem: RwSignal<Option<String>>,
) -> impl IntoView {
    let loading = move || shown.with(Option::is_none) && problem.with(Option::is_none);
    view! {
        <h1>{t("opsTitle")}</h1>
        <p class="hint">{t("opsHint")}</p>
        <p id="ops-problem" role="alert">{move || problem.get().unwrap_or_default()}</p>
        <Show when=loading>
            <p id="ops-loading">{t("opsLoading")}</p>
        </Show>
        {move || shown.get().map(|s| view! {
            <p id="ops-updated" class="hint">{t1("opsUpdated", &clock(s.at_ms))}</p>
            <Server view=s.view.clone() rate_now=s.rate_now/>
            <Agents agents=s.view.agents.clone()/>
            <Refusals refusals=s.view.refusals.clone()/>
        })}
    }
}

#[component]
fn Server(view: Operations, rate_now: Option<f64>) -> impl IntoView {
    let instance = view
        .instance
        .clone()
        .unwrap_or_else(|| t("opsOnlyInstance"));
    let holder = match (&view.lease_holder, view.acts_for_company) {
        (_, true) if view.instance.is_none() => instance.clone(),
        (_, true) => t1("opsActsYes", &instance),
        (Some(h), false) => t1("opsActsOther", h),
        (None, false) => t("opsActsNobody"),
    };
    let hears = match view.hears_other_instances {
        None => t("opsOneInstance"),
        Some(true) => t("opsHearsYes"),
        Some(false) => t("opsHearsNo"),
    };
    // From the second reading on: a rate needs two.
    let in_use = rate_now.map_or_else(|| "–".to_owned(), |r| format!("{r:.1}"));
    let budget = t2("opsBudget", &in_use, &view.ccai_rate_per_s.to_string());
    let item = |id: &'static str, label: String, value: String| {
        view! {
            <dt>{label}</dt>
            <dd id=id>{value}</dd>
        }
    };
    view! {
        <section aria-labelledby="ops-server-title">
            <h2 id="ops-server-title">{t("opsServerTitle")}</h2>
            <dl id="ops-server">
                {item("ops-instance", t("opsInstance"), instance.clone())}
                {item("ops-lease", t("opsLease"), holder)}
                {item("ops-hears", t("opsHears"), hears)}
                {item("ops-budget", t("opsBudgetLabel"), budget)}
                {item("ops-sent", t("opsSentLabel"), view.ccai_requests_sent.to_string())}
                {item("ops-limited", t("opsLimitedLabel"), view.ccai_rate_limited.to_string())}
                {item("ops-outbox", t("opsOutbox"), view.status_changes_open.to_string())}
                {item("ops-records", t("opsRecords"), view.records_backlog.to_string())}
                {item("ops-connections", t("opsConnections"), view.push_connections.to_string())}
            </dl>
        </section>
    }
}

#[component]
fn Agents(agents: Vec<AgentSync>) -> impl IntoView {
    let empty = agents.is_empty();
    let rows = agents
        .into_iter()
        .map(|a| {
            let owner = if a.owner_epoch == 0 {
                t("opsNoOwner")
            } else {
                t1("opsOwnerTerm", &a.owner_epoch.to_string())
            };
            let (status, state) = a.last_change.as_ref().map_or_else(
                || (String::new(), t("opsNoChange")),
                |c| (c.ccai_status.clone(), change_words(c)),
            );
            let email = a.email.clone();
            view! {
                <tr data-email=email>
                    <th scope="row">{a.name}<br/><span class="hint">{a.email}</span></th>
                    <td>{owner}</td>
                    <td>{a.connections.to_string()}</td>
                    <td>{status}</td>
                    <td class="ops-state">{state}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="ops-agents-title">
            <h2 id="ops-agents-title">{t("opsAgentsTitle")}</h2>
            {empty.then(|| view! { <p id="ops-no-agents">{t("opsNoAgents")}</p> })}
            <table id="ops-agents" hidden=empty>
                <caption>{t("opsAgentsCaption")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{t("opsColAgent")}</th>
                        <th scope="col">{t("opsColOwner")}</th>
                        <th scope="col">{t("opsColConnections")}</th>
                        <th scope="col">{t("opsColStatus")}</th>
                        <th scope="col">{t("opsColState")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}

#[component]
fn Refusals(refusals: Vec<Refusal>) -> impl IntoView {
    let empty = refusals.is_empty();
    let items = refusals
        .into_iter()
        .map(|r| {
            let what = t2("opsRefusal", &r.email, &r.ccai_status);
            view! { <li>{clock(r.at_ms as f64)}" — "{what}": "{r.reason}</li> }
        })
        .collect_view();
    view! {
        <section aria-labelledby="ops-refusals-title">
            <h2 id="ops-refusals-title">{t("opsRefusalsTitle")}</h2>
            {empty.then(|| view! { <p id="ops-no-refusals">{t("opsNoRefusals")}</p> })}
            <ul id="ops-refusals">{items}</ul>
        </section>
    }
}

/// Whether CCAI applied the change, in words (the server's reason after a failure).
fn change_words(c: &ChangeView) -> String {
    let state = match c.state.as_str() {
        "queued" => t("opsStateQueued"),
        "sent" => t("opsStateSent"),
        "applied" => t("opsStateApplied"),
        "failed" => t("opsStateFailed"),
        "superseded" => t("opsStateSuperseded"),
        "merged" => t("opsStateMerged"),
        other => other.to_owned(),
    };
    match (&c.outcome, c.state.as_str()) {
        (Some(why), "failed") => format!("{state}: {why}"),
        _ => state,
    }
}

/// A time of day in the page's language.
fn clock(at_ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at_ms));
    String::from(date.to_locale_time_string(&t("optLang")))
}
