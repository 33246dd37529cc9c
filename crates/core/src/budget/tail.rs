//! Tailing one of CCAI's lists (A6): ask for entries from the newest timestamp seen, sorted ascending,
//! page by page; windows overlap on purpose (whether `[from]` is inclusive is not documented), so
//! entries are de-duplicated by id.
//!
//! Timestamps are compared as CCAI wrote them: one list uses one format, and ISO 8601 in one format
//! sorts as text. The cursor hands CCAI back its own spelling (accepted formats are not documented).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailCursor {
    from: Option<String>,
    /// Ids seen at timestamps ≥ `from`: the only ones a next window can repeat.
    seen: BTreeMap<i64, String>,
}

impl TailCursor {
    /// Starts at `from` (e.g. the server's start: the past is not news).
    pub fn starting_at(from: impl Into<String>) -> Self {
        Self {
            from: Some(from.into()),
            seen: BTreeMap::new(),
        }
    }

    /// The `…[from]` to ask for.
    pub fn from(&self) -> Option<&str> {
        self.from.as_deref()
    }

    /// Takes one page of `(id, timestamp)`; returns the positions of the entries not seen before.
    pub fn accept(&mut self, entries: &[(i64, String)]) -> Vec<usize> {
        let mut fresh = Vec::new();
        for (i, (id, at)) in entries.iter().enumerate() {
            if self.from.as_deref().is_some_and(|from| at.as_str() < from) {
                continue;
            }
            if self.seen.insert(*id, at.clone()).is_none() {
                fresh.push(i);
            }
        }
        fresh
    }

    /// After a whole window (the last page was short): the next one starts at the newest timestamp.
    pub fn advance(&mut self) {
        let newest = self.seen.values().max().cloned();
        if let Some(newest) = newest {
            self.seen.retain(|_, at| *at >= newest);
            self.from = Some(newest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: &[(i64, &str)]) -> Vec<(i64, String)> {
        rows.iter().map(|(i, t)| (*i, (*t).to_owned())).collect()
    }

    #[test]
    fn overlapping_windows_yield_each_entry_once() {
        let mut c = TailCursor::starting_at("2026-01-01T10:00:00Z");
        let first = page(&[
            (1, "2026-01-01T09:59:59Z"),
            (2, "2026-01-01T10:00:00Z"),
            (3, "2026-01-01T10:00:05Z"),
        ]);
        assert_eq!(
            c.accept(&first),
            vec![1, 2],
            "older than the start is not news"
        );
        c.advance();
        assert_eq!(c.from(), Some("2026-01-01T10:00:05Z"));
        let second = page(&[
            (3, "2026-01-01T10:00:05Z"),
            (4, "2026-01-01T10:00:05Z"),
            (5, "2026-01-01T10:00:09Z"),
        ]);
        assert_eq!(c.accept(&second), vec![1, 2]);
        c.advance();
        assert_eq!(c.accept(&second), Vec::<usize>::new());
    }
}
