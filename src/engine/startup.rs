//! What the engine does once loaded: sign in to the company server, read CCAI's statuses and the
//! agent's current one through it, and start status sync.

use std::rc::Rc;

use ccai_core::server_api::{AgentCcai, Me};

use crate::company::{self, Client, CompanyError, SignInState};
use crate::frame::{remembered, AdapterState, Bridge, Notice};
use crate::sync::Driver;

/// The statuses remembered at the last load (the view painted them already): the engine's first view
/// shows the same, and start-up keeps the server's list when it differs.
pub async fn remember(state: AdapterState, bridge: &Bridge) {
    let remembered = remembered::load(&bridge.first_paint_items()).await;
    state.statuses.set(remembered);
}

pub async fn run(state: AdapterState, bridge: Rc<Bridge>, driver: Driver) {
    {
        let again = driver.clone();
        driver.on_restart(move || {
            wasm_bindgen_futures::spawn_local(start(state, None, again.clone()));
        });
    }
    // Signed out while running (the session ended, an admin signed the agent out): the queue waits
    // for "Sign in".
    company::on_sign_in_state(move |s| {
        if s == SignInState::SignedOut {
            state.paused.set(true);
            state.notice.set(Some(Notice::SignedOut));
        }
    });
    start(state, Some(bridge), driver).await;
}

/// Tells the content script the frame is interactive, once: `ready` holds the bridge until then.
fn announce(ready: &mut Option<Rc<Bridge>>) {
    if let Some(bridge) = ready.take() {
        super::announce_ready(bridge);
    }
}

async fn start(state: AdapterState, mut ready: Option<Rc<Bridge>>, driver: Driver) {
    let refused = sign_in_silently().await;
    let client = match Client::connect().await {
        Ok(c) => c,
        Err(CompanyError::NoServer) => {
            not_started(state, &driver, Notice::NotConfigured, &mut ready);
            return;
        }
        Err(_) => {
            state.paused.set(true);
            // The server's refusal says what to fix (A5: no CCAI agent with the agent's e-mail).
            let notice = refused.map_or(Notice::SignedOut, Notice::SignInFailed);
            not_started(state, &driver, notice, &mut ready);
            return;
        }
    };
    match load(&client).await {
        Ok((me, ccai)) => {
            state
                .statuses
                .with(|shown| remembered::keep(shown, &ccai.statuses));
            state.statuses.set(ccai.statuses.clone());
            state.agent_id.set(Some(ccai.ccai_agent_id));
            state.current.set(ccai.current.map(|s| s.id.0));
            state.paused.set(false);
            state.notice.set(None);
            announce(&mut ready);
            driver
                .start(client, ccai.statuses, ccai.ccai_agent_id, me.email)
                .await;
        }
        Err(e) => {
            not_started(state, &driver, notice_for(&e), &mut ready);
        }
    }
}

/// Start-up stopped short of the server's statuses: the menu offers none (as before the remembered
/// ones were shown) and a pick held meanwhile is given up; the notice says why, and the frame is
/// ready with it.
fn not_started(
    state: AdapterState,
    driver: &Driver,
    notice: Notice,
    ready: &mut Option<Rc<Bridge>>,
) {
    state.statuses.set(Vec::new());
    driver.start_failed();
    state.notice.set(Some(notice));
    announce(ready);
}

/// Signs in to the company server without a window when the agent is signed in to Kustomer in this
/// profile (the usual case: this frame runs inside Kustomer's page). Otherwise the agent presses
/// "Sign in" (`sync::Driver::sign_in_again`), a click being what the browser requires for a window.
/// Returns the server's refusal, if it refused.
async fn sign_in_silently() -> Option<String> {
    if company::sign_in_state().await != SignInState::SignedOut {
        return None;
    }
    match company::sign_in(false).await {
        Ok(()) => None,
        Err(CompanyError::SignInRefused(words)) => Some(words),
        Err(e) => {
            web_sys::console::info_1(&format!("company server: {e}").into());
            None
        }
    }
}

async fn load(client: &Client) -> Result<(Me, AgentCcai), CompanyError> {
    let me: Me = client.get("/api/v1/me").await?;
    let ccai: AgentCcai = client.get("/api/v1/ccai").await?;
    Ok((me, ccai))
}

fn notice_for(e: &CompanyError) -> Notice {
    match e {
        CompanyError::NoServer => Notice::NotConfigured,
        CompanyError::SignedOut | CompanyError::SignIn(_) => Notice::SignedOut,
        CompanyError::SignInRefused(words) => Notice::SignInFailed(words.clone()),
        CompanyError::Unreachable => Notice::ServerUnreachable,
        CompanyError::Status { code, .. } => Notice::CcaiError(*code),
        CompanyError::BadBody => Notice::CcaiError(200),
    }
}
