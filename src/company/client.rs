//! Authorised JSON calls to the company server: `Authorization: Bearer <session>`, one refresh and one
//! retry after a 401, then "signed out".

use std::cell::RefCell;
use std::rc::Rc;

use serde::{de::DeserializeOwned, Serialize};

use super::server::{self, ServerUrl};
use super::session::{self, Tokens};
use super::CompanyError;
use crate::http::{self, Answer};

/// A signed-in agent's handle on the company server. Cheap to clone (clones share the session it
/// remembers).
#[derive(Clone, Debug)]
pub struct Client {
    server: ServerUrl,
    /// The session as this page last read or refreshed it, while fresh: a request does not first
    /// wait for `chrome.storage.session`, which the browser's main thread answers, and that thread
    /// is busiest exactly when a take-over needs the requests (another tab's navigation: 15–35 ms a
    /// read in a trace). Another tab's refresh or a sign-out makes the server answer 401, and the one
    /// refresh below reads the stored tokens again.
    remembered: Rc<RefCell<Option<Tokens>>>,
}

impl Client {
    /// The server's address is set and this profile holds a session for it (perhaps to be refreshed).
    /// Does not sign in: see [`super::sign_in`].
    pub async fn connect() -> Result<Client, CompanyError> {
        let server = server::server_url().await.ok_or(CompanyError::NoServer)?;
        let tokens = session::stored(&server.url)
            .await
            .ok_or(CompanyError::SignedOut)?;
        Ok(Client {
            server,
            remembered: Rc::new(RefCell::new(Some(tokens))),
        })
    }

    /// A fresh session for this server: the remembered one (only ever this server's: `connect` and
    /// `session_token` read the stored tokens for it), else the stored one (refreshed if due).
    async fn session(&self, failed: Option<&str>) -> Result<Tokens, CompanyError> {
        let remembered = self.remembered.borrow().clone();
        let tokens = match remembered {
            Some(t) if failed.is_none() && t.fresh() => t,
            _ => session::session_token(&self.server, failed).await?,
        };
        *self.remembered.borrow_mut() = Some(tokens.clone());
        Ok(tokens)
    }

    /// The server's base address, e.g. `https://ccai.example.com`.
    pub fn base(&self) -> &str {
        &self.server.url
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CompanyError> {
        let answer = self.send("GET", path, None).await?;
        parse_ok(answer)
    }

    /// POST `body` as JSON; `&()` sends no body.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CompanyError> {
        let answer = self.send("POST", path, body_text(body)?).await?;
        parse_ok(answer)
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, CompanyError> {
        let answer = self.send("PUT", path, body_text(body)?).await?;
        parse_ok(answer)
    }

    /// The answer whatever its status (a 409 or 422 with a JSON body the caller reads), after the
    /// session's refresh; `Err` for no answer, signed out, or no server.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<Answer, CompanyError> {
        let url = format!("{}{path}", self.server.url);
        let tokens = self.session(None).await?;
        let answer = attempt(method, &url, &tokens.session, body.clone()).await?;
        if answer.code != 401 {
            return Ok(answer);
        }
        // The stored tokens again (another tab may have refreshed them), else one refresh (shared
        // with every tab), one retry; a second 401 means the session is over.
        let tokens = self.session(Some(&tokens.session)).await?;
        let answer = attempt(method, &url, &tokens.session, body).await?;
        if answer.code == 401 {
            *self.remembered.borrow_mut() = None;
            session::forget().await;
            return Err(CompanyError::SignedOut);
        }
        Ok(answer)
    }
}

async fn attempt(
    method: &str,
    url: &str,
    token: &str,
    body: Option<String>,
) -> Result<Answer, CompanyError> {
    http::send_raw(
        method,
        url,
        &[("Authorization", format!("Bearer {token}"))],
        body,
    )
    .await
    .map_err(|_| CompanyError::Unreachable)
}

fn body_text<B: Serialize>(body: &B) -> Result<Option<String>, CompanyError> {
    let text = json_text(body)?;
    Ok((text != "null").then_some(text))
}

/// `body` as JSON text.
pub fn json_text<B: Serialize>(body: &B) -> Result<String, CompanyError> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let js = body.serialize(&ser).map_err(|_| CompanyError::BadBody)?;
    js_sys::JSON::stringify(&js)
        .map(String::from)
        .map_err(|_| CompanyError::BadBody)
}

/// JSON text as `T`; an empty body reads as `null` (a 204's `()`).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, CompanyError> {
    let text = if text.trim().is_empty() { "null" } else { text };
    let js = js_sys::JSON::parse(text).map_err(|_| CompanyError::BadBody)?;
    serde_wasm_bindgen::from_value(js).map_err(|_| CompanyError::BadBody)
}

fn parse_ok<T: DeserializeOwned>(answer: Answer) -> Result<T, CompanyError> {
    if (200..300).contains(&answer.code) {
        parse(&answer.body)
    } else {
        Err(CompanyError::status(
            answer.code,
            answer.retry_after_s,
            answer.body,
        ))
    }
}
