//! What the adapter does once mounted: restore the panel, read the configuration, load CCAI's statuses
//! and the agent's current one.

use std::rc::Rc;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::state::{AdapterState, Notice};
use super::Bridge;
use ccai_core::protocol::PageFacts;
use ccai_core::status::KustomerStatusId;

use crate::api::ccai;
use crate::chrome::storage;
use crate::config::{self, Config};
use crate::http::HttpError;
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

pub async fn run(state: AdapterState, bridge: Rc<Bridge>) {
    if let Some(prefs) = storage::get::<UiPrefs>(UI_KEY).await {
        state.minimised.set(prefs.minimised);
    }
    let config = config::load().await;
    if !config.is_complete() {
        state.notice.set(Some(Notice::NotConfigured));
        super::announce_ready(bridge);
        return;
    }
    match load_ccai(&config).await {
        Ok((statuses, agent)) => {
            state.statuses.set(statuses);
            match agent {
                Some(agent) => {
                    state.agent_id.set(Some(agent.id));
                    state.current.set(agent.status.map(|s| s.id));
                    state.notice.set(None);
                    provide_config(config.clone());
                    super::announce_ready(bridge.clone());
                    let statuses = state.statuses.get_untracked();
                    if let Some(driver) =
                        Driver::start(config, state, bridge, statuses, agent.id).await
                    {
                        DRIVER.with(|d| *d.borrow_mut() = Some(driver.clone()));
                        if let Some(facts) = state.page.get_untracked() {
                            forward_facts(&facts);
                        }
                        if let Some(id) = state.early_choice.get_untracked() {
                            state.early_choice.set(None);
                            state.busy.set(false);
                            driver.choose_ccai(ccai_core::status::CcaiStatusId(id));
                        }
                    } else {
                        state.early_choice.set(None);
                        state.busy.set(false);
                    }
                    return;
                }
                None => state
                    .notice
                    .set(Some(Notice::AgentNotFound(config.agent_email.clone()))),
            }
        }
        Err(e) => state.notice.set(Some(notice_for(&e))),
    }
    provide_config(config);
    super::announce_ready(bridge);
}

thread_local! {
    static DRIVER: std::cell::RefCell<Option<Driver>> = const { std::cell::RefCell::new(None) };
}

/// This tab's sync driver, once CCAI answered.
pub fn driver() -> Option<Driver> {
    DRIVER.with(|d| d.borrow().clone())
}

/// Hands the page's facts to the sync driver (when it runs).
pub fn forward_facts(facts: &PageFacts) {
    if let Some(driver) = driver() {
        let status = facts
            .status_id
            .clone()
            .filter(|_| facts.markup_found)
            .map(KustomerStatusId);
        driver.page_facts(status, facts.kustomer_email.clone());
    }
}

async fn load_ccai(
    config: &Config,
) -> Result<(Vec<ccai::UserStatus>, Option<ccai::Agent>), HttpError> {
    let statuses = ccai::user_statuses(config).await?;
    let agent = ccai::agent_by_email(config).await?;
    Ok((statuses, agent))
}

pub fn notice_for(e: &HttpError) -> Notice {
    match e {
        HttpError::Unreachable => Notice::CcaiUnreachable,
        HttpError::Status {
            code: 401 | 403, ..
        } => Notice::CcaiUnauthorized,
        HttpError::Status { code, .. } => Notice::CcaiError(*code),
        HttpError::BadBody => Notice::CcaiError(200),
    }
}

thread_local! {
    static CONFIG: std::cell::RefCell<Option<Config>> = const { std::cell::RefCell::new(None) };
}

/// The loaded configuration, for the status menu's writes. Kept out of the reactive graph: it holds a
/// credential and never needs to re-render anything.
fn provide_config(config: Config) {
    CONFIG.with(|c| *c.borrow_mut() = Some(config));
}

pub fn current_config() -> Option<Config> {
    CONFIG.with(|c| c.borrow().clone())
}
