//! Connection settings: where Kustomer and CCAI are, and the credentials, kept in extension storage
//! only. "Test connection" checks both sides with what is typed (saved or not) and says, per side,
//! what is wrong in words.

use leptos::prelude::*;

use super::text::{failure, Side};
use super::{page, Load};
use crate::api::{ccai, kustomer, kustomer_metadata as admin};
use crate::chrome::i18n::{t, t1};
use crate::config::{self, Config};

#[derive(Clone, Copy, PartialEq)]
enum SaveState {
    Idle,
    Saved,
    Incomplete,
    Failed,
}

/// One line of the connection test: passed or not, and the sentence.
#[derive(Clone, PartialEq)]
struct Check {
    ok: bool,
    text: String,
}

#[component]
pub fn ConnectionForm() -> impl IntoView {
    let page = page();
    let config = page.config;
    let saved = RwSignal::new(SaveState::Idle);
    let testing = RwSignal::new(false);
    let results: RwSignal<Vec<(&'static str, Check)>> = RwSignal::new(Vec::new());

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let current = config.get_untracked();
        if !current.is_complete() {
            saved.set(SaveState::Incomplete);
            return;
        }
        leptos::task::spawn_local(async move {
            let ok = config::save(&current).await.is_ok();
            saved.set(if ok {
                SaveState::Saved
            } else {
                SaveState::Failed
            });
            if ok {
                page.reload_catalogs();
            }
        });
    };
    let test = move |_| {
        if testing.get_untracked() {
            return;
        }
        testing.set(true);
        results.set(Vec::new());
        let current = config.get_untracked();
        leptos::task::spawn_local(async move {
            results.set(run_checks(&current).await);
            testing.set(false);
        });
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      kind: &'static str,
                      get: fn(&Config) -> String,
                      set: fn(&mut Config, String)| {
        view! {
            <div class="field">
                <label for=id>{t(label)}</label>
                <input
                    id=id
                    type=kind
                    autocomplete="off"
                    spellcheck="false"
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
                <p class="hint">{t("optConnectionHint")}</p>
                {field("kustomer-base", "kustomerBaseLabel", "url", |c| c.kustomer_base.clone(), |c, v| c.kustomer_base = v)}
                {field("kustomer-key", "kustomerKeyLabel", "password", |c| c.kustomer_key.clone(), |c, v| c.kustomer_key = v)}
                {field("ccai-base", "ccaiBaseLabel", "url", |c| c.ccai_base.clone(), |c, v| c.ccai_base = v)}
                {field("ccai-user", "ccaiUserLabel", "text", |c| c.ccai_user.clone(), |c, v| c.ccai_user = v)}
                {field("ccai-token", "ccaiTokenLabel", "password", |c| c.ccai_token.clone(), |c, v| c.ccai_token = v)}
                {field("agent-email", "agentEmailLabel", "email", |c| c.agent_email.clone(), |c, v| c.agent_email = v)}
            </fieldset>
            <div class="actions">
                <button type="submit" id="save-connection">{t("save")}</button>
                <button type="button" id="test-connection" on:click=test aria-describedby="test-results">
                    {t("optTestConnection")}
                </button>
            </div>
            <p id="save-state" role="status" aria-live="polite">
                {move || match saved.get() {
                    SaveState::Idle => String::new(),
                    SaveState::Saved => t("saved"),
                    SaveState::Incomplete => t("connectionIncomplete"),
                    SaveState::Failed => t("saveFailed"),
                }}
            </p>
            <div id="test-results" role="status" aria-live="polite">
                <Show when=move || testing.get()>
                    <p>{t("optTesting")}</p>
                </Show>
                <ul class="checks">
                    {move || {
                        results
                            .get()
                            .into_iter()
                            .map(|(id, c)| {
                                let word = if c.ok { t("optCheckOk") } else { t("optCheckFailed") };
                                view! {
                                    <li id=id class=if c.ok { "ok" } else { "bad" }>
                                        <strong>{word}</strong>
                                        " "
                                        {c.text}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </form>
    }
}

/// Checks Kustomer (the key's user, then the routing statuses), CCAI (the statuses, then the agent),
/// and that both name the same e-mail (A5). Each side is checked even when the other fails.
async fn run_checks(c: &Config) -> Vec<(&'static str, Check)> {
    let mut out = Vec::new();
    let kustomer_user = match admin::current_user(c).await {
        Err(e) => {
            let text = failure(
                Side::Kustomer,
                &e,
                &c.kustomer_base,
                "org.permission.user.read",
            );
            out.push(("test-kustomer", Check { ok: false, text }));
            None
        }
        Ok(user) => match kustomer::routing_statuses(c).await {
            Err(e) => {
                let text = failure(
                    Side::Kustomer,
                    &e,
                    &c.kustomer_base,
                    "org.permission.routing.read",
                );
                out.push(("test-kustomer", Check { ok: false, text }));
                None
            }
            Ok(statuses) => {
                let text = t1("optTestKustomerOk", &statuses.len().to_string());
                out.push(("test-kustomer", Check { ok: true, text }));
                Some(user)
            }
        },
    };
    let ccai_agent = match ccai::user_statuses(c).await {
        Err(e) => {
            out.push((
                "test-ccai",
                Check {
                    ok: false,
                    text: failure(Side::Ccai, &e, &c.ccai_base, ""),
                },
            ));
            None
        }
        Ok(statuses) => match ccai::agent_by_email(c).await {
            Err(e) => {
                out.push((
                    "test-ccai",
                    Check {
                        ok: false,
                        text: failure(Side::Ccai, &e, &c.ccai_base, ""),
                    },
                ));
                None
            }
            Ok(None) => {
                out.push((
                    "test-ccai",
                    Check {
                        ok: false,
                        text: t1("optTestAgentMissing", c.agent_email.trim()),
                    },
                ));
                None
            }
            Ok(Some(agent)) => {
                let text = t1("optTestCcaiOk", &statuses.len().to_string());
                out.push(("test-ccai", Check { ok: true, text }));
                Some(agent)
            }
        },
    };
    if let (Some(user), Some(agent)) = (kustomer_user, ccai_agent) {
        let same = user.email.trim().eq_ignore_ascii_case(agent.email.trim());
        let text = if same {
            t1("optTestEmailSame", &agent.email)
        } else {
            t1("optTestEmailDiffers", &user.email)
        };
        out.push(("test-email", Check { ok: same, text }));
    }
    out
}

/// A short line for a catalog that could not be read, for the sections that need it.
pub fn catalog_problem<T>(load: &Load<T>) -> Option<String> {
    match load {
        Load::Loading => Some(t("loading")),
        Load::Ready(_) => None,
        Load::Failed(text) => Some(text.clone()),
    }
}
