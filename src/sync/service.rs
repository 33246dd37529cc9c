//! The status service's I/O, through the company server (issue 16): the write (`POST /api/v1/status`,
//! or `POST /api/v1/owner/status` when the machine says the write claims its term), the read at a term's
//! start (`GET /api/v1/ccai`: the agent's status at CCAI now) and the watch (the pushed
//! `CcaiStatusChanged`, `pushed.rs`). The server holds CCAI's token, de-duplicates by the change's key
//! and fences every owner epoch but the newest, on any computer.

use std::future::Future;

use crate::http::Answer;
use ccai_core::ownership::Epoch;
use ccai_core::relay::RelaySnapshot;
use ccai_core::server_api::{AgentCcai, OwnerClaim, StatusChange, StatusOutcome};
use ccai_core::status::CcaiStatusId;
use ccai_core::status_sync::{TermStart, Write, WriteAnswer};

use super::Driver;
use crate::company::{Client, CompanyError};

/// How long a queued change's outcome is awaited on the push stream before the server's acceptance
/// stands for it (the server carries an accepted change to CCAI exactly once on its own).
const OUTCOME_WAIT_MS: u32 = 20_000;

/// What a failed call means to the machine: signed out waits for "Sign in" (the queue keeps
/// everything); no answer retries under the same key, which the server de-duplicates.
pub(super) fn answer_for(e: &CompanyError) -> WriteAnswer {
    match e {
        CompanyError::SignedOut
        | CompanyError::NoServer
        | CompanyError::SignIn(_)
        | CompanyError::SignInRefused(_) => WriteAnswer::Status {
            code: 401,
            retry_after_s: None,
        },
        CompanyError::Unreachable | CompanyError::BadBody => WriteAnswer::NoAnswer,
        CompanyError::Status {
            code,
            retry_after_s,
            ..
        } => WriteAnswer::Status {
            code: *code,
            retry_after_s: *retry_after_s,
        },
    }
}

impl Driver {
    /// Sends one write and reports the answer as it came; the machine decides what it means.
    pub(super) async fn write_status(&self, client: &Client, write: &Write) -> WriteAnswer {
        let known = self.with_io(|io| io.server_epoch).flatten();
        let epoch = match (write.claim, known) {
            (false, Some(epoch)) => Some(epoch),
            _ => None,
        };
        // The page's Kustomer status as it stands, so the server counts it as relayed by the page
        // (its own work-session reading of it is then not written a second time).
        let kustomer = self.0.state.page.with(|p| {
            p.as_ref()
                .filter(|f| f.markup_found)
                .and_then(|f| f.status_id.clone())
                .unwrap_or_default()
        });
        let mut change = StatusChange {
            key: write.key.clone(),
            epoch: epoch.unwrap_or_default(),
            kustomer_status_id: kustomer,
            changed_at_ms: js_sys::Date::now() as u64,
            ccai_status_id: Some(write.status.0),
        };
        // Registered before the request: the outcome may be pushed before the answer arrives.
        let outcome = self.expect_outcome(&write.key, OUTCOME_WAIT_MS);
        let sent = match epoch {
            Some(_) => send_change(client, &change).await,
            None => self.claim_and_send(client, &mut change).await,
        };
        let answer = match sent {
            Ok(a) => a,
            Err(e) => {
                self.forget_outcome(&write.key);
                return answer_for(&e);
            }
        };
        let parsed = crate::company::parse::<StatusOutcome>(&answer.body).ok();
        match (answer.code, parsed) {
            (
                200,
                Some(StatusOutcome::Queued | StatusOutcome::Duplicate | StatusOutcome::AlreadySet),
            ) => {
                // Without a push connection the outcome cannot come: the acceptance stands for it.
                let pushed = if crate::company::events::connected() {
                    outcome.await
                } else {
                    self.forget_outcome(&write.key);
                    None
                };
                pushed.unwrap_or(WriteAnswer::Answered {
                    current_status: None,
                    message: None,
                })
            }
            (409, _) | (_, Some(StatusOutcome::Fenced { .. })) => {
                self.forget_outcome(&write.key);
                WriteAnswer::TakenElsewhere
            }
            (_, Some(StatusOutcome::Refused { reason })) => {
                self.forget_outcome(&write.key);
                WriteAnswer::Answered {
                    current_status: None,
                    message: Some(reason),
                }
            }
            (code, _) => {
                self.forget_outcome(&write.key);
                WriteAnswer::Status {
                    code,
                    retry_after_s: answer.retry_after_s,
                }
            }
        }
    }
}

