//! Authorised JSON calls to the company server: `Authorization: Bearer <session>`, one refresh and one
//! retry after a 401, then "signed out".

use serde::{de::DeserializeOwned, Serialize};

use super::server::{self, ServerUrl};
use super::session;
use super::CompanyError;
use crate::http::{self, Answer};

/// A signed-in agent's handle on the company server. Cheap to clone; it reads the current tokens at
/// every call, so a refresh made by another tab is used at once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Client {
    server: ServerUrl,
}

impl Client {
    /// The server's address is set and this profile holds a session for it (perhaps to be refreshed).
    /// Does not sign in: see [`super::sign_in`].
    pub async fn connect() -> Result<Client, CompanyError> {
        let server = server::server_url().await.ok_or(CompanyError::NoServer)?;
        session::stored(&server.url)
            .await
            .ok_or(CompanyError::SignedOut)?;
        Ok(Client { server })
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
        let tokens = session::session_token(&self.server, None).await?;
        let answer = attempt(method, &url, &tokens.session, body.clone()).await?;
        if answer.code != 401 {
            return Ok(answer);
        }
        // One refresh (shared with every tab), one retry; a second 401 means the session is over.
        let tokens = session::session_token(&self.server, Some(&tokens.session)).await?;
        let answer = attempt(method, &url, &tokens.session, body).await?;
        if answer.code == 401 {
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
