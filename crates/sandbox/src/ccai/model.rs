//! CCAI Platform's side as the sandbox keeps it: user statuses, agents, and what CCAI received.

use serde::Serialize;
use serde_json::Value;

use crate::SandboxConfig;

pub struct UserStatus {
    pub id: i64,
    pub wfm_id: i64,
    pub name: &'static str,
    pub color: &'static str,
}

const fn status(id: i64, wfm_id: i64, name: &'static str, color: &'static str) -> UserStatus {
    UserStatus {
        id,
        wfm_id,
        name,
        color,
    }
}

/// A9's example table (ids, names, colors and `wfm_id`s as documented), then custom statuses. Custom 5
/// "Meal" repeats a built-in name, as in A9. Not documented: custom statuses 1–3 and their `wfm_id`s
/// (the sandbox's own, so that a client meets more than one custom status).
pub const USER_STATUSES: &[UserStatus] = &[
    status(0, 11, "Available", "green"),
    status(-1, 12, "Unavailable", "red"),
    status(-2, 29, "Break", "yellow"),
    status(-3, 30, "Special Task", "pink"),
    status(-4, 31, "Meal", "brown"),
    status(-5, 32, "Missed Call", "blue_grey"),
    status(-6, 33, "Wrap-up", "purple"),
    status(-7, 34, "In-call", "light_blue"),
    status(-8, 35, "In-chat", "indigo"),
    status(-10, 36, "Offline", "grey"),
    status(1, 42, "Training", "purple"),
    status(2, 43, "Coaching", "pink"),
    status(3, 44, "Admin work", "yellow"),
    status(5, 45, "Meal", "green"),
];

pub const AVAILABLE: i64 = 0;
pub const MISSED_CALL: i64 = -5;
pub const WRAP_UP: i64 = -6;
pub const IN_CALL: i64 = -7;
pub const IN_CHAT: i64 = -8;
pub const OFFLINE: i64 = -10;

/// The agent the page's e-mail belongs to.
pub const PAGE_AGENT_ID: i64 = 11;

/// Statuses that only CCAI itself sets and leaves: an agent cannot be moved into or out of them.
pub fn is_system(id: i64) -> bool {
    matches!(id, MISSED_CALL | WRAP_UP | IN_CALL | IN_CHAT)
}

pub fn user_status(id: i64) -> Option<&'static UserStatus> {
    USER_STATUSES.iter().find(|s| s.id == id)
}

/// Name lookup picks the first match in list order, so a name shared by a built-in and a custom status
/// means the built-in (A8 takes a name; A9 lets names repeat).
pub fn user_status_by_name(name: &str) -> Option<&'static UserStatus> {
    USER_STATUSES
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
}

/// A status as A9/A10/A11 show it: `{id, wfm_id, name, color}`.
pub fn status_ref(id: i64) -> Value {
    match user_status(id) {
        Some(s) => {
            serde_json::json!({ "id": id, "wfm_id": s.wfm_id, "name": s.name, "color": s.color })
        }
        None => serde_json::json!({ "id": id, "wfm_id": null, "name": "Unknown", "color": null }),
    }
}

/// The wall clock in Unix milliseconds: the time CCAI's timestamps show, and the one a load test
/// compares with its own clock (the monotonic `at_ms` is the sandbox's alone).
pub fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub struct Agent {
    pub id: i64,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub agent_number: String,
    pub status_id: i64,
    /// A10 `status_updated_at`, Unix ms.
    pub status_updated_at_ms: i64,
    /// A10 `created_at`, Unix ms.
    pub created_at_ms: i64,
    pub team_ids: Vec<i64>,
    /// Bumped on every status change, so a scheduled automatic move (end of wrap-up) that has been
    /// overtaken by another change does nothing.
    pub status_generation: u64,
}

impl Agent {
    /// A new agent, created now, in `status_id`.
    pub fn new(
        id: i64,
        email: &str,
        first: &str,
        last: &str,
        number: &str,
        status_id: i64,
    ) -> Agent {
        let now = unix_ms();
        Agent {
            id,
            email: email.into(),
            first_name: first.into(),
            last_name: last.into(),
            agent_number: number.into(),
            status_id,
            status_updated_at_ms: now,
            created_at_ms: now,
            team_ids: vec![],
            status_generation: 0,
        }
    }

    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }
}

/// One entry of `GET /sandbox/ccai/received`: one per agent per `agent_statuses` request.
#[derive(Clone, Serialize)]
pub struct Received {
    pub seq: u64,
    pub at_ms: f64,
    pub agent_id: Option<i64>,
    pub status_id: Option<i64>,
    pub status_name: Option<String>,
    pub applied: bool,
    /// `applied`, `unchanged`, `refused_system_status`, `unknown_status`, `unknown_agent`,
    /// `bad_request`, or `fault_<kind>` when an injected fault answered instead.
    pub outcome: String,
    /// The change was applied but its response was dropped by a `lost_response` fault.
    pub response_lost: bool,
}

pub struct CcaiState {
    pub agents: Vec<Agent>,
    pub teams: Vec<(i64, Vec<i64>)>,
    pub received: Vec<Received>,
    /// A11's agent activity log, and when each status was applied (`GET /sandbox/ccai/applied`).
    pub log: crate::ccai::activity_logs::Log,
    pub next_seq: u64,
    pub calls: crate::ccai::calls::Calls,
    /// Differs after every reset, so timers set before a reset do nothing after it.
    pub instance: u64,
}

impl CcaiState {
    pub fn seeded(cfg: &SandboxConfig) -> CcaiState {
        let agent = |id: i64, email: &str, first: &str, last: &str, number: &str, status: i64| {
            let mut a = Agent::new(id, email, first, last, number, status);
            a.team_ids = vec![1];
            a
        };
        CcaiState {
            agents: vec![
                agent(
                    PAGE_AGENT_ID,
                    &cfg.agent_email,
                    "Alex",
                    "Agent",
                    "1011",
                    AVAILABLE,
                ),
                agent(12, "bo@example.com", "Bo", "Berg", "1012", OFFLINE),
                agent(13, "chris@example.com", "Chris", "Cole", "1013", AVAILABLE),
            ],
            teams: vec![(1, vec![PAGE_AGENT_ID, 12, 13])],
            received: Vec::new(),
            log: Default::default(),
            next_seq: 0,
            calls: Default::default(),
            instance: crate::state::random_u64(),
        }
    }

    pub fn seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    pub fn agent_mut(&mut self, id: i64) -> Option<&mut Agent> {
        self.agents.iter_mut().find(|a| a.id == id)
    }

    pub fn agent(&self, id: i64) -> Option<&Agent> {
        self.agents.iter().find(|a| a.id == id)
    }
}

/// A team's name. Not documented: the sandbox's teams (1 "Support" for the seeds; seeded many-agent
/// teams are "Team N").
pub fn team_name(id: i64) -> String {
    match id {
        1 => "Support".into(),
        n => format!("Team {n}"),
    }
}
