//! Exponential backoff with jitter, capped, for 5xx answers and dropped connections.
//!
//! The jitter comes from a tiny xorshift generator seeded by the caller, not from a `rand` dependency:
//! the crate has no clock and no entropy of its own, and every byte ends up in the WASM.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backoff {
    pub base_ms: u64,
    /// No wait is ever longer than this, so an agent never waits minutes after CCAI comes back.
    pub cap_ms: u64,
    failures: u32,
    rng: u64,
}

impl Default for Backoff {
    /// 500 ms, doubling, capped at 30 s.
    fn default() -> Self {
        Self::new(500, 30_000)
    }
}

impl Backoff {
    pub fn new(base_ms: u64, cap_ms: u64) -> Self {
        Self {
            base_ms: base_ms.max(1),
            cap_ms: cap_ms.max(base_ms.max(1)),
            failures: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    pub fn seeded(mut self, seed: u64) -> Self {
        // xorshift must not start at zero; mixing in a constant also spreads small seeds.
        self.rng = (seed ^ 0x9E37_79B9_7F4A_7C15).max(1);
        self
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn reset(&mut self) {
        self.failures = 0;
    }

    /// The wait before the next try after one more failure: "equal jitter", half fixed and half random,
    /// so waits still grow while tabs or agents that failed together spread out.
    pub fn next_delay(&mut self) -> u64 {
        let exp = self
            .base_ms
            .saturating_mul(1u64 << self.failures.min(32))
            .min(self.cap_ms);
        self.failures = self.failures.saturating_add(1);
        let half = exp / 2;
        half + self.next_random() % (exp - half + 1)
    }

    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        x
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_exponentially_within_jitter_and_are_capped() {
        let mut b = Backoff::new(500, 30_000).seeded(7);
        let bounds = [
            500u64, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000,
        ];
        for max in bounds {
            let d = b.next_delay();
            assert!(d >= max / 2 && d <= max, "{d} not in [{}, {max}]", max / 2);
        }
        b.reset();
        assert!(b.next_delay() <= 500);
    }

    #[test]
    fn different_seeds_spread_retries() {
        let a: Vec<u64> = {
            let mut b = Backoff::default().seeded(1);
            (0..5).map(|_| b.next_delay()).collect()
        };
        let c: Vec<u64> = {
            let mut b = Backoff::default().seeded(2);
            (0..5).map(|_| b.next_delay()).collect()
        };
        assert_ne!(a, c);
    }

    #[test]
    fn many_failures_do_not_overflow() {
        let mut b = Backoff::new(u64::MAX / 4, u64::MAX);
        for _ in 0..100 {
            let _ = b.next_delay();
        }
    }
}
