//! The expanded panel: who is signed in, what Kustomer shows, and what needs the agent's attention.

use leptos::prelude::*;

use crate::chrome::i18n::t;
use crate::frame::{AdapterState, Role};
use crate::sync::SyncHandle;

#[component]
pub fn Panel() -> impl IntoView {
    let state = expect_context::<AdapterState>();
    let sync = expect_context::<SyncHandle>();
    let kustomer_status = move || {
        state.page.with(|page| match page {
            None => t("kustomerWaiting"),
            Some(f) if !f.markup_found => t("kustomerStatusNotFound"),
            Some(f) => f
                .status_name
                .clone()
                .unwrap_or_else(|| t("kustomerStatusNotFound")),
        })
    };
    let notice = move || state.notice.get().map(|n| n.text()).unwrap_or_default();
    let notice_class = move || match state.notice.get() {
        Some(n) if n.is_problem() => "notice problem",
        _ => "notice",
    };
    view! {
        <section id="panel" class="panel" aria-labelledby="panel-title" hidden=move || state.minimised.get()>
            <header class="panel-head">
                <h1 id="panel-title">{t("extShortName")}</h1>
            </header>
            <dl class="facts">
                <dt>{t("kustomerStatusLabel")}</dt>
                <dd id="kustomer-status">{kustomer_status}</dd>
            </dl>
            <p id="owner" class="owner">
                <span id="owner-text">{move || match state.role.get() {
                    Role::Owner => t("ownerThisTab"),
                    Role::Follower => t("ownerOtherTab"),
                    Role::Unknown => String::new(),
                }}</span>
                <button
                    id="use-this-tab"
                    type="button"
                    hidden=move || state.role.get() != Role::Follower
                    on:click=move |_| sync.with_value(|d| d.use_this_tab())
                >{t("useThisTab")}</button>
            </p>
            <p id="sync-state" class="sync" role="status" aria-live="polite">{move || state.sync.get().unwrap_or_default()}</p>
            <button
                id="sign-in-again"
                type="button"
                hidden=move || !state.paused.get()
                on:click=move |_| sync.with_value(|d| d.sign_in_again())
            >
                {t("signInAgain")}
            </button>
            <p id="notice" class=notice_class role="status" aria-live="polite">{notice}</p>
        </section>
    }
}
