//! The company's CCAI rate: a token bucket whose tokens come back one by one, exactly a window after
//! each was spent (a sliding-window log), so no window of one second ever holds more than the
//! configured number of requests, however the sends bunch up.
//!
//! A plain refilling bucket of capacity `n` lets `2n` requests through in a second that straddles a
//! refill; CCAI counts "per second per customer" (API-NOTES A3) and does not say how it cuts its
//! windows, so the only safe reading is "any one-second window".
//!
//! A request counts from when it was sent until CCAI answered it: a request may reach CCAI any time
//! in between (a busy machine, a slow connection), so the window that follows it starts at the answer.
//! That way two requests can never arrive closer than the window, whatever the network does.
//!
//! Spread (on in the server): the tokens are also spent evenly, one per `(window + margin) / limit`,
//! never all at once. A bucket of ten spent in a burst on ten tiny status batches leaves nothing for
//! the changes that arrive in the next second, which then all wait for the burst's windows to end;
//! spent evenly, a change waits at most one spacing for the next send, which carries every change to
//! its status waiting by then (at 10/s with 500 agents this halved the median status latency). At
//! 1/s the spacing is the window itself, so nothing changes there.
//!
//! An urgent send (a status batch, a call) keeps the spacing from the last *urgent* send only: the
//! background tail's read of a moment ago does not make an agent's change wait a spacing (at 10/s the
//! once-a-second tail put ~100 ms into one change in four of the relay bench's tail). A lower send
//! keeps the spacing from any send, so the reads cannot bunch up either, and the window holds for all.
//!
//! On a 429 the bucket shrinks (multiplicative decrease: half the tokens, then a longer window once a
//! single token is left) and grows back one step per calm period (additive increase), never above the
//! configured rate.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// The smallest window the bucket uses; the documented limit is per second (A3).
pub const WINDOW_MS: u64 = 1_000;
/// However often CCAI says 429, one request per this many milliseconds still goes, so the queue
/// drains eventually and the agent sees progress.
pub const SLOWEST_WINDOW_MS: u64 = 16_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limiter {
    configured: u32,
    limit: u32,
    window_ms: u64,
    /// Added to every window: a request sent exactly a window after another may reach CCAI a little
    /// sooner than it left us (queueing on the way), and CCAI's clock is not ours.
    margin_ms: u64,
    calm_after_ms: u64,
    /// Recent requests: those in flight, and the answered ones that still count.
    sent: VecDeque<Slot>,
    next_slot: u64,
    calm_since_ms: u64,
    spread: bool,
    /// When the last token was spent (for the spread of lower sends).
    last_sent_ms: Option<u64>,
    /// When the last token was spent on urgent work (for the spread of urgent sends).
    #[serde(default)]
    last_urgent_ms: Option<u64>,
}

/// Which spacing a send keeps when spreading (see the module's comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Status batches, click-to-call, and reads that waited too long: spaced from urgent sends.
    Urgent,
    /// Reads and tailing: spaced from every send.
    Lower,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Slot {
    id: u64,
    /// When it was answered; `None` while in flight (it may reach CCAI at any moment).
    answered_at: Option<u64>,
}

impl Limiter {
    /// `rate_per_s` is clamped to 1..=10: 10 is CCAI's documented ceiling (A3).
    pub fn new(rate_per_s: u32, margin_ms: u64, calm_after_ms: u64) -> Self {
        let configured = rate_per_s.clamp(1, 10);
        Self {
            configured,
            limit: configured,
            window_ms: WINDOW_MS,
            margin_ms,
            calm_after_ms: calm_after_ms.max(1),
            sent: VecDeque::new(),
            next_slot: 1,
            calm_since_ms: 0,
            spread: false,
            last_sent_ms: None,
            last_urgent_ms: None,
        }
    }

    /// Spends the tokens evenly over the window (see the module's comment).
    pub fn spread(mut self, on: bool) -> Self {
        self.spread = on;
        self
    }

    /// The least time between two sends when spreading.
    fn spacing_ms(&self) -> u64 {
        (self.window_ms + self.margin_ms) / u64::from(self.limit.max(1))
    }

    pub fn configured(&self) -> u32 {
        self.configured
    }

    /// The rate the bucket allows now, in requests per second (below the configured one after 429s).
    pub fn current_rate(&self) -> f64 {
        f64::from(self.limit) * 1_000.0 / self.window_ms as f64
    }

