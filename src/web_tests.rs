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
