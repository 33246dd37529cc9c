//! Status sync's executor: carries out what the core's composed machine
//! ([`ccai_core::status_sync::StatusSync`]) decides, and feeds back what happened.
//!
//! Every tab runs one. It decides nothing: each browser event goes into the machine with the time
//! (`feed`), then each returned action is done (`executor.rs`: the Web Lock, the two
//! BroadcastChannels, `chrome.storage`, the Kustomer status through the company server; `service.rs`:
//! the status service, the company server since issue 16; `pushed.rs`: what the server pushes), the one timer is armed at the
//! machine's deadline, and the machine's view is rendered (`render.rs`).

mod executor;
mod pushed;
mod render;
mod service;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use std::collections::HashMap;

use ccai_core::ownership::TabId;
use ccai_core::server_api::KustomerStatusList;
use ccai_core::status::{CcaiStatus, CcaiStatusId, KustomerCatalog, KustomerStatusId};
use ccai_core::status_sync::{Lifecycle, Setup, StatusSync, View};
use wasm_bindgen::JsCast;
use web_sys::BroadcastChannel;

use crate::company::Client;
use crate::frame::{AdapterState, Bridge, Notice};

/// The effects' resources, once the agent is known.
struct Io {
    /// The company server, signed in.
    client: Option<Client>,
    agent_id: i64,
    agent_email: String,
    /// The owner epoch this tab last claimed at the server (`POST /api/v1/owner/status`).
    server_epoch: Option<u64>,
    /// False once the server answered that it cannot claim and write in one request (a server
    /// older than this extension): the claim is then its own request.
    claims_with_write: bool,
    /// CCAI's statuses, to tell a system-made change (In-call, Wrap-up) from a person's.
    statuses: Vec<CcaiStatus>,
    owner_channel: BroadcastChannel,
    sync_channel: BroadcastChannel,
    release_lock: Option<js_sys::Function>,
}

struct Shared {
    machine: RefCell<StatusSync>,
    io: RefCell<Option<Io>>,
    state: AdapterState,
    bridge: Rc<Bridge>,
    timer: Cell<Option<i32>>,
    /// The view last rendered, so a shown value is set only when its part changed.
    shown: RefCell<Option<View>>,
    /// Writes waiting for their pushed outcome, by key.
    outcomes: RefCell<HashMap<String, pushed::Waiter>>,
    /// Start-up again, after a sign-in that start-up could not do itself.
    restart: RefCell<Option<Rc<dyn Fn()>>>,
}

/// A cheap handle; the machine sits behind one `RefCell`, never borrowed across an `await` nor while
/// an action is carried out.
#[derive(Clone)]
pub struct Driver(Rc<Shared>);

/// Milliseconds on the wall clock: shared by every tab, so stored queue times mean the same to all.
fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn random_u64() -> u64 {
    (js_sys::Math::random() * 9.007_199_254_740_991e15) as u64
}

impl Driver {
    /// At mount, before anything is known: the menu's picks and the page's facts go in from the start.
    pub fn new(state: AdapterState, bridge: Rc<Bridge>) -> Self {
        let me = TabId(format!("{:x}", random_u64()));
        let machine = StatusSync::new(me, random_u64() % 1000, random_u64(), now_ms());
        let driver = Driver(Rc::new(Shared {
            machine: RefCell::new(machine),
            io: RefCell::new(None),
            state,
            bridge,
            timer: Cell::new(None),
            shown: RefCell::new(None),
            outcomes: RefCell::new(HashMap::new()),
            restart: RefCell::new(None),
        }));
        // An admin's save, pushed by the company server, reaches this tab's term at once (issue 16).
        let fed = driver.clone();
        crate::settings::follow(move |s| fed.feed(|m, now| m.handle_settings(s, now))).keep();
        driver
    }

    /// What start-up runs again once the agent signed in with the button.
    pub fn on_restart(&self, restart: impl Fn() + 'static) {
        *self.0.restart.borrow_mut() = Some(Rc::new(restart));
    }

