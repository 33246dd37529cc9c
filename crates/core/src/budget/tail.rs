//! Tailing one of CCAI's lists (A6): ask for entries from the newest timestamp seen, sorted ascending,
//! page by page; windows overlap on purpose (whether `[from]` is inclusive is not documented), so
//! entries are de-duplicated by id.
//!
//! Times are compared as instants (the caller parses them), never as text: `…:49.512Z` is after
//! `…:49Z`, though `.` sorts before `Z`. The cursor hands CCAI back its own spelling of the newest time
//! (accepted formats are not documented).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One entry as the cursor needs it: id, instant (ms), and the time as CCAI wrote it.
pub type TailEntry = (i64, i64, String);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TailCursor {
    from: Option<(i64, String)>,
    /// Ids seen at instants ≥ `from`: the only ones a next window can repeat.
    seen: BTreeMap<i64, (i64, String)>,
}

impl TailCursor {
    /// Starts at `from_ms`, spelled `from` (e.g. the server's start: the past is not news).
    pub fn starting_at(from_ms: i64, from: impl Into<String>) -> Self {
        Self {
            from: Some((from_ms, from.into())),
            seen: BTreeMap::new(),
        }
    }

    /// The `…[from]` to ask for.
    pub fn from(&self) -> Option<&str> {
        self.from.as_ref().map(|(_, text)| text.as_str())
    }

    /// Takes one page; returns the positions of the entries not seen before.
    pub fn accept(&mut self, entries: &[TailEntry]) -> Vec<usize> {
        let mut fresh = Vec::new();
        for (i, (id, at_ms, at)) in entries.iter().enumerate() {
            if self.from.as_ref().is_some_and(|(from, _)| at_ms < from) {
                continue;
            }
            if self.seen.insert(*id, (*at_ms, at.clone())).is_none() {
                fresh.push(i);
            }
        }
        fresh
    }

    /// After a whole window (the last page was short): the next one starts at the newest instant.
    pub fn advance(&mut self) {
        let newest = self.seen.values().max_by_key(|(ms, _)| *ms).cloned();
        if let Some((ms, text)) = newest {
            self.seen.retain(|_, (at, _)| *at >= ms);
            self.from = Some((ms, text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(rows: &[(i64, i64, &str)]) -> Vec<TailEntry> {
        rows.iter()
            .map(|(i, ms, t)| (*i, *ms, (*t).to_owned()))
            .collect()
    }

    #[test]
    fn overlapping_windows_yield_each_entry_once() {
        let mut c = TailCursor::starting_at(10_000, "T10");
        let first = page(&[
            (1, 9_999, "T9.999"),
            (2, 10_000, "T10"),
            (3, 10_005, "T10.005"),
        ]);
        assert_eq!(
            c.accept(&first),
            vec![1, 2],
            "older than the start is not news"
        );
        c.advance();
        assert_eq!(c.from(), Some("T10.005"));
        let second = page(&[
            (3, 10_005, "T10.005"),
            (4, 10_005, "T10.005"),
            (5, 10_009, "T10.009"),
        ]);
        assert_eq!(c.accept(&second), vec![1, 2]);
        c.advance();
        assert_eq!(c.accept(&second), Vec::<usize>::new());
    }

    #[test]
    fn a_fraction_of_a_second_is_later_than_the_whole_second() {
        // As text, "…:49.512Z" sorts before "…:49Z"; as instants it is after.
        let mut c = TailCursor::starting_at(49_000, "2026-12-06T12:02:49Z");
        let entry = page(&[(1, 49_512, "2026-12-06T12:02:49.512Z")]);
        assert_eq!(c.accept(&entry), vec![0]);
    }
}
