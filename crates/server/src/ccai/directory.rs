//! Who is who and what is what at CCAI: agents by id and e-mail (A10), statuses by id (A9).
//!
//! CCAI names the agent of a call or an activity by id (A12), the outbound call wants an e-mail (A13),
//! and statuses are set by name while names repeat (A8, A9): this is where the server translates, from
//! lists it reads through the company's budget at low priority.

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::Duration;

use ccai_core::budget::{target_name, Priority, TargetError};
use ccai_core::paging::{has_next, MAX_PER};
use ccai_core::status::{CcaiCatalog, CcaiStatus, CcaiStatusId};
use serde::Deserialize;

use super::client::{CcaiCall, CcaiError};
use super::current::{unix_ms, CurrentStatuses};
use super::scheduler::CcaiScheduler;
use crate::state::AppState;

/// How often both lists are read again (new agents, renamed statuses).
pub const REFRESH: Duration = Duration::from_secs(300);
/// After a failed read, the next try.
pub const RETRY: Duration = Duration::from_secs(5);

/// Reads the lists at start (at `Read` priority: status changes wait for them) and then every
/// [`REFRESH`] in the background, for the server's life.
pub async fn keep_fresh(state: AppState) {
    let mut priority = Priority::Read;
    loop {
        // A stand-by takes the lists the holder read (issue 18: one CCAI budget for the company).
        if !state.acts_for_company() {
            let wait = match load_shared(&state) {
                Ok(true) => SHARED_REFRESH,
                Ok(false) => SHARED_RETRY,
                Err(e) => {
                    eprintln!("ccai-server: reading the holder's ccai lists: {e}");
                    SHARED_RETRY
                }
            };
            tokio::time::sleep(wait).await;
            continue;
        }
        let wait = match state.0.ccai_directory.refresh(priority).await {
            Ok(()) => {
                priority = Priority::Background;
                if let Err(e) = share(&state) {
                    eprintln!("ccai-server: storing ccai's lists for the other instances: {e}");
                }
                REFRESH
            }
            Err(e) => {
                eprintln!("ccai-server: reading ccai's agents and statuses: {e}");
                RETRY
            }
        };
        tokio::time::sleep(wait).await;
    }
}

/// How often a stand-by takes the holder's lists again, and how soon while there are none yet.
const SHARED_REFRESH: Duration = Duration::from_secs(30);
const SHARED_RETRY: Duration = Duration::from_millis(500);

/// Stores the lists this instance read, for the stand-bys (only with a lease: several instances).
fn share(state: &AppState) -> Result<(), crate::store::StoreError> {
    let Some(lease) = &state.0.lease else {
        return Ok(());
    };
    let (statuses, agents) = state.0.ccai_directory.lists();
    let statuses = serde_json::to_string(&statuses).unwrap_or_default();
    let agents = serde_json::to_string(&agents).unwrap_or_default();
    state.0.store.lock().execute(
        "INSERT INTO ccai_directory (company, statuses, agents, at_ms) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (company) DO UPDATE SET statuses = excluded.statuses,
             agents = excluded.agents, at_ms = excluded.at_ms",
        crate::store::db::params![lease.company, statuses, agents, crate::now_ms() as i64],
    )?;
    Ok(())
}

