//! When the company server asks Kustomer whether each signed-in agent still stands (B6
//! `users/current` with the agent's own token: a deactivated user's token is refused), so that a
//! deactivated agent is out within a minute at the least cost to the org's one per-minute budget (B4,
//! shared by every key and app user, on-behalf requests included).
//!
//! - **Once per interval per agent, no more.** Every agent is due `interval_ms` after their last proof
//!   (a deadline: a due check goes then, never earlier, so 500 agents cost exactly 500 requests per
//!   interval, 545 a minute at 55 s). The checks follow the agents' own rhythm (when each signed in),
//!   not rounds; agents present when the plan starts (a restart) are spread evenly over the first
//!   interval, so there is never a burst of 500. (Checking early to smooth bunched deadlines was tried:
//!   it cost ~20 % more requests, 655 a minute in the load test.)
//! - **A fresh proof counts.** Any successful answer to the agent's token (the sign-in's own
//!   `users/current`, a check) moves their next check a whole interval on: an agent who just signed in
//!   is not asked again for a minute, so a shift start's sign-ins replace checks instead of adding to
//!   them.
//! - **Yield to a spent budget.** While Kustomer answers 429 for the org (the server pauses every
//!   request until the window resets), no check is sent; the checks due wait and go, still spread, after.
//! - **An unknown answer** (no answer, 429, 5xx) signs nobody out (an outage must not empty the contact
//!   center) and is asked again after [`Config::retry_ms`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// The longest time between two proofs of an agent's standing.
    pub interval_ms: u64,
    /// When an answer said nothing (outage, 429), ask again this much later.
    pub retry_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            interval_ms: 55_000,
            retry_ms: 10_000,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Kustomer still knows the agent: proven now.
    Fine,
    /// Kustomer could not say.
    Unknown,
}

#[derive(Clone, Debug, Default)]
pub struct StandingPlan {
    cfg: Config,
    /// Agent → when their next check is due (ms).
    due: BTreeMap<String, u64>,
    /// The agents asked and not answered yet.
    asking: BTreeMap<String, u64>,
    started: bool,
}

impl StandingPlan {
    pub fn new(cfg: Config) -> Self {
        Self {
            cfg,
            ..Self::default()
        }
    }

