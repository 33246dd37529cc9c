//! What the adapter does once mounted: restore the panel, sign in to the company server, read CCAI's
//! statuses and the agent's current one through it, and start status sync.

use std::rc::Rc;

use ccai_core::server_api::{AgentCcai, Me};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::chrome::storage;
use crate::company::{self, Client, CompanyError, SignInState};
use crate::frame::{AdapterState, Bridge, Notice};
use crate::sync::Driver;

const UI_KEY: &str = "ui";

/// Per-browser UI choices that survive a reload (SPEC A2).
#[derive(Default, Serialize, Deserialize)]
#[serde(default)]
struct UiPrefs {
    minimised: bool,
}

pub fn save_minimised(minimised: bool) {
    leptos::task::spawn_local(async move {
        let _ = storage::set(UI_KEY, &UiPrefs { minimised }).await;
    });
}

pub async fn run(state: AdapterState, bridge: Rc<Bridge>, driver: Driver) {
    if let Some(prefs) = storage::get::<UiPrefs>(UI_KEY).await {
        state.minimised.set(prefs.minimised);
    }
    {
        let (bridge, again) = (bridge.clone(), driver.clone());
        driver.on_restart(move || {
            leptos::task::spawn_local(start(state, bridge.clone(), again.clone()));
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
    start(state, bridge, driver).await;
}

async fn start(state: AdapterState, bridge: Rc<Bridge>, driver: Driver) {
    let refused = sign_in_silently().await;
    let client = match Client::connect().await {
        Ok(c) => c,
        Err(CompanyError::NoServer) => {
            state.notice.set(Some(Notice::NotConfigured));
            super::announce_ready(bridge);
            return;
        }
        Err(_) => {
            state.paused.set(true);
            // The server's refusal says what to fix (A5: no CCAI agent with the agent's e-mail).
            let notice = refused.map_or(Notice::SignedOut, Notice::SignInFailed);
            state.notice.set(Some(notice));
            super::announce_ready(bridge);
            return;
        }
    };
    match load(&client).await {
        Ok((me, ccai)) => {
            state.statuses.set(ccai.statuses.clone());
            state.agent_id.set(Some(ccai.ccai_agent_id));
            state.current.set(ccai.current.map(|s| s.id.0));
            state.paused.set(false);
            state.notice.set(None);
            super::announce_ready(bridge);
            driver
                .start(client, ccai.statuses, ccai.ccai_agent_id, me.email)
                .await;
        }
        Err(e) => {
            state.notice.set(Some(notice_for(&e)));
            super::announce_ready(bridge);
        }
    }
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
