//! The CCAI agent with a given e-mail, for sign-in (A5 holds by construction: same e-mail). A10 has no
//! e-mail filter, so the server keeps the whole list (`ccai::directory`, read through the company's one
//! CCAI budget and kept fresh in the background). A sign-in whose e-mail is not in it reads the list
//! again, at most every [`REFRESH_AFTER`], so an agent added in CCAI a minute ago can sign in, while 500
//! agents signing in at nine o'clock cost one listing, not 500.

use std::time::{Duration, Instant};

use ccai_core::budget::Priority;

use crate::ccai::client::CcaiError;
use crate::state::AppState;

/// How old the list may be before a lookup that finds nobody reads it again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(10);

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaiAgent {
    pub id: i64,
    pub email: String,
}

/// When the list was last read for a lookup that missed (concurrent misses wait for one reading).
#[derive(Default)]
pub struct Directory {
    missed_at: tokio::sync::Mutex<Option<Instant>>,
}

/// The CCAI agent whose e-mail is `email` (case-insensitive), if there is one.
pub async fn ccai_agent_by_email(
    state: &AppState,
    email: &str,
) -> Result<Option<CcaiAgent>, CcaiError> {
    let email = email.trim().to_lowercase();
    let found = |state: &AppState| {
        state
            .0
            .ccai_directory
            .agent_id_by_email(&email)
            .map(|id| CcaiAgent {
                id,
                email: email.clone(),
            })
    };
    if let Some(a) = found(state) {
        return Ok(Some(a));
    }
    let mut missed_at = state.0.directory.missed_at.lock().await;
    // Someone else's reading may have brought the agent in while this one waited.
    if let Some(a) = found(state) {
        return Ok(Some(a));
    }
    if missed_at.is_none_or(|t| t.elapsed() > REFRESH_AFTER) || !state.0.ccai_directory.is_loaded()
    {
        // An agent is waiting on the sign-in page: a read someone waits for (A3's budget, `Read`).
        state.0.ccai_directory.refresh(Priority::Read).await?;
        *missed_at = Some(Instant::now());
    }
    Ok(found(state))
}