/// Takes the holder's lists; false when the holder has stored none yet.
fn load_shared(state: &AppState) -> Result<bool, crate::store::StoreError> {
    use crate::store::db::OptionalExtension;
    let Some(lease) = &state.0.lease else {
        return Ok(false);
    };
    let row: Option<(String, String)> = state
        .0
        .store
        .lock()
        .query_row(
            "SELECT statuses, agents FROM ccai_directory WHERE company = ?1",
            [lease.company.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let Some((statuses, agents)) = row else {
        return Ok(false);
    };
    let (Ok(statuses), Ok(agents)) = (
        serde_json::from_str::<Vec<CcaiStatus>>(&statuses),
        serde_json::from_str::<Vec<(i64, String)>>(&agents),
    ) else {
        return Ok(false);
    };
    state.0.ccai_directory.replace(statuses, agents);
    Ok(true)
}

/// Several instances (issue 18): the lists as the lease holder last read them, for the stand-bys,
/// which may not spend the company's CCAI budget themselves.
pub const SCHEMA_V1: &str = "
CREATE TABLE ccai_directory (
    company TEXT PRIMARY KEY,
    statuses TEXT NOT NULL,
    agents TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
";

/// A5: the Manager API's page size is at most 100.
pub const PAGE_SIZE: usize = MAX_PER;

/// One agent of `GET /manager/api/v1/agents` (A10), the fields the server reads.
#[derive(Debug, Clone, Deserialize)]
pub struct CcaiAgent {
    pub id: i64,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub status: Option<AgentStatus>,
    #[serde(default)]
    pub status_updated_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AgentStatus {
    pub id: i64,
    #[serde(default)]
    pub name: String,
}

impl AgentStatus {
    pub fn as_status(&self) -> CcaiStatus {
        CcaiStatus {
            id: CcaiStatusId(self.id),
            name: self.name.clone(),
            color: None,
        }
    }
}

struct Snapshot {
    by_email: HashMap<String, i64>,
    by_id: HashMap<i64, String>,
    statuses: CcaiCatalog,
}

impl Default for Snapshot {
    fn default() -> Self {
        Self {
            by_email: HashMap::new(),
            by_id: HashMap::new(),
            statuses: CcaiCatalog::new(Vec::new()),
        }
    }
}

pub struct Directory {
    sched: CcaiScheduler,
    snapshot: RwLock<Snapshot>,
    /// Each agent's status as last learned (`current.rs`).
    pub current: CurrentStatuses,
}

impl Directory {
    pub fn new(sched: CcaiScheduler) -> Self {
        Self {
            sched,
            snapshot: RwLock::new(Snapshot::default()),
            current: CurrentStatuses::default(),
        }
    }

    /// Reads both lists; the server calls it at start and now and then.
    pub async fn refresh(&self, priority: Priority) -> Result<(), CcaiError> {
        let statuses = self.fetch_statuses(priority).await?;
        let listed_at = crate::now_ms() as i64;
        let agents = self.fetch_agents(priority).await?;
        for agent in &agents {
            if let Some(s) = &agent.status {
                // Not documented: `status_updated_at`'s format (A10); unread, the listing's time.
                let at = agent.status_updated_at.as_deref().and_then(unix_ms);
                self.current
                    .note(agent.id, s.as_status(), at.unwrap_or(listed_at));
            }
        }
        self.replace(
            statuses,
            agents.into_iter().map(|a| (a.id, a.email)).collect(),
        );
        Ok(())
    }

    /// Both lists at once: statuses, and agents as (id, e-mail).
    pub fn replace(&self, statuses: Vec<CcaiStatus>, agents: Vec<(i64, String)>) {
        let mut snap = self
            .snapshot
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        snap.statuses = CcaiCatalog::new(statuses);
        snap.by_email.clear();
        snap.by_id.clear();
        for (id, email) in agents {
            // Not documented: whether CCAI compares e-mails case-sensitively; people don't.
            snap.by_email.insert(email.trim().to_lowercase(), id);
            snap.by_id.insert(id, email);
        }
    }

    /// Both lists as they are now (to share with the other instances).
    pub fn lists(&self) -> (Vec<CcaiStatus>, Vec<(i64, String)>) {
        let snap = self.read();
        let statuses = snap.statuses.iter().cloned().collect();
        let agents = snap.by_id.iter().map(|(id, e)| (*id, e.clone())).collect();
        (statuses, agents)
    }

    pub fn agent_id_by_email(&self, email: &str) -> Option<i64> {
        self.read()
            .by_email
            .get(&email.trim().to_lowercase())
            .copied()
    }

    pub fn email_of(&self, agent_id: i64) -> Option<String> {
        self.read().by_id.get(&agent_id).cloned()
    }

    pub fn agent_count(&self) -> usize {
        self.read().by_id.len()
    }

    /// True once the status list has been read (a change cannot be resolved before).
    pub fn is_loaded(&self) -> bool {
        !self.read().statuses.is_empty()
    }

    pub fn status(&self, id: CcaiStatusId) -> Option<CcaiStatus> {
        self.read().statuses.get(&id).cloned()
    }

    /// The status a change names (A8 sets statuses by name; a repeated name is never a target).
    pub fn status_named(&self, name: &str) -> Option<CcaiStatus> {
        let snap = self.read();
        let mut named = snap.statuses.iter().filter(|s| s.name == name);
        match (named.next(), named.next()) {
            (Some(s), None) => Some(s.clone()),
            _ => None,
        }
    }

    /// Every CCAI status, as last read (A9).
    pub fn statuses(&self) -> Vec<CcaiStatus> {
        self.read().statuses.iter().cloned().collect()
    }

    /// The name to send for `id` (A8), or why not: unknown, system-defined, or a repeated name.
    pub fn target_name(&self, id: CcaiStatusId) -> Result<String, TargetError> {
        target_name(&self.read().statuses, id)
    }

    async fn fetch_statuses(&self, priority: Priority) -> Result<Vec<CcaiStatus>, CcaiError> {
        self.sched
            .request(priority, CcaiCall::get("/manager/api/v1/user_statuses"))
            .await?
            .json()
    }

    /// Every agent, page by page: follow `Link rel="next"` when present, else stop on a short page
    /// (A5's client rule; the docs disagree on whether the header is sent).
    pub async fn fetch_agents(&self, priority: Priority) -> Result<Vec<CcaiAgent>, CcaiError> {
        let mut all = Vec::new();
        let mut page = 1usize;
        loop {
            let call = CcaiCall::get("/manager/api/v1/agents")
                .query("page", page)
                .query("per", PAGE_SIZE);
            let resp = self.sched.request(priority, call).await?;
            let batch: Vec<CcaiAgent> = resp.json()?;
            let more = has_next(resp.link.as_deref(), batch.len(), PAGE_SIZE);
            all.extend(batch);
            if !more {
                return Ok(all);
            }
            page += 1;
            // A guard against a server that keeps answering full pages of the same agents.
            if page > 1_000 {
                return Ok(all);
            }
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Snapshot> {
        self.snapshot
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
