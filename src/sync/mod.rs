//! The status sync driver: the async shell around the core's ownership machine, reconciler and relay.
//!
//! Every tab runs one. The Web Lock and the BroadcastChannel (both in the extension's origin) elect
//! one owner tab; only the owner signs in the reconciler, relays changes to CCAI and watches CCAI's
//! activity feed. Followers mirror what the owner reports; Kustomer itself pushes every status change
//! to every tab, so the owner learns of a change made in another tab from its own page.

mod effects;
mod owner;
mod relay_io;
mod watch;

use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;

use ccai_core::mapping::Mapping;
use ccai_core::ownership::{Epoch, Ownership, OwnershipConfig, TabId};
use ccai_core::reconcile::{Decision, Reconciler, SyncEvent};
use ccai_core::relay::Relay;
use ccai_core::status::{CcaiCatalog, CcaiStatus, CcaiStatusId, KustomerCatalog, KustomerStatusId};
use serde::{Deserialize, Serialize};
use web_sys::BroadcastChannel;

use crate::adapter::{AdapterState, Bridge, Notice, Role};
use crate::api::ccai::UserStatus;
use crate::config::Config;
use crate::settings::SyncSettings;

/// What tabs tell each other about status, beside the ownership protocol's own messages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type")]
enum SyncMsg {
    /// The owner's view, for followers to mirror read-only.
    Mirror {
        ccai: Option<i64>,
        sync: Option<String>,
    },
}

pub(crate) struct Inner {
    config: Config,
    state: AdapterState,
    bridge: Rc<Bridge>,
    agent_id: i64,
    statuses: Vec<UserStatus>,
    settings: SyncSettings,
    mapping: Mapping,
    ownership: Ownership,
    owner_channel: BroadcastChannel,
    sync_channel: BroadcastChannel,
    release_lock: Option<js_sys::Function>,
    tick_timer: Option<i32>,
    /// The page's current Kustomer status, as last reported.
    kustomer: Option<KustomerStatusId>,
    kustomer_email: Option<String>,
    /// Owner only: the term we relay under, the reconciler and the relay.
    epoch: Option<Epoch>,
    reconciler: Option<Reconciler>,
    relay: Option<Relay>,
    in_flight: bool,
    stopping: bool,
    pump_timer: Option<i32>,
    /// What a new term starts from, read at the lock's grant together with the fence.
    term_start: Option<relay_io::TermStart>,
    /// Bumped at each term so a previous term's CCAI watch loop ends.
    watch_generation: u32,
    /// The agent's pick while the election or the term's start is under way: relayed once the term
    /// has its epoch, refused as `NotOwner` if another tab wins.
    held_choice: Option<CcaiStatusId>,
}

/// A cheap handle; all state sits behind one `RefCell`, never borrowed across an `await`.
#[derive(Clone)]
pub struct Driver(Rc<RefCell<Inner>>);

/// Milliseconds on the wall clock: shared by every tab, so stored queue times mean the same to all.
pub(crate) fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn random_u64() -> u64 {
    (js_sys::Math::random() * 9.007_199_254_740_991e15) as u64
}

