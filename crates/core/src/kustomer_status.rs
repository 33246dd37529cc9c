//! An agent's Kustomer status reaches the company server by two paths, and this decides, per agent,
//! which reading is news (S2: map it to CCAI and write it, once), which is the same change seen twice,
//! and which is older than what is known.
//!
//! - **The page**: the extension's owner tab reads Kustomer's page with our selectors and relays each
//!   change (`POST /api/v1/status`), in order (the relay's sequence and owner epochs). Fast, but
//!   Kustomer's markup is not ours and may yield nothing.
//! - **Work sessions** (API-NOTES B8): the server reads every agent's live work session once for the
//!   whole org, every poll. Always works, but only as fresh as the last poll.
//!
//! Which reading is newer is decided on the server's clock only (the browser's and Kustomer's clocks
//! are not ours): a page change counts from when the server received it; a work-session reading from
//! when the server *sent* the request that brought it (the answer may show Kustomer at any moment after
//! that, never before). A reading requested before the page's latest change was received may predate
//! it, so it cannot overrule it. Nor can one requested within [`Config::settle_ms`] after it: Kustomer's
//! page shows a pick at once and saves the work session after (Not documented: how soon a work session
//! shows a change made in the page), so a reading that soon may still show the status before.
//!
//! A reading that shows the status already known is the same change seen again: nothing is written.
//! The page relaying the status a reading already brought, soon after ([`Config::merge_ms`]), is the
//! same change seen by both paths: written once. But the page relaying a status again on its own is
//! the extension meaning it (S5, "CRM always overrides": after CCAI moved the agent on by itself, the
//! mapped Kustomer status is applied again), so it is written.
//!
//! A third source is the server itself: bidirectional sync (S4) sets the agent's Kustomer status from
//! their CCAI status. It is recorded before Kustomer is asked ([`KustomerStatuses::server_setting`]), so
//! the work sessions showing it (or the page relaying it) is the same change, never news to carry back
//! to CCAI; a reading requested before Kustomer answered may predate it, so it cannot undo it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which path told the server an agent's Kustomer status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusPath {
    /// The extension's owner tab, from Kustomer's page (our selectors).
    Page,
    /// The server's poll of Kustomer's work sessions (B8).
    WorkSessions,
    /// The server itself, setting the agent's work session (B8's PUT) for bidirectional sync (S4: the
    /// agent's CCAI status carried to Kustomer). Never news to write back to CCAI.
    Server,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// How long after a page change a work-session reading that disagrees is still taken for one made
    /// before Kustomer saved the page's change.
    pub settle_ms: u64,
    /// How long after a reading brought a status the page's relaying of it is taken for the same
    /// change (the page's relay is seconds behind at most; a poll is 15 s apart).
    pub merge_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        // Not documented: how soon a work session shows a change made in Kustomer's page. Five seconds
        // is far above a save's round trip; a disagreement that outlives it is Kustomer's truth, taken
        // at the next poll.
        Self {
            settle_ms: 5_000,
            merge_ms: 30_000,
        }
    }
}

/// What the server knows of one agent's Kustomer status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Known {
    /// Kustomer's routing status id.
    pub status: String,
    /// The path that supplied it first (whose reading was written to CCAI).
    pub path: StatusPath,
    /// When it became known (server clock, ms): a page change's receipt, a reading's request.
    pub at_ms: u64,
    /// The page has relayed it too (a status first read from the work sessions).
    pub page_seen: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A status the server did not know: map it (S2) and write it to CCAI.
    New,
    /// The status already known, first supplied by `first`: it was written once, not again.
    Same { first: StatusPath },
    /// A work-session reading that may predate what is known: it changes nothing.
    Stale,
}

/// Every signed-in agent's Kustomer status, keyed by the server's agent key (the e-mail).
#[derive(Clone, Debug, Default)]
pub struct KustomerStatuses {
    cfg: Config,
    agents: BTreeMap<String, Known>,
}

impl KustomerStatuses {
    pub fn new(cfg: Config) -> Self {
        Self {
            cfg,
            agents: BTreeMap::new(),
        }
    }

    pub fn known(&self, agent: &str) -> Option<&Known> {
        self.agents.get(agent)
    }

