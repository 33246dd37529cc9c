//! The ownership machine's effects: the Web Lock, the BroadcastChannel, its timer, page lifecycle.

use ccai_core::ownership::{Msg, OwnerAction, OwnerEvent};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::MessageEvent;

use super::relay_io::both;
use super::{now_ms, Driver, SyncMsg};
use crate::adapter::Role;
use crate::chrome::storage;

impl Driver {
    /// Channel listeners and page-lifecycle hooks, registered once per tab.
    pub(super) fn listen(&self) {
        let d = self.clone();
        let on_owner = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(msg) = serde_wasm_bindgen::from_value::<Msg>(e.data()) {
                d.owner_event(OwnerEvent::Message { msg });
            }
        });
        let d = self.clone();
        let on_sync = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            if let Ok(msg) = serde_wasm_bindgen::from_value::<SyncMsg>(e.data()) {
                d.on_sync_message(msg);
            }
        });
        self.with(|i| {
            i.owner_channel
                .set_onmessage(Some(on_owner.as_ref().unchecked_ref()));
            i.sync_channel
                .set_onmessage(Some(on_sync.as_ref().unchecked_ref()));
        });
        on_owner.forget();
        on_sync.forget();

        // The back/forward cache and freezing keep a Web Lock unless we let go (issue 5's measurements).
        let hooks: [(&str, bool, OwnerEvent); 4] = [
            ("pagehide", false, OwnerEvent::PageHide),
            ("pageshow", false, OwnerEvent::PageShow),
            ("freeze", true, OwnerEvent::Frozen),
            ("resume", true, OwnerEvent::Resumed),
        ];
        for (name, on_document, event) in hooks {
            let d = self.clone();
            let cb = Closure::<dyn FnMut()>::new(move || d.owner_event(event.clone()));
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

    pub(crate) fn owner_event(&self, event: OwnerEvent) {
        let actions = self.with(|i| i.ownership.handle(event, now_ms()));
        for action in actions {
            self.owner_action(action);
        }
        self.schedule_tick();
    }

    fn owner_action(&self, action: OwnerAction) {
        match action {
            OwnerAction::RequestLock { steal } => self.request_lock(steal),
            OwnerAction::ReleaseLock => {
                if let Some(release) = self.with(|i| i.release_lock.take()) {
                    let _ = release.call0(&JsValue::NULL);
                }
            }
            OwnerAction::Broadcast { msg } => self.with(|i| {
                if let Ok(js) = serde_wasm_bindgen::to_value(&msg) {
                    let _ = i.owner_channel.post_message(&js);
                }
            }),
            OwnerAction::BecameOwner { epoch } => {
                let key = self.with(|i| fence_key(i.agent_id));
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = storage::set(&key, &epoch).await;
                });
                self.with(|i| i.set_role(Role::Owner));
            }
            OwnerAction::BecameFollower { .. } => {
                self.with(|i| i.set_role(Role::Follower));
                self.release_held_choice();
            }
            OwnerAction::StartRelay { epoch } => self.start_relay(epoch),
            OwnerAction::StopRelay => self.stop_relay(),
        }
    }

    fn request_lock(&self, steal: bool) {
        if let Some(previous) = self.with(|i| i.release_lock.take()) {
            let _ = previous.call0(&JsValue::NULL);
        }
        let d = self.clone();
        let granted = Closure::<dyn FnMut()>::new(move || {
            let d = d.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let key = d.with(|i| fence_key(i.agent_id));
                // The term's starting point is read with the fence, not after it: the grant is when a
                // take-over starts, and each read in turn would add a round trip to it.
                let (fence, start) = both(storage::get(&key), d.read_term_start()).await;
                d.with(|i| i.term_start = Some(start));
                d.owner_event(OwnerEvent::LockGranted { fence });
                // Not used when the grant started no term (a request given up meanwhile).
                d.with(|i| i.term_start = None);
            });
        });
        let d = self.clone();
        let lost = Closure::<dyn FnMut()>::new(move || d.owner_event(OwnerEvent::LockLost));
        let release = self.with(|i| {
            i.bridge.lock(
                &format!("ccai-owner:{}", i.agent_id),
                steal,
                &granted,
                &lost,
            )
        });
        granted.forget();
        lost.forget();
        self.with(|i| i.release_lock = Some(release));
    }

    fn schedule_tick(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        let (previous, next) = self.with(|i| (i.tick_timer.take(), i.ownership.next_tick_ms()));
        if let Some(id) = previous {
            window.clear_timeout_with_handle(id);
        }
        let Some(at) = next else { return };
        let delay = at.saturating_sub(now_ms()).min(60_000) as i32;
        let d = self.clone();
        let cb = Closure::once_into_js(move || {
            d.with(|i| i.tick_timer = None);
            d.owner_event(OwnerEvent::Tick);
        });
        if let Ok(id) =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay)
        {
            self.with(|i| i.tick_timer = Some(id));
        }
    }
}

fn fence_key(agent_id: i64) -> String {
    format!("fence:{agent_id}")
}
