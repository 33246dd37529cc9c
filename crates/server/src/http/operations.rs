//! `GET /admin/v1/operations` (issue 18): what the people who run the server need to see, as the
//! instance that answers sees it: each signed-in agent's sync state (owner term, push connections, last
//! change and whether CCAI applied it), the CCAI budget in use, the outbox, the instance holding the
//! company lease, and recent refusals in words. Admins only.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use ccai_core::server_api::{AgentSync, Operations};

use super::auth::{AdminSession, AuthError};
use crate::state::AppState;
use crate::status::store as changes;
use crate::store::StoreError;

/// How many refusals the view lists.
const REFUSALS: u32 = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/v1/operations", get(operations))
}

async fn operations(State(state): State<AppState>, _admin: AdminSession) -> Response {
    match read(&state) {
        Ok(view) => Json(view).into_response(),
        Err(e) => AuthError::Internal(e.to_string()).into_response(),
    }
}

/// The view, read now.
pub fn read(state: &AppState) -> Result<Operations, StoreError> {
    let inner = &state.0;
    let now = crate::now_ms();
    let lease_holder = match &inner.lease {
        Some(lease) => inner
            .store
            .lease_holder(&lease.company, now)?
            .map(|(holder, _)| holder),
        None => None,
    };
    let signed_in = inner.store.signed_in_agents(now)?;
    let (epochs, latest, refusals, open) = {
        let conn = inner.store.lock();
        (
            changes::epochs(&conn)?
                .into_iter()
                .collect::<HashMap<_, _>>(),
            changes::latest_changes(&conn)?
                .into_iter()
                .collect::<HashMap<_, _>>(),
            changes::recent_failures(&conn, REFUSALS)?,
            changes::open_count(&conn)?,
        )
    };
    let agents = signed_in
        .into_iter()
        .map(|a| AgentSync {
            owner_epoch: epochs.get(&a.email).copied().unwrap_or(0),
            connections: inner.hub.connections_of(&a.email) as u64,
            last_change: latest.get(&a.email).cloned(),
            email: a.email,
            name: a.name,
        })
        .collect();
    let stats = &inner.ccai.stats;
    Ok(Operations {
        instance: inner.lease.as_ref().map(|l| l.instance.clone()),
        acts_for_company: state.acts_for_company(),
        lease_holder,
        hears_other_instances: inner.hub.hears_others(),
        ccai_rate_per_s: inner.cfg.ccai_rate_per_s,
        ccai_requests_sent: stats.sent.load(Ordering::Relaxed),
        ccai_rate_limited: stats.rate_limited.load(Ordering::Relaxed),
        status_changes_open: open,
        records_backlog: crate::records::Records::backlog(state)?,
        push_connections: inner.hub.connection_count() as u64,
        agents,
        refusals,
    })
}
