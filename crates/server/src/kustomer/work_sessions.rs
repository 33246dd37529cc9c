//! Every signed-in agent's Kustomer status, from Kustomer's documented work sessions (B8), read ONCE
//! for the whole org, page by page, within Kustomer's per-minute budget (B4): 500 agents are five pages
//! of 100 per round. Kustomer's page is not ours and its markup changes without notice, so this is
//! the path that always works; the page's change, when the extension's selectors see it, is only
//! faster. There is no work-session webhook (B16): poll.
//!
//! Each reading goes to `status::kustomer_side`, which carries status inheritance (S2) and status at
//! sign-in (S8) out on the server, de-duplicated against the page's changes and never over a newer
//! one; the agent is told each new status (`KustomerStatusChanged`, with the path that supplied it).

use std::collections::HashMap;
use std::time::Duration;

use serde::Deserialize;

use crate::state::AppState;

/// B5: the usual maximum page size.
const PAGE_SIZE: usize = 100;
/// A guard against a `links.next` that never ends (10,000 agents).
const MAX_PAGES: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum WorkSessionsError {
    #[error("kustomer did not answer the work-session list: {0}")]
    Unreachable(#[from] reqwest::Error),
    /// B4: over the org's per-minute budget; wait `retry_after`.
    #[error("kustomer's per-minute budget is spent; next try in {0:?}")]
    RateLimited(Duration),
    #[error("kustomer answered the work-session list with {status}: {body}")]
    Status { status: u16, body: String },
}

/// One page of `GET /v1/routing/work-sessions` or `GET /v1/routing/users/{id}/work-sessions` (JSON:API,
/// B5 links).
#[derive(Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    pub(crate) data: Vec<Resource>,
    #[serde(default)]
    pub(crate) links: Links,
}

#[derive(Deserialize, Default)]
pub(crate) struct Links {
    pub(crate) next: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct Resource {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    attributes: serde_json::Value,
    #[serde(default)]
    relationships: serde_json::Value,
}

impl Resource {
    /// B8: a session is live until an `offline`-type status ends it (`signedOutAt` set, `active`
    /// false). Not documented (text read): the attribute names; `active` is read first, then
    /// `signedOutAt`.
    pub(crate) fn is_live(&self) -> bool {
        match self
            .attributes
            .get("active")
            .and_then(serde_json::Value::as_bool)
        {
            Some(active) => active,
            None => self
                .attributes
                .get("signedOutAt")
                .is_none_or(serde_json::Value::is_null),
        }
    }

    /// Not documented (text read): the field names of a work session beyond B8's prose; read the
    /// relationship first, then an attribute of the same meaning.
    fn user_id(&self) -> Option<String> {
        rel_id(&self.relationships, "user").or_else(|| str_attr(&self.attributes, "userId"))
    }

    fn status_id(&self) -> Option<String> {
        rel_id(&self.relationships, "status").or_else(|| str_attr(&self.attributes, "statusId"))
    }
}

fn rel_id(rels: &serde_json::Value, name: &str) -> Option<String> {
    rels.get(name)?
        .get("data")?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

fn str_attr(attrs: &serde_json::Value, name: &str) -> Option<String> {
    attrs.get(name)?.as_str().map(str::to_owned)
}

/// One agent's live work session: `(kustomer user id, status id, when the request that read it was
/// sent, server clock ms)`.
type Reading = (String, String, u64);

pub struct WorkSessions {
    state: AppState,
    /// Requests made, for `/stats` and the load test.
    pub requests: u64,
}

impl WorkSessions {
    pub fn new(state: AppState) -> Self {
        Self { state, requests: 0 }
    }

    pub async fn run(mut self, every: Duration) {
        loop {
            // Only the instance that acts for the company spends its Kustomer budget (issue 18).
            if !self.state.acts_for_company() {
                tokio::time::sleep(every).await;
                continue;
            }
            let wait = match self.poll_once().await {
                Ok(_) => every,
                Err(WorkSessionsError::RateLimited(d)) => d.max(every),
                Err(e) => {
                    eprintln!("ccai-server: {e}");
                    every
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// One round over the org; returns how many signed-in agents had a live work session.
    pub async fn poll_once(&mut self) -> Result<usize, WorkSessionsError> {
        let agents = self
            .state
            .0
            .store
            .signed_in_agents(crate::now_ms())
            .unwrap_or_default();
        // A signed-out agent is read afresh at the next sign-in (S8).
        crate::status::kustomer_side::lock(&self.state)
            .retain(|email| agents.iter().any(|a| a.email == email));
        if agents.is_empty() {
            return Ok(0);
        }
        let by_user: HashMap<&str, &crate::http::auth::Agent> = agents
            .iter()
            .map(|a| (a.kustomer_user_id.as_str(), a))
            .collect();
        let readings = self.fetch_all().await?;
        let mut seen = 0;
        for (user, status, requested_at_ms) in readings {
            let Some(agent) = by_user.get(user.as_str()) else {
                continue;
            };
            seen += 1;
            if let Err(e) = crate::status::kustomer_side::on_reading(
                &self.state,
                agent,
                &status,
                requested_at_ms,
            ) {
                eprintln!("ccai-server: {}'s work-session status: {e}", agent.email);
            }
        }
        Ok(seen)
    }

    /// Every active work session, each with the time its page was asked for.
    async fn fetch_all(&mut self) -> Result<Vec<Reading>, WorkSessionsError> {
        let cfg = &self.state.0.cfg;
        let base = cfg.kustomer_api.trim_end_matches('/').to_owned();
        // B8: `user=false` (or absent) is every user's sessions; `user=true` would be the machine
        // user's own, which has none.
        let mut url =
            format!("{base}/v1/routing/work-sessions?active=true&page=1&pageSize={PAGE_SIZE}");
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            self.requests += 1;
            let requested_at_ms = crate::now_ms();
            let resp = self
                .state
                .0
                .http
                .get(&url)
                .bearer_auth(&cfg.kustomer_api_key)
                .send()
                .await?;
            let status = resp.status().as_u16();
            if status == 429 {
                let reset = resp
                    .headers()
                    .get("x-ratelimit-reset")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(60);
                // Not documented: whether `x-ratelimit-reset` counts seconds or is a time; a value
                // beyond one window is read as a time and the window's length is waited instead.
                let secs = if reset <= 60 { reset } else { 60 };
                return Err(WorkSessionsError::RateLimited(Duration::from_secs(secs)));
            }
            if !(200..300).contains(&status) {
                let body: String = resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(300)
                    .collect();
                return Err(WorkSessionsError::Status { status, body });
            }
            let page: Page = resp.json().await?;
            out.extend(
                page.data
                    .iter()
                    .filter_map(|r| Some((r.user_id()?, r.status_id()?, requested_at_ms))),
            );
            match page.links.next.as_deref().and_then(|n| resolve(&url, n)) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(out)
    }
}

/// `links.next` resolved against the page it came from, as a browser resolves a link: B5 does not say
/// whether it is a whole URL or a path.
fn resolve(current: &str, next: &str) -> Option<String> {
    if next.is_empty() {
        return None;
    }
    let base = reqwest::Url::parse(current).ok()?;
    base.join(next).ok().map(String::from)
}
