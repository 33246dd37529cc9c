//! Agent sessions: a short-lived session token and a longer refresh token, both opaque random values,
//! stored only as SHA-256 hashes. A refresh rotates both; presenting an old refresh token again revokes
//! the session (someone else holds a copy). Revoking a session closes its push connections at once.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ccai_core::server_api::{Push, SessionTokens};
use sha2::{Digest, Sha256};

use crate::http::auth::{Agent, AuthError};
use crate::state::AppState;
use crate::store::identity::{NewTokens, Rotation};
use crate::store::StoreError;

/// 32 bytes from the operating system, URL-safe base64 (43 characters).
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut b = [0u8; 32];
    getrandom::getrandom(&mut b)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// What is stored for a token: its SHA-256, base64. A leaked database holds no usable token.
pub fn hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no random numbers from the operating system: {0}")]
    Random(#[from] getrandom::Error),
}

struct Fresh {
    session: String,
    refresh: String,
}

fn fresh() -> Result<Fresh, getrandom::Error> {
    Ok(Fresh {
        session: random_token()?,
        refresh: random_token()?,
    })
}

fn tokens_for<'a>(state: &AppState, hashes: &'a (String, String), now_ms: u64) -> NewTokens<'a> {
    NewTokens {
        token_hash: &hashes.0,
        token_expires_ms: now_ms + state.0.cfg.session_ttl.as_millis() as u64,
        refresh_hash: &hashes.1,
        refresh_expires_ms: now_ms + state.0.cfg.refresh_ttl.as_millis() as u64,
    }
}

/// Opens a session for an agent who just signed in.
pub fn open(state: &AppState, email: &str, now_ms: u64) -> Result<SessionTokens, SessionError> {
    let f = fresh()?;
    let id = random_token()?;
    let hashes = (hash(&f.session), hash(&f.refresh));
    state
        .0
        .store
        .create_session(&id, email, &tokens_for(state, &hashes, now_ms), now_ms)?;
    Ok(SessionTokens {
        session: f.session,
        refresh: f.refresh,
        expires_in: state.0.cfg.session_ttl.as_secs(),
    })
}

/// Swaps a refresh token for new tokens.
pub fn refresh(state: &AppState, refresh: &str, now_ms: u64) -> Result<SessionTokens, AuthError> {
    let f = fresh().map_err(|e| AuthError::Internal(e.to_string()))?;
    let hashes = (hash(&f.session), hash(&f.refresh));
    let rotation = state
        .0
        .store
        .rotate(&hash(refresh), &tokens_for(state, &hashes, now_ms), now_ms)
        .map_err(|e| AuthError::Internal(e.to_string()))?;
    match rotation {
        Rotation::Rotated { .. } => Ok(SessionTokens {
            session: f.session,
            refresh: f.refresh,
            expires_in: state.0.cfg.session_ttl.as_secs(),
        }),
        Rotation::Unknown => Err(AuthError::Unknown),
        Rotation::Expired => Err(AuthError::Expired),
        Rotation::Revoked => Err(AuthError::Revoked("this session was signed out".into())),
        Rotation::Reused => Err(AuthError::Revoked(
            "this refresh token was already used; sign in again".into(),
        )),
    }
}

/// The agent and session id behind a session token, if it is live.
pub fn authenticate(
    state: &AppState,
    token: &str,
    now_ms: u64,
) -> Result<(Agent, String), AuthError> {
    let store = &state.0.store;
    let internal = |e: StoreError| AuthError::Internal(e.to_string());
    let row = store
        .session_by_token(&hash(token))
        .map_err(internal)?
        .ok_or(AuthError::Unknown)?;
    if let Some(reason) = row.revoked {
        return Err(AuthError::Revoked(reason));
    }
    if row.token_expires_ms <= now_ms {
        return Err(AuthError::Expired);
    }
    let agent = store
        .agent(&row.email)
        .map_err(internal)?
        .ok_or(AuthError::Unknown)?;
    Ok((agent, row.id))
}

/// Ends one session (the agent's own sign-out) and closes its push connections.
pub fn sign_out_session(
    state: &AppState,
    session_id: &str,
    reason: &str,
    now_ms: u64,
) -> Result<(), StoreError> {
    state.0.store.revoke_session(session_id, reason, now_ms)?;
    state.0.hub.close_session(session_id, reason);
    Ok(())
}

/// Ends every session of an agent (admin sign-out, Kustomer deactivation): their push connections get
/// `SignedOut` and close. Returns how many sessions were live.
pub fn sign_out_agent(
    state: &AppState,
    email: &str,
    reason: &str,
    now_ms: u64,
) -> Result<usize, StoreError> {
    let ids = state.0.store.revoke_agent(email, reason, now_ms)?;
    state.0.hub.send(
        email,
        Push::SignedOut {
            reason: reason.to_owned(),
        },
    );
    state.0.hub.close_agent(email);
    Ok(ids.len())
}
