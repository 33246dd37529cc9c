//! The call's life as CCAI reports it: each poll reads the live call (or, in the owner tab, looks for
//! one: an incoming call ringing, or the call a reload left running), and the agent's actions are
//! sent as they are pressed. The screen pop and assignment (`pop.rs`) are asked for here.

use std::cell::RefCell;
use std::collections::HashSet;

use leptos::prelude::*;

use super::pop::{self, Contact};
use super::{clock, now, CallState};
use crate::adapter::{AdapterState, Role};
use crate::api::calls::{self, Call, TransferTo};
use crate::api::screen_pop::Party;
use crate::chrome::i18n::{t, t1};
use crate::config::Config;
use crate::http::HttpError;

thread_local! {
    static EXT_SENT: RefCell<HashSet<i64>> = RefCell::new(HashSet::new());
    /// Extension digits to send once the outbound call connects (E.164 has no extension).
    static PENDING_EXT: RefCell<Option<(i64, String)>> = const { RefCell::new(None) };
}

fn config() -> Option<Config> {
    crate::adapter::current_config()
}

/// One poll: the live call as CCAI has it now, or, in the owner tab, a call to ring or adopt.
pub(super) async fn tick(config: &Config, state: AdapterState, calls: CallState, agent_id: i64) {
    if calls.agents.with_untracked(Vec::is_empty) {
        if let Ok(list) = calls::agents(config).await {
            calls
                .agents
                .set(list.into_iter().filter(|a| a.id != agent_id).collect());
        }
    }
    let current = calls.call.get_untracked();
    match current {
        Some(call) => match calls::get(config, call.id).await {
            Ok(fresh) => update(config, calls, agent_id, fresh).await,
            Err(HttpError::Status { code: 404, .. }) => finish(calls, &call),
            Err(_) => {}
        },
        // Only the owner tab rings and adopts the agent's live call (S6: side effects once).
        None if state.role.get_untracked() == Role::Owner => {
            if let Ok(list) = calls::active(config, agent_id).await {
                if let Some(call) = list.into_iter().find(|c| !c.is_over_for(agent_id)) {
                    update(config, calls, agent_id, call).await;
                }
            }
        }
        None => {}
    }
}

/// Shows `call` as CCAI reported it, and does what its state calls for once.
async fn update(config: &Config, calls: CallState, agent_id: i64, call: Call) {
    if call.is_over_for(agent_id) {
        finish(calls, &call);
        return;
    }
    calls.duration_at.set((call.duration.unwrap_or(0.0), now()));
    calls.now_ms.set(now());
    calls.ended.set(None);
    let first_sight = calls.call.with_untracked(|c| c.as_ref().map(|c| c.id)) != Some(call.id);
    calls.call.set(Some(call.clone()));
    if first_sight {
        calls.dtmf.set(String::new());
    }
    if call.call_type == "inbound" && call.status == "ringing" {
        pop(config, &call, false).await;
    }
    if call.status == "connected" {
        send_extension(config, calls, call.id).await;
    }
}

/// The call is over for this agent: say how it ended, and how long it was connected.
fn finish(calls: CallState, call: &Call) {
    let how = match call.status.as_str() {
        "declined" => t("callDeclined"),
        "missed" => t("callMissed"),
        "queued" => t("callQueued"),
        "finished" => t("callEnded"),
        _ => t("callTransferred"),
    };
    let secs = call.duration.unwrap_or(0.0).max(0.0) as u64;
    calls.ended.set(Some(format!("{how} ({})", clock(secs))));
    calls.call.set(None);
}

/// Screen pop (A3) for a call, and with `assign` its assignment (A4).
async fn pop(config: &Config, call: &Call, assign: bool) {
    let contact = Contact {
        key: format!("call:{}", call.id),
        party: Party::Phone(&call.end_user_number),
        outbound: call.call_type == "outbound",
        subject: t1("callSubject", &call.end_user_number),
    };
    pop::pop(config, contact, assign).await;
}

