//! One CCAI budget for the whole company: the scheduler every CCAI request of the server goes through.
//!
//! Sans-IO, like `quinn-proto`: the server's executor feeds [`Scheduler::submit`] (any request, by
//! priority) and [`Scheduler::set_status`] (an agent's status change), then loops on
//! [`Scheduler::poll_action`] (make this request now), `handle_*` (what CCAI answered),
//! [`Scheduler::poll_event`] (what to tell the caller or the agent) and [`Scheduler::poll_timeout`]
//! (when to wake up). Time comes in as `now_ms`.
//!
//! Architecture invariants:
//! - **The rate.** Nothing is sent without a token of the [`Limiter`]: never more than the configured
//!   rate (default 1/s, at most CCAI's documented 10/s, API-NOTES A3) in any one-second window, counted
//!   from each request's answer, so a request delayed on its way cannot arrive close to the next. The
//!   tokens are spent evenly over the window ([`Config::spread`]), not in a burst: a burst of ten tiny
//!   batches leaves the next second's changes waiting for its windows to end.
//! - **Priorities.** Status changes and click-to-call first ([`Priority::Urgent`]), then reads
//!   ([`Priority::Read`]), then background tailing ([`Priority::Background`]). A lower request that has
//!   waited [`Config::starvation_ms`] goes as if urgent, so reads still trickle through a busy shift.
//! - **Bulk status changes** (A8: one `POST agent_statuses` per status name with several `agent_ids`),
//!   in order per agent, the latest winning over waiting ones; see [`lanes`].
//! - **Nothing is lost on trouble.** A 429 shrinks the bucket and pauses everything; a 5xx or a dropped
//!   connection retries the same batch after a backoff (setting a status twice has no second effect),
//!   less any agent whose newer change waits by then (only the newest matters);
//!   a batch CCAI refuses with another 4xx is halved and each half tried again, down to single agents,
//!   so one agent in a system status (A8: "trigger an error") does not fail the others.
//! - **A request that must not repeat** (click-to-call: A7, a retried `POST /calls` may start a second
//!   call) is sent once; its failure goes back to the caller.

mod lanes;
mod limiter;
mod tail;
mod target;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

pub use limiter::{Class, Limiter};
pub use tail::{TailCursor, TailEntry};
pub use target::{target_name, TargetError};

use crate::relay::Backoff;
use lanes::Lanes;

/// CCAI's agent id (A10 `id`).
pub type AgentId = i64;
/// The server's id of one status change (its durable row).
pub type ChangeId = u64;
/// The executor's id of one generic request.
pub type RequestId = u64;
pub type BatchId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    /// Status changes and click-to-call: an agent is waiting for it.
    Urgent,
    /// Reads someone waits for (an agent's record at sign-in, a call's details).
    Read,
    /// Tailing and polling that nobody waits for.
    Background,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Requests per second, 1..=10 (A3).
    pub rate_per_s: u32,
    /// See [`Limiter`]: slack added to every window.
    pub margin_ms: u64,
    /// Not documented: a maximum length of `agent_ids` (A8). 500 puts a large contact center's
    /// agents in one request; a tenant that refuses a long list answers 4xx, and the batch is halved.
    pub max_batch: usize,
    pub starvation_ms: u64,
    /// Spend the tokens evenly over the window rather than in a burst ([`Limiter::spread`]).
    pub spread: bool,
    /// How long without a 429 before the bucket grows back one step.
    pub calm_after_ms: u64,
    /// Tries of a retryable request before it is given up (status batches are never given up).
    pub max_attempts: u32,
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            rate_per_s: 1,
            margin_ms: 50,
            max_batch: 500,
            starvation_ms: 10_000,
            spread: true,
            calm_after_ms: 10_000,
            max_attempts: 5,
            backoff_base_ms: 500,
            backoff_cap_ms: 30_000,
        }
    }
}

/// One agent's wish to be in `target` (a CCAI status NAME: A8 sets statuses by name; the directory
/// resolved it from the id and refused ambiguous ones).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub id: ChangeId,
    pub agent: AgentId,
    pub target: String,
    pub at_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// `POST /apps/api/v1/agent_statuses {"status": status, "agent_ids": agent_ids, "team_ids": []}`.
    SetStatus {
        batch: BatchId,
        status: String,
        agent_ids: Vec<AgentId>,
        /// The change of each agent in `agent_ids`, in the same order.
        changes: Vec<ChangeId>,
        attempt: u32,
    },
    /// Send the executor's request `request` (again, if `attempt > 1`).
    Send { request: RequestId, attempt: u32 },
}

