//! Many CCAI agents for load tests: the CCAI half of `POST /sandbox/agents` (the route and the Kustomer
//! half are `sb-kustomer`'s `agents.rs`). The e-mail scheme is the route's (`agent0001@example.com` …):
//! this side takes the e-mails and names it is given, so both vendors hold the same people (A5 of the
//! spec: an agent is the same e-mail in both).

use super::model::{Agent, CcaiState, AVAILABLE};

/// Seeded agents' ids: 100000 + n, so they never meet the fixed seeds (11–13).
pub const FIRST_ID: i64 = 100_000;
/// Seeded agents are split into teams of this size (ids 101, 102, …), so bulk `agent_statuses` by team
/// (A8) has teams to act on.
pub const TEAM_SIZE: usize = 50;

/// One agent per `(email, name)`, in order, Available, numbered from 1; an e-mail CCAI already knows
/// keeps its agent. Returns each one's CCAI id. Not documented: names, numbers and teams of these
/// agents (the sandbox's own).
pub fn seed_agents(ccai: &mut CcaiState, people: &[(String, String)]) -> Vec<i64> {
    let known: std::collections::HashMap<String, i64> = ccai
        .agents
        .iter()
        .map(|a| (a.email.to_ascii_lowercase(), a.id))
        .collect();
    let mut ids = Vec::with_capacity(people.len());
    for (i, (email, name)) in people.iter().enumerate() {
        if let Some(id) = known.get(&email.to_ascii_lowercase()) {
            ids.push(*id);
            continue;
        }
        let n = i as i64 + 1;
        let id = FIRST_ID + n;
        let (first, last) = name.split_once(' ').unwrap_or((name.as_str(), ""));
        let mut agent = Agent::new(id, email, first, last, &(20_000 + n).to_string(), AVAILABLE);
        let team = 100 + 1 + i as i64 / TEAM_SIZE as i64;
        agent.team_ids = vec![team];
        match ccai.teams.iter_mut().find(|(t, _)| *t == team) {
            Some((_, members)) => members.push(id),
            None => ccai.teams.push((team, vec![id])),
        }
        ccai.agents.push(agent);
        ids.push(id);
    }
    ids
}