    /// The earliest time the next request of `class` may go (`now_ms` if a token is there). Never
    /// later for [`Class::Urgent`] than for [`Class::Lower`].
    pub fn ready_at(&self, now_ms: u64, class: Class) -> u64 {
        let last = match class {
            Class::Urgent => self.last_urgent_ms,
            Class::Lower => self.last_sent_ms,
        };
        let spaced = match (self.spread, last) {
            (true, Some(last)) => last + self.spacing_ms(),
            _ => 0,
        };
        self.window_ready_at(now_ms).max(spaced)
    }

    fn window_ready_at(&self, now_ms: u64) -> u64 {
        let limit = self.limit as usize;
        // A request in flight counts as happening now.
        let mut times: Vec<u64> = self
            .sent
            .iter()
            .map(|s| s.answered_at.unwrap_or(now_ms))
            .filter(|t| t + self.window_ms + self.margin_ms > now_ms)
            .collect();
        if times.len() < limit {
            return now_ms;
        }
        times.sort_unstable_by(|a, b| b.cmp(a));
        now_ms.max(times[limit - 1] + self.window_ms + self.margin_ms)
    }

    /// Spends a token on a send of `class`; call only when `ready_at(now_ms, class) <= now_ms`.
    /// Returns the request's slot, for [`Limiter::answered`].
    pub fn record(&mut self, now_ms: u64, class: Class) -> u64 {
        let horizon = SLOWEST_WINDOW_MS + self.margin_ms;
        self.sent
            .retain(|s| s.answered_at.is_none_or(|t| t + horizon > now_ms));
        let id = self.next_slot;
        self.next_slot += 1;
        self.last_sent_ms = Some(now_ms);
        if class == Class::Urgent {
            self.last_urgent_ms = Some(now_ms);
        }
        self.sent.push_back(Slot {
            id,
            answered_at: None,
        });
        id
    }

    /// CCAI answered the request in `slot` (or it failed for good): its window starts now.
    pub fn answered(&mut self, slot: u64, now_ms: u64) {
        if let Some(s) = self.sent.iter_mut().find(|s| s.id == slot) {
            s.answered_at = Some(now_ms);
        }
    }

    /// CCAI said 429: halve the tokens; with one left, double the window instead.
    pub fn slow_down(&mut self, now_ms: u64) {
        if self.limit > 1 {
            self.limit = self.limit.div_ceil(2);
        } else {
            self.window_ms = (self.window_ms * 2).min(SLOWEST_WINDOW_MS);
        }
        self.calm_since_ms = now_ms;
    }

    /// Grows the bucket back by one step after every calm period without a 429.
    pub fn recover(&mut self, now_ms: u64) {
        while now_ms.saturating_sub(self.calm_since_ms) >= self.calm_after_ms && self.is_slowed() {
            if self.window_ms > WINDOW_MS {
                self.window_ms = (self.window_ms / 2).max(WINDOW_MS);
            } else {
                self.limit = (self.limit + 1).min(self.configured);
            }
            self.calm_since_ms += self.calm_after_ms;
        }
    }

    pub fn is_slowed(&self) -> bool {
        self.limit < self.configured || self.window_ms > WINDOW_MS
    }

