//! The extension's client of the company server (`crates/server`): the only service the extension
//! talks to. It holds no vendor secret: the agent signs in through the server (Kustomer's OAuth, in
//! `chrome.identity.launchWebAuthFlow`) and gets a short-lived session of the server's own.
//!
//! - [`server_url`]: where the server is (the company's Chrome policy, else the options page, else a
//!   sandbox build's defaults).
//! - [`sign_in`] / [`sign_out`] / [`sign_in_state`]: the session; [`on_sign_in_state`] tells a page
//!   when it changes (a 401 that one refresh did not cure, or the server's `SignedOut` push, signs out).
//! - [`Client`]: authorised JSON calls (`get`, `post`, `put`; `send` for an answer of any status),
//!   with one refresh across all tabs (a Web Lock) and one retry after a 401.
//! - [`events::subscribe`]: the pushed events ([`Push`]), one connection per page, reconnected with a
//!   new ticket and back-off.
//!
//! ```ignore
//! use ccai_core::server_api::{Me, Push};
//! use crate::company::{self, Client, CompanyError};
//!
//! // At start: a silent sign-in (no window while the agent is signed in to Kustomer here), else
//! // show the "Sign in" button, whose click calls `company::sign_in(true)`.
//! if company::sign_in_state().await == company::SignInState::SignedOut {
//!     let _ = company::sign_in(false).await;
//! }
//! let client = Client::connect().await?;
//! let me: Me = client.get("/api/v1/me").await?;
//! // A refusal's JSON body, e.g. 422 {"error": "…"}:
//! match client.post::<_, serde_json::Value>("/api/v1/calls", &body).await {
//!     Err(e @ CompanyError::Status { code: 422, .. }) => show(e.message()),
//!     other => { /* … */ }
//! }
//! company::events::subscribe(move |push: &Push| {
//!     if let Push::Call { session_id, state, .. } = push { /* … */ }
//! })
//! .keep();
//! ```

mod client;
pub mod events;
mod server;
mod session;

use std::cell::RefCell;
use std::rc::Rc;

// The options page (server URL, sign-in state, sign out) and the push's users take these up next.
#[allow(unused_imports)]
pub use ccai_core::server_api::Push;
pub use client::{json_text, parse, Client};
#[allow(unused_imports)]
pub use server::{
    check as check_server_url, save as save_server_url, server_url, ServerUrl, Source,
};
#[allow(unused_imports)]
pub use session::{sign_in, sign_out};

/// Why a call to the company server did not give a usable answer. Words are lowercase; the UI words
/// its notices from `_locales`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompanyError {
    #[error("no company server is set")]
    NoServer,
    #[error("not signed in to the company server")]
    SignedOut,
    #[error("the company server did not answer")]
    Unreachable,
    /// An HTTP answer other than 2xx (401 is handled: refreshed, or [`CompanyError::SignedOut`]).
    #[error("the company server answered {code}: {message}")]
    Status {
        code: u16,
        retry_after_s: Option<u32>,
        /// The server's `{"error": "…"}`, or the body's start.
        message: String,
        /// The whole body, for answers whose JSON says more (`StatusOutcome` on a 409 or 422).
        body: String,
    },
    #[error("the company server's answer could not be read")]
    BadBody,
    /// The sign-in flow did not complete (in the browser's words): e.g. Kustomer needs the agent to
    /// sign in in a window, which only a click may open.
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// The company server refused the sign-in, in its words (no CCAI agent with the agent's
    /// Kustomer e-mail, a machine user, Kustomer refusing).
    #[error("{0}")]
    SignInRefused(String),
}

impl CompanyError {
    fn status(code: u16, retry_after_s: Option<u32>, body: String) -> Self {
        let message = client::parse::<ccai_core::server_api::ApiError>(&body)
            .map(|e| e.error)
            .unwrap_or_else(|_| body.chars().take(200).collect());
        CompanyError::Status {
            code,
            retry_after_s,
            message,
            body,
        }
    }

    /// The body of an error answer as `T` (e.g. `StatusOutcome` of a 409).
    pub fn body_as<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        match self {
            CompanyError::Status { body, .. } => client::parse(body).ok(),
            _ => None,
        }
    }
}

/// Whether this profile is signed in to the company server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInState {
    /// No server address is set (not by policy, not in the options page).
    NoServer,
    SignedOut,
    SignedIn,
}

/// The state as stored now (a session that a refresh may still have to renew counts as signed in).
pub async fn sign_in_state() -> SignInState {
    let Some(server) = server_url().await else {
        return SignInState::NoServer;
    };
    if session::stored(&server.url).await.is_some() {
        SignInState::SignedIn
    } else {
        SignInState::SignedOut
    }
}

type StateListener = Rc<dyn Fn(SignInState)>;

thread_local! {
    static LISTENERS: RefCell<Vec<StateListener>> = const { RefCell::new(Vec::new()) };
}

/// Calls `listener` whenever this page signs in or finds itself signed out, for the page's life.
pub fn on_sign_in_state(listener: impl Fn(SignInState) + 'static) {
    LISTENERS.with(|l| l.borrow_mut().push(Rc::new(listener)));
}

fn notify(state: SignInState) {
    events::on_sign_in_state(state);
    let listeners: Vec<StateListener> = LISTENERS.with(|l| l.borrow().clone());
    for listener in listeners {
        listener(state);
    }
}
