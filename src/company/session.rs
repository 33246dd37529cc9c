//! The agent's session with the company server: signing in through the server (Kustomer's OAuth, in
//! `chrome.identity.launchWebAuthFlow`), the tokens, their refresh, and signing out.
//!
//! Where the tokens live: `chrome.storage.session`, both of them. That area is in memory only (never
//! written to the profile's disk) and, by default, readable by the extension's own pages and frames
//! alone, not by content scripts nor by the page. The refresh token stays there too rather than in
//! `chrome.storage.local`: on disk it would outlive the browser for 12 hours in a file anyone with the
//! profile can copy, and what it would save is one silent sign-in at the browser's next start, which
//! completes without a window while the agent is signed in to Kustomer.

use ccai_core::server_api::{RefreshRequest, SessionTokens};
use serde::{Deserialize, Serialize};

use super::server::{self, ServerUrl};
use super::CompanyError;
use crate::chrome::{identity, locks, permissions, storage};

const KEY: &str = "company.session";
/// One refresh at a time across this profile's tabs: the server rotates refresh tokens, and a
/// refresh token used twice signs the session out.
const REFRESH_LOCK: &str = "ccai-company-refresh";
/// One sign-in flow at a time: every tab starting at once must not each open one.
const SIGN_IN_LOCK: &str = "ccai-company-sign-in";
/// Refreshed this long before it expires, so a request never carries a token about to lapse.
const EARLY_MS: u64 = 60_000;

/// The stored session, for one server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Tokens {
    pub server: String,
    pub session: String,
    pub refresh: String,
    pub expires_at_ms: u64,
}

impl Tokens {
    fn new(server: &str, t: SessionTokens) -> Self {
        Tokens {
            server: server.to_owned(),
            session: t.session,
            refresh: t.refresh,
            expires_at_ms: now_ms() + t.expires_in.saturating_mul(1000),
        }
    }

    pub(super) fn fresh(&self) -> bool {
        self.expires_at_ms > now_ms() + EARLY_MS
    }
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// The stored session, if it is for `server`.
pub(super) async fn stored(server: &str) -> Option<Tokens> {
    storage::session_get::<Tokens>(KEY)
        .await
        .filter(|t| t.server == server)
}

/// Signs in through the company server. `interactive: false` completes only when Kustomer already
/// knows the agent in this profile (no window opens); `true` may open Kustomer's sign-in window and
/// must come from a click (the host permission is asked for then).
pub async fn sign_in(interactive: bool) -> Result<(), CompanyError> {
    let server = server::server_url().await.ok_or(CompanyError::NoServer)?;
    let pattern = server.origin_pattern();
    if permissions::has_origin(&pattern).await {
        // Granted already: by the manifest (this computer's loopback), the policy or an earlier click.
    } else if interactive {
        if !permissions::request_origin(&pattern).await {
            return Err(CompanyError::SignIn(
                "the browser did not allow the extension to reach the company server".into(),
            ));
        }
    } else {
        return Err(CompanyError::SignIn(
            "the extension may not reach the company server yet".into(),
        ));
    }
    let url = server.url.clone();
    locks::with_lock(SIGN_IN_LOCK, async move {
        // Another tab may have signed in while this one waited.
        if stored(&url).await.is_some_and(|t| t.fresh()) {
            return Ok(());
        }
        flow(&url, interactive).await
    })
    .await?;
    super::notify(super::SignInState::SignedIn);
    Ok(())
}

async fn flow(server: &str, interactive: bool) -> Result<(), CompanyError> {
    let redirect = identity::redirect_url("company");
    let start = format!(
        "{server}/auth/start?redirect={}",
        js_sys::encode_uri_component(&redirect)
    );
    let ended = identity::launch(&start, interactive)
        .await
        .map_err(CompanyError::SignIn)?;
    let fragment = ended.split_once('#').map(|(_, f)| f).unwrap_or_default();
    let field = |name: &str| {
        fragment.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (k == name).then(|| {
                js_sys::decode_uri_component(&v.replace('+', " "))
                    .ok()
                    .map(String::from)
                    .unwrap_or_default()
            })
        })
    };
    if let Some(error) = field("error") {
        let words = field("error_description").unwrap_or(error);
        return Err(CompanyError::SignInRefused(words));
    }
    let (Some(session), Some(refresh)) = (field("session"), field("refresh")) else {
        return Err(CompanyError::SignIn(
            "the company server's answer had no session".into(),
        ));
    };
    let expires_in = field("expires_in")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let tokens = Tokens::new(
        server,
        SessionTokens {
            session,
            refresh,
            expires_in,
        },
    );
    storage::session_set(KEY, &tokens)
        .await
        .map_err(|_| CompanyError::SignIn("the browser did not keep the session".into()))
}

/// A good session token: the stored one, or a new one after one refresh. `failed` is a token the
/// server just refused (401): refreshed even if it looks fresh, unless another tab already did.
pub(super) async fn session_token(
    server: &ServerUrl,
    failed: Option<&str>,
) -> Result<Tokens, CompanyError> {
    let current = stored(&server.url).await.ok_or(CompanyError::SignedOut)?;
    let refused = failed.is_some_and(|f| f == current.session);
    if current.fresh() && !refused {
        return Ok(current);
    }
    let url = server.url.clone();
    let failed = failed.map(str::to_owned);
    locks::with_lock(REFRESH_LOCK, async move {
        let current = stored(&url).await.ok_or(CompanyError::SignedOut)?;
        // Another tab refreshed while this one waited for the lock.
        let refused = failed.is_some_and(|f| f == current.session);
        if current.fresh() && !refused {
            return Ok(current);
        }
        refresh(&url, &current).await
    })
    .await
}

async fn refresh(server: &str, current: &Tokens) -> Result<Tokens, CompanyError> {
    let body = super::client::json_text(&RefreshRequest {
        refresh: current.refresh.clone(),
    })?;
    let answer = crate::http::send_raw("POST", &format!("{server}/auth/refresh"), &[], Some(body))
        .await
        .map_err(|_| CompanyError::Unreachable)?;
    match answer.code {
        200 => {
            let fresh: SessionTokens = super::client::parse(&answer.body)?;
            let tokens = Tokens::new(server, fresh);
            storage::session_set(KEY, &tokens)
                .await
                .map_err(|_| CompanyError::SignedOut)?;
            Ok(tokens)
        }
        // The refresh token expired, was used already or the session was ended: signed out.
        400 | 401 | 403 => {
            forget().await;
            Err(CompanyError::SignedOut)
        }
        code => Err(CompanyError::status(
            code,
            answer.retry_after_s,
            answer.body,
        )),
    }
}

/// Signs this profile out: the server ends the session, the tokens are forgotten either way.
pub async fn sign_out() {
    if let Some(server) = server::server_url().await {
        if let Some(t) = stored(&server.url).await {
            let auth = format!("Bearer {}", t.session);
            let _ = crate::http::send_raw(
                "POST",
                &format!("{}/auth/signout", server.url),
                &[("Authorization", auth)],
                None,
            )
            .await;
        }
    }
    forget().await;
}

/// Forgets the tokens and tells this page's listeners.
pub(super) async fn forget() {
    storage::session_remove(KEY).await;
    super::notify(super::SignInState::SignedOut);
}
