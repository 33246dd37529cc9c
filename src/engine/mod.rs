//! The adapter frame's engine (issue 19's second bundle, `pkg/engine_bg.wasm`): status sync, the
//! company client and the softphone, loaded by `adapter.js` after the view's first paint. It owns the
//! frame's state, tells the view what to show ([`publish`]) and carries out the agent's intents.

mod publish;
mod startup;

use std::rc::Rc;

use ccai_core::protocol::{FrameMessage, PageMessage};
use ccai_core::status::KustomerStatusId;

use crate::frame::{AdapterState, Bridge, Intent};
use crate::softphone::CallState;
use crate::sync::Driver;

/// Starts the engine with the port to the content script and the way to the view.
pub fn start(bridge: Bridge) {
    let bridge = Rc::new(bridge);
    let state = AdapterState::new();
    let calls = CallState::new();

    // Status sync exists from the start, so the first intents and the page's first facts go into its
    // machine (which holds a pick until this tab's term, or refuses it: issue 14).
    let driver = Driver::new(state, bridge.clone());
    // Before the port's buffered messages are delivered: the first phone candidates need it.
    crate::softphone::start(bridge.clone(), calls);
    {
        let page = state.page;
        let driver = driver.clone();
        bridge.on_message(move |msg| match msg {
            PageMessage::PageFacts(facts) => {
                // The page's facts first: the driver words its notices with the page's status name.
                page.set(Some(facts.clone()));
                let status = facts
                    .status_id
                    .clone()
                    .filter(|_| facts.markup_found)
                    .map(KustomerStatusId);
                driver.page_facts(status, facts.kustomer_email.clone());
            }
            PageMessage::PageLeaving => driver.page_leaving(),
            other => {
                crate::softphone::on_page_message(calls, &other);
            }
        });
    }
    crate::softphone::watch(state, calls);
    wasm_bindgen_futures::spawn_local(async move {
        // The statuses remembered at the last load, as the view painted them, before the first view.
        startup::remember(state, &bridge).await;
        publish::follow(state, calls, bridge.clone());
        {
            let driver = driver.clone();
            bridge.on_intent(move |intent| carry_out(&driver, calls, intent));
        }
        startup::run(state, bridge, driver).await;
    });
}

fn carry_out(driver: &Driver, calls: CallState, intent: Intent) {
    match intent {
        Intent::Pick(status) => driver.choose(status),
        Intent::UseThisTab => driver.use_this_tab(),
        Intent::SignIn => driver.sign_in_again(),
        Intent::Dial(text) => crate::softphone::dial(calls, text),
        Intent::Call => crate::softphone::place(calls),
    }
}

/// Tells the content script the adapter is interactive, after the view has painted what the engine
/// showed (`adapter.js` sends it once, whichever half says it first).
pub(crate) fn announce_ready(bridge: Rc<Bridge>) {
    crate::ui::request_animation_frame(move || bridge.send(&FrameMessage::Ready));
}
