//! Decisions that reach Kustomer, and the words the agent sees for the core's reports.

use ccai_core::reconcile::{DeferReason, Notice as CoreNotice};
use ccai_core::relay::{RetryReason, SyncState};
use ccai_core::status::KustomerStatusId;
use leptos::prelude::*;

use super::{Driver, Inner};
use crate::adapter::Notice;
use crate::api::kustomer;
use crate::chrome::i18n::{t, t1};

/// Bidirectional sync (S4): the mapped Kustomer status, through Kustomer's API. Kustomer then pushes
/// it to every tab's page, whose content script reports it back: the reconciler knows it is ours.
pub(super) fn set_kustomer(driver: Driver, status: KustomerStatusId) {
    wasm_bindgen_futures::spawn_local(async move {
        let config = driver.with(|i| i.config.clone());
        let result = async {
            let user = kustomer::current_user(&config).await?;
            let Some(session) = kustomer::live_work_session(&config, &user.id).await? else {
                return Ok(false);
            };
            kustomer::set_status(&config, &session.id, &status)
                .await
                .map(|_| true)
        }
        .await;
        if !matches!(result, Ok(true)) {
            driver.with(|i| i.state.notice.set(Some(Notice::KustomerUnreachable)));
        }
    });
}

pub(super) fn defer_reason(reason: &DeferReason) -> String {
    match reason {
        DeferReason::SystemStatus { .. } => t("deferredSystemStatus"),
        DeferReason::Refused { message } => message.clone(),
    }
}

pub(super) fn notice_for_report(inner: &Inner, notice: &CoreNotice) -> Notice {
    match notice {
        CoreNotice::UnmappedKustomerStatus { status } => {
            let name = inner
                .state
                .page
                .with_untracked(|p| p.as_ref().and_then(|f| f.status_name.clone()));
            Notice::Unmapped(name.unwrap_or_else(|| status.to_string()))
        }
        CoreNotice::UnmappedCcaiStatus { status } => {
            Notice::UnmappedCcai(inner.status_name(status.0))
        }
        CoreNotice::EmailMismatch { kustomer, ccai } => {
            Notice::EmailMismatch(kustomer.clone(), ccai.clone())
        }
        CoreNotice::DeferredDropped { chosen, .. } => {
            Notice::DeferredDropped(inner.status_name(chosen.0))
        }
    }
}

/// The relay's state in words (issue 5: live, retrying with the next attempt time, paused, failed).
pub(super) fn sync_text(state: &SyncState, inner: &Inner) -> String {
    match state {
        SyncState::Live => t("syncLive"),
        SyncState::Retrying {
            next_attempt_at_ms,
            reason,
        } => {
            let when =
                js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(*next_attempt_at_ms as f64));
            let time: String = when.to_locale_time_string("default").into();
            let why = match reason {
                RetryReason::RateLimited => t("retryRateLimited"),
                RetryReason::ServerError { code } => t1("retryServerError", &code.to_string()),
                RetryReason::ConnectionDropped => t("retryDropped"),
            };
            format!("{} {}", t1("syncRetrying", &time), why)
        }
        SyncState::Paused { .. } => t("syncPaused"),
        SyncState::Failed { status, reason } => {
            format!(
                "{} {}",
                t1("syncFailed", &inner.status_name(status.0)),
                reason
            )
        }
    }
}
