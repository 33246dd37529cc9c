//! An agent whom Kustomer deactivates is out within a minute: the server asks Kustomer, with each
//! signed-in agent's own token, who that token belongs to (B6), refreshing the token first when it is
//! about to expire (B3). A refused refresh, or a token Kustomer no longer accepts, ends the agent's
//! sessions and closes their push connections.
//!
//! When to ask is the core's (`ccai_core::standing::StandingPlan`): each agent at most
//! `standing_interval` after their token was last proven good (default 55 s: a deactivation is seen
//! within a minute), in each agent's own rhythm rather than in rounds, a sign-in counting as a
//! proof, and nothing while the org's Kustomer budget is spent (the record rules' client is paused
//! after a 429 until the window resets: the checks wait rather than spend a budget the records need).
//!
//! Not documented: how Kustomer answers for a deactivated user's tokens (B6 says only that users are
//! deactivated, not deleted). We take a 400/401/403 to the refresh or to `users/current` (after one
//! refresh) as "no longer signed in to Kustomer". A vendor that does not answer, or answers 429/5xx,
//! signs nobody out: an outage must not empty the contact center.
//!
//! Cost: one Kustomer request per signed-in agent per interval (plus a refresh when a token expires),
//! out of the org's per-minute budget (B4): 500 agents every 55 s are ~545 requests a minute. The
//! README has the whole budget's arithmetic.

use std::collections::HashSet;
use std::time::Duration;

use ccai_core::standing::{Answer, Config, StandingPlan};
use futures_util::stream::{self, StreamExt};

use crate::agent_tokens::{self, TokenError};
use crate::http::auth::Agent;
use crate::oauth;
use crate::session;
use crate::state::AppState;
use crate::vendor::VendorError;

/// How many agents are checked at once.
const PARALLEL: usize = 8;
/// The plan looks at who is signed in at least this often (a new sign-in, a sign-out).
const TICK: Duration = Duration::from_secs(1);

/// What one check found.
#[derive(Debug, PartialEq, Eq)]
pub enum Standing {
    Fine,
    /// Signed out, with the reason the agent is told.
    Out(String),
    /// Kustomer could not say (down, rate-limited): nothing changes; asked again soon.
    Unknown,
}

/// Checks every signed-in agent as the plan says, forever.
pub async fn run(state: AppState) {
    let cfg = &state.0.cfg;
    let mut plan = StandingPlan::new(Config {
        interval_ms: cfg.standing_interval.as_millis() as u64,
        retry_ms: RETRY.as_millis() as u64,
    });
    let mut pruned_at = crate::now_ms();
    loop {
        // Only the instance that acts for the company spends its Kustomer budget (issue 18).
        if !state.acts_for_company() {
            tokio::time::sleep(TICK).await;
            continue;
        }
        let now = crate::now_ms();
        match state.0.store.signed_in_agents(now) {
            Ok(agents) => {
                plan.signed_in(agents.iter().map(|a| a.email.as_str()), now);
                let paused = paused_until_ms(&state, now);
                let due = plan.poll_due(now, paused);
                let due: Vec<Agent> = agents
                    .into_iter()
                    .filter(|a| due.contains(&a.email))
                    .collect();
                for (email, answer) in check_some(&state, due).await {
                    plan.answered(&email, answer, crate::now_ms());
                }
            }
            Err(e) => eprintln!("ccai-server: listing signed-in agents: {e}"),
        }
        let now = crate::now_ms();
        if now.saturating_sub(pruned_at) >= cfg.standing_interval.as_millis() as u64 {
            pruned_at = now;
            if let Err(e) = state.0.store.prune_identity(now) {
                eprintln!("ccai-server: forgetting old sessions: {e}");
            }
        }
        let wake = plan
            .poll_timeout(paused_until_ms(&state, now))
            .map_or(TICK, |t| Duration::from_millis(t.saturating_sub(now)))
            .min(TICK);
        tokio::time::sleep(wake).await;
    }
}

/// Not documented: how soon Kustomer recovers; an unknown answer is asked again this much later.
const RETRY: Duration = Duration::from_secs(10);

/// Until when (wall ms) the org's Kustomer budget is spent, as the record rules' client last heard
/// (a 429 pauses it until the window resets, B4); `now` if it is not.
fn paused_until_ms(state: &AppState, now: u64) -> u64 {
    state
        .0
        .records
        .kustomer
        .paused_for()
        .map_or(now, |d| now + d.as_millis() as u64)
}

/// Checks `agents` (a few at a time) and signs out those Kustomer no longer knows; returns each one's
/// answer for the plan.
async fn check_some(state: &AppState, agents: Vec<Agent>) -> Vec<(String, Answer)> {
    stream::iter(agents)
        .map(|agent| async move {
            let answer = match check(state, &agent).await {
                Standing::Fine => Answer::Fine,
                Standing::Unknown => Answer::Unknown,
                Standing::Out(reason) => {
                    if let Err(e) =
                        session::sign_out_agent(state, &agent.email, &reason, crate::now_ms())
                    {
                        eprintln!("ccai-server: signing out {}: {e}", agent.email);
                    }
                    // Signed out: the plan forgets them at its next look at who is signed in.
                    Answer::Fine
                }
            };
            (agent.email, answer)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await
}

/// One round over every signed-in agent but those who signed in within the last interval (a tool
/// and a test's way to run checks now; the server runs [`run`], which asks each agent at their own
/// deadline).
pub async fn check_all(state: &AppState) {
    let now = crate::now_ms();
    let every = state.0.cfg.standing_interval.as_millis() as u64;
    let listed = state.0.store.signed_in_agents(now).and_then(|agents| {
        let fresh: HashSet<String> = state
            .0
            .store
            .signed_in_since(now.saturating_sub(every))?
            .into_iter()
            .collect();
        Ok(agents
            .into_iter()
            .filter(|a| !fresh.contains(&a.email))
            .collect::<Vec<_>>())
    });
    match listed {
        Ok(agents) => {
            check_some(state, agents).await;
        }
        Err(e) => eprintln!("ccai-server: listing signed-in agents: {e}"),
    }
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
