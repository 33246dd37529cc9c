//! Who is asking: the session token (`Authorization: Bearer <session>`) turned into the agent it belongs
//! to. Identity comes only from here; a handler never reads an agent id or e-mail from a body.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// The signed-in agent as both vendors know them (A5 holds by construction: same e-mail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agent {
    pub email: String,
    pub kustomer_user_id: String,
    pub ccai_agent_id: i64,
    pub name: String,
}

/// A request made with a live agent session.
#[derive(Clone, Debug)]
pub struct AgentSession {
    pub agent: Agent,
    pub session_id: String,
}

/// A request made with a live session of an admin (an e-mail in the server's configuration).
#[derive(Clone, Debug)]
pub struct AdminSession {
    pub agent: Agent,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("sign in first: this request has no session token")]
    Missing,
    #[error("this session token is not known")]
    Unknown,
    #[error("this session token has expired; refresh it")]
    Expired,
    #[error("signed out: {0}")]
    Revoked(String),
    #[error("only an admin may do this")]
    NotAdmin,
    #[error("internal error: {0}")]
    Internal(String),
}

impl IntoResponse for AuthError {
    fn into_response(self) -> Response {
        let status = match self {
            AuthError::NotAdmin => StatusCode::FORBIDDEN,
            AuthError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNAUTHORIZED,
        };
        super::error(status, self.to_string())
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<AppState> for AgentSession {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or(AuthError::Missing)?;
        let (agent, session_id) = crate::session::authenticate(state, token, crate::now_ms())?;
        Ok(AgentSession { agent, session_id })
    }
}

impl FromRequestParts<AppState> for AdminSession {
    type Rejection = AuthError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let s = AgentSession::from_request_parts(parts, state).await?;
        if !state.0.cfg.is_admin(&s.agent.email) {
            return Err(AuthError::NotAdmin);
        }
        Ok(AdminSession { agent: s.agent })
    }
}
