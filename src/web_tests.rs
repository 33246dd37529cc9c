//! Tests that need a real browser: run with `wasm-pack test --headless --chrome` (or the test command).

use wasm_bindgen_test::*;

use crate::http::HttpError;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn an_unreachable_host_is_an_error_not_a_panic() {
    let call = crate::http::Call {
        method: "GET",
        url: "http://127.0.0.1:9/nothing".into(),
        auth: String::new(),
        headers: vec![],
    };
    let result = call.send::<(), serde_json_like::Any>(None).await;
    assert_eq!(result.err(), Some(HttpError::Unreachable));
}

mod serde_json_like {
    /// Accepts any JSON: the test only cares whether a body came back.
    #[derive(serde::Deserialize)]
    pub struct Any {}
}

/// The policy's read is raced against a timer (`timer::settles_within`): a read that never
/// answers loses after the wait, one that answered wins at once, even with no wait left.
#[wasm_bindgen_test]
async fn a_read_that_never_answers_loses_the_race_and_one_that_answered_wins_it() {
    use crate::timer::settles_within;
    let never = js_sys::Promise::new(&mut |_, _| {});
    let started = js_sys::Date::now();
    assert!(!settles_within(&never, 50).await);
    assert!(js_sys::Date::now() - started >= 45.0, "waited the 50 ms");
    let object: wasm_bindgen::JsValue = js_sys::Object::new().into();
    let answered: js_sys::Promise = js_sys::Promise::resolve(&object);
    assert!(settles_within(&answered, 0).await);
    let refused: js_sys::Promise = js_sys::Promise::reject(&wasm_bindgen::JsValue::from_str("no"));
    assert!(
        settles_within(&refused, 0).await,
        "a refusal is an answer too"
    );
}