/// How the executor classifies CCAI's answer to a generic request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// Any answer that is not a reason to retry (2xx, and 4xx other than 429: the caller reads it).
    Final,
    RateLimited {
        retry_after_ms: Option<u64>,
    },
    /// 5xx or a dropped connection.
    Transient,
}

/// One entry of A8's array response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentResult {
    pub agent_id: AgentId,
    pub current_status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BatchAnswer {
    Applied(Vec<AgentResult>),
    RateLimited {
        retry_after_ms: Option<u64>,
    },
    Transient,
    /// A 4xx other than 429, with CCAI's message (A4 `{"message"}`).
    Rejected {
        code: u16,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    /// CCAI's answer lists the agent in the target status.
    Applied {
        change: ChangeId,
        agent: AgentId,
        status: String,
    },
    Failed {
        change: ChangeId,
        agent: AgentId,
        reason: String,
    },
    /// A later change of the same agent replaced this one before it was sent.
    Superseded { change: ChangeId, by: ChangeId },
    /// The request is answered for good: hand the last answer to its caller.
    Done { request: RequestId },
    /// The request was not retried further; hand the last answer (or the error) to its caller.
    GaveUp { request: RequestId },
}

#[derive(Debug, Clone)]
struct Request {
    id: RequestId,
    priority: Priority,
    retry: bool,
    at_ms: u64,
    attempts: u32,
    /// The limiter's slot of the last send.
    slot: u64,
}

#[derive(Debug, Clone)]
struct Batch {
    status: String,
    changes: Vec<StatusChange>,
    attempts: u32,
    slot: u64,
}

#[derive(Debug, Clone)]
pub struct Scheduler {
    cfg: Config,
    limiter: Limiter,
    backoff: Backoff,
    paused_until_ms: u64,
    lanes: Lanes,
    /// Batches sent, and batches to send again (front first).
    batches: BTreeMap<BatchId, Batch>,
    resend: VecDeque<BatchId>,
    next_batch: BatchId,
    queue: Vec<Request>,
    in_flight: BTreeMap<RequestId, Request>,
    events: VecDeque<Event>,
}

impl Scheduler {
    pub fn new(cfg: Config, seed: u64) -> Self {
        Self {
            limiter: Limiter::new(cfg.rate_per_s, cfg.margin_ms, cfg.calm_after_ms)
                .spread(cfg.spread),
            backoff: Backoff::new(cfg.backoff_base_ms, cfg.backoff_cap_ms).seeded(seed),
            cfg,
            paused_until_ms: 0,
            lanes: Lanes::default(),
            batches: BTreeMap::new(),
            resend: VecDeque::new(),
            next_batch: 1,
            queue: Vec::new(),
            in_flight: BTreeMap::new(),
            events: VecDeque::new(),
        }
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }

    /// Queues a generic request. `retry: false` for requests that must not repeat (A7).
    pub fn submit(&mut self, id: RequestId, priority: Priority, retry: bool, now_ms: u64) {
        self.queue.push(Request {
            id,
            priority,
            retry,
            at_ms: now_ms,
            attempts: 0,
            slot: 0,
        });
    }

    /// Queues an agent's status change; a waiting older one of that agent is superseded. Change ids
    /// grow in the order changes were accepted, so a change queued again (a new lease holder resumes
    /// what the database holds open) is a no-op, and one older than the agent's newest is superseded
    /// by it at once.
    pub fn set_status(&mut self, change: StatusChange) {
        if self.lanes.holds(change.agent, change.id) {
            return;
        }
        if let Some(newest) = self.lanes.newest(change.agent) {
            if newest > change.id {
                self.events.push_back(Event::Superseded {
                    change: change.id,
                    by: newest,
                });
            }
            if newest >= change.id {
                return;
            }
        }
        let by = change.id;
        if let Some(old) = self.lanes.enqueue(change) {
            self.events
                .push_back(Event::Superseded { change: old.id, by });
        }
    }

    /// This instance stopped acting for the company (issue 18: the lease moved): forgets every status
    /// change not yet sent, without an event: they are still open in the database, and whoever acts
    /// for the company sends them. A batch in flight stays until its answer.
    pub fn forget_statuses(&mut self) {
        for id in std::mem::take(&mut self.resend) {
            if let Some(batch) = self.batches.remove(&id) {
                for change in batch.changes {
                    self.lanes.settle(change.agent);
                }
            }
        }
        self.lanes.forget_waiting();
    }

    /// Status changes not yet sent, and requests not yet sent.
    pub fn backlog(&self) -> (usize, usize) {
        (
            self.lanes.waiting_count() + self.resend.len(),
            self.queue.len(),
        )
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The next request to make now, if the budget has a token for it.
    pub fn poll_action(&mut self, now_ms: u64) -> Option<Action> {
        self.limiter.recover(now_ms);
        if now_ms < self.paused_until_ms || self.limiter.ready_at(now_ms, Class::Urgent) > now_ms {
            return None;
        }
        let lower_ready = self.limiter.ready_at(now_ms, Class::Lower) <= now_ms;
        let (action, class) = self.next_action(now_ms, lower_ready)?;
        let slot = self.limiter.record(now_ms, class);
        match &action {
            Action::Send { request, .. } => {
                if let Some(r) = self.in_flight.get_mut(request) {
                    r.slot = slot;
                }
            }
            Action::SetStatus { batch, .. } => {
                if let Some(b) = self.batches.get_mut(batch) {
                    b.slot = slot;
                }
            }
        }
        Some(action)
    }

    /// When to call [`Scheduler::poll_action`] next, if anything waits.
    pub fn poll_timeout(&self, now_ms: u64) -> Option<u64> {
        let urgent_work = !self.resend.is_empty()
            || self.lanes.has_ready()
            || self.queue.iter().any(|r| r.priority == Priority::Urgent);
        let class = match (urgent_work, self.queue.is_empty()) {
            (true, _) => Class::Urgent,
            // A read that starves meanwhile goes as urgent, at the latest at this wake-up.
            (false, false) => Class::Lower,
            (false, true) => return self.limiter.next_recovery_at(),
        };
        Some(
            self.limiter
                .ready_at(now_ms, class)
                .max(self.paused_until_ms)
                .max(now_ms),
        )
    }

    pub fn handle_answer(&mut self, request: RequestId, answer: Answer, now_ms: u64) {
        let Some(mut req) = self.in_flight.remove(&request) else {
            return;
        };
        self.limiter.answered(req.slot, now_ms);
        match answer {
            Answer::Final => {
                self.backoff.reset();
                self.events.push_back(Event::Done { request });
            }
            Answer::RateLimited { retry_after_ms } => {
                self.rate_limited(retry_after_ms, now_ms);
                self.retry_or_give_up(&mut req)
            }
            Answer::Transient => {
                self.pause_for_backoff(now_ms);
                self.retry_or_give_up(&mut req)
            }
        }
    }

    pub fn handle_batch(&mut self, batch: BatchId, answer: BatchAnswer, now_ms: u64) {
        let Some(b) = self.batches.remove(&batch) else {
            return;
        };
        self.limiter.answered(b.slot, now_ms);
        match answer {
            BatchAnswer::Applied(results) => {
                self.backoff.reset();
                for change in b.changes {
                    let entry = results.iter().find(|r| r.agent_id == change.agent);
                    // Not documented: whether names compare case-sensitively (A8); CCAI echoes names,
                    // so any spelling of the target counts as applied.
                    let event = match entry {
                        Some(r) if r.current_status.eq_ignore_ascii_case(&change.target) => {
                            Event::Applied {
                                change: change.id,
                                agent: change.agent,
                                status: r.current_status.clone(),
                            }
                        }
                        Some(r) => Event::Failed {
                            change: change.id,
                            agent: change.agent,
                            reason: format!("ccai kept the agent in {}", r.current_status),
                        },
                        None => Event::Failed {
                            change: change.id,
                            agent: change.agent,
                            reason: "ccai's answer did not list the agent".to_owned(),
                        },
                    };
                    self.lanes.settle(change.agent);
                    self.events.push_back(event);
                }
            }
            BatchAnswer::RateLimited { retry_after_ms } => {
                self.rate_limited(retry_after_ms, now_ms);
                self.send_again(batch, b);
            }
            BatchAnswer::Transient => {
                self.pause_for_backoff(now_ms);
                self.send_again(batch, b);
            }
            BatchAnswer::Rejected { .. } if b.changes.len() > 1 => {
                // Not documented: whether a mixed batch fails whole or in part (A8). Halving finds the
                // agents CCAI refuses in a few requests (a bisection), and the others still get their
                // status.
                let mut changes = b.changes;
                let second = changes.split_off(changes.len() / 2);
                for half in [second, changes] {
                    let id = self.new_batch_id();
                    for c in &half {
                        self.lanes.move_in_flight(c.agent, id);
                    }
                    self.batches.insert(
                        id,
                        Batch {
                            status: b.status.clone(),
                            changes: half,
                            attempts: 0,
                            slot: 0,
                        },
                    );
                    self.resend.push_front(id);
                }
            }
            BatchAnswer::Rejected { code, message } => {
                for change in b.changes {
                    self.lanes.settle(change.agent);
                    self.events.push_back(Event::Failed {
                        change: change.id,
                        agent: change.agent,
                        reason: format!("ccai refused ({code}): {message}"),
                    });
                }
            }
        }
    }

    /// The next send and the spacing it keeps; a read or tailing request only if `lower_ready`.
    fn next_action(&mut self, now_ms: u64, lower_ready: bool) -> Option<(Action, Class)> {
        let urgent = |a: Action| (a, Class::Urgent);
        if let Some(batch) = self.resend.pop_front() {
            return self.send_batch(batch).map(urgent);
        }
        let starving = self.queue_position(|r| {
            r.priority != Priority::Urgent
                && now_ms.saturating_sub(r.at_ms) >= self.cfg.starvation_ms
        });
        if let Some(i) = starving {
            return Some(urgent(self.send_request(i)));
        }
        let first = self.queue_position(|r| r.priority == Priority::Urgent);
        let oldest_change = self.lanes.oldest_ready().map(|c| c.at_ms);
        match (first, oldest_change) {
            (Some(i), Some(at)) if self.queue[i].at_ms <= at => {
                return Some(urgent(self.send_request(i)))
            }
            (Some(i), None) => return Some(urgent(self.send_request(i))),
            (_, Some(_)) => {
                let id = self.new_batch_id();
                let changes = self.lanes.take_batch(id, self.cfg.max_batch);
                let status = changes.first()?.target.clone();
                self.batches.insert(
                    id,
                    Batch {
                        status,
                        changes,
                        attempts: 0,
                        slot: 0,
                    },
                );
                return self.send_batch(id).map(urgent);
            }
            (None, None) => {}
        }
        if !lower_ready {
            return None;
        }
        let best = self
            .queue
            .iter()
            .enumerate()
            .min_by_key(|(_, r)| (r.priority, r.at_ms, r.id))
            .map(|(i, _)| i)?;
        Some((self.send_request(best), Class::Lower))
    }

    /// The oldest queued request matching `pred` (by time, then id).
    fn queue_position(&self, pred: impl Fn(&Request) -> bool) -> Option<usize> {
        self.queue
            .iter()
            .enumerate()
            .filter(|(_, r)| pred(r))
            .min_by_key(|(_, r)| (r.at_ms, r.id))
            .map(|(i, _)| i)
    }

    fn send_request(&mut self, index: usize) -> Action {
        let mut req = self.queue.swap_remove(index);
        req.attempts += 1;
        let action = Action::Send {
            request: req.id,
            attempt: req.attempts,
        };
        self.in_flight.insert(req.id, req);
        action
    }

    fn send_batch(&mut self, id: BatchId) -> Option<Action> {
        let b = self.batches.get_mut(&id)?;
        b.attempts += 1;
        Some(Action::SetStatus {
            batch: id,
            status: b.status.clone(),
            agent_ids: b.changes.iter().map(|c| c.agent).collect(),
            changes: b.changes.iter().map(|c| c.id).collect(),
            attempt: b.attempts,
        })
    }

    /// Queues a batch CCAI did not answer for sending again, first. An agent whose newer change came
    /// meanwhile needs only that one: the failed change is superseded by it. CCAI may have applied the
    /// failed one (the answer lost), and the newer one goes after it either way, so the order holds;
    /// what it spares is a write CCAI would undo at once, in an outage when every request counts.
    fn send_again(&mut self, id: BatchId, mut b: Batch) {
        b.changes.retain(|c| match self.lanes.waiting(c.agent) {
            Some(newer) => {
                self.lanes.settle(c.agent);
                self.events.push_back(Event::Superseded {
                    change: c.id,
                    by: newer,
                });
                false
            }
            None => true,
        });
        if !b.changes.is_empty() {
            self.batches.insert(id, b);
            self.resend.push_front(id);
        }
    }

    fn new_batch_id(&mut self) -> BatchId {
        let id = self.next_batch;
        self.next_batch += 1;
        id
    }

    fn rate_limited(&mut self, retry_after_ms: Option<u64>, now_ms: u64) {
        self.limiter.slow_down(now_ms);
        let wait = retry_after_ms.unwrap_or_else(|| self.backoff.next_delay());
        self.paused_until_ms = self.paused_until_ms.max(now_ms + wait);
    }

    fn pause_for_backoff(&mut self, now_ms: u64) {
        let wait = self.backoff.next_delay();
        self.paused_until_ms = self.paused_until_ms.max(now_ms + wait);
    }

    fn retry_or_give_up(&mut self, req: &mut Request) {
        if req.retry && req.attempts < self.cfg.max_attempts {
            self.queue.push(req.clone());
        } else {
            self.events.push_back(Event::GaveUp { request: req.id });
        }
    }
}