impl Driver {
    /// Claims a new term and sends its first change in one request (`POST /api/v1/owner/status`);
    /// a server without that route (older than this extension: 404) is asked in two, the claim
    /// (`POST /api/v1/owner`) then the change.
    async fn claim_and_send(
        &self,
        client: &Client,
        change: &mut StatusChange,
    ) -> Result<Answer, CompanyError> {
        // Forgotten while the claim is under way: the claim's own `Fenced` push may come before its
        // answer, and must not read as another computer's.
        self.with_io(|io| io.server_epoch = None);
        if self.with_io(|io| io.claims_with_write) == Some(true) {
            let body = crate::company::json_text(&*change)?;
            let answer = client
                .send("POST", "/api/v1/owner/status", Some(body))
                .await?;
            if answer.code != 404 {
                if let Ok(claim) = crate::company::parse::<OwnerClaim>(&answer.body) {
                    self.with_io(|io| io.server_epoch = Some(claim.epoch));
                }
                return Ok(answer);
            }
            self.with_io(|io| io.claims_with_write = false);
        }
        let claim: OwnerClaim = client.post("/api/v1/owner", &()).await?;
        self.with_io(|io| io.server_epoch = Some(claim.epoch));
        change.epoch = claim.epoch;
        send_change(client, change).await
    }
}

/// `POST /api/v1/status` with `change`, under the term its `epoch` names.
async fn send_change(client: &Client, change: &StatusChange) -> Result<Answer, CompanyError> {
    let body = crate::company::json_text(change)?;
    client.send("POST", "/api/v1/status", Some(body)).await
}

/// The fence, the stored queue and the agent's status at CCAI, read at once at the lock's grant.
pub(super) async fn read_term_start(
    client: Option<Client>,
    fence: impl Future<Output = Option<Epoch>>,
    snapshot: impl Future<Output = Option<RelaySnapshot>>,
) -> TermStart {
    let ((fence, snapshot), current) = both(both(fence, snapshot), current_status(client)).await;
    TermStart {
        fence,
        snapshot,
        // The push stream has no position to resume from: what it missed, a term start reads.
        since: 0,
        current,
    }
}

/// The agent's status at CCAI now, as the server reads it; `None` when it cannot say.
pub(super) async fn current_status(client: Option<Client>) -> Option<CcaiStatusId> {
    let ccai: AgentCcai = client?.get("/api/v1/ccai").await.ok()?;
    ccai.current.map(|s| s.id)
}

/// Runs two futures at once (the extension has no `futures` crate for one small join).
async fn both<A: Future, B: Future>(a: A, b: B) -> (A::Output, B::Output) {
    use std::task::Poll;
    let (mut a, mut b) = (std::pin::pin!(a), std::pin::pin!(b));
    let (mut ra, mut rb) = (None, None);
    std::future::poll_fn(move |cx| {
        if ra.is_none() {
            if let Poll::Ready(v) = a.as_mut().poll(cx) {
                ra = Some(v);
            }
        }
        if rb.is_none() {
            if let Poll::Ready(v) = b.as_mut().poll(cx) {
                rb = Some(v);
            }
        }
        match (ra.take(), rb.take()) {
            (Some(x), Some(y)) => Poll::Ready((x, y)),
            (x, y) => {
                (ra, rb) = (x, y);
                Poll::Pending
            }
        }
    })
    .await
}
