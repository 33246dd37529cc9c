//! The owner watches CCAI's agent activity feed, so that CCAI-side changes (a call starts, wrap-up
//! ends, a supervisor moves the agent) reach the reconciler.

use ccai_core::reconcile::SyncEvent;
use ccai_core::status::CcaiStatusId;
use leptos::prelude::*;

use super::{now_ms, Driver, SyncMsg};
use crate::api::ccai;
use crate::timer::sleep_ms;

/// How long one long poll may wait on the server.
const WAIT_MS: u32 = 20_000;

impl Driver {
    /// Runs until this term ends (`generation` changes). Activities before the term are history: the
    /// term starts from CCAI's current status, read at sign-in, and from the feed's position read just
    /// before it.
    pub(super) fn watch_ccai(&self, generation: u32, since: u64) {
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let (config, agent_id) = d.with(|i| (i.config.clone(), i.agent_id));
            let mut since = since;
            while d.with(|i| i.watch_generation == generation) {
                match ccai::activities(&config, agent_id, since, WAIT_MS).await {
                    Ok(list) => {
                        for activity in list {
                            since = since.max(activity.seq);
                            if !d.with(|i| i.watch_generation == generation) {
                                return;
                            }
                            let Some(status) = activity.current_status else {
                                continue;
                            };
                            let by_system = activity.source.as_deref() == Some("system");
                            d.with(|i| i.state.current.set(Some(status.id)));
                            d.reconcile(SyncEvent::CcaiChanged {
                                status: CcaiStatusId(status.id),
                                at_ms: now_ms(),
                                by_system,
                            });
                            d.post_sync(&SyncMsg::Mirror {
                                ccai: Some(status.id),
                                sync: d.with(|i| i.state.sync.get_untracked()),
                            });
                        }
                    }
                    // CCAI unreachable: try again shortly, without a tight loop.
                    Err(_) => sleep_ms(2_000).await,
                }
            }
        });
    }
}
