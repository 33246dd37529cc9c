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

pub struct Inner {
    pub cfg: Config,
    pub store: Store,
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
}
