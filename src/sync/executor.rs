//! Each of the machine's actions, carried out: the Web Lock, the two BroadcastChannels, the page
//! lifecycle hooks, `chrome.storage` and the Kustomer status (through the company server). What the
//! status service is asked is in `service.rs`.

use std::future::Future;

use ccai_core::ownership::{fence_allows, Epoch, Msg};
use ccai_core::relay::RelaySnapshot;
use ccai_core::server_api::KustomerStatusRequest;
use ccai_core::status::KustomerStatusId;
use ccai_core::status_sync::{Action, KustomerWriteOutcome, Lifecycle, Mirror, WriteAnswer};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

use super::{service, Driver};
use crate::chrome::storage;
use crate::company::Client;

fn fence_key(agent_id: i64) -> String {
    format!("fence:{agent_id}")
}

fn relay_key(agent_id: i64) -> String {
    format!("relay:{agent_id}")
}

/// The Web Lock held around every write of the fence and the queue, never stolen: `chrome.storage`
/// has no compare-and-set, so without it a stale owner could read an old fence and then store its
/// queue over the one its successor stored meanwhile.
fn store_lock(agent_id: i64) -> String {
    format!("ccai-store:{agent_id}")
}

/// The HTTP status of the company server's answer to the Kustomer write; `None` when nothing
/// answered. A client error reads as the status writes' do (`service::answer_for`: signed out is 401).
async fn put_kustomer_status(client: &Client, status: &KustomerStatusId) -> Option<u16> {
    let body = KustomerStatusRequest {
        kustomer_status_id: status.as_str().to_owned(),
    };
    let sent = async {
        let body = crate::company::json_text(&body)?;
        client
            .send("PUT", "/api/v1/kustomer-status", Some(body))
            .await
    };
    match sent.await {
        Ok(answer) => Some(answer.code),
        Err(e) => match service::answer_for(&e) {
            WriteAnswer::Status { code, .. } => Some(code),
            _ => None,
        },
    }
}

