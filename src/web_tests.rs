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
