//! Connection settings: where Kustomer and CCAI are, and the credentials, kept in extension storage.

use leptos::prelude::*;

use crate::chrome::i18n::t;
use crate::config::{self, Config};

#[derive(Clone, Copy, PartialEq)]
enum SaveState {
    Idle,
    Saved,
    Incomplete,
    Failed,
}

#[component]
pub fn ConnectionForm() -> impl IntoView {
    let config = RwSignal::new(Config::default());
    let saved = RwSignal::new(SaveState::Idle);
    leptos::task::spawn_local(async move { config.set(config::load().await) });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current = config.get_untracked();
        if !current.is_complete() {
            saved.set(SaveState::Incomplete);
            return;
        }
        leptos::task::spawn_local(async move {
            let ok = config::save(&current).await.is_ok();
            saved.set(if ok { SaveState::Saved } else { SaveState::Failed });
        });
    };
    let field = move |id: &'static str, label: &'static str, kind: &'static str, get: fn(&Config) -> String, set: fn(&mut Config, String)| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <input
                    id=id
                    type=kind
                    autocomplete="off"
                    prop:value=move || config.with(get)
                    on:input=move |ev| config.update(|c| set(c, event_target_value(&ev)))
                />
            </div>
        }
    };
    view! {
        <form id="connection" on:submit=save>
            <fieldset>
                <legend>{t("connectionLegend")}</legend>
                {field("kustomer-base", "kustomerBaseLabel", "url", |c| c.kustomer_base.clone(), |c, v| c.kustomer_base = v)}
                {field("kustomer-key", "kustomerKeyLabel", "password", |c| c.kustomer_key.clone(), |c, v| c.kustomer_key = v)}
                {field("ccai-base", "ccaiBaseLabel", "url", |c| c.ccai_base.clone(), |c, v| c.ccai_base = v)}
                {field("ccai-user", "ccaiUserLabel", "text", |c| c.ccai_user.clone(), |c, v| c.ccai_user = v)}
                {field("ccai-token", "ccaiTokenLabel", "password", |c| c.ccai_token.clone(), |c, v| c.ccai_token = v)}
                {field("agent-email", "agentEmailLabel", "email", |c| c.agent_email.clone(), |c, v| c.agent_email = v)}
            </fieldset>
            <button type="submit" id="save-connection">{t("save")}</button>
            <p id="save-state" role="status" aria-live="polite">
                {move || match saved.get() {
                    SaveState::Idle => String::new(),
                    SaveState::Saved => t("saved"),
                    SaveState::Incomplete => t("connectionIncomplete"),
                    SaveState::Failed => t("saveFailed"),
                }}
            </p>
        </form>
    }
}
