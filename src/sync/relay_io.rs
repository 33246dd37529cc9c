//! The owner's relay: restore the durable queue, sign the reconciler in, send one change at a time.

use ccai_core::ownership::{Epoch, OwnerEvent};
use ccai_core::reconcile::{Reconciler, SyncEvent};
use ccai_core::relay::{Backoff, Outcome, Relay, RelayReport, RelaySnapshot, SyncState, Transmit};
use ccai_core::status::CcaiStatusId;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::{now_ms, random_u64, Driver, SyncMsg};
use crate::adapter::Notice;
use crate::api::ccai::{self, UserStatus};
use crate::chrome::storage;
use crate::http::HttpError;

fn relay_key(agent_id: i64) -> String {
    format!("relay:{agent_id}")
}

impl Driver {
    /// A new term: restore the queue that the previous owner stored (same keys), read both sides afresh
    /// and sign the reconciler in, which applies the current Kustomer status at once (S8).
    pub(super) fn start_relay(&self, epoch: Epoch) {
        let start = self.with(|i| i.term_start.take());
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let TermStart {
                snapshot,
                since,
                ccai_status,
            } = match start {
                Some(start) => start,
                None => d.read_term_start().await,
            };
            let agent_id = d.with(|i| i.agent_id);
            let relay = match snapshot {
                Some(snapshot) => Relay::restore(snapshot),
                None => Relay::new(agent_id.to_string(), Backoff::default(), random_u64()),
            };
            let generation = d.with(|i| {
                i.epoch = Some(epoch.clone());
                i.relay = Some(relay);
                i.stopping = false;
                // Inheritance off (the admin's setup step, SPEC P2): the dropdown still works, but the
                // Kustomer status is not followed.
                i.reconciler = i
                    .settings
                    .inheritance
                    .then(|| Reconciler::new(i.settings.sync_config(), i.mapping.clone()));
                if !i.settings.inheritance {
                    i.state.notice.set(Some(Notice::InheritanceOff));
                }
                i.watch_generation += 1;
                if let Some(id) = ccai_status {
                    i.state.current.set(Some(id));
                }
                i.watch_generation
            });
            d.sign_in(ccai_status);
            // After sign-in: the agent's own pick is newer than the status the term starts from.
            d.release_held_choice();
            d.pump();
            d.watch_ccai(generation, since);
        });
    }

    /// Feeds `SignedIn` once both sides are known; until the page reports, the first page facts do it.
    pub(super) fn sign_in(&self, ccai_status: Option<i64>) {
        let event = self.with(|i| {
            let kustomer = i.kustomer.clone()?;
            let ccai = ccai_status.or_else(|| i.state.current.get_untracked())?;
            Some(SyncEvent::SignedIn {
                kustomer,
                ccai: CcaiStatusId(ccai),
                kustomer_email: i.kustomer_email.clone().unwrap_or_default(),
                ccai_email: i.config.agent_email.clone(),
                at_ms: now_ms(),
            })
        });
        if let Some(event) = event {
            self.reconcile(event);
        }
    }

    /// Stops sending: the in-flight change (if any) finishes first, then the queue is stored and the
    /// ownership machine hears `RelayStopped`.
    pub(super) fn stop_relay(&self) {
        // The queue as it stands (an in-flight change included, under its key) is written now: the
        // write starts before the lock goes, so the next owner restores it; later writes need the lock.
        let snapshot = self.with(|i| {
            i.relay
                .as_ref()
                .map(|r| (relay_key(i.agent_id), r.snapshot()))
        });
        if let Some((key, snapshot)) = snapshot {
            wasm_bindgen_futures::spawn_local(async move {
                let _ = storage::set(&key, &snapshot).await;
            });
        }
        let idle = self.with(|i| {
            i.stopping = true;
            i.watch_generation += 1;
            !i.in_flight
        });
        if idle {
            self.finish_stop();
        }
    }

    fn finish_stop(&self) {
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            d.persist().await;
            d.with(|i| {
                i.relay = None;
                i.reconciler = None;
                i.epoch = None;
                i.stopping = false;
            });
            d.owner_event(OwnerEvent::RelayStopped);
        });
    }

    /// Stores the queue, only while this tab holds the lock: a tab that stepped down finishing its
    /// in-flight send must not overwrite the next owner's queue (the next owner resends that change
    /// under the same key, which CCAI applies once).
    async fn persist(&self) {
        let snapshot = self.with(|i| {
            if !i.ownership.is_owner() {
                return None;
            }
            i.relay
                .as_ref()
                .map(|r| (relay_key(i.agent_id), r.snapshot()))
        });
        if let Some((key, snapshot)) = snapshot {
            let _ = storage::set(&key, &snapshot).await;
        }
    }

    /// Sends the next change if nothing is in flight and this tab may send; else wakes up when the relay
    /// says (a retry after backoff or Retry-After).
    pub(super) fn pump(&self) {
        let next = self.with(|i| {
            if i.in_flight || i.stopping {
                return None;
            }
            let epoch = i.ownership.may_send()?.clone();
            let send = i.relay.as_mut()?.poll_action(now_ms())?;
            i.in_flight = true;
            Some((send, epoch))
        });
        let Some((send, epoch)) = next else {
            self.show_sync_state();
            self.schedule_pump();
            return;
        };
        self.show_sync_state();
        // Stored before the answer, so a crash mid-send resends with the same key. The write is
        // issued first (tasks run in order) but not awaited: the send does not wait for the disk.
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move { d.persist().await });
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let outcome = d.send(&send, &epoch).await;
            d.on_outcome(send, epoch, outcome).await;
        });
    }

    async fn send(&self, send: &Transmit, epoch: &Epoch) -> Result<Outcome, u64> {
        let (config, agent_id, status) = self.with(|i| {
            let status = UserStatus {
                id: send.status.0,
                name: i.status_name(send.status.0),
            };
            (i.config.clone(), i.agent_id, status)
        });
        let result = ccai::relay_status(&config, agent_id, &status, &send.key, epoch.term).await;
        Ok(match result {
            Ok(r) => match r.message {
                Some(message) => Outcome::Refused { message },
                None => {
                    let applied = r
                        .current_status
                        .as_deref()
                        .filter(|name| *name != status.name)
                        .and_then(|name| {
                            self.with(|i| i.statuses.iter().find(|s| s.name == name).map(|s| s.id))
                        })
                        .unwrap_or(status.id);
                    Outcome::Ok {
                        applied: CcaiStatusId(applied),
                    }
                }
            },
            Err(HttpError::Status { code: 409, .. }) => {
                // The endpoint saw a later term; at least the next one.
                return Err(epoch.term + 1);
            }
            Err(HttpError::Status { code: 401, .. }) => Outcome::Unauthorized,
            Err(HttpError::Status {
                code: 429,
                retry_after_s,
            }) => Outcome::RateLimited {
                retry_after_ms: retry_after_s.map(|s| u64::from(s) * 1000),
            },
            Err(HttpError::Status { code, .. }) if code >= 500 => Outcome::ServerError { code },
            Err(HttpError::Status { code, .. }) => Outcome::PermanentClientError {
                code,
                reason: format!("HTTP {code}"),
            },
            // No answer, or an answer we cannot read: CCAI may have applied it. Retry with the same key.
            Err(HttpError::Unreachable | HttpError::BadBody) => Outcome::Dropped,
        })
    }

    async fn on_outcome(&self, send: Transmit, _epoch: Epoch, outcome: Result<Outcome, u64>) {
        let report = match outcome {
            Ok(outcome) => self.with(|i| {
                i.in_flight = false;
                i.relay
                    .as_mut()
                    .and_then(|r| r.on_result(&send.key, outcome, now_ms()))
            }),
            Err(term) => {
                // A later owner exists: this tab must not send again. The change stays queued for it.
                self.with(|i| {
                    i.in_flight = false;
                    if let Some(r) = i.relay.as_mut() {
                        r.abandon_in_flight();
                    }
                });
                self.persist().await;
                self.owner_event(OwnerEvent::Fenced { term });
                return;
            }
        };
        self.persist().await;
        match report {
            Some(RelayReport::Applied { status }) => {
                self.with(|i| {
                    i.state.current.set(Some(status.0));
                    if matches!(
                        i.state.notice.get_untracked(),
                        Some(Notice::Deferred(..) | Notice::Refused(_))
                    ) {
                        i.state.notice.set(None);
                    }
                });
                self.reconcile(SyncEvent::CcaiChanged {
                    status,
                    at_ms: now_ms(),
                    by_system: false,
                });
            }
            Some(RelayReport::Refused { status, message }) => {
                self.with(|i| i.state.notice.set(Some(Notice::Refused(message.clone()))));
                self.reconcile(SyncEvent::CcaiRefused {
                    requested: status,
                    message,
                    at_ms: now_ms(),
                });
            }
            Some(RelayReport::SignInRequired) => {
                self.with(|i| i.state.notice.set(Some(Notice::CcaiUnauthorized)))
            }
            Some(RelayReport::Dropped {
                status,
                code,
                reason,
            }) => self.with(|i| {
                let name = i.status_name(status.0);
                i.state
                    .notice
                    .set(Some(Notice::RelayDropped(name, code, reason)));
            }),
            None => {}
        }
        if self.with(|i| i.stopping) {
            self.finish_stop();
        } else {
            self.pump();
        }
    }

    fn schedule_pump(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let (previous, next) = self.with(|i| {
            (
                i.pump_timer.take(),
                i.relay.as_ref().and_then(|r| r.poll_timeout()),
            )
        });
        if let Some(id) = previous {
            window.clear_timeout_with_handle(id);
        }
        let Some(at) = next else { return };
        let delay = at.saturating_sub(now_ms()).min(300_000) as i32;
        let d = self.clone();
        let cb = Closure::once_into_js(move || {
            d.with(|i| i.pump_timer = None);
            d.pump();
        });
        if let Ok(id) =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay)
        {
            self.with(|i| i.pump_timer = Some(id));
        }
    }

    /// Shows the relay's state to the agent here and mirrors it to the other tabs.
    fn show_sync_state(&self) {
        let (current, sync) = self.with(|i| {
            let state = i.relay.as_ref().map(|r| r.sync_state());
            i.state
                .paused
                .set(matches!(state, Some(SyncState::Paused { .. })));
            let sync = state.map(|s| super::effects::sync_text(&s, i));
            i.state.sync.set(sync.clone());
            (i.state.current.get_untracked(), sync)
        });
        self.post_sync(&SyncMsg::Mirror {
            ccai: current,
            sync,
        });
    }
}