    /// What the store remembers from before a restart (the last change written per agent), so a
    /// restart does not write every agent's status again.
    pub fn restore(&mut self, agent: &str, known: Known) {
        self.agents.insert(agent.to_owned(), known);
    }

    /// The agent signed out: their next sign-in reads their status afresh (S8).
    pub fn forget(&mut self, agent: &str) {
        self.agents.remove(agent);
    }

    /// Keeps only the agents `keep` says are signed in.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.agents.retain(|a, _| keep(a));
    }

    /// The owner tab relayed a change to `status`, received at `received_at_ms`. The page's changes
    /// come in the agent's order (relay sequence, fenced owners), so they are always news, except the
    /// first relaying of a status a reading brought just before.
    pub fn page(&mut self, agent: &str, status: &str, received_at_ms: u64) -> Verdict {
        let merge_ms = self.cfg.merge_ms;
        match self.agents.get_mut(agent) {
            Some(k)
                if k.status == status
                    && k.path != StatusPath::Page
                    && !k.page_seen
                    && received_at_ms <= k.at_ms + merge_ms =>
            {
                // The page confirms it now: an older reading must not undo it either.
                k.page_seen = true;
                k.at_ms = k.at_ms.max(received_at_ms);
                Verdict::Same { first: k.path }
            }
            _ => {
                self.set(agent, status, StatusPath::Page, received_at_ms);
                Verdict::New
            }
        }
    }

    /// Kustomer's work sessions show the agent in `status`, in an answer to a request sent at
    /// `requested_at_ms`. The first reading after sign-in is the status at sign-in (S8).
    pub fn reading(&mut self, agent: &str, status: &str, requested_at_ms: u64) -> Verdict {
        let Some(k) = self.agents.get(agent) else {
            self.set(agent, status, StatusPath::WorkSessions, requested_at_ms);
            return Verdict::New;
        };
        if k.status == status {
            return Verdict::Same { first: k.path };
        }
        let settle = if k.path != StatusPath::WorkSessions || k.page_seen {
            self.cfg.settle_ms
        } else {
            0
        };
        if requested_at_ms <= k.at_ms + settle {
            return Verdict::Stale;
        }
        self.set(agent, status, StatusPath::WorkSessions, requested_at_ms);
        Verdict::New
    }

    /// The server is about to set the agent's Kustomer status to `status` (S4), with a request sent at
    /// `sent_at_ms`. Recorded before the request goes, so a poll that reads the new status even before
    /// Kustomer's answer arrives takes it for the server's own change. Returns what was known before,
    /// for [`KustomerStatuses::server_failed`].
    pub fn server_setting(&mut self, agent: &str, status: &str, sent_at_ms: u64) -> Option<Known> {
        let before = self.agents.get(agent).cloned();
        self.set(agent, status, StatusPath::Server, sent_at_ms);
        before
    }

    /// Kustomer answered the server's change at `answered_at_ms`: a reading requested before then may
    /// still show the status before it (stale); one requested after it that differs is a change made
    /// in Kustomer since (news, past the settling time).
    pub fn server_set(&mut self, agent: &str, status: &str, answered_at_ms: u64) {
        if let Some(k) = self.agents.get_mut(agent) {
            if k.path == StatusPath::Server && k.status == status {
                k.at_ms = k.at_ms.max(answered_at_ms);
            }
        }
    }

    /// Kustomer did not apply the server's change: what was known before it comes back, unless the
    /// server has learned something else meanwhile (that is newer than both).
    pub fn server_failed(&mut self, agent: &str, status: &str, before: Option<Known>) {
        let ours = self
            .agents
            .get(agent)
            .is_some_and(|k| k.path == StatusPath::Server && k.status == status);
        if !ours {
            return;
        }
        match before {
            Some(k) => {
                self.agents.insert(agent.to_owned(), k);
            }
            None => {
                self.agents.remove(agent);
            }
        }
    }

    fn set(&mut self, agent: &str, status: &str, path: StatusPath, at_ms: u64) {
        self.agents.insert(
            agent.to_owned(),
            Known {
                status: status.to_owned(),
                path,
                at_ms,
                page_seen: false,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use StatusPath::{Page, WorkSessions as Ws};
    use Verdict::{New, Same, Stale};

    /// One step: which path, which status, at what server time (page: received; reading: requested).
    type Step = (StatusPath, &'static str, u64);

    fn run(steps: &[Step]) -> Vec<Verdict> {
        let mut k = KustomerStatuses::new(Config {
            settle_ms: 5_000,
            merge_ms: 30_000,
        });
        steps
            .iter()
            .map(|(path, status, at)| match path {
                Page => k.page("ann@example.com", status, *at),
                Ws | StatusPath::Server => k.reading("ann@example.com", status, *at),
            })
            .collect()
    }

    #[test]
    fn which_reading_is_news_which_is_the_same_change_and_which_is_older() {
        let table: &[(&str, &[Step], &[Verdict])] = &[
            (
                "the first reading after sign-in is the status at sign-in (S8)",
                &[(Ws, "away", 1_000)],
                &[New],
            ),
            (
                "selectors blind: each change comes from the work sessions, once",
                &[
                    (Ws, "away", 1_000),
                    (Ws, "away", 16_000),
                    (Ws, "lunch", 31_000),
                ],
                &[New, Same { first: Ws }, New],
            ),
            (
                "the page first, then the poll sees the same change: written once",
                &[(Page, "lunch", 10_000), (Ws, "lunch", 16_000)],
                &[New, Same { first: Page }],
            ),
            (
                "the poll first, then the page relays the same change: written once",
                &[(Ws, "lunch", 10_000), (Page, "lunch", 12_000)],
                &[New, Same { first: Ws }],
            ),
            (
                "a reading requested before the page's newer change never overwrites it",
                &[
                    (Ws, "away", 1_000),
                    (Page, "lunch", 20_000),
                    (Ws, "away", 19_500),
                ],
                &[New, New, Stale],
            ),
            (
                "nor one requested while Kustomer may still be saving the page's change",
                &[(Page, "lunch", 20_000), (Ws, "away", 24_000)],
                &[New, Stale],
            ),
            (
                "a disagreement that outlives the settling time is Kustomer's truth",
                &[(Page, "lunch", 20_000), (Ws, "away", 26_000)],
                &[New, New],
            ),
            (
                "the page confirming a polled status restarts its protection",
                &[
                    (Ws, "lunch", 10_000),
                    (Page, "lunch", 30_000),
                    (Ws, "away", 33_000),
                ],
                &[New, Same { first: Ws }, Stale],
            ),
            (
                "the page's changes are in the agent's order: a different one is always news",
                &[
                    (Page, "lunch", 10_000),
                    (Page, "away", 10_100),
                    (Page, "lunch", 10_200),
                ],
                &[New, New, New],
            ),
            (
                "an older page of an earlier round cannot undo a newer reading",
                &[(Ws, "away", 40_000), (Ws, "lunch", 39_000)],
                &[New, Stale],
            ),
            (
                "the page relaying its own status again means it (S5: CRM overrides)",
                &[
                    (Page, "lunch", 10_000),
                    (Ws, "lunch", 16_000),
                    (Page, "lunch", 90_000),
                ],
                &[New, Same { first: Page }, New],
            ),
            (
                "only the page's first relaying of a polled status is the same change",
                &[
                    (Ws, "lunch", 10_000),
                    (Page, "lunch", 12_000),
                    (Page, "lunch", 40_000),
                ],
                &[New, Same { first: Ws }, New],
            ),
            (
                "a page relaying long after the poll is not the same change",
                &[(Ws, "lunch", 10_000), (Page, "lunch", 60_000)],
                &[New, New],
            ),
            (
                "a page change after a polled one to another status is news",
                &[(Ws, "away", 10_000), (Page, "lunch", 10_500)],
                &[New, New],
            ),
        ];
        for (what, steps, expected) in table {
            assert_eq!(&run(steps), expected, "{what}");
        }
    }

    /// What the server knows after each step of its own change (S4) and the readings around it.
    #[derive(Clone, Copy, Debug)]
    enum Ev {
        /// The server sends its change (status, sent at).
        Setting(&'static str, u64),
        /// Kustomer answered it (status, answered at).
        Set(&'static str, u64),
        /// Kustomer refused it.
        Failed(&'static str),
        Reading(&'static str, u64),
        Page(&'static str, u64),
    }

    #[test]
    fn the_servers_own_change_is_never_news_and_a_failed_one_leaves_no_trace() {
        use Ev::*;
        // (what, steps, the verdict of each reading or page step)
        type Row = (&'static str, &'static [Ev], &'static [Option<Verdict>]);
        let table: &[Row] = &[
            (
                "the poll reading the server's change is the same change, not news for ccai",
                &[
                    Reading("away", 1_000),
                    Setting("lunch", 20_000),
                    Set("lunch", 20_100),
                    Reading("lunch", 21_000),
                ],
                &[
                    Some(New),
                    None,
                    None,
                    Some(Same {
                        first: StatusPath::Server,
                    }),
                ],
            ),
            (
                "even when the poll reads it before kustomer's answer arrives",
                &[
                    Reading("away", 1_000),
                    Setting("lunch", 20_000),
                    Reading("lunch", 20_050),
                    Set("lunch", 20_100),
                ],
                &[
                    Some(New),
                    None,
                    Some(Same {
                        first: StatusPath::Server,
                    }),
                    None,
                ],
            ),
            (
                "a reading requested before kustomer answered cannot undo it",
                &[
                    Reading("away", 1_000),
                    Setting("lunch", 20_000),
                    Set("lunch", 20_100),
                    Reading("away", 20_050),
                ],
                &[Some(New), None, None, Some(Stale)],
            ),
            (
                "the page relaying the server's change soon after is the same change",
                &[
                    Setting("lunch", 20_000),
                    Set("lunch", 20_100),
                    Page("lunch", 20_500),
                ],
                &[
                    None,
                    None,
                    Some(Same {
                        first: StatusPath::Server,
                    }),
                ],
            ),
            (
                "a change made in kustomer after the settling time is news",
                &[
                    Setting("lunch", 20_000),
                    Set("lunch", 20_100),
                    Reading("away", 26_000),
                ],
                &[None, None, Some(New)],
            ),
            (
                "a refused change restores what was known: the old status is not news again",
                &[
                    Reading("away", 1_000),
                    Setting("lunch", 20_000),
                    Failed("lunch"),
                    Reading("away", 21_000),
                ],
                &[
                    Some(New),
                    None,
                    None,
                    Some(Same {
                        first: StatusPath::WorkSessions,
                    }),
                ],
            ),
            (
                "a refused change does not undo what was learned meanwhile",
                &[
                    Setting("lunch", 20_000),
                    Page("away", 20_010),
                    Failed("lunch"),
                    Reading("away", 30_000),
                ],
                &[
                    None,
                    Some(New),
                    None,
                    Some(Same {
                        first: StatusPath::Page,
                    }),
                ],
            ),
        ];
        for (what, steps, expected) in table {
            let mut k = KustomerStatuses::default();
            let mut before = None;
            let got: Vec<Option<Verdict>> = steps
                .iter()
                .map(|ev| match *ev {
                    Setting(s, at) => {
                        before = k.server_setting("ann", s, at);
                        None
                    }
                    Set(s, at) => {
                        k.server_set("ann", s, at);
                        None
                    }
                    Failed(s) => {
                        k.server_failed("ann", s, before.take());
                        None
                    }
                    Reading(s, at) => Some(k.reading("ann", s, at)),
                    Page(s, at) => Some(k.page("ann", s, at)),
                })
                .collect();
            assert_eq!(&got, expected, "{what}");
        }
    }

    #[test]
    fn a_signed_out_agent_is_read_afresh_and_a_restart_remembers() {
        let mut k = KustomerStatuses::default();
        assert_eq!(k.reading("ann", "away", 1_000), New);
        k.forget("ann");
        assert_eq!(k.reading("ann", "away", 2_000), New, "S8 again at sign-in");
        let mut restarted = KustomerStatuses::default();
        restarted.restore(
            "ann",
            Known {
                status: "away".into(),
                path: Page,
                at_ms: 1_000,
                page_seen: false,
            },
        );
        assert_eq!(
            restarted.reading("ann", "away", 9_000),
            Same { first: Page }
        );
        restarted.retain(|a| a != "ann");
        assert_eq!(restarted.known("ann"), None);
    }
}
