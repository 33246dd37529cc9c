//! The push stream (`GET /api/v1/events`, server-sent events of [`Push`]): one connection per page,
//! shared by every subscriber in it. An `EventSource` cannot send an `Authorization` header, so each
//! connection starts with a single-use ticket (`POST /api/v1/events/ticket`); a connection that drops
//! is closed (the browser's own retry would reuse the spent ticket) and opened again with a new ticket
//! after a back-off (1 s doubling to 30 s, with jitter so a restarted server is not met by every agent
//! at once; back to 1 s once a connection opened).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use ccai_core::server_api::{EventsTicket, Push};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{EventSource, MessageEvent};

use super::{Client, CompanyError, SignInState};

const MIN_BACKOFF_MS: u32 = 1_000;
const MAX_BACKOFF_MS: u32 = 30_000;

type PushListener = Rc<dyn Fn(&Push)>;
type StateListener = Rc<dyn Fn(bool)>;

#[derive(Default)]
struct Hub {
    next_id: u64,
    pushes: Vec<(u64, PushListener)>,
    states: Vec<(u64, StateListener)>,
    running: bool,
    connected: bool,
    /// Cuts the current back-off short (a sign-in in this page).
    wake: Option<js_sys::Function>,
}

thread_local! {
    static HUB: RefCell<Hub> = RefCell::new(Hub::default());
}

/// A subscriber's registration: dropping it unsubscribes. [`Subscription::keep`] keeps it for the
/// page's life.
#[must_use = "dropping a Subscription unsubscribes at once"]
pub struct Subscription(u64);

impl Subscription {
    pub fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let id = self.0;
        HUB.with(|h| {
            let mut h = h.borrow_mut();
            h.pushes.retain(|(i, _)| *i != id);
            h.states.retain(|(i, _)| *i != id);
        });
    }
}

/// Calls `on_push` with every event pushed to this agent, in order, from now on. The first event of
/// each (re)connection is the current `Settings`; after a gap the server sends `Lagged` first.
pub fn subscribe(on_push: impl Fn(&Push) + 'static) -> Subscription {
    let id = HUB.with(|h| {
        let mut h = h.borrow_mut();
        h.next_id += 1;
        let id = h.next_id;
        h.pushes.push((id, Rc::new(on_push)));
        id
    });
    start();
    Subscription(id)
}

/// Calls `on_change` with `true` when a push connection opens and `false` when it drops (a
/// reconnection follows): what was pushed in between is lost, so re-read what matters.
pub fn watch_connection(on_change: impl Fn(bool) + 'static) -> Subscription {
    let id = HUB.with(|h| {
        let mut h = h.borrow_mut();
        h.next_id += 1;
        let id = h.next_id;
        h.states.push((id, Rc::new(on_change)));
        id
    });
    Subscription(id)
}

/// Whether this page's push connection is open now.
pub fn connected() -> bool {
    HUB.with(|h| h.borrow().connected)
}

pub(super) fn on_sign_in_state(state: SignInState) {
    if state == SignInState::SignedIn {
        let wake = HUB.with(|h| h.borrow_mut().wake.take());
        if let Some(wake) = wake {
            let _ = wake.call0(&JsValue::NULL);
        }
    }
}

fn start() {
    let start = HUB.with(|h| {
        let mut h = h.borrow_mut();
        !std::mem::replace(&mut h.running, true)
    });
    if start {
        wasm_bindgen_futures::spawn_local(run());
    }
}

async fn run() {
    let mut backoff = MIN_BACKOFF_MS;
    loop {
        let idle = HUB.with(|h| {
            let mut h = h.borrow_mut();
            let idle = h.pushes.is_empty();
            if idle {
                h.running = false;
            }
            idle
        });
        if idle {
            return;
        }
        if connect_once().await {
            backoff = MIN_BACKOFF_MS;
        }
        set_connected(false);
        let jitter = (js_sys::Math::random() * f64::from(backoff) / 2.0) as u32;
        wakeable_sleep(backoff / 2 + jitter + backoff / 4).await;
        backoff = (backoff * 2).min(MAX_BACKOFF_MS);
    }
}

/// One connection, from its ticket to its end; whether it opened.
async fn connect_once() -> bool {
    let Ok(client) = Client::connect().await else {
        return false;
    };
    let ticket: Result<EventsTicket, CompanyError> =
        client.post("/api/v1/events/ticket", &()).await;
    let Ok(ticket) = ticket else {
        return false;
    };
    let url = format!(
        "{}/api/v1/events?ticket={}",
        client.base(),
        js_sys::encode_uri_component(&ticket.ticket)
    );
    let Ok(source) = EventSource::new(&url) else {
        return false;
    };
    let opened = Rc::new(Cell::new(false));
    let mut resolve_end = None;
    let ended = js_sys::Promise::new(&mut |res, _| resolve_end = Some(res));
    let on_open = {
        let opened = opened.clone();
        Closure::<dyn FnMut()>::new(move || {
            opened.set(true);
            set_connected(true);
        })
    };
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        let Some(text) = e.data().as_string() else {
            return;
        };
        let Ok(push) = super::client::parse::<Push>(&text) else {
            // A push this version does not know (a newer server): skipped, the stream goes on.
            return;
        };
        if matches!(push, Push::SignedOut { .. }) {
            wasm_bindgen_futures::spawn_local(super::session::forget());
        }
        dispatch(&push);
    });
    let on_error = Closure::<dyn FnMut()>::new(move || {
        if let Some(res) = &resolve_end {
            let _ = res.call0(&JsValue::NULL);
        }
    });
    source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    let _ = wasm_bindgen_futures::JsFuture::from(ended).await;
    source.close();
    drop((on_open, on_message, on_error));
    opened.get()
}

fn dispatch(push: &Push) {
    let listeners: Vec<PushListener> =
        HUB.with(|h| h.borrow().pushes.iter().map(|(_, l)| l.clone()).collect());
    for listener in listeners {
        listener(push);
    }
}

fn set_connected(now: bool) {
    let listeners: Vec<StateListener> = HUB.with(|h| {
        let mut h = h.borrow_mut();
        if std::mem::replace(&mut h.connected, now) == now {
            return Vec::new();
        }
        h.states.iter().map(|(_, l)| l.clone()).collect()
    });
    for listener in listeners {
        listener(now);
    }
}

async fn wakeable_sleep(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms as i32);
        }
        HUB.with(|h| h.borrow_mut().wake = Some(resolve));
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    HUB.with(|h| h.borrow_mut().wake = None);
}
