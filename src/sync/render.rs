//! The machine's view and notices, in the agent's words and the adapter's shown values.

use ccai_core::reconcile::{DeferReason, Notice as CoreNotice};
use ccai_core::relay::{RetryReason, SyncState};
use ccai_core::status::CcaiStatusId;
use ccai_core::status_sync::{SyncNotice, View};

use super::Driver;
use crate::chrome::i18n::{t, t1};
use crate::frame::Notice;

impl Driver {
    /// Sets each value whose part of the view changed. Before the machine starts only `busy` is its
    /// own: the status shown is start-up's.
    pub(super) fn render(&self) {
        let (view, started) = self.with_machine(|m| (m.view().clone(), m.is_started()));
        let state = self.0.state;
        let mut shown = self.0.shown.borrow_mut();
        let before = shown.as_ref();
        if before.map(|v| v.busy) != Some(view.busy) {
            state.busy.set(view.busy);
        }
        if started {
            if before.map(|v| v.role) != Some(view.role) {
                state.role.set(view.role);
            }
            if before.map(|v| v.current) != Some(view.current) {
                state.current.set(view.current.map(|c| c.0));
            }
            if before.map(|v| &v.sync) != Some(&view.sync) {
                state
                    .sync
                    .set(view.sync.as_ref().map(|s| self.sync_text(s)));
            }
            if before.map(|v| v.paused) != Some(view.paused) {
                state.paused.set(view.paused);
            }
            *shown = Some(view);
        } else {
            *shown = Some(View {
                busy: view.busy,
                ..before.cloned().unwrap_or_default()
            });
        }
    }

    pub(super) fn show_notice(&self, notice: &SyncNotice) {
        let words = self.notice(notice);
        self.0.state.notice.set(Some(words));
    }

    pub(super) fn clear_notice(&self) {
        self.0.state.notice.set(None);
    }

    fn status_name(&self, id: CcaiStatusId) -> String {
        self.0.state.statuses.with(|all| {
            all.iter()
                .find(|s| s.id == id)
                .map_or_else(|| id.0.to_string(), |s| s.name.clone())
        })
    }

    fn notice(&self, notice: &SyncNotice) -> Notice {
        match notice {
            SyncNotice::MappingProblem(problem) => Notice::MappingProblem(problem.clone()),
            SyncNotice::KustomerUnreachable => Notice::KustomerUnreachable,
            SyncNotice::KustomerOffline => Notice::KustomerOffline,
            SyncNotice::KustomerRefused => Notice::KustomerRefused,
            SyncNotice::KustomerNotSet => Notice::KustomerNotSet,
            SyncNotice::InheritanceOff => Notice::InheritanceOff,
            SyncNotice::NotOwner => Notice::NotOwner,
            SyncNotice::NotOffered(_) => Notice::NotOffered,
            SyncNotice::Deferred { ccai, reason } => {
                let why = match reason {
                    DeferReason::SystemStatus { .. } => t("deferredSystemStatus"),
                    DeferReason::Refused { message } => message.clone(),
                };
                Notice::Deferred(self.status_name(*ccai), why)
            }
            SyncNotice::Report(report) => self.report(report),
            SyncNotice::Refused(message) => Notice::Refused(message.clone()),
            SyncNotice::Unauthorized => Notice::SignedOut,
            SyncNotice::TakenElsewhere => Notice::TakenElsewhere,
            SyncNotice::Dropped {
                status,
                code,
                reason,
            } => Notice::RelayDropped(self.status_name(*status), *code, reason.clone()),
        }
    }

    fn report(&self, notice: &CoreNotice) -> Notice {
        match notice {
            CoreNotice::UnmappedKustomerStatus { status } => {
                let name = self
                    .0
                    .state
                    .page
                    .with(|p| p.as_ref().and_then(|f| f.status_name.clone()));
                Notice::Unmapped(name.unwrap_or_else(|| status.to_string()))
            }
            CoreNotice::UnmappedCcaiStatus { status } => {
                Notice::UnmappedCcai(self.status_name(*status))
            }
            CoreNotice::EmailMismatch { kustomer, ccai } => {
                Notice::EmailMismatch(kustomer.clone(), ccai.clone())
            }
            CoreNotice::DeferredDropped { chosen, .. } => {
                Notice::DeferredDropped(self.status_name(*chosen))
            }
        }
    }

    /// The relay's state in words (issue 5: live, retrying with the next attempt time, paused, failed).
    fn sync_text(&self, state: &SyncState) -> String {
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
                    t1("syncFailed", &self.status_name(*status)),
                    reason
                )
            }
        }
    }
}
