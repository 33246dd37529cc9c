//! The figures: percentiles of latencies and the most events in any window.

/// The `p`-th percentile (0–100) by nearest rank, of unsorted samples; `None` when there are none.
pub fn percentile(samples: &[u64], p: f64) -> Option<u64> {
    if samples.is_empty() {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_unstable();
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// The most timestamps (ms) in any half-open window `[t, t + window_ms)`.
pub fn max_in_window(times_ms: &[u64], window_ms: u64) -> usize {
    let mut sorted = times_ms.to_vec();
    sorted.sort_unstable();
    let mut best = 0;
    let mut start = 0;
    for end in 0..sorted.len() {
        while sorted[end] >= sorted[start] + window_ms {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let s: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&s, 50.0), Some(50));
        assert_eq!(percentile(&s, 99.0), Some(99));
        assert_eq!(percentile(&[7], 99.0), Some(7));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn windows_are_half_open() {
        assert_eq!(max_in_window(&[0, 999, 1_000, 1_500], 1_000), 3);
        assert_eq!(max_in_window(&[0, 1_000, 2_000], 1_000), 1);
        assert_eq!(max_in_window(&[0, 10, 20, 5_000], 1_000), 3);
        assert_eq!(max_in_window(&[], 1_000), 0);
    }
}