impl Driver {
    /// Starts sync in this tab once the adapter knows CCAI's statuses and the agent.
    pub async fn start(
        config: Config,
        state: AdapterState,
        bridge: Rc<Bridge>,
        statuses: Vec<UserStatus>,
        agent_id: i64,
    ) -> Option<Driver> {
        let settings = crate::settings::load().await;
        let mapping = match crate::api::kustomer::routing_statuses(&config).await {
            Ok(kustomer) => {
                let kustomer: KustomerCatalog = kustomer.into_iter().collect();
                let ccai: CcaiCatalog = statuses
                    .iter()
                    .map(|s| CcaiStatus {
                        id: CcaiStatusId(s.id),
                        name: s.name.clone(),
                        color: None,
                    })
                    .collect();
                let checked = Mapping::revalidate(&settings.mapping, &kustomer, &ccai);
                if let Some(problem) = checked.problems.first() {
                    state
                        .notice
                        .set(Some(Notice::MappingProblem(problem.to_string())));
                }
                checked.mapping
            }
            Err(_) => {
                state.notice.set(Some(Notice::KustomerUnreachable));
                Mapping::default()
            }
        };
        let me = TabId(format!("{:x}", random_u64()));
        let ownership = Ownership::new(
            me,
            OwnershipConfig::default(),
            random_u64() % 1000,
            now_ms(),
        );
        let owner_channel = BroadcastChannel::new(&format!("ccai-owner:{agent_id}")).ok()?;
        let sync_channel = BroadcastChannel::new(&format!("ccai-sync:{agent_id}")).ok()?;
        let driver = Driver(Rc::new(RefCell::new(Inner {
            config,
            state,
            bridge,
            agent_id,
            statuses,
            settings,
            mapping,
            ownership,
            owner_channel,
            sync_channel,
            release_lock: None,
            tick_timer: None,
            kustomer: None,
            kustomer_email: None,
            epoch: None,
            reconciler: None,
            relay: None,
            in_flight: false,
            stopping: false,
            pump_timer: None,
            term_start: None,
            watch_generation: 0,
            held_choice: None,
        })));
        driver.listen();
        driver.owner_event(ccai_core::ownership::OwnerEvent::Started);
        Some(driver)
    }

    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        f(&mut self.0.borrow_mut())
    }

    /// The page reported its facts: a new Kustomer status is applied by the owner, forwarded by others.
    pub fn page_facts(&self, status: Option<KustomerStatusId>, email: Option<String>) {
        let (changed, first) = self.with(|i| {
            i.kustomer_email = email;
            let changed = status.is_some() && status != i.kustomer;
            let first = i.kustomer.is_none();
            i.kustomer = status.clone();
            (changed, first)
        });
        let Some(status) = status.filter(|_| changed) else {
            return;
        };
        if first && self.with(|i| i.reconciler.is_some()) {
            self.sign_in(None);
        } else if self.with(|i| i.reconciler.is_some()) {
            self.reconcile(SyncEvent::KustomerChanged {
                status,
                at_ms: now_ms(),
            });
        }
        // A follower does not forward what its page shows: Kustomer pushes every change to every tab,
        // and the owner's own page is the one ordered view of them. Forwarding as well would give the
        // owner two channels that can disagree on order (the soak test saw a follower's change overtaken
        // by the owner page's older push).
    }

    /// The page started to navigate away: an owner hands over now (issue 5's back/forward cache case).
    pub fn page_leaving(&self) {
        self.owner_event(ccai_core::ownership::OwnerEvent::PageLeaving);
    }

    /// "Use this tab" (S6).
    pub fn use_this_tab(&self) {
        self.owner_event(ccai_core::ownership::OwnerEvent::UseThisTab);
    }

    /// The agent picked a CCAI status in the dropdown (S1): the owner relays it like any change; a
    /// follower asks the owner by taking over first, so the change is never made from two tabs.
    pub fn choose_ccai(&self, status: CcaiStatusId) {
        let (epoch, role) = self.with(|i| (i.epoch.clone(), i.state.role.get_untracked()));
        match (epoch, role) {
            (Some(epoch), _) => {
                self.with(|i| {
                    if let Some(r) = i.relay.as_mut() {
                        r.enqueue(status, &epoch, now_ms());
                    }
                });
                self.pump();
            }
            // Still electing, or this tab's term is starting: the relay takes it when it has its epoch.
            (None, Role::Unknown | Role::Owner) => self.with(|i| {
                i.held_choice = Some(status);
                i.state.busy.set(true);
            }),
            (None, Role::Follower) => self.with(|i| i.state.notice.set(Some(Notice::NotOwner))),
        }
    }

    /// The choice held during the election: relayed by the new term, or refused if this tab follows.
    pub(crate) fn release_held_choice(&self) {
        let Some(status) = self.with(|i| {
            i.state.busy.set(false);
            i.held_choice.take()
        }) else {
            return;
        };
        self.choose_ccai(status);
    }

    fn reconcile(&self, event: SyncEvent) {
        let decisions = self.with(|i| {
            i.reconciler
                .as_mut()
                .map(|r| r.handle(event))
                .unwrap_or_default()
        });
        self.apply(decisions);
    }

    fn apply(&self, decisions: Vec<Decision>) {
        for d in decisions {
            match d {
                Decision::SetCcai { status } => {
                    self.with(|i| {
                        if let (Some(r), Some(e)) = (i.relay.as_mut(), i.epoch.as_ref()) {
                            r.enqueue(status, e, now_ms());
                        }
                    });
                    self.pump();
                }
                Decision::SetKustomer { status } => effects::set_kustomer(self.clone(), status),
                Decision::Deferred { ccai, reason } => self.with(|i| {
                    let name = i.status_name(ccai.0);
                    i.state
                        .notice
                        .set(Some(Notice::Deferred(name, effects::defer_reason(&reason))));
                }),
                Decision::Report { notice } => {
                    let n = self.with(|i| effects::notice_for_report(i, &notice));
                    self.with(|i| i.state.notice.set(Some(n)));
                }
            }
        }
    }

    fn post_sync(&self, msg: &SyncMsg) {
        self.with(|i| {
            if let Ok(js) = serde_wasm_bindgen::to_value(msg) {
                let _ = i.sync_channel.post_message(&js);
            }
        });
    }

    fn on_sync_message(&self, msg: SyncMsg) {
        match msg {
            SyncMsg::Mirror { ccai, sync } => self.with(|i| {
                if i.epoch.is_none() {
                    i.state.current.set(ccai);
                    i.state.sync.set(sync);
                }
            }),
        }
    }
}

impl Inner {
    pub(crate) fn status_name(&self, id: i64) -> String {
        self.statuses
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    fn set_role(&self, role: Role) {
        self.state.role.set(role);
    }
}
