//! Teams and team routing settings, read by the options page to check SPEC S9's prerequisites for
//! bidirectional sync (issue 7): Team Routing on, an External Queue on the team, the agent on that team.
//!
//! `GET /v1/routing/settings` follows Kustomer's "Get all team routing settings": one record per team,
//! addressed by the team id, with `enabled`, `queues` and `externalQueues` (at most one external queue
//! name). `GET /v1/teams` lists the teams; sandbox decision: each team carries its members' user ids in
//! `attributes.members` (the real shape of team membership is not in the public docs). The seeds: one
//! team with routing on and the CCAI external queue, holding the signed-in agent, and one without.

use axum::extract::Query;
use axum::response::Response;
use serde_json::json;

use super::jsonapi::{self, PageQuery};
use super::model::AGENT_USER_ID;

pub const SUPPORT_TEAM_ID: &str = "64f0a1c2e4b0a1b2c3d4e601";
const BACK_OFFICE_TEAM_ID: &str = "64f0a1c2e4b0a1b2c3d4e602";

pub async fn teams(Query(q): Query<PageQuery>) -> Response {
    let items = vec![
        jsonapi::resource(
            "team",
            SUPPORT_TEAM_ID,
            json!({ "name": "Phone support", "members": [AGENT_USER_ID] }),
        ),
        jsonapi::resource(
            "team",
            BACK_OFFICE_TEAM_ID,
            json!({ "name": "Back office", "members": ["u-agent-2"] }),
        ),
    ];
    jsonapi::page(items, &q, 100, "/kapi/v1/teams")
}

pub async fn routing_settings(Query(q): Query<PageQuery>) -> Response {
    let items = vec![
        jsonapi::resource(
            "routing_setting",
            SUPPORT_TEAM_ID,
            json!({ "enabled": true, "queues": [], "externalQueues": ["ccai-support"], "capacity": 1 }),
        ),
        jsonapi::resource(
            "routing_setting",
            BACK_OFFICE_TEAM_ID,
            json!({ "enabled": false, "queues": [], "externalQueues": [], "capacity": 1 }),
        ),
    ];
    jsonapi::page(items, &q, 100, "/kapi/v1/routing/settings")
}
