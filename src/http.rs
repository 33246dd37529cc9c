//! One place that calls `fetch`: JSON in, JSON out, and failures as a typed error the UI can word.

use serde::{de::DeserializeOwned, Serialize};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Headers, Request, RequestInit, Response};

/// Why a request did not give us a usable answer.
#[derive(Clone, Debug, PartialEq)]
pub enum HttpError {
    /// No HTTP answer at all: wrong base URL, server down, connection dropped, blocked by the browser.
    Unreachable,
    /// An HTTP answer other than 2xx. `retry_after_s` is the Retry-After header, when there is one.
    Status {
        code: u16,
        retry_after_s: Option<u32>,
    },
    /// A 2xx answer whose body is not the JSON shape we expect.
    BadBody,
}

/// A request to one of the two services, with its `Authorization` header value.
pub struct Call {
    pub method: &'static str,
    pub url: String,
    pub auth: String,
    pub headers: Vec<(&'static str, String)>,
}

impl Call {
    /// Sends the call with an optional JSON body and parses the JSON answer into `T`.
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        body: Option<&B>,
    ) -> Result<T, HttpError> {
        let init = RequestInit::new();
        init.set_method(self.method);
        // Our Authorization header is explicit; omitting ambient credentials also stops a 401 with
        // `WWW-Authenticate: Basic` from opening the browser's sign-in prompt.
        init.set_credentials(web_sys::RequestCredentials::Omit);
        let headers = Headers::new().map_err(|_| HttpError::Unreachable)?;
        let _ = headers.set("Accept", "application/json");
        if !self.auth.is_empty() {
            let _ = headers.set("Authorization", &self.auth);
        }
        for (name, value) in &self.headers {
            let _ = headers.set(name, value);
        }
        if let Some(body) = body {
            let ser = serde_wasm_bindgen::Serializer::json_compatible();
            let js = body.serialize(&ser).map_err(|_| HttpError::BadBody)?;
            let text = js_sys::JSON::stringify(&js).map_err(|_| HttpError::BadBody)?;
            let _ = headers.set("Content-Type", "application/json");
            init.set_body(&text.into());
        }
        init.set_headers(&headers);
        let request =
            Request::new_with_str_and_init(&self.url, &init).map_err(|_| HttpError::Unreachable)?;
        let window = web_sys::window().ok_or(HttpError::Unreachable)?;
        let response: Response = JsFuture::from(window.fetch_with_request(&request))
            .await
            .map_err(|_| HttpError::Unreachable)?
            .dyn_into()
            .map_err(|_| HttpError::Unreachable)?;
        if !response.ok() {
            let retry_after_s = response
                .headers()
                .get("Retry-After")
                .ok()
                .flatten()
                .and_then(|v| v.trim().parse().ok());
            return Err(HttpError::Status {
                code: response.status(),
                retry_after_s,
            });
        }
        let json = response.json().map_err(|_| HttpError::BadBody)?;
        let value: JsValue = JsFuture::from(json).await.map_err(|_| HttpError::BadBody)?;
        serde_wasm_bindgen::from_value(value).map_err(|_| HttpError::BadBody)
    }
}

/// An HTTP answer of any status, its body as text: for callers that read error bodies too (the company
/// server words its refusals in JSON, `src/company/client.rs`).
pub struct Answer {
    pub code: u16,
    pub retry_after_s: Option<u32>,
    pub body: String,
}

/// Sends `method url` with the given headers and JSON `body` text; `Err` only when no HTTP answer came.
pub async fn send_raw(
    method: &str,
    url: &str,
    headers: &[(&str, String)],
    body: Option<String>,
) -> Result<Answer, HttpError> {
    let init = RequestInit::new();
    init.set_method(method);
    init.set_credentials(web_sys::RequestCredentials::Omit);
    let h = Headers::new().map_err(|_| HttpError::Unreachable)?;
    let _ = h.set("Accept", "application/json");
    for (name, value) in headers {
        let _ = h.set(name, value);
    }
    if let Some(body) = body {
        let _ = h.set("Content-Type", "application/json");
        init.set_body(&body.into());
    }
    init.set_headers(&h);
    let request = Request::new_with_str_and_init(url, &init).map_err(|_| HttpError::Unreachable)?;
    let window = web_sys::window().ok_or(HttpError::Unreachable)?;
    let response: Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(|_| HttpError::Unreachable)?
        .dyn_into()
        .map_err(|_| HttpError::Unreachable)?;
    let retry_after_s = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse().ok());
    let text = response.text().map_err(|_| HttpError::Unreachable)?;
    // A connection dropped while the body streams in is no answer: the request may have been applied.
    let body = JsFuture::from(text)
        .await
        .map_err(|_| HttpError::Unreachable)?
        .as_string()
        .unwrap_or_default();
    Ok(Answer {
        code: response.status(),
        retry_after_s,
        body,
    })
}