async fn send_extension(config: &Config, calls: CallState, id: i64) {
    let Some(digits) = PENDING_EXT.with(|p| {
        p.borrow()
            .as_ref()
            .filter(|(call, _)| *call == id)
            .map(|(_, d)| d.clone())
    }) else {
        return;
    };
    if EXT_SENT.with(|s| s.borrow_mut().insert(id))
        && calls::dtmf(config, id, &digits).await.is_ok()
    {
        calls.dtmf.set(digits);
    }
}

fn failed(calls: CallState, e: &HttpError) {
    let why = match e {
        HttpError::Unreachable => t("ccaiUnreachable"),
        HttpError::Status { code, .. } => format!("HTTP {code}"),
        HttpError::BadBody => t1("ccaiError", "200"),
    };
    calls.message.set(Some(t1("callFailed", &why)));
}

/// Call (C2, C3): only a number the core accepts is dialled.
pub fn place(state: AdapterState, calls: CallState) {
    let text = calls.dial.get_untracked();
    let dialable = match super::phones::normalise(&text) {
        Ok(d) => d,
        Err(_) => {
            let shown: String = text.chars().take(ccai_core::phone::MAX_TEXT).collect();
            calls.message.set(Some(t1("phoneNotDialable", &shown)));
            return;
        }
    };
    let (Some(config), Some(agent_id)) = (config(), state.agent_id.get_untracked()) else {
        calls.message.set(Some(t("callNoAgent")));
        return;
    };
    if calls.busy.get_untracked() || calls.call.with_untracked(Option::is_some) {
        return;
    }
    calls.busy.set(true);
    calls.message.set(None);
    leptos::task::spawn_local(async move {
        let key = format!("call-{agent_id}-{}-{}", dialable.e164, now() as u64);
        match calls::place(&config, agent_id, &dialable.e164, &key).await {
            Ok(call) => {
                if let Some(ext) = dialable.extension {
                    PENDING_EXT.with(|p| *p.borrow_mut() = Some((call.id, ext)));
                }
                update(&config, calls, agent_id, call.clone()).await;
                calls.busy.set(false);
                pop(&config, &call, true).await;
            }
            Err(e) => {
                calls.busy.set(false);
                failed(calls, &e);
            }
        }
    });
}

/// hold, resume, mute, unmute, hangup, answer, decline: CCAI's answer is shown as it comes.
pub fn act(state: AdapterState, calls: CallState, action: &'static str) {
    let (Some(config), Some(agent_id), Some(call)) = (
        config(),
        state.agent_id.get_untracked(),
        calls.call.get_untracked(),
    ) else {
        return;
    };
    leptos::task::spawn_local(async move {
        match calls::act(&config, call.id, action).await {
            Ok(fresh) => {
                calls.message.set(None);
                let answered = action == "answer";
                update(&config, calls, agent_id, fresh.clone()).await;
                if answered {
                    pop(&config, &fresh, true).await;
                }
            }
            Err(e) => failed(calls, &e),
        }
    });
}

pub fn dtmf(calls: CallState, digit: char) {
    let (Some(config), Some(call)) = (config(), calls.call.get_untracked()) else {
        return;
    };
    calls.dtmf.update(|d| d.push(digit));
    leptos::task::spawn_local(async move {
        if let Err(e) = calls::dtmf(&config, call.id, &digit.to_string()).await {
            failed(calls, &e);
        }
    });
}

pub fn transfer(state: AdapterState, calls: CallState, to: TransferTo) {
    let (Some(config), Some(agent_id), Some(call)) = (
        config(),
        state.agent_id.get_untracked(),
        calls.call.get_untracked(),
    ) else {
        return;
    };
    leptos::task::spawn_local(async move {
        match calls::transfer(&config, call.id, to).await {
            Ok(fresh) => update(&config, calls, agent_id, fresh).await,
            Err(e) => failed(calls, &e),
        }
    });
}
