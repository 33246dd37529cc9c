//! Kustomer, as the server speaks to it with the company's API key.
//!
//! - `catalog_cache`: the routing statuses for agents' tabs, read at most once a minute.
//! - `client`: the REST API (B2), its retry policy and the org's budget (B4), for the record rules.
//! - `work_sessions`: every agent's Kustomer status from the org's work sessions (B8).

pub mod catalog_cache;
pub mod client;
pub mod work_sessions;
