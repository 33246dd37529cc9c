//! `POST /sandbox/agents {"count": N}`: N agents with the same e-mail in both vendors
//! (`agent0001@example.com` …), for load tests. In Kustomer each is a user with the agent roles and a
//! live work session (Available); in CCAI an agent (Available, in a team of 50). Calling it again with the same or a
//! smaller count changes nothing; a larger count adds the missing ones. 5,000 take milliseconds.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

use crate::ccai::model::CcaiState;
use crate::kustomer::users::{seed_agents, SeededAgent};
use crate::state::App;

/// A load test needs hundreds; the cap keeps a typo from eating the machine's memory.
const MAX_AGENTS: usize = 20_000;

#[derive(Deserialize)]
pub struct Count {
    count: usize,
}

pub async fn seed(State(app): State<App>, Json(body): Json<Count>) -> Response {
    if body.count > MAX_AGENTS {
        let message = format!("count must be at most {MAX_AGENTS}");
        return (StatusCode::BAD_REQUEST, Json(json!({ "message": message }))).into_response();
    }
    let t0 = std::time::Instant::now();
    let mut st = app.lock();
    let seeded = seed_agents(&mut st, body.count);
    let ccai_ids = seed_ccai_agents(&mut st.ccai, &seeded);
    drop(st);
    let seeded_in_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let agents: Vec<_> = seeded
        .iter()
        .zip(ccai_ids)
        .map(|(a, ccai_id)| {
            json!({
                "email": a.email,
                "name": a.name,
                "kustomer_user_id": a.kustomer_user_id,
                "ccai_agent_id": ccai_id,
            })
        })
        .collect();
    Json(json!({ "count": agents.len(), "seeded_in_ms": seeded_in_ms, "agents": agents }))
        .into_response()
}

/// The CCAI half: `ccai::seed::seed_agents` (ids 100000 + n, Available, teams of 50 from id 101).
fn seed_ccai_agents(ccai: &mut CcaiState, seeded: &[SeededAgent]) -> Vec<i64> {
    let people: Vec<(String, String)> = seeded
        .iter()
        .map(|a| (a.email.clone(), a.name.clone()))
        .collect();
    crate::ccai::seed::seed_agents(ccai, &people)
}