impl Driver {
    pub(super) fn execute(&self, action: Action) {
        match action {
            Action::RequestLock { steal } => self.request_lock(steal),
            Action::ReleaseLock => {
                if let Some(release) = self.with_io(|io| io.release_lock.take()).flatten() {
                    let _ = release.call0(&JsValue::NULL);
                }
            }
            Action::Broadcast(msg) => self.post(true, &msg),
            Action::Mirror(mirror) => self.post(false, &mirror),
            Action::ReadTermStart => {
                let d = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let Some((client, agent_id)) = d.with_io(|io| (io.client.clone(), io.agent_id))
                    else {
                        return;
                    };
                    let start = service::read_term_start(
                        client,
                        storage::get::<Epoch>(&fence_key(agent_id)),
                        storage::get::<RelaySnapshot>(&relay_key(agent_id)),
                    )
                    .await;
                    d.feed(|m, now| m.handle_term_start(start, now));
                });
            }
            Action::WriteFence(epoch) => {
                let Some(agent_id) = self.with_io(|io| io.agent_id) else {
                    return;
                };
                let d = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    d.under_store_lock(agent_id, async {
                        let key = fence_key(agent_id);
                        // The fence only rises, whichever of two racing owners writes last.
                        if fence_allows(&epoch, storage::get::<Epoch>(&key).await.as_ref()) {
                            let _ = storage::set(&key, &epoch).await;
                        }
                    })
                    .await;
                });
            }
            Action::StoreQueue {
                snapshot,
                epoch,
                ack,
            } => {
                let Some(agent_id) = self.with_io(|io| io.agent_id) else {
                    return;
                };
                let d = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    d.under_store_lock(agent_id, async {
                        // A later term's fence: its owner's queue is the newer one; this one is not
                        // stored (the machine decided which epoch may store, core's `fence_allows`).
                        let fence = storage::get::<Epoch>(&fence_key(agent_id)).await;
                        if fence_allows(&epoch, fence.as_ref()) {
                            let _ = storage::set(&relay_key(agent_id), &snapshot).await;
                        }
                    })
                    .await;
                    if ack {
                        d.feed(|m, now| m.handle_queue_stored(now));
                    }
                });
            }
            Action::Write(write) => {
                let client = self.with_io(|io| io.client.clone()).flatten();
                let d = self.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let answer = match client {
                        Some(client) => d.write_status(&client, &write).await,
                        // Signed out: the relay pauses until "Sign in".
                        None => WriteAnswer::Status {
                            code: 401,
                            retry_after_s: None,
                        },
                    };
                    d.feed(|m, now| m.handle_write_result(&write.key, answer, now));
                });
            }
            Action::SetKustomer(status) => self.set_kustomer(status),
            // The watch is the push stream (`pushed.rs`), routed to the generation the machine
            // reports as watching: nothing to start here.
            Action::Watch { .. } => {}
            Action::ShowNotice(notice) => self.show_notice(&notice),
            Action::ClearNotice => self.clear_notice(),
        }
    }

    fn post<T: serde::Serialize>(&self, owner: bool, msg: &T) {
        // Plain objects (`json_compatible`): the tagged messages are written as maps (`wire_tag`), which
        // the default serializer would make JavaScript `Map`s, which the receiving tab cannot read.
        let Ok(js) = msg.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) else {
            return;
        };
        self.with_io(|io| {
            let channel = if owner {
                &io.owner_channel
            } else {
                &io.sync_channel
            };
            let _ = channel.post_message(&js);
        });
    }

    /// Runs `work` while this tab holds the storage lock (`store_lock`), so another tab's fence or
    /// queue write never lands between its read and its write.
    async fn under_store_lock<T>(&self, agent_id: i64, work: impl Future<Output = T>) -> T {
        let mut resolve = None;
        let granted = js_sys::Promise::new(&mut |res, _| resolve = Some(res));
        let on_granted = Closure::<dyn FnMut()>::new(move || {
            if let Some(res) = &resolve {
                let _ = res.call0(&JsValue::NULL);
            }
        });
        // Never stolen, so never lost.
        let on_lost = Closure::<dyn FnMut()>::new(|| {});
        let release = self
            .0
            .bridge
            .lock(&store_lock(agent_id), false, &on_granted, &on_lost);
        let _ = wasm_bindgen_futures::JsFuture::from(granted).await;
        let out = work.await;
        let _ = release.call0(&JsValue::NULL);
        // The callbacks live until the lock is released: the grant calls one of them.
        drop((on_granted, on_lost));
        out
    }

    /// Queues for the Web Lock (or steals it); the grant and the loss go back into the machine.
    fn request_lock(&self, steal: bool) {
        if let Some(previous) = self.with_io(|io| io.release_lock.take()).flatten() {
            let _ = previous.call0(&JsValue::NULL);
        }
        let Some(agent_id) = self.with_io(|io| io.agent_id) else {
            return;
        };
        let d = self.clone();
        let granted =
            Closure::<dyn FnMut()>::new(move || d.feed(|m, now| m.handle_lock_granted(now)));
        let d = self.clone();
        let lost = Closure::<dyn FnMut()>::new(move || d.feed(|m, now| m.handle_lock_lost(now)));
        let release = self
            .0
            .bridge
            .lock(&format!("ccai-owner:{agent_id}"), steal, &granted, &lost);
        granted.forget();
        lost.forget();
        self.with_io(|io| io.release_lock = Some(release));
    }

    /// Bidirectional sync (S4): the mapped Kustomer status, set by the company server in this agent's
    /// work session (`PUT /api/v1/kustomer-status`; the browser holds no Kustomer key). Kustomer then
    /// pushes it to every tab's page, whose content script reports it back: the reconciler knows it is
    /// ours. The answer's status goes to the machine as it came, which decides what it means.
    fn set_kustomer(&self, status: KustomerStatusId) {
        let client = self.with_io(|io| io.client.clone()).flatten();
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let code = match client {
                Some(client) => put_kustomer_status(&client, &status).await,
                // Signed out: reported as a 401, as for status writes.
                None => Some(401),
            };
            let outcome = KustomerWriteOutcome::from_answer(code);
            if outcome != KustomerWriteOutcome::Applied {
                web_sys::console::info_1(
                    &format!("kustomer status: {outcome:?} ({code:?})").into(),
                );
            }
            d.feed(|m, _| m.handle_kustomer_result(outcome));
        });
    }

    /// Channel listeners and page-lifecycle hooks, registered once per tab.
    pub(super) fn listen(&self) {
        let d = self.clone();
        let on_owner = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(msg) = serde_wasm_bindgen::from_value::<Msg>(e.data()) {
                d.feed(|m, now| m.handle_message(msg, now));
            }
        });
        let d = self.clone();
        let on_sync = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(mirror) = serde_wasm_bindgen::from_value::<Mirror>(e.data()) {
                d.feed(|m, _| m.handle_mirror(mirror));
            }
        });
        self.with_io(|io| {
            io.owner_channel
                .set_onmessage(Some(on_owner.as_ref().unchecked_ref()));
            io.sync_channel
                .set_onmessage(Some(on_sync.as_ref().unchecked_ref()));
        });
        on_owner.forget();
        on_sync.forget();

        // The back/forward cache and freezing keep a Web Lock unless we let go (issue 5's measurements).
        let hooks: [(&str, bool, Lifecycle); 4] = [
            ("pagehide", false, Lifecycle::Hide),
            ("pageshow", false, Lifecycle::Show),
            ("freeze", true, Lifecycle::Freeze),
            ("resume", true, Lifecycle::Resume),
        ];
        for (name, on_document, event) in hooks {
            let d = self.clone();
            let cb = Closure::<dyn FnMut()>::new(move || {
                d.feed(|m, now| m.handle_lifecycle(event, now))
            });
            let target: Option<web_sys::EventTarget> = if on_document {
                web_sys::window().and_then(|w| w.document()).map(Into::into)
            } else {
                web_sys::window().map(Into::into)
            };
            if let Some(t) = target {
                let _ = t.add_event_listener_with_callback(name, cb.as_ref().unchecked_ref());
            }
            cb.forget();
        }
    }
}
