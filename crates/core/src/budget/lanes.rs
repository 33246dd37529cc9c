//! Status changes per agent, and how they are merged into bulk `agent_statuses` requests (A8).
//!
//! Each agent has a lane: at most one change in flight and at most one waiting. A new change replaces
//! the waiting one (the relay's coalescing rule: only the newest not-yet-sent target matters) but never
//! the one in flight, whose effect may already have happened; the new one goes after it. So per agent
//! the changes CCAI sees are an in-order subsequence of the agent's, ending with the latest.

use std::collections::BTreeMap;

use super::{AgentId, BatchId, ChangeId, StatusChange};

#[derive(Debug, Default, Clone)]
struct Lane {
    in_flight: Option<(BatchId, ChangeId)>,
    waiting: Option<StatusChange>,
}

#[derive(Debug, Default, Clone)]
pub(super) struct Lanes {
    lanes: BTreeMap<AgentId, Lane>,
}

impl Lanes {
    /// Queues `change`; returns the waiting change it superseded, if any.
    pub(super) fn enqueue(&mut self, change: StatusChange) -> Option<StatusChange> {
        self.lanes
            .entry(change.agent)
            .or_default()
            .waiting
            .replace(change)
    }

    /// The newest change of `agent` in flight or waiting.
    pub(super) fn newest(&self, agent: AgentId) -> Option<ChangeId> {
        let lane = self.lanes.get(&agent)?;
        let in_flight = lane.in_flight.map(|(_, id)| id);
        let waiting = lane.waiting.as_ref().map(|c| c.id);
        in_flight.max(waiting)
    }

    /// The change of `agent` waiting behind the one in flight, if any.
    pub(super) fn waiting(&self, agent: AgentId) -> Option<ChangeId> {
        self.lanes.get(&agent)?.waiting.as_ref().map(|c| c.id)
    }

    /// Whether change `id` of `agent` is in flight or waiting.
    pub(super) fn holds(&self, agent: AgentId, id: ChangeId) -> bool {
        self.lanes.get(&agent).is_some_and(|l| {
            l.in_flight.is_some_and(|(_, c)| c == id)
                || l.waiting.as_ref().is_some_and(|c| c.id == id)
        })
    }

    /// Drops every waiting change (nothing in flight).
    pub(super) fn forget_waiting(&mut self) {
        for lane in self.lanes.values_mut() {
            lane.waiting = None;
        }
        self.lanes.retain(|_, l| l.in_flight.is_some());
    }

    /// The oldest waiting change whose agent has nothing in flight.
    pub(super) fn oldest_ready(&self) -> Option<&StatusChange> {
        self.lanes
            .values()
            .filter(|l| l.in_flight.is_none())
            .filter_map(|l| l.waiting.as_ref())
            .min_by_key(|c| (c.at_ms, c.id))
    }

    /// Takes up to `max` ready changes to the same status name as the oldest ready one, oldest first,
    /// and marks them in flight in `batch`.
    pub(super) fn take_batch(&mut self, batch: BatchId, max: usize) -> Vec<StatusChange> {
        let Some(target) = self.oldest_ready().map(|c| c.target.clone()) else {
            return Vec::new();
        };
        let mut picked: Vec<AgentId> = self
            .lanes
            .iter()
            .filter(|(_, l)| l.in_flight.is_none())
            .filter(|(_, l)| l.waiting.as_ref().is_some_and(|c| c.target == target))
            .map(|(agent, _)| *agent)
            .collect();
        picked.sort_by_key(|a| {
            self.lanes
                .get(a)
                .and_then(|l| l.waiting.as_ref())
                .map(|c| (c.at_ms, c.id))
        });
        picked.truncate(max.max(1));
        let mut changes = Vec::with_capacity(picked.len());
        for agent in picked {
            if let Some(lane) = self.lanes.get_mut(&agent) {
                if let Some(change) = lane.waiting.take() {
                    lane.in_flight = Some((batch, change.id));
                    changes.push(change);
                }
            }
        }
        changes
    }

    /// Moves `agent`'s in-flight change to another batch (a rejected batch split into singles).
    pub(super) fn move_in_flight(&mut self, agent: AgentId, batch: BatchId) {
        if let Some((b, _)) = self
            .lanes
            .get_mut(&agent)
            .and_then(|l| l.in_flight.as_mut())
        {
            *b = batch;
        }
    }

    /// The in-flight change of `agent` is answered: its lane may send again.
    pub(super) fn settle(&mut self, agent: AgentId) {
        let empty = match self.lanes.get_mut(&agent) {
            Some(lane) => {
                lane.in_flight = None;
                lane.waiting.is_none()
            }
            None => false,
        };
        if empty {
            self.lanes.remove(&agent);
        }
    }

    pub(super) fn waiting_count(&self) -> usize {
        self.lanes.values().filter(|l| l.waiting.is_some()).count()
    }

    pub(super) fn has_ready(&self) -> bool {
        self.oldest_ready().is_some()
    }
}
