//! Bidirectional sync's Kustomer write (S4), answered: the company server sets the agent's status in
//! their own Kustomer work session (`PUT /api/v1/kustomer-status`) and says how it went. Each kind
//! of refusal gets its own notice, because each asks something different of the agent: a Kustomer
//! that is merely slow is not a Kustomer that shows the agent offline.

use super::vocab::{Action, SyncNotice};
use super::StatusSync;
use crate::status::KustomerStatusId;

/// The Kustomer writes this tab asked for, as far as a retry needs them.
#[derive(Debug, Default)]
pub(super) struct KustomerWrites {
    /// The last write asked, with the page's Kustomer status when it was asked.
    asked: Option<Asked>,
    /// A write that came back "signed out": asked again after "Sign in".
    after_sign_in: Option<Asked>,
}

#[derive(Debug, Clone)]
struct Asked {
    status: KustomerStatusId,
    page_then: Option<KustomerStatusId>,
}

/// How the company server answered the Kustomer write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KustomerWriteOutcome {
    /// The agent's live work session shows the status.
    Applied,
    /// The agent has no live work session in Kustomer (an `offline` status ended it, B8): only
    /// Kustomer itself starts a new one.
    NoLiveSession,
    /// Kustomer refused the status (or the request was refused before reaching it).
    Refused,
    /// Not signed in to the company server, or no longer.
    SignedOut,
    /// No answer: the company server, or Kustomer behind it, failed or timed out.
    Unreachable,
}

impl KustomerWriteOutcome {
    /// The outcome an HTTP status names (the server's `set_status`: 409 no live work session, 400 an
    /// empty status, 422 Kustomer refused, 502 Kustomer failed, 504 timed out). The executor reports
    /// "not signed in" as 401, as it does for status writes.
    pub fn from_status(code: u16) -> Self {
        match code {
            200..=299 => Self::Applied,
            409 => Self::NoLiveSession,
            400 | 422 => Self::Refused,
            401 | 403 => Self::SignedOut,
            _ => Self::Unreachable,
        }
    }

    /// The outcome of an answer's status, or of no answer at all.
    pub fn from_answer(code: Option<u16>) -> Self {
        code.map_or(Self::Unreachable, Self::from_status)
    }
}

impl StatusSync {
    /// Bidirectional sync wrote Kustomer, or failed to. Signed out goes the way every 401 does
    /// ("Sign in", which clears it); an applied write clears a failed one's notice, now stale.
    pub fn handle_kustomer_result(&mut self, outcome: KustomerWriteOutcome) {
        let asked = self.kustomer_write.asked.take();
        if outcome == KustomerWriteOutcome::SignedOut {
            self.kustomer_write.after_sign_in = asked;
        }
        let notice = match outcome {
            KustomerWriteOutcome::Applied => {
                if self.shown.as_ref().is_some_and(is_kustomer_write_notice) {
                    self.shown = None;
                    self.actions.push_back(Action::ClearNotice);
                }
                return;
            }
            KustomerWriteOutcome::NoLiveSession => SyncNotice::KustomerOffline,
            KustomerWriteOutcome::Refused => SyncNotice::KustomerRefused,
            KustomerWriteOutcome::SignedOut => SyncNotice::Unauthorized,
            KustomerWriteOutcome::Unreachable => SyncNotice::KustomerNotSet,
        };
        self.notify(notice);
    }
}

impl StatusSync {
    /// The reconciler decided to set the agent's Kustomer status (S4).
    pub(super) fn set_kustomer(&mut self, status: KustomerStatusId) {
        self.kustomer_write = KustomerWrites {
            asked: Some(Asked {
                status: status.clone(),
                page_then: self.kustomer.clone(),
            }),
            after_sign_in: None,
        };
        self.actions.push_back(Action::SetKustomer(status));
    }

    /// After "Sign in": the write that found the agent signed out is asked again, while this tab
    /// still drives the status and the page still shows what it showed then (a status the agent
    /// picked in Kustomer meanwhile is newer than the write, and stays).
    pub(super) fn retry_kustomer_write(&mut self) {
        let Some(waiting) = self.kustomer_write.after_sign_in.take() else {
            return;
        };
        if self.term.is_some() && self.kustomer == waiting.page_then {
            self.set_kustomer(waiting.status);
        }
    }
}

fn is_kustomer_write_notice(notice: &SyncNotice) -> bool {
    matches!(
        notice,
        SyncNotice::KustomerOffline | SyncNotice::KustomerRefused | SyncNotice::KustomerNotSet
    )
}

#[cfg(test)]
mod tests {
    use super::KustomerWriteOutcome::{self, *};

    #[test]
    fn each_status_names_one_outcome() {
        let table = [
            (200, Applied),
            (204, Applied),
            (409, NoLiveSession),
            (422, Refused),
            (400, Refused),
            (401, SignedOut),
            (403, SignedOut),
            (502, Unreachable),
            (504, Unreachable),
            (500, Unreachable),
            (404, Unreachable),
            (429, Unreachable),
        ];
        for (code, want) in table {
            assert_eq!(KustomerWriteOutcome::from_status(code), want, "{code}");
        }
    }

    #[test]
    fn no_answer_is_unreachable() {
        assert_eq!(KustomerWriteOutcome::from_answer(None), Unreachable);
        assert_eq!(KustomerWriteOutcome::from_answer(Some(409)), NoLiveSession);
    }
}
