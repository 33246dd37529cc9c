//! The connection section (issue 16): the company server only, its address (the fallback when the
//! company's Chrome policy sets none) and this browser's sign-in. The extension holds no vendor
//! credential; "Test connection" asks the server whether it answers (`/healthz`) and then its own
//! check that it reaches CCAI and Kustomer with the company's credentials (`GET /admin/v1/checks`),
//! each line said in words.

use ccai_core::server_api::{CheckName, CheckOutcome, VendorCheck};
use leptos::prelude::*;

use super::admin_api::{self, AdminError};
use super::text::admin_failure;
use super::Load;
use crate::chrome::i18n::t2;
use crate::chrome::i18n::{t, t1};
use crate::company::{self, SignInState};

/// One line of the connection test: passed or not, the sentence, and the vendor's own words when a
/// check failed (for whoever runs the server).
#[derive(Clone, PartialEq)]
struct Check {
    id: &'static str,
    ok: bool,
    text: String,
    detail: String,
}

impl Check {
    fn new(id: &'static str, ok: bool, text: String) -> Self {
        Check {
            id,
            ok,
            text,
            detail: String::new(),
        }
    }
}

#[component]
pub fn ConnectionForm() -> impl IntoView {
    let testing = RwSignal::new(false);
    let results: RwSignal<Vec<Check>> = RwSignal::new(Vec::new());
    let test = move |_| {
        if testing.get_untracked() {
            return;
        }
        testing.set(true);
        results.set(Vec::new());
        leptos::task::spawn_local(async move {
            results.set(run_checks().await);
            testing.set(false);
        });
    };
    view! {
        <section id="connection">
            <CompanyServer/>
            <div class="actions">
                <button type="button" id="test-connection" on:click=test aria-describedby="test-results">
                    {t("optTestConnection")}
                </button>
            </div>
            <div id="test-results" role="status" aria-live="polite">
                <Show when=move || testing.get()>
                    <p>{t("optTesting")}</p>
                </Show>
                <ul class="checks">
                    {move || {
                        results
                            .get()
                            .into_iter()
                            .map(|c| {
                                let word = if c.ok { t("optCheckOk") } else { t("optCheckFailed") };
                                let detail = (!c.detail.is_empty()).then(|| {
                                    view! { " " <span class="detail">{t1("optCheckVendorSaid", &c.detail)}</span> }
                                });
                                view! {
                                    <li id=c.id class=if c.ok { "ok" } else { "bad" }>
                                        <strong>{word}</strong>
                                        " "
                                        {c.text}
                                        {detail}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </div>
        </section>
    }
}

/// The server first (set, answering); then, through it, CCAI and Kustomer with the company's
/// credentials. Each of the server's checks is shown even when another failed.
async fn run_checks() -> Vec<Check> {
    let Some(server) = company::server_url().await else {
        return vec![Check::new("test-server", false, t("companyNoServer"))];
    };
    let health = crate::http::send_raw("GET", &format!("{}/healthz", server.url), &[], None).await;
    let line = match health {
        Ok(a) if a.code == 200 => {
            Check::new("test-server", true, t1("optTestServerOk", &server.url))
        }
        Ok(a) => Check::new(
            "test-server",
            false,
            t2("optTestServerStatus", &server.url, &a.code.to_string()),
        ),
        Err(_) => Check::new(
            "test-server",
            false,
            t1("optTestServerUnreachable", &server.url),
        ),
    };
    if !line.ok {
        return vec![line];
    }
    let mut out = vec![line];
    match admin_api::checks().await {
        Ok(answer) => out.extend(answer.checks.iter().map(vendor_line)),
        Err(AdminError::NotAdmin) => {
            out.push(Check::new("test-vendors", false, t("optTestOnlyAdmins")))
        }
        Err(e) => out.push(Check::new("test-vendors", false, admin_failure(&e))),
    }
    out
}

/// One of the server's checks in words: which vendor, what it answered the company's credential, and
/// what to fix (the server's configuration: the browser holds no credential to change).
fn vendor_line(c: &VendorCheck) -> Check {
    let (id, vendor, role) = match c.check {
        CheckName::CcaiStatuses => ("test-ccai", "CCAI", ""),
        CheckName::KustomerStatuses => ("test-kustomer", "Kustomer", "org.permission.routing.read"),
        CheckName::KustomerFields => ("test-fields", "Kustomer", "org.permission.metadata.read"),
    };
    let (ok, text) = match (&c.outcome, c.check) {
        (CheckOutcome::Passed { count, .. }, CheckName::CcaiStatuses) => {
            (true, t1("optTestCcaiOk", &count.to_string()))
        }
        (CheckOutcome::Passed { count, .. }, CheckName::KustomerStatuses) => {
            (true, t1("optTestKustomerOk", &count.to_string()))
        }
        (CheckOutcome::Passed { count, of }, CheckName::KustomerFields) => {
            let of = of.unwrap_or(*count);
            if *count >= of {
                (true, t1("optTestFieldsAll", &of.to_string()))
            } else {
                (
                    false,
                    t2("optTestFieldsSome", &count.to_string(), &of.to_string()),
                )
            }
        }
        (CheckOutcome::Refused { status: 401 }, CheckName::CcaiStatuses) => {
            (false, t("optTestCcai401"))
        }
        (CheckOutcome::Refused { status: 401 }, _) => (false, t("optTestKustomer401")),
        (CheckOutcome::Refused { status: 403 }, CheckName::CcaiStatuses) => {
            (false, t("optTestCcai403"))
        }
        (CheckOutcome::Refused { status: 403 }, _) => (false, t1("optTestKustomer403", role)),
        (CheckOutcome::Refused { status: 429 }, _) => (false, t1("optTestVendor429", vendor)),
        (CheckOutcome::Refused { status }, _) => (
            false,
            t2("optTestVendorStatus", vendor, &status.to_string()),
        ),
        (CheckOutcome::Unreachable, _) => (false, t1("optTestVendorUnreachable", vendor)),
        (CheckOutcome::Unreadable, _) => (false, t1("optTestVendorUnreadable", vendor)),
    };
    Check {
        id,
        ok,
        text,
        detail: c.detail.clone(),
    }
}

/// A short line for a catalog that could not be read, for the sections that need it.
pub fn catalog_problem<T>(load: &Load<T>) -> Option<String> {
    match load {
        Load::Loading => Some(t("loading")),
        Load::Ready(_) => None,
        Load::Failed(text) => Some(text.clone()),
    }
}

/// The company server (issue 16): its address (read-only when the company's policy sets it), whether
/// this browser is signed in, and "Sign in" / "Sign out".
#[component]
fn CompanyServer() -> impl IntoView {
    let url = RwSignal::new(String::new());
    let by_policy = RwSignal::new(false);
    let state = RwSignal::new(None::<SignInState>);
    let message = RwSignal::new(String::new());
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Some(server) = company::server_url().await {
                url.set(server.url);
                by_policy.set(server.source == company::Source::Policy);
            }
            state.set(Some(company::sign_in_state().await));
        });
    };
    refresh();
    let save = move |_| {
        let typed = url.get_untracked();
        leptos::task::spawn_local(async move {
            match company::save_server_url(&typed).await {
                Ok(saved) => {
                    url.set(saved);
                    message.set(t("saved"));
                }
                Err(words) => message.set(words),
            }
            state.set(Some(company::sign_in_state().await));
        });
    };
    let sign_in = move |_| {
        leptos::task::spawn_local(async move {
            match company::sign_in(true).await {
                Ok(()) => message.set(String::new()),
                Err(e) => message.set(t1("companySignInFailed", &e.to_string())),
            }
            refresh();
        });
    };
    let sign_out = move |_| {
        leptos::task::spawn_local(async move {
            company::sign_out().await;
            message.set(String::new());
            refresh();
        });
    };
    let signed_in = move || state.get() == Some(SignInState::SignedIn);
    view! {
        <fieldset id="company-server">
            <legend>{t("companyServerLegend")}</legend>
            <div class="field">
                <label for="server-url">{t("serverUrlLabel")}</label>
                <input
                    id="server-url"
                    type="url"
                    autocomplete="off"
                    spellcheck="false"
                    aria-describedby="server-url-note"
                    prop:value=move || url.get()
                    prop:disabled=move || by_policy.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                />
                <p id="server-url-note" class="hint">
                    {move || if by_policy.get() { t("serverUrlByPolicy") } else { t("serverUrlHint") }}
                </p>
            </div>
            <p id="company-state" role="status" aria-live="polite">
                {move || match state.get() {
                    None => String::new(),
                    Some(SignInState::NoServer) => t("companyNoServer"),
                    Some(SignInState::SignedOut) => t("companyNotSignedIn"),
                    Some(SignInState::SignedIn) => t("companySignedIn"),
                }}
            </p>
            <div class="actions">
                <button type="button" id="save-server-url" hidden=move || by_policy.get() on:click=save>
                    {t("save")}
                </button>
                <button type="button" id="company-sign-in" hidden=signed_in on:click=sign_in>
                    {t("signIn")}
                </button>
                <button type="button" id="company-sign-out" hidden=move || !signed_in() on:click=sign_out>
                    {t("signOut")}
                </button>
            </div>
            <p id="company-message" role="status" aria-live="polite">{move || message.get()}</p>
        </fieldset>
    }
}
