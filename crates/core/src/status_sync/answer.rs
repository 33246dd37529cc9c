//! What the status service's answer to a write means for the relay: the one place that reads HTTP
//! codes, so the executor only reports what it received.

use crate::relay::Outcome;
use crate::status::{CcaiStatus, CcaiStatusId};

use super::vocab::{Write, WriteAnswer};

/// An answer is either the relay's outcome, or news of a later owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Meaning {
    Outcome(Outcome),
    /// 409: the service saw a later term (at least the next one). This tab must not write again.
    Fenced {
        term: u64,
    },
    /// A later owner term of another computer holds the status: this tab waits for the agent.
    TakenElsewhere,
}

/// Classifies `answer` to `write`. A 2xx names the status the service applied; when that name is not
/// the requested one (the service moved the agent on, or two statuses share a name), the id is found
/// by name in `statuses`, falling back to the requested id.
pub fn meaning(write: &Write, answer: WriteAnswer, statuses: &[CcaiStatus]) -> Meaning {
    let outcome = match answer {
        WriteAnswer::Answered {
            message: Some(message),
            ..
        } => Outcome::Refused { message },
        WriteAnswer::Answered { current_status, .. } => {
            let applied = current_status
                .as_deref()
                .filter(|name| *name != write.name)
                .and_then(|name| statuses.iter().find(|s| s.name == name))
                .map_or(write.status, |s| s.id);
            Outcome::Ok {
                applied: CcaiStatusId(applied.0),
            }
        }
        WriteAnswer::Status { code: 409, .. } => {
            return Meaning::Fenced {
                term: write.epoch.term + 1,
            }
        }
        WriteAnswer::Status { code: 401, .. } => Outcome::Unauthorized,
        WriteAnswer::Status {
            code: 429,
            retry_after_s,
        } => Outcome::RateLimited {
            retry_after_ms: retry_after_s.map(|s| u64::from(s) * 1000),
        },
        WriteAnswer::Status { code, .. } if code >= 500 => Outcome::ServerError { code },
        WriteAnswer::Status { code, .. } => Outcome::PermanentClientError {
            code,
            reason: format!("HTTP {code}"),
        },
        // No answer, or one we cannot read: the service may have applied it. Retry with the same key.
        WriteAnswer::NoAnswer => Outcome::Dropped,
        WriteAnswer::TakenElsewhere => return Meaning::TakenElsewhere,
    };
    Meaning::Outcome(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ownership::{Epoch, TabId};

    fn write() -> Write {
        Write {
            key: "7:3.t1:1".into(),
            status: CcaiStatusId(1),
            name: "Busy".into(),
            epoch: Epoch {
                term: 3,
                tab: TabId("t1".into()),
            },
            claim: false,
        }
    }

    fn statuses() -> Vec<CcaiStatus> {
        [(0, "Available"), (1, "Busy"), (-4, "Wrap-up")]
            .into_iter()
            .map(|(id, name)| CcaiStatus {
                id: CcaiStatusId(id),
                name: name.into(),
                color: None,
            })
            .collect()
    }

    fn status(code: u16, retry_after_s: Option<u32>) -> WriteAnswer {
        WriteAnswer::Status {
            code,
            retry_after_s,
        }
    }

    fn ok(id: i64) -> Meaning {
        Meaning::Outcome(Outcome::Ok {
            applied: CcaiStatusId(id),
        })
    }

    fn answered(current: Option<&str>, message: Option<&str>) -> WriteAnswer {
        WriteAnswer::Answered {
            current_status: current.map(Into::into),
            message: message.map(Into::into),
        }
    }

    #[test]
    fn each_answer_has_one_meaning() {
        let table: Vec<(WriteAnswer, Meaning)> = vec![
            (answered(Some("Busy"), None), ok(1)),
            (answered(None, None), ok(1)),
            // The service moved the agent on: the id of the name it reports.
            (answered(Some("Wrap-up"), None), ok(-4)),
            // A name the catalog does not know: the requested id stands.
            (answered(Some("Brand new"), None), ok(1)),
            (
                answered(Some("Busy"), Some("Agent can't be changed")),
                Meaning::Outcome(Outcome::Refused {
                    message: "Agent can't be changed".into(),
                }),
            ),
            (status(409, None), Meaning::Fenced { term: 4 }),
            (status(401, None), Meaning::Outcome(Outcome::Unauthorized)),
            (
                status(429, Some(3)),
                Meaning::Outcome(Outcome::RateLimited {
                    retry_after_ms: Some(3_000),
                }),
            ),
            (
                status(429, None),
                Meaning::Outcome(Outcome::RateLimited {
                    retry_after_ms: None,
                }),
            ),
            (
                status(503, None),
                Meaning::Outcome(Outcome::ServerError { code: 503 }),
            ),
            (
                status(403, None),
                Meaning::Outcome(Outcome::PermanentClientError {
                    code: 403,
                    reason: "HTTP 403".into(),
                }),
            ),
            (
                status(422, None),
                Meaning::Outcome(Outcome::PermanentClientError {
                    code: 422,
                    reason: "HTTP 422".into(),
                }),
            ),
            (WriteAnswer::NoAnswer, Meaning::Outcome(Outcome::Dropped)),
            (WriteAnswer::TakenElsewhere, Meaning::TakenElsewhere),
        ];
        for (answer, want) in table {
            assert_eq!(
                meaning(&write(), answer.clone(), &statuses()),
                want,
                "{answer:?}"
            );
        }
    }
}
