//! Each signed-in agent's own Kustomer tokens (B3): sealed in the store, refreshed when about to
//! expire, and handed to the writes that must be the agent's (their work-session status, assignment).
//! Kustomer rotates refresh tokens, so two refreshes of one agent at once would have the second refused
//! and sign the agent out: one refresh per agent at a time, and a caller that waited reuses the result.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::http::auth::Agent;
use crate::oauth;
use crate::sealed::{SealError, Sealer};
use crate::state::AppState;
use crate::store::identity::KustomerTokens;
use crate::store::{Store, StoreError};
use crate::vendor::VendorError;

/// An access token this close to its expiry is refreshed before use.
pub const MARGIN: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("{0} is not signed in: no Kustomer token is kept for them")]
    NotSignedIn(String),
    #[error("Kustomer no longer accepts {email}'s sign-in: {source}")]
    Refused { email: String, source: VendorError },
    #[error(transparent)]
    Vendor(VendorError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Seal(#[from] SealError),
}

pub struct AgentTokens {
    sealer: Sealer,
    refreshing: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl AgentTokens {
    pub fn new(client_secret: &str) -> AgentTokens {
        AgentTokens {
            sealer: Sealer::new(client_secret),
            refreshing: Mutex::default(),
        }
    }

    fn seal(&self, t: &KustomerTokens) -> Result<KustomerTokens, SealError> {
        Ok(KustomerTokens {
            access: self.sealer.seal(&t.access)?,
            refresh: t
                .refresh
                .as_deref()
                .map(|r| self.sealer.seal(r))
                .transpose()?,
            expires_at_ms: t.expires_at_ms,
        })
    }

    /// Saves a signed-in agent with their tokens, sealed.
    pub fn save_agent(
        &self,
        store: &Store,
        agent: &Agent,
        t: &KustomerTokens,
        now_ms: u64,
    ) -> Result<(), TokenError> {
        Ok(store.save_agent(agent, &self.seal(t)?, now_ms)?)
    }

    /// The agent's tokens, opened; `None` when none are kept or they cannot be opened (sealed under
    /// another client secret).
    pub fn read(&self, store: &Store, email: &str) -> Result<Option<KustomerTokens>, StoreError> {
        let Some(t) = store.kustomer_tokens(email)? else {
            return Ok(None);
        };
        let Some(access) = self.sealer.open(&t.access) else {
            return Ok(None);
        };
        let refresh = match t.refresh {
            Some(r) => match self.sealer.open(&r) {
                Some(r) => Some(r),
                None => return Ok(None),
            },
            None => None,
        };
        Ok(Some(KustomerTokens {
            access,
            refresh,
            expires_at_ms: t.expires_at_ms,
        }))
    }

    fn lock_for(&self, email: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut map = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(email.to_owned()).or_default().clone()
    }
}

fn tokens(state: &AppState, email: &str) -> Result<KustomerTokens, TokenError> {
    state
        .0
        .agent_tokens
        .read(&state.0.store, email)?
        .ok_or_else(|| TokenError::NotSignedIn(email.to_owned()))
}

/// A Kustomer access token of the agent's own, good for at least [`MARGIN`]: for the writes that
/// must be the agent's.
pub async fn access_token(state: &AppState, email: &str) -> Result<String, TokenError> {
    let t = tokens(state, email)?;
    let soon = crate::now_ms() + MARGIN.as_millis() as u64;
    if t.expires_at_ms.is_some_and(|at| at <= soon) {
        return Ok(refresh(state, email, &t.access).await?.access);
    }
    Ok(t.access)
}

/// Refreshes the agent's tokens because `seen` (the access token the caller holds) expires or was
/// refused. If another task refreshed meanwhile, its result is returned without a second refresh.
pub async fn refresh(
    state: &AppState,
    email: &str,
    seen: &str,
) -> Result<KustomerTokens, TokenError> {
    let lock = state.0.agent_tokens.lock_for(email);
    let _one_at_a_time = lock.lock().await;
    let t = tokens(state, email)?;
    if t.access != seen {
        return Ok(t);
    }
    let Some(refresh) = t.refresh.as_deref() else {
        return Err(TokenError::NotSignedIn(email.to_owned()));
    };
    let mut next = oauth::exchange(
        state,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await
    .map_err(|source| {
        if source
            .status()
            .is_some_and(|s| matches!(s.as_u16(), 400 | 401 | 403))
        {
            TokenError::Refused {
                email: email.to_owned(),
                source,
            }
        } else {
            TokenError::Vendor(source)
        }
    })?;
    if next.refresh.is_none() {
        next.refresh = t.refresh.clone();
    }
    let sealed = state.0.agent_tokens.seal(&next)?;
    state.0.store.set_kustomer_tokens(email, &sealed)?;
    Ok(next)
}