impl Driver {
    /// After a 401 the queue waits (nothing is dropped). The agent, or the admin who fixed the token,
    /// presses "Sign in again": the configuration is read afresh and the queue resumes where it was.
    pub fn sign_in_again(&self) {
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let config = crate::config::load().await;
            d.with(|i| {
                i.config = config;
                if let Some(r) = i.relay.as_mut() {
                    r.resume_after_sign_in(now_ms());
                }
                i.state.notice.set(None);
            });
            d.pump();
        });
    }
}

/// What a term starts from: the stored queue, CCAI's activity feed position and the status there.
pub(super) struct TermStart {
    snapshot: Option<RelaySnapshot>,
    since: u64,
    ccai_status: Option<i64>,
}

impl Driver {
    /// Reads the stored queue and CCAI's side at once.
    pub(super) async fn read_term_start(&self) -> TermStart {
        let (agent_id, config) = self.with(|i| (i.agent_id, i.config.clone()));
        let (snapshot, (since, ccai_status)) = both(
            storage::get::<RelaySnapshot>(&relay_key(agent_id)),
            read_ccai(&config, agent_id),
        )
        .await;
        TermStart {
            snapshot,
            since,
            ccai_status,
        }
    }
}

/// CCAI's side at the start of a term: the activity feed's position and the agent's status there.
/// The feed's newest status change gives both in one consistent read; without one (a new agent, or
/// CCAI unreachable) the status is read after the position: a change in between is seen twice, never
/// missed.
async fn read_ccai(config: &crate::config::Config, agent_id: i64) -> (u64, Option<i64>) {
    let feed = ccai::activities(config, agent_id, 0, 0)
        .await
        .unwrap_or_default();
    let since = feed.iter().map(|a| a.seq).max().unwrap_or(0);
    let newest = feed
        .iter()
        .filter(|a| a.current_status.is_some())
        .max_by_key(|a| a.seq);
    if let Some(status) = newest.and_then(|a| a.current_status.as_ref()) {
        return (since, Some(status.id));
    }
    let agent = ccai::agent_by_email(config).await.ok().flatten();
    (since, agent.and_then(|a| a.status).map(|s| s.id))
}

/// Runs two futures at once (the extension has no `futures` crate for one small join).
pub(super) async fn both<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(move |cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}
