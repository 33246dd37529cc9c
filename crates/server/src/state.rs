//! What every request handler and background task shares.

use std::sync::Arc;

use crate::agent_tokens::AgentTokens;
use crate::ccai::directory::Directory as CcaiDirectory;
use crate::ccai::scheduler::CcaiScheduler;
use crate::config::Config;
use crate::directory::Directory;
use crate::push::Hub;
use crate::store::Store;

#[derive(Clone)]
pub struct AppState(pub Arc<Inner>);

impl AppState {
    /// Whether this instance acts for the company now: it holds the company lease, or it is the only
    /// instance (SQLite). The others accept agents' requests and leave the vendors to the holder.
    pub fn acts_for_company(&self) -> bool {
        self.0.lease.as_ref().is_none_or(|l| l.token().is_some())
    }
}

pub struct Inner {
    pub cfg: Config,
    pub store: Arc<Store>,
    /// This instance's part in the company lease (PostgreSQL; `None` on SQLite: one instance acts).
    pub lease: Option<crate::lease::Lease>,
    pub hub: Hub,
    /// One HTTP client for every vendor call (connection pools are per client).
    pub http: reqwest::Client,
    /// CCAI agents by e-mail (A10), read for sign-in.
    pub directory: Directory,
    /// The company's one CCAI budget: every CCAI request goes through it (`request(priority, call)`).
    pub ccai: CcaiScheduler,
    /// CCAI's statuses by id and agents by id (for the activity tail).
    pub ccai_directory: CcaiDirectory,
    /// Each signed-in agent's own Kustomer tokens, sealed at rest.
    pub agent_tokens: AgentTokens,
    /// The record rules: CCAI's session events → Kustomer records, and the calls' pushes.
    pub records: crate::records::Records,
    /// Every signed-in agent's Kustomer status and the path that supplied it (`status::kustomer_side`).
    pub kustomer_statuses: std::sync::Mutex<ccai_core::kustomer_status::KustomerStatuses>,
    /// Kustomer's routing statuses as agents' tabs get them (`kustomer::catalog_cache`).
    pub kustomer_catalog: crate::kustomer::catalog_cache::CatalogCache,
}
