//! What the company server pushes that status sync needs: each write's outcome (by its key), the
//! CCAI-side changes the owner's watch feeds to the reconciler (S5), and a fence from another computer.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use ccai_core::server_api::Push;
use ccai_core::status::CcaiStatusId;
use ccai_core::status_sync::WriteAnswer;
use wasm_bindgen::JsValue;

use super::Driver;
use crate::company::events;

/// One write waiting for its pushed outcome.
pub(super) struct Waiter {
    result: Rc<RefCell<Option<WriteAnswer>>>,
    wake: js_sys::Function,
}

impl Driver {
    /// Subscribes this tab to the push stream, once.
    pub(super) fn listen_pushes(&self) {
        let d = self.clone();
        events::subscribe(move |push| d.on_push(push)).keep();
        let d = self.clone();
        // A connection that opens again may have missed a CCAI-side change: the owner re-reads.
        // A connection that drops cannot bring the outcomes awaited on it: the server's acceptance
        // stands for them at once.
        events::watch_connection(move |up| {
            if up {
                d.reread_current();
            } else {
                let waiting: Vec<Waiter> =
                    d.0.outcomes.borrow_mut().drain().map(|(_, w)| w).collect();
                for w in waiting {
                    let _ = w.wake.call0(&JsValue::NULL);
                }
            }
        })
        .keep();
    }

    fn on_push(&self, push: &Push) {
        let answered = |current: Option<String>, message: Option<String>| WriteAnswer::Answered {
            current_status: current,
            message,
        };
        match push {
            Push::StatusApplied {
                key, ccai_status, ..
            } => self.resolve(key, answered(Some(ccai_status.clone()), None)),
            Push::StatusFailed { key, reason } => {
                self.resolve(key, answered(None, Some(reason.clone())))
            }
            // A later change replaced it before CCAI's budget let it go: not a failure.
            Push::StatusSuperseded { key, .. } => self.resolve(key, answered(None, None)),
            Push::CcaiStatusChanged { ccai_status_id, .. } => {
                self.seen(CcaiStatusId(*ccai_status_id))
            }
            Push::Fenced { epoch } => {
                // Every connection of this browser's session hears it; only a tab whose claimed epoch
                // is older was fenced (the tab that claimed sees its own).
                let older = self
                    .with_io(|io| io.server_epoch.is_some_and(|mine| *epoch > mine))
                    .unwrap_or(false);
                if older {
                    self.feed(|m, now| m.handle_taken_elsewhere(now));
                }
            }
            Push::Lagged { .. } => self.reread_current(),
            _ => {}
        }
    }

    /// A CCAI-side status, fed to the owner's watch of the current generation.
    fn seen(&self, status: CcaiStatusId) {
        let Some(generation) = self.with_machine(|m| m.watching()) else {
            return;
        };
        // Not documented: who made a change in CCAI's activity log (A11's `whodunnit` has no stated
        // meaning for CCAI itself). A move to a system status (In-call, Wrap-up) is CCAI's, and so is
        // the move out of one (wrap-up's end, a call's end): S5's "CRM overrides next" needs to know.
        let before = self.with_machine(|m| m.view().current);
        let by_system = self
            .with_io(|io| {
                let system =
                    |id: CcaiStatusId| io.statuses.iter().any(|s| s.id == id && s.is_system());
                system(status) || before.is_some_and(system)
            })
            .unwrap_or(false);
        self.feed(|m, now| m.handle_status_seen(generation, status, by_system, now));
    }

    fn reread_current(&self) {
        if self.with_machine(|m| m.watching()).is_none() {
            return;
        }
        let client = self.with_io(|io| io.client.clone()).flatten();
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(status) = super::service::current_status(client).await {
                d.seen(status);
            }
        });
    }

    fn resolve(&self, key: &str, answer: WriteAnswer) {
        let waiter = self.0.outcomes.borrow_mut().remove(key);
        if let Some(w) = waiter {
            *w.result.borrow_mut() = Some(answer);
            let _ = w.wake.call0(&JsValue::NULL);
        }
    }

    pub(super) fn forget_outcome(&self, key: &str) {
        self.0.outcomes.borrow_mut().remove(key);
    }

    /// The pushed outcome of `key`, or `None` after `ms`.
    pub(super) fn expect_outcome(
        &self,
        key: &str,
        ms: u32,
    ) -> impl Future<Output = Option<WriteAnswer>> + 'static {
        let result = Rc::new(RefCell::new(None));
        let mut wake = None;
        let done = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(w) = web_sys::window() {
                let _ =
                    w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
            }
            wake = Some(resolve);
        });
        if let Some(wake) = wake {
            self.0.outcomes.borrow_mut().insert(
                key.to_owned(),
                Waiter {
                    result: result.clone(),
                    wake,
                },
            );
        }
        let d = self.clone();
        let key = key.to_owned();
        async move {
            let _ = wasm_bindgen_futures::JsFuture::from(done).await;
            d.forget_outcome(&key);
            result.borrow_mut().take()
        }
    }
}
