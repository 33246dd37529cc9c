//! The CCAI agent with a given e-mail (A10 has no e-mail filter: list and match `email`). The whole
//! list is read at most every `REFRESH_AFTER` and kept, so 500 agents signing in at nine o'clock cost
//! one listing, not 500. Everything that needs it goes through [`ccai_agent_by_email`].

use std::collections::HashMap;
use std::time::{Duration, Instant};

use ccai_core::paging;
use serde::Deserialize;

use crate::ccai::client::{manager_get, CcaiCall};
use crate::state::AppState;
use crate::vendor::VendorError;

/// How old the kept list may be before a lookup that finds nobody reads it again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(10);
/// How old it may be before even a hit reads it again (e-mails move between agents rarely).
pub const MAX_AGE: Duration = Duration::from_secs(600);
/// A listing stops here: 10,000 agents, far beyond a contact center, so a server bug cannot loop.
const MAX_PAGES: u32 = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CcaiAgent {
    pub id: i64,
    pub email: String,
    pub name: String,
}

#[derive(Default)]
pub struct Directory {
    inner: tokio::sync::Mutex<Cache>,
}

#[derive(Default)]
struct Cache {
    by_email: HashMap<String, CcaiAgent>,
    read_at: Option<Instant>,
}

/// One agent of `GET /manager/api/v1/agents` (A10); other fields are ignored (A4).
#[derive(Deserialize)]
struct Listed {
    id: i64,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    first_name: Option<String>,
    #[serde(default)]
    last_name: Option<String>,
}

/// The CCAI agent whose e-mail is `email` (case-insensitive), if there is one.
pub async fn ccai_agent_by_email(
    state: &AppState,
    email: &str,
) -> Result<Option<CcaiAgent>, VendorError> {
    let email = email.trim().to_lowercase();
    // The lock is held across the listing on purpose: concurrent sign-ins wait for one listing.
    let mut cache = state.0.directory.inner.lock().await;
    let age = cache.read_at.map(|t| t.elapsed());
    let hit = cache.by_email.get(&email).cloned();
    let stale = match (&hit, age) {
        (_, None) => true,
        (Some(_), Some(age)) => age > MAX_AGE,
        (None, Some(age)) => age > REFRESH_AFTER,
    };
    if !stale {
        return Ok(hit);
    }
    cache.by_email = list(state).await?;
    cache.read_at = Some(Instant::now());
    Ok(cache.by_email.get(&email).cloned())
}

async fn list(state: &AppState) -> Result<HashMap<String, CcaiAgent>, VendorError> {
    let per = paging::MAX_PER;
    let mut out = HashMap::new();
    for page in 1..=MAX_PAGES {
        // Through the company's one CCAI budget, like every CCAI request.
        let call = CcaiCall::get("/manager/api/v1/agents")
            .query("page", page)
            .query("per", per);
        let (items, link): (Vec<Listed>, _) = manager_get(state, "GET agents", call).await?;
        let more = paging::has_next(link.as_deref(), items.len(), per);
        for a in items {
            let Some(email) = a.email.filter(|e| !e.trim().is_empty()) else {
                continue;
            };
            let name = [a.first_name, a.last_name]
                .into_iter()
                .flatten()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let key = email.trim().to_lowercase();
            out.insert(
                key.clone(),
                CcaiAgent {
                    id: a.id,
                    email: key,
                    name,
                },
            );
        }
        if !more {
            break;
        }
    }
    Ok(out)
}
