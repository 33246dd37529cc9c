//! The operations page (issue 18): what the people who run the company server watch, live. It reads
//! the server's `GET /admin/v1/operations` every few seconds while the page is visible and shows, in
//! the admin's language: each signed-in agent's sync state (owner tab, connections, last change and
//! whether CCAI applied it), the CCAI budget in use, the outbox, which instance holds the company
//! lease, and the latest refusals in words. The server decides who may see it (admins only).
//!
//! Nothing here renders HTML: names, e-mails and CCAI's reasons are text nodes.

mod view;

use ccai_core::server_api::Operations;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::chrome::i18n::t;
use crate::company::{Client, CompanyError};

/// How often the page asks again. A handful of admins at one small read each: nothing to budget.
const REFRESH_MS: i32 = 2_000;

/// The last view read, and when (ms since the epoch, the browser's clock: only shown).
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub view: Operations,
    pub at_ms: f64,
    /// CCAI requests per second this instance sent between the last two readings (the budget in use).
    pub rate_now: Option<f64>,
}

pub fn mount() {
    let Some(root) = document().get_element_by_id("root") else {
        return;
    };
    if let Some(html) = document().document_element() {
        // The language of the messages shown (see the options page: WCAG 3.1.1).
        let _ = html.set_attribute("lang", &t("optLang"));
    }
    document().set_title(&t("opsTitle"));
    leptos::mount::mount_to(root.unchecked_into(), || {
        let shown = RwSignal::new(None::<Shown>);
        let problem = RwSignal::new(None::<String>);
        // Inside the mount: Leptos's task executor exists from there on.
        leptos::task::spawn_local(poll(shown, problem));
        view! { <view::OperationsPage shown=shown problem=problem/> }
    })
    .forget();
}

/// Reads the view now and then every [`REFRESH_MS`] while the page is visible. A failure is said in
/// words beside the last view read (the server down for a moment: it comes back by itself); one that
/// asking again cannot change (not an admin, signed out) clears the view and stops asking.
async fn poll(shown: RwSignal<Option<Shown>>, problem: RwSignal<Option<String>>) {
    loop {
        if !document().hidden() {
            match read().await {
                Ok(view) => {
                    let at_ms = js_sys::Date::now();
                    let before = shown.with_untracked(|s| {
                        s.as_ref()
                            .map(|s| (s.view.ccai_requests_sent, s.view.instance.clone(), s.at_ms))
                    });
                    // Only between two readings of the same instance (behind a balancer, another may answer).
                    let rate_now = before
                        .filter(|(_, instance, at)| *instance == view.instance && at_ms > *at)
                        .map(|(sent, _, at)| {
                            view.ccai_requests_sent.saturating_sub(sent) as f64 * 1_000.0
                                / (at_ms - at)
                        });
                    shown.set(Some(Shown {
                        view,
                        at_ms,
                        rate_now,
                    }));
                    problem.set(None);
                }
                Err(e) => {
                    problem.set(Some(failure(&e)));
                    let lasting = matches!(
                        e,
                        CompanyError::NoServer
                            | CompanyError::SignedOut
                            | CompanyError::Status { code: 403, .. }
                    );
                    if lasting {
                        shown.set(None);
                        return;
                    }
                }
            }
        }
        crate::timer::sleep_ms(REFRESH_MS).await;
    }
}

async fn read() -> Result<Operations, CompanyError> {
    Client::connect().await?.get("/admin/v1/operations").await
}

/// One sentence for why the view could not be read.
fn failure(e: &CompanyError) -> String {
    match e {
        CompanyError::NoServer | CompanyError::SignedOut => t("opsSignedOut"),
        CompanyError::Status { code: 403, .. } => t("opsNotAdmin"),
        CompanyError::Unreachable => t("opsUnreachable"),
        other => crate::chrome::i18n::t1("opsFailed", &other.to_string()),
    }
}
