//! Each agent's status at CCAI as this server last learned it, so that an adapter's start-up and an
//! owner's term start are answered without a CCAI request each (`GET /api/v1/ccai`): at 1 request/s
//! a shift of 500 agents signing in would otherwise wait minutes behind its own reads, and every
//! failover's first write would wait out the spacing the read had just spent.
//!
//! The server learns an agent's status from the agent list it reads (A10: `status`,
//! `status_updated_at`), from the activity log it tails for the whole company (A11), from its own
//! writes that CCAI answered applied, and from any read it still makes. The newest reading wins. A
//! reading is trusted only while the tail keeps up: when the tail last read the log longer ago than
//! its allowed lag, or for an agent never seen, the caller reads CCAI as before.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ccai_core::status::CcaiStatus;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

#[derive(Default)]
pub struct CurrentStatuses {
    readings: Mutex<HashMap<i64, Reading>>,
    /// When the activity log was last read through: readings are as fresh as that.
    tail_read_at: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct Reading {
    status: CcaiStatus,
    at_ms: i64,
}

impl CurrentStatuses {
    /// Agent `agent` had `status` at `at_ms` (wall clock): kept unless a newer reading is known.
    /// Equal times keep the later note (a read made now, after a tail entry of the same second).
    pub fn note(&self, agent: i64, status: CcaiStatus, at_ms: i64) {
        let mut readings = lock(&self.readings);
        if readings.get(&agent).is_some_and(|r| r.at_ms > at_ms) {
            return;
        }
        readings.insert(agent, Reading { status, at_ms });
    }

    /// The tail has read the activity log up to now.
    pub fn tail_read(&self, now: Instant) {
        *lock(&self.tail_read_at) = Some(now);
    }

    /// Forgets everything: this instance stopped or started acting for the company, and what it
    /// learned meanwhile is not known to be complete.
    pub fn forget(&self) {
        lock(&self.readings).clear();
        *lock(&self.tail_read_at) = None;
    }

    /// The agent's status, if known and the tail read the log within `lag` of `now`.
    pub fn fresh(&self, agent: i64, now: Instant, lag: Duration) -> Option<CcaiStatus> {
        let tail = (*lock(&self.tail_read_at))?;
        if now.saturating_duration_since(tail) > lag {
            return None;
        }
        lock(&self.readings).get(&agent).map(|r| r.status.clone())
    }
}

/// Milliseconds since the epoch of an RFC 3339 time (CCAI's `started_at`, `status_updated_at`).
pub fn unix_ms(text: &str) -> Option<i64> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccai_core::status::CcaiStatusId;

    fn status(id: i64) -> CcaiStatus {
        CcaiStatus {
            id: CcaiStatusId(id),
            name: format!("s{id}"),
            color: None,
        }
    }

    const LAG: Duration = Duration::from_secs(15);

    #[test]
    fn nothing_is_trusted_before_the_tail_has_read_the_log() {
        let c = CurrentStatuses::default();
        c.note(7, status(1), 100);
        assert_eq!(c.fresh(7, Instant::now(), LAG), None);
        c.tail_read(Instant::now());
        assert_eq!(c.fresh(7, Instant::now(), LAG), Some(status(1)));
    }

    #[test]
    fn a_tail_that_fell_behind_makes_every_reading_unknown() {
        let c = CurrentStatuses::default();
        let read = Instant::now();
        c.tail_read(read);
        c.note(7, status(1), 100);
        assert_eq!(c.fresh(7, read + LAG, LAG), Some(status(1)));
        assert_eq!(c.fresh(7, read + LAG + Duration::from_millis(1), LAG), None);
    }

    #[test]
    fn the_newest_reading_wins_whatever_order_they_come_in() {
        let c = CurrentStatuses::default();
        c.tail_read(Instant::now());
        c.note(7, status(2), 200);
        // An older entry read late (an activity window overlapping the last) does not go back.
        c.note(7, status(1), 100);
        assert_eq!(c.fresh(7, Instant::now(), LAG), Some(status(2)));
        c.note(7, status(3), 200);
        assert_eq!(c.fresh(7, Instant::now(), LAG), Some(status(3)));
        assert_eq!(c.fresh(8, Instant::now(), LAG), None);
    }

    #[test]
    fn forgetting_drops_the_readings_and_the_tails_progress() {
        let c = CurrentStatuses::default();
        c.tail_read(Instant::now());
        c.note(7, status(1), 100);
        c.forget();
        c.tail_read(Instant::now());
        assert_eq!(c.fresh(7, Instant::now(), LAG), None);
    }
}