    /// When [`Limiter::recover`] has a step to take, if the bucket is slowed.
    pub fn next_recovery_at(&self) -> Option<u64> {
        self.is_slowed()
            .then_some(self.calm_since_ms + self.calm_after_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_second_spaces_sends_by_a_window_and_the_margin() {
        let mut l = Limiter::new(1, 50, 10_000);
        assert_eq!(l.ready_at(0, Class::Urgent), 0);
        let a = l.record(0, Class::Urgent);
        l.answered(a, 0);
        assert_eq!(l.ready_at(10, Class::Urgent), 1_050);
        let b = l.record(1_050, Class::Urgent);
        l.answered(b, 1_050);
        assert_eq!(l.ready_at(1_100, Class::Urgent), 2_100);
    }

    #[test]
    fn ten_per_second_allows_a_burst_of_ten_then_waits_for_the_oldest() {
        let mut l = Limiter::new(10, 0, 10_000);
        for t in 0..10 {
            assert_eq!(l.ready_at(t, Class::Urgent), t);
            let slot = l.record(t, Class::Urgent);
            l.answered(slot, t);
        }
        assert_eq!(l.ready_at(10, Class::Urgent), 1_000);
    }

    #[test]
    fn the_window_of_a_slow_request_starts_at_its_answer() {
        let mut l = Limiter::new(1, 50, 10_000);
        let slot = l.record(0, Class::Urgent);
        // In flight: it may reach CCAI at any moment, so nothing else goes.
        assert!(l.ready_at(5_000, Class::Urgent) > 5_000);
        l.answered(slot, 5_000);
        assert_eq!(l.ready_at(5_000, Class::Urgent), 6_050);
    }

    #[test]
    fn spread_tokens_go_one_spacing_apart_and_one_per_second_is_unchanged() {
        // (rate, margin, sends at, answered after) → when each send may go.
        let table: [(u32, u64, u64, &[u64]); 4] = [
            // Ten per second, spread: 105 ms apart, not ten at once.
            (10, 50, 0, &[0, 105, 210, 315, 420, 525, 630, 735, 840, 945]),
            // Ten per second, slow answers: the window from each answer still rules (the first
            // token comes back at 300 + 1,050).
            (
                10,
                50,
                300,
                &[0, 105, 210, 315, 420, 525, 630, 735, 840, 945, 1_350],
            ),
            // One per second: the spacing is the window, so the answer's window decides as before.
            (1, 50, 0, &[0, 1_050, 2_100]),
            (1, 50, 200, &[0, 1_250, 2_500]),
        ];
        for (rate, margin, answer_after, expected) in table {
            let mut l = Limiter::new(rate, margin, 10_000).spread(true);
            let mut pending: Vec<(u64, u64)> = Vec::new();
            let mut now = 0;
            let mut got = Vec::new();
            while got.len() < expected.len() {
                for (slot, at) in pending.iter().filter(|(_, at)| *at <= now) {
                    l.answered(*slot, *at);
                }
                pending.retain(|(_, at)| *at > now);
                if l.ready_at(now, Class::Urgent) <= now {
                    got.push(now);
                    pending.push((l.record(now, Class::Urgent), now + answer_after));
                }
                now += 1;
            }
            assert_eq!(
                got, expected,
                "rate {rate}, answers after {answer_after} ms"
            );
        }
    }

    #[test]
    fn an_urgent_send_keeps_the_spacing_from_urgent_sends_only() {
        let mut l = Limiter::new(10, 50, 10_000).spread(true);
        let read = l.record(0, Class::Lower);
        l.answered(read, 2);
        // The tail's read a moment ago does not hold the agent's change back...
        assert_eq!(l.ready_at(20, Class::Urgent), 20);
        let change = l.record(20, Class::Urgent);
        l.answered(change, 22);
        // ...but urgent sends stay a spacing apart, and a read waits a spacing after any send.
        assert_eq!(l.ready_at(30, Class::Urgent), 125);
        assert_eq!(l.ready_at(30, Class::Lower), 125);
        // The window still holds for every class: ten sends in it, then the eleventh waits.
        let mut now = 125;
        for _ in 0..8 {
            now = l.ready_at(now, Class::Urgent);
            let slot = l.record(now, Class::Urgent);
            l.answered(slot, now);
        }
        assert_eq!(l.ready_at(now + 105, Class::Lower), 1_052);
        assert_eq!(l.ready_at(now + 105, Class::Urgent), 1_052);
    }

    #[test]
    fn rates_above_the_documented_ten_are_clamped() {
        assert_eq!(Limiter::new(50, 0, 1).configured(), 10);
        assert_eq!(Limiter::new(0, 0, 1).configured(), 1);
    }

    #[test]
    fn a_429_shrinks_the_bucket_and_calm_grows_it_back() {
        let mut l = Limiter::new(4, 0, 1_000);
        l.slow_down(0);
        assert_eq!(l.current_rate(), 2.0);
        l.slow_down(0);
        l.slow_down(0);
        assert_eq!(l.current_rate(), 0.5);
        assert_eq!(l.next_recovery_at(), Some(1_000));
        l.recover(1_000);
        assert_eq!(l.current_rate(), 1.0);
        l.recover(4_000);
        assert_eq!(l.current_rate(), 4.0);
        assert!(!l.is_slowed());
        assert_eq!(l.next_recovery_at(), None);
    }

    #[test]
    fn the_slowest_window_is_bounded() {
        let mut l = Limiter::new(1, 0, 1_000);
        for _ in 0..20 {
            l.slow_down(0);
        }
        assert_eq!(l.current_rate(), 1_000.0 / SLOWEST_WINDOW_MS as f64);
    }
}