    /// Joins the election once the status service's statuses and the agent are known.
    pub async fn start(
        &self,
        client: Client,
        statuses: Vec<CcaiStatus>,
        agent_id: i64,
        agent_email: String,
    ) {
        let settings = crate::settings::load().await;
        // Kustomer's routing statuses (B7), read by the company server: the key stays there. Without
        // them the machine still runs; it says Kustomer could not be read.
        let kustomer = client
            .get::<KustomerStatusList>("/api/v1/catalogs/kustomer")
            .await
            .ok()
            .map(|list| list.into_iter().collect::<KustomerCatalog>());
        let channels = (
            BroadcastChannel::new(&format!("ccai-owner:{agent_id}")),
            BroadcastChannel::new(&format!("ccai-sync:{agent_id}")),
        );
        let (Ok(owner_channel), Ok(sync_channel)) = channels else {
            self.feed(|m, _| m.handle_start_failed());
            return;
        };
        let catalog = statuses;
        let setup = Setup {
            agent: agent_id.to_string(),
            agent_email: agent_email.clone(),
            statuses: catalog.clone(),
            current: self.0.state.current.get().map(CcaiStatusId),
            settings,
            kustomer,
        };
        *self.0.io.borrow_mut() = Some(Io {
            client: Some(client),
            agent_id,
            agent_email,
            server_epoch: None,
            claims_with_write: true,
            statuses: catalog,
            owner_channel,
            sync_channel,
            release_lock: None,
        });
        self.listen();
        self.listen_pushes();
        self.feed(|m, now| m.handle_start(setup, now));
    }

    /// Start-up could not reach the status service's statuses: a pick held meanwhile is given up.
    pub fn start_failed(&self) {
        self.feed(|m, _| m.handle_start_failed());
    }

    /// The page's facts (its Kustomer status and e-mail).
    pub fn page_facts(&self, status: Option<KustomerStatusId>, email: Option<String>) {
        self.feed(|m, now| m.handle_page(status, email, now));
    }

    /// The page started to navigate away: an owner hands over now (issue 5's back/forward cache case).
    pub fn page_leaving(&self) {
        self.feed(|m, now| m.handle_lifecycle(Lifecycle::Leaving, now));
    }

    /// "Use this tab" (S6).
    pub fn use_this_tab(&self) {
        self.feed(|m, now| m.handle_use_this_tab(now));
    }

    /// The agent picked a status in the dropdown (S1).
    pub fn choose(&self, status: i64) {
        self.feed(|m, now| m.handle_choice(CcaiStatusId(status), now));
    }

    /// Signed out of the company server (never signed in here, the session ended, or a 401 that
    /// one refresh did not cure), the queue waits (nothing is dropped). The agent presses "Sign in":
    /// the sign-in window (a click is what the browser needs to open one), then the queue resumes
    /// where it was, or start-up runs again if it could not start without a session.
    pub fn sign_in_again(&self) {
        let d = self.clone();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = crate::company::sign_in(true).await {
                d.0.state
                    .notice
                    .set(Some(Notice::SignInFailed(e.to_string())));
                return;
            }
            d.0.state.paused.set(false);
            d.0.state.notice.set(None);
            let client = Client::connect().await.ok();
            let started = d.with_io(|io| io.client = client.clone()).is_some();
            if !started {
                let restart = d.0.restart.borrow().clone();
                if let Some(restart) = restart {
                    restart();
                }
                return;
            }
            let email = d.with_io(|io| io.agent_email.clone()).unwrap_or_default();
            d.feed(|m, now| m.handle_signed_in_again(email, now));
        });
    }

    /// Feeds one event in, then carries out what the machine decided, arms its timer and renders it.
    fn feed(&self, event: impl FnOnce(&mut StatusSync, u64)) {
        event(&mut self.0.machine.borrow_mut(), now_ms());
        self.carry_out();
    }

    /// What follows every event, compiled once rather than once per kind of event (issue 19).
    fn carry_out(&self) {
        let actions: Vec<_> = {
            let mut m = self.0.machine.borrow_mut();
            std::iter::from_fn(|| m.poll_action()).collect()
        };
        for action in actions {
            self.execute(action);
        }
        self.arm_timer();
        self.render();
    }

    fn with_machine<R>(&self, f: impl FnOnce(&StatusSync) -> R) -> R {
        f(&self.0.machine.borrow())
    }

    fn with_io<R>(&self, f: impl FnOnce(&mut Io) -> R) -> Option<R> {
        self.0.io.borrow_mut().as_mut().map(f)
    }

    /// One timer for the machine's next deadline (its heartbeat, a probe, a retry).
    fn arm_timer(&self) {
        let Some(window) = web_sys::window() else {
            return;
        };
        if let Some(id) = self.0.timer.take() {
            window.clear_timeout_with_handle(id);
        }
        let Some(at) = self.with_machine(|m| m.poll_timeout()) else {
            return;
        };
        let delay = at.saturating_sub(now_ms()).min(60_000) as i32;
        let d = self.clone();
        let cb = wasm_bindgen::closure::Closure::once_into_js(move || {
            d.0.timer.set(None);
            d.feed(|m, now| m.handle_timeout(now));
        });
        if let Ok(id) =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(cb.unchecked_ref(), delay)
        {
            self.0.timer.set(Some(id));
        }
    }
}