    /// The signed-in agents now. Newcomers have just signed in (their sign-in proved their token), so
    /// they are due an interval from now; at the plan's first call every agent is a survivor of a
    /// restart, and they are spread evenly over the first interval. Agents gone are forgotten.
    pub fn signed_in<'a>(&mut self, agents: impl IntoIterator<Item = &'a str>, now_ms: u64) {
        let mut present: Vec<&str> = agents.into_iter().collect();
        present.sort_unstable();
        present.dedup();
        self.due
            .retain(|a, _| present.binary_search(&a.as_str()).is_ok());
        self.asking
            .retain(|a, _| present.binary_search(&a.as_str()).is_ok());
        let n = present.len() as u64;
        for (i, agent) in present.into_iter().enumerate() {
            if self.due.contains_key(agent) || self.asking.contains_key(agent) {
                continue;
            }
            let due = if self.started {
                now_ms + self.cfg.interval_ms
            } else {
                // Over (now, now + interval]: a restart asks nobody at its very first moment.
                now_ms + self.cfg.interval_ms * (i as u64 + 1) / n.max(1)
            };
            self.due.insert(agent.to_owned(), due);
        }
        self.started = true;
    }

    /// Kustomer answered a request made with the agent's token (any request): proven now.
    pub fn proven(&mut self, agent: &str, now_ms: u64) {
        if let Some(due) = self.due.get_mut(agent) {
            *due = now_ms + self.cfg.interval_ms;
        }
    }

    /// The agents to ask now (earliest due first), unless the org's budget is paused until
    /// `paused_until_ms`. Each is asked once until [`StandingPlan::answered`].
    pub fn poll_due(&mut self, now_ms: u64, paused_until_ms: u64) -> Vec<String> {
        if now_ms < paused_until_ms {
            return Vec::new();
        }
        let mut ready: Vec<(u64, String)> = self
            .due
            .iter()
            .filter(|(_, due)| **due <= now_ms)
            .map(|(a, due)| (*due, a.clone()))
            .collect();
        ready.sort_unstable();
        for (due, agent) in &ready {
            self.due.remove(agent);
            self.asking.insert(agent.clone(), *due);
        }
        ready.into_iter().map(|(_, a)| a).collect()
    }

    /// What the check of `agent` found (an agent found out is signed out and leaves at the next
    /// [`StandingPlan::signed_in`]).
    pub fn answered(&mut self, agent: &str, answer: Answer, now_ms: u64) {
        if self.asking.remove(agent).is_none() {
            return;
        }
        let next = match answer {
            Answer::Fine => now_ms + self.cfg.interval_ms,
            Answer::Unknown => now_ms + self.cfg.retry_ms,
        };
        self.due.insert(agent.to_owned(), next);
    }

    /// When the next check is due (to sleep until), if any agent is signed in.
    pub fn poll_timeout(&self, paused_until_ms: u64) -> Option<u64> {
        self.due.values().min().map(|t| (*t).max(paused_until_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(interval_ms: u64) -> StandingPlan {
        StandingPlan::new(Config {
            interval_ms,
            retry_ms: 10_000,
        })
    }

    /// Runs `secs` seconds of checks that all answer Fine at once; returns how many were sent in each
    /// second, and the longest time any agent went unproven.
    fn run(p: &mut StandingPlan, agents: &[String], from_ms: u64, secs: u64) -> (Vec<usize>, u64) {
        let mut per_second = vec![0; secs as usize];
        let mut last: BTreeMap<String, u64> = agents.iter().map(|a| (a.clone(), from_ms)).collect();
        let mut longest = 0;
        for t in (from_ms..from_ms + secs * 1_000).step_by(100) {
            p.signed_in(agents.iter().map(String::as_str), t);
            for a in p.poll_due(t, 0) {
                per_second[((t - from_ms) / 1_000) as usize] += 1;
                longest = longest.max(t - last[&a]);
                last.insert(a.clone(), t);
                p.answered(&a, Answer::Fine, t);
            }
        }
        (per_second, longest)
    }

    fn agents(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("agent{i:04}@example.com")).collect()
    }

    #[test]
    fn after_a_restart_500_agents_are_checked_evenly_once_per_interval() {
        let mut p = plan(55_000);
        let (per_second, longest) = run(&mut p, &agents(500), 0, 165);
        let total: usize = per_second.iter().sum();
        // Three intervals: each agent three times (the first round starts at once, spread).
        assert!((1_495..=1_510).contains(&total), "{total}");
        assert!(per_second.iter().all(|n| *n <= 10), "{per_second:?}");
        assert!(longest <= 55_100, "an agent went {longest} ms unproven");
        // Per minute: 500 × 60 / 55 ≈ 545, never the old 1,000.
        let first_minute: usize = per_second[60..120].iter().sum();
        assert!((540..=550).contains(&first_minute), "{first_minute}");
    }

    #[test]
    fn a_sign_in_is_a_proof_and_a_proof_moves_the_next_check_on() {
        let mut p = plan(55_000);
        p.signed_in([], 0);
        p.signed_in(["ann"], 1_000);
        assert!(p.poll_due(55_900, 0).is_empty(), "just signed in");
        assert_eq!(p.poll_timeout(0), Some(56_000));
        assert_eq!(p.poll_due(56_000, 0), ["ann"]);
        p.answered("ann", Answer::Fine, 56_200);
        p.proven("ann", 90_000);
        assert!(p.poll_due(144_900, 0).is_empty(), "proven at 90 s");
        assert_eq!(p.poll_timeout(0), Some(145_000));
    }

    #[test]
    fn a_spent_budget_holds_the_checks_and_an_unknown_answer_asks_again_soon() {
        let mut p = plan(55_000);
        // A restart: ann due at 27.5 s, bob at 55 s.
        p.signed_in(["ann", "bob"], 0);
        assert!(p.poll_due(28_000, 30_000).is_empty(), "paused by a 429");
        assert_eq!(p.poll_timeout(30_000), Some(30_000));
        assert_eq!(p.poll_due(30_000, 30_000), ["ann"]);
        assert!(
            p.poll_due(30_000, 0).is_empty(),
            "asked once until answered"
        );
        p.answered("ann", Answer::Unknown, 30_500);
        assert_eq!(p.poll_due(40_500, 0), ["ann"], "asked again 10 s later");
        p.answered("ann", Answer::Fine, 40_600);
        assert_eq!(p.poll_due(55_000, 0), ["bob"]);
        assert!(p.poll_due(90_000, 0).is_empty(), "ann proven at 40.6 s");
    }

    #[test]
    fn a_shift_start_costs_its_sign_ins_and_few_checks_then_an_even_trickle() {
        // 500 agents sign in over the first 48 s (a shift start), then work for three minutes.
        let mut p = plan(55_000);
        p.signed_in([], 0);
        let all = agents(500);
        let mut checks: Vec<u64> = Vec::new();
        let mut last_proof: BTreeMap<String, u64> = BTreeMap::new();
        let mut longest = 0;
        for t in (0..240_000u64).step_by(50) {
            let n = ((t * 500 / 48_000) as usize).min(500);
            for a in &all[..n] {
                last_proof.entry(a.clone()).or_insert(t);
            }
            p.signed_in(all[..n].iter().map(String::as_str), t);
            for a in p.poll_due(t, 0) {
                checks.push(t);
                longest = longest.max(t - last_proof[&a]);
                last_proof.insert(a.clone(), t);
                p.answered(&a, Answer::Fine, t);
            }
        }
        let in_window = |from: u64| {
            checks
                .iter()
                .filter(|c| **c >= from && **c < from + 60_000)
                .count()
        };
        // The shift's first minute: its 500 sign-ins proved every token; only those of its first
        // five seconds are due again within it.
        assert!(
            in_window(0) <= 60,
            "{} checks in the first minute",
            in_window(0)
        );
        // Later, any minute: each agent once or twice (500 × 60 / 55 on average), never more.
        for from in (60_000..180_000).step_by(10_000) {
            assert!(
                (500..=560).contains(&in_window(from)),
                "{} from {from}",
                in_window(from)
            );
        }
        // In the agents' own rhythm: as their sign-ins came, ~10 a second.
        let per_second: Vec<usize> = (0..240)
            .map(|s| checks.iter().filter(|c| **c / 1_000 == s).count())
            .collect();
        assert!(per_second.iter().all(|n| *n <= 12), "{per_second:?}");
        assert!(longest <= 55_050, "an agent went {longest} ms unproven");
    }

    #[test]
    fn signed_out_agents_are_forgotten() {
        let mut p = plan(55_000);
        p.signed_in(["ann", "bob"], 0);
        p.signed_in(["bob"], 1_000);
        assert_eq!(p.poll_due(100_000, 0), ["bob"]);
    }
}