/// The tagged wire enums (`ccai_core::wire_tag`) read and write, through `serde_wasm_bindgen` as the
/// adapter does, the JSON serde's `#[serde(tag = …)]` wrote: a struct variant, a unit variant, a
/// newtype holding another tagged enum, and bad input refused.
#[wasm_bindgen_test]
fn tagged_wire_enums_keep_their_json_in_the_browser() {
    use ccai_core::mapping::MappingError;
    use ccai_core::ownership::{Msg, TabId};
    use ccai_core::settings::SettingsProblem;
    use serde::Serialize;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let js = |text: &str| js_sys::JSON::parse(text).expect("json");
    let text =
        |v: &wasm_bindgen::JsValue| String::from(js_sys::JSON::stringify(v).expect("stringify"));

    let hello = Msg::Hello {
        from: TabId("t1".into()),
    };
    let written = hello.serialize(&ser).expect("writes");
    let written: serde_json::Value = serde_json::from_str(&text(&written)).expect("json");
    assert_eq!(written, serde_json::json!({"type": "Hello", "from": "t1"}));
    let read: Msg =
        serde_wasm_bindgen::from_value(js(r#"{"type":"Hello","from":"t1"}"#)).expect("reads");
    assert_eq!(read, hello);

    let empty = SettingsProblem::Mapping(MappingError::Empty);
    let written = empty.serialize(&ser).expect("writes");
    let written: serde_json::Value = serde_json::from_str(&text(&written)).expect("json");
    assert_eq!(
        written,
        serde_json::json!({"problem": "Mapping", "kind": "Empty"})
    );
    let read: SettingsProblem =
        serde_wasm_bindgen::from_value(js(r#"{"problem":"Mapping","kind":"Empty"}"#))
            .expect("reads");
    assert_eq!(read, empty);

    let bad = serde_wasm_bindgen::from_value::<Msg>(js(r#"{"type":"Hello"}"#))
        .expect_err("no such variant");
    assert!(bad.to_string().contains("missing field `from`"), "{bad}");
    let bad = serde_wasm_bindgen::from_value::<Msg>(js(r#"{"from":"t1"}"#)).expect_err("no tag");
    assert!(bad.to_string().contains("missing field `type`"), "{bad}");
}

/// Nested tagged enums and large times survive the adapter's own round trip (the relay's state, as
/// stored and mirrored), and a push reads as the server writes it.
#[wasm_bindgen_test]
fn relay_states_and_pushes_round_trip_in_the_browser() {
    use ccai_core::relay::{PauseReason, RetryReason, SyncState};
    use ccai_core::server_api::Push;
    use serde::Serialize;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    for s in [
        SyncState::Live,
        SyncState::Retrying {
            next_attempt_at_ms: 1_765_000_000_000,
            reason: RetryReason::RateLimited,
        },
        SyncState::Retrying {
            next_attempt_at_ms: 5,
            reason: RetryReason::ServerError { code: 503 },
        },
        SyncState::Paused {
            reason: PauseReason::SignInRequired,
        },
    ] {
        let js = s.serialize(&ser).expect("ser");
        let text = String::from(js_sys::JSON::stringify(&js).expect("s"));
        let back: Result<SyncState, _> = serde_wasm_bindgen::from_value(js);
        let why = back.as_ref().err().map(|e| e.to_string());
        assert_eq!(back.ok(), Some(s), "{text} {why:?}");
    }
    let p: Push = crate::company::parse(
        r#"{"type":"StatusApplied","key":"k","ccai_status":"x","applied_at_ms":1765000000000}"#,
    )
    .expect("push");
    assert!(matches!(p, Push::StatusApplied { .. }));
}

/// The claim's answer (`ClaimedChange`, the outcome beside the epoch) reads as a `StatusOutcome`,
/// through the parse `sync/service.rs` uses: the other field ignored, as serde's tag ignored it.
#[wasm_bindgen_test]
fn a_claims_answer_reads_as_its_outcome() {
    use ccai_core::server_api::{ClaimedChange, StatusOutcome};
    let outcome: StatusOutcome =
        crate::company::parse(r#"{"epoch":3,"outcome":"Queued"}"#).expect("reads");
    assert_eq!(outcome, StatusOutcome::Queued);
    let claimed: ClaimedChange =
        crate::company::parse(r#"{"outcome":"Fenced","current_epoch":4,"epoch":3}"#)
            .expect("reads");
    assert_eq!(claimed.outcome, StatusOutcome::Fenced { current_epoch: 4 });
}

/// The adapter's view layer (`src/ui`): a binding shows its value at once, follows a change after the
/// task that made it (several changes, one refresh), touches the DOM only when its value changed, and
/// a watcher hears each change once, with the value it replaces.
#[wasm_bindgen_test]
async fn a_binding_follows_its_value_after_the_task_and_only_on_change() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::ui::{bind, document, watch, Var};

    let el = document().create_element("p").expect("an element");
    let name = Var::new(String::from("Available"));
    let runs = Rc::new(RefCell::new(0));
    let counted = runs.clone();
    bind::text(&el, move || {
        *counted.borrow_mut() += 1;
        name.get()
    });
    let heard = Rc::new(RefCell::new(Vec::new()));
    let log = heard.clone();
    watch(
        move || name.get().len(),
        move |before, now| log.borrow_mut().push((before.copied(), *now)),
    );
    assert_eq!(el.text_content().as_deref(), Some("Available"));

    name.set(String::from("Lunch"));
    name.set(String::from("Break"));
    assert_eq!(
        el.text_content().as_deref(),
        Some("Available"),
        "not before the task ends"
    );
    let tick = || {
        wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(
            &wasm_bindgen::JsValue::from(0),
        ))
    };
    let _ = tick().await;
    assert_eq!(el.text_content().as_deref(), Some("Break"));
    assert_eq!(*runs.borrow(), 2, "two changes in one task: one refresh");

    // The same text again: the DOM is left alone (a text node replaced would be read out again).
    let node = el.first_child().expect("a text node");
    name.set(String::from("Break"));
    let _ = tick().await;
    assert!(el
        .first_child()
        .is_some_and(|n| n.is_same_node(Some(&node))));
    assert_eq!(*heard.borrow(), [(None, 9), (Some(9), 5)]);
}

/// The frame's two halves are two WASM files of one build: what the engine sends (`Bridge::show_view`,
/// `serde_wasm_bindgen`'s JSON-compatible values) is what the view reads (`adapter::show`), and each
/// intent the view asks for reaches the engine as it was asked.
#[wasm_bindgen_test]
fn the_engines_view_and_the_views_intents_cross_between_the_halves_unchanged() {
    use crate::frame::{CallShown, FrameView, Intent};
    use ccai_core::status::{CcaiStatus, CcaiStatusId};
    use serde::Serialize;
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let view = FrameView {
        statuses: vec![CcaiStatus {
            id: CcaiStatusId(-2),
            name: "Break <b>".into(),
            color: Some("#fff".into()),
        }],
        current: Some(-2),
        busy: true,
        notice: Some("Kustomer could not be read".into()),
        notice_problem: true,
        dial: "+34 612 34 56 78".into(),
        call: CallShown {
            active: true,
            seconds: Some(4_000),
            words: Some("Connected".into()),
            ..CallShown::default()
        },
        panel_opened: 2,
        ..FrameView::default()
    };
    let js = view.serialize(&ser).expect("a view serializes");
    assert_eq!(
        serde_wasm_bindgen::from_value::<FrameView>(js).expect("the view reads it"),
        view
    );
    for intent in [
        Intent::Pick(-10),
        Intent::UseThisTab,
        Intent::SignIn,
        Intent::Dial("612 34".into()),
        Intent::Call,
    ] {
        let js = intent.serialize(&ser).expect("an intent serializes");
        assert_eq!(
            serde_wasm_bindgen::from_value::<Intent>(js).expect("the engine reads it"),
            intent
        );
    }
    // Something that is not a view (a page's script cannot reach this frame, but a bug could) is
    // not shown.
    assert!(
        serde_wasm_bindgen::from_value::<FrameView>(wasm_bindgen::JsValue::from_str("x")).is_err()
    );
}
