//! An agent whom Kustomer deactivates is out within a minute: every `standing_interval` the server asks
//! Kustomer, with each signed-in agent's own token, who that token belongs to (B6), refreshing the token
//! first when it is about to expire (B3). A refused refresh, or a token Kustomer no longer accepts, ends
//! the agent's sessions and closes their push connections.
//!
//! Not documented: how Kustomer answers for a deactivated user's tokens (B6 says only that users are
//! deactivated, not deleted). We take a 400/401/403 to the refresh or to `users/current` (after one
//! refresh) as "no longer signed in to Kustomer". A vendor that does not answer, or answers 429/5xx,
//! signs nobody out: an outage must not empty the contact center.
//!
//! Cost: one Kustomer request per signed-in agent per interval (plus a refresh when a token expires),
//! out of the org's per-minute budget (B4): 500 agents every 30 s are 1,000 requests a minute. The
//! README says how to trade speed of sign-out against budget.

use futures_util::stream::{self, StreamExt};

use crate::agent_tokens::{self, TokenError};
use crate::http::auth::Agent;
use crate::oauth;
use crate::session;
use crate::state::AppState;
use crate::vendor::VendorError;

/// How many agents are checked at once.
const PARALLEL: usize = 8;

/// What one check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Fine,
    /// Signed out, with the reason the agent is told.
    Out(String),
    /// Kustomer could not say (down, rate-limited): nothing changes until the next round.
    Unknown,
}

/// Checks every signed-in agent every `cfg.standing_interval`, forever.
pub async fn run(state: AppState) {
    let every = state.0.cfg.standing_interval;
    loop {
        tokio::time::sleep(every).await;
        check_all(&state).await;
        if let Err(e) = state.0.store.prune_identity(crate::now_ms()) {
            eprintln!("ccai-server: forgetting old sessions: {e}");
        }
    }
}

/// One round over every signed-in agent.
pub async fn check_all(state: &AppState) {
    let agents = match state.0.store.signed_in_agents(crate::now_ms()) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ccai-server: listing signed-in agents: {e}");
            return;
        }
    };
    stream::iter(agents)
        .for_each_concurrent(PARALLEL, |agent| async move {
            if let Standing::Out(reason) = check(state, &agent).await {
                if let Err(e) =
                    session::sign_out_agent(state, &agent.email, &reason, crate::now_ms())
                {
                    eprintln!("ccai-server: signing out {}: {e}", agent.email);
                }
            }
        })
        .await;
}

fn refused(e: &VendorError) -> bool {
    e.status()
        .is_some_and(|s| matches!(s.as_u16(), 400 | 401 | 403))
}

/// Whether Kustomer still knows `agent` as the person behind their token.
pub async fn check(state: &AppState, agent: &Agent) -> Standing {
    let out = || Standing::Out("Kustomer no longer accepts your sign-in".into());
    let access = match agent_tokens::access_token(state, &agent.email).await {
        Ok(a) => a,
        Err(e) => return verdict(e),
    };
    let access = match oauth::current_user(state, &access).await {
        Ok(user) if user.id == agent.kustomer_user_id => return Standing::Fine,
        Ok(_) => return out(),
        Err(e) if refused(&e) => match agent_tokens::refresh(state, &agent.email, &access).await {
            Ok(t) => t.access,
            Err(e) => return verdict(e),
        },
        Err(_) => return Standing::Unknown,
    };
    // One more try with the refreshed token: a token that expired early is not a deactivation.
    match oauth::current_user(state, &access).await {
        Ok(user) if user.id == agent.kustomer_user_id => Standing::Fine,
        Ok(_) => out(),
        Err(e) if refused(&e) => out(),
        Err(_) => Standing::Unknown,
    }
}

fn verdict(e: TokenError) -> Standing {
    match e {
        TokenError::NotSignedIn(_) | TokenError::Refused { .. } => {
            Standing::Out("Kustomer no longer accepts your sign-in".into())
        }
        other => {
            eprintln!("ccai-server: checking an agent's standing: {other}");
            Standing::Unknown
        }
    }
}
