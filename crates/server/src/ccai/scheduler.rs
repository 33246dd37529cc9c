//! The executor of the company's one CCAI budget (`ccai_core::budget::Scheduler`): ONE per server, and
//! every CCAI request of the server goes through it.
//!
//! Other parts of the server call [`CcaiScheduler::request`] with a priority and a [`CcaiCall`] and
//! await CCAI's answer; status changes go in through [`CcaiScheduler::set_status`] and come out, merged
//! into bulk `agent_statuses` requests (A8), as [`StatusReport`]s. The core machine decides what to send
//! when; this task only keeps the clock, makes the HTTP requests and hands answers back.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ccai_core::budget::{
    Action, AgentResult, Answer, BatchAnswer, ChangeId, Config, Event, Priority, RequestId,
    Scheduler, StatusChange,
};
use reqwest::Method;
use serde::Deserialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::client::{CcaiCall, CcaiClient, CcaiError, CcaiResponse};

/// What became of a status change, for `crate::status` to store and push.
#[derive(Debug, Clone, PartialEq)]
pub enum StatusReport {
    /// The change left in a request (again, if `attempt > 1`).
    Sent {
        changes: Vec<ChangeId>,
        attempt: u32,
    },
    Applied {
        change: ChangeId,
        status: String,
        /// When CCAI's answer saying so was read (wall clock, ms): the moment the change is known
        /// applied, before it is stored and pushed.
        at_ms: u64,
    },
    Failed {
        change: ChangeId,
        reason: String,
    },
    Superseded {
        change: ChangeId,
        by: ChangeId,
    },
}

type Reply = oneshot::Sender<Result<CcaiResponse, CcaiError>>;

enum Cmd {
    Request {
        call: CcaiCall,
        priority: Priority,
        retry: bool,
        reply: Reply,
    },
    Status(StatusChange),
    /// This instance stopped acting for the company: forget the status changes not yet sent.
    ForgetStatuses,
}

enum Done {
    Request {
        id: RequestId,
        result: Result<CcaiResponse, CcaiError>,
    },
    Batch {
        batch: u64,
        answer: BatchAnswer,
    },
}

/// Counters for `/stats` and the load test.
#[derive(Debug, Default)]
pub struct SchedulerStats {
    pub sent: AtomicU64,
    pub rate_limited: AtomicU64,
    pub status_batches: AtomicU64,
    /// Sum and maximum of the status batches' round trips (send → CCAI's answer read), in ms: on a
    /// busy machine they, not the budget, are most of a change's latency (each window counts from the
    /// answer).
    pub batch_answer_ms_total: AtomicU64,
    pub batch_answer_ms_max: AtomicU64,
}

/// A handle on the one scheduler task; cheap to clone.
#[derive(Clone)]
pub struct CcaiScheduler {
    tx: mpsc::UnboundedSender<Cmd>,
    started: Instant,
    pub stats: Arc<SchedulerStats>,
}

impl CcaiScheduler {
    /// The handle, the receiver of status reports, and the task to run (the server runs it among its
    /// own, so stopping the server stops it).
    pub fn new(
        client: CcaiClient,
        cfg: Config,
    ) -> (
        CcaiScheduler,
        mpsc::UnboundedReceiver<StatusReport>,
        impl std::future::Future<Output = ()> + Send + 'static,
    ) {
        let (tx, rx) = mpsc::unbounded_channel();
        let (reports_tx, reports_rx) = mpsc::unbounded_channel();
        let started = Instant::now();
        let stats = Arc::new(SchedulerStats::default());
        let seed = u64::from(std::process::id());
        let task = Task {
            machine: Scheduler::new(cfg, seed),
            client,
            started,
            reports: reports_tx,
            stats: stats.clone(),
            waiting: HashMap::new(),
            next_request: 1,
        };
        (
            CcaiScheduler { tx, started, stats },
            reports_rx,
            task.run(rx),
        )
    }

    /// Milliseconds on the scheduler's clock (what `StatusChange::at_ms` is measured in).
    pub fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Makes `call` within the company's budget and returns CCAI's answer (any status).
    ///
    /// GETs are retried on 429, 5xx and dropped connections; other methods are sent once, because
    /// CCAI documents no idempotency (A7: a retried `POST /calls` may start a second call).
    pub async fn request(
        &self,
        priority: Priority,
        call: CcaiCall,
    ) -> Result<CcaiResponse, CcaiError> {
        let retry = call.method == Method::GET;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Cmd::Request {
                call,
                priority,
                retry,
                reply,
            })
            .map_err(|_| CcaiError::Stopped)?;
        rx.await.map_err(|_| CcaiError::Stopped)?
    }

    /// Forgets every status change not yet sent (the company lease moved away; issue 18): they stay
    /// open in the database for the instance that acts for the company now.
    pub fn forget_statuses(&self) {
        let _ = self.tx.send(Cmd::ForgetStatuses);
    }

    /// Queues an agent's status change (`change.target` is a CCAI status name, A8).
    pub fn set_status(&self, change: StatusChange) -> Result<(), CcaiError> {
        self.tx
            .send(Cmd::Status(change))
            .map_err(|_| CcaiError::Stopped)
    }
}

/// A request's call, its caller, and CCAI's last answer (handed over when the machine is done).
struct Waiting {
    call: CcaiCall,
    reply: Reply,
    last: Option<Result<CcaiResponse, CcaiError>>,
}

struct Task {
    machine: Scheduler,
    client: CcaiClient,
    started: Instant,
    reports: mpsc::UnboundedSender<StatusReport>,
    stats: Arc<SchedulerStats>,
    /// Requests by id, until the machine is done with them.
    waiting: HashMap<RequestId, Waiting>,
    next_request: RequestId,
}

impl Task {
    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Cmd>) {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
        loop {
            let now = self.now_ms();
            self.drain_events();
            while let Some(action) = self.machine.poll_action(now) {
                self.stats.sent.fetch_add(1, Ordering::Relaxed);
                self.start(action, done_tx.clone());
            }
            self.drain_events();
            let wake = self
                .machine
                .poll_timeout(now)
                .map(|t| self.started + Duration::from_millis(t.max(now + 1)));
            tokio::select! {
                cmd = rx.recv() => match cmd {
                    Some(cmd) => self.accept(cmd),
                    None => return,
                },
                Some(done) = done_rx.recv() => self.finish(done),
                _ = sleep_until(wake) => {}
            }
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn accept(&mut self, cmd: Cmd) {
        let now = self.now_ms();
        match cmd {
            Cmd::Request {
                call,
                priority,
                retry,
                reply,
            } => {
                let id = self.next_request;
                self.next_request += 1;
                self.waiting.insert(
                    id,
                    Waiting {
                        call,
                        reply,
                        last: None,
                    },
                );
                self.machine.submit(id, priority, retry, now);
            }
            Cmd::Status(change) => self.machine.set_status(change),
            Cmd::ForgetStatuses => self.machine.forget_statuses(),
        }
    }

    fn start(&mut self, action: Action, done: mpsc::UnboundedSender<Done>) {
        let client = self.client.clone();
        match action {
            Action::Send { request, .. } => {
                let Some(w) = self.waiting.get(&request) else {
                    return;
                };
                let call = w.call.clone();
                tokio::spawn(async move {
                    let result = client.send(&call).await;
                    let _ = done.send(Done::Request {
                        id: request,
                        result,
                    });
                });
            }
            Action::SetStatus {
                batch,
                status,
                agent_ids,
                changes,
                attempt,
            } => {
                self.stats.status_batches.fetch_add(1, Ordering::Relaxed);
                let _ = self.reports.send(StatusReport::Sent { changes, attempt });
                // A8: all three keys are marked required; we name agents, never teams.
                let call = CcaiCall::post(
                    "/apps/api/v1/agent_statuses",
                    serde_json::json!({ "status": status, "agent_ids": agent_ids, "team_ids": [] }),
                );
                let stats = self.stats.clone();
                tokio::spawn(async move {
                    let sent = Instant::now();
                    let answer = classify_batch(client.send(&call).await);
                    let took = sent.elapsed().as_millis() as u64;
                    stats
                        .batch_answer_ms_total
                        .fetch_add(took, Ordering::Relaxed);
                    stats.batch_answer_ms_max.fetch_max(took, Ordering::Relaxed);
                    let _ = done.send(Done::Batch { batch, answer });
                });
            }
        }
    }

    fn finish(&mut self, done: Done) {
        let now = self.now_ms();
        match done {
            Done::Request { id, result } => {
                let answer = match &result {
                    Ok(r) if r.status == 429 => Answer::RateLimited {
                        retry_after_ms: r.retry_after_ms,
                    },
                    Ok(r) if r.status >= 500 => Answer::Transient,
                    Ok(_) => Answer::Final,
                    Err(_) => Answer::Transient,
                };
                if matches!(answer, Answer::RateLimited { .. }) {
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(w) = self.waiting.get_mut(&id) {
                    w.last = Some(result);
                }
                self.machine.handle_answer(id, answer, now);
            }
            Done::Batch { batch, answer } => {
                if matches!(answer, BatchAnswer::RateLimited { .. }) {
                    self.stats.rate_limited.fetch_add(1, Ordering::Relaxed);
                }
                self.machine.handle_batch(batch, answer, now);
            }
        }
    }

    fn drain_events(&mut self) {
        while let Some(event) = self.machine.poll_event() {
            let report = match event {
                Event::Applied { change, status, .. } => StatusReport::Applied {
                    change,
                    status,
                    at_ms: crate::now_ms(),
                },
                Event::Failed { change, reason, .. } => StatusReport::Failed { change, reason },
                Event::Superseded { change, by } => StatusReport::Superseded { change, by },
                Event::Done { request } | Event::GaveUp { request } => {
                    if let Some(w) = self.waiting.remove(&request) {
                        let result = w
                            .last
                            .unwrap_or(Err(CcaiError::GaveUp { path: w.call.path }));
                        let _ = w.reply.send(result);
                    }
                    continue;
                }
            };
            let _ = self.reports.send(report);
        }
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// One entry of A8's array answer; the statuses are names. Not documented: whether `current_status`
/// may also come as an object (A10 nests `status {id, name}`), so both are read.
#[derive(Deserialize)]
struct AgentEntry {
    agent_id: i64,
    current_status: StatusName,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum StatusName {
    Name(String),
    Object { name: String },
}

fn classify_batch(result: Result<CcaiResponse, CcaiError>) -> BatchAnswer {
    let resp = match result {
        Ok(r) => r,
        Err(_) => return BatchAnswer::Transient,
    };
    match resp.status {
        429 => BatchAnswer::RateLimited {
            retry_after_ms: resp.retry_after_ms,
        },
        // A wrong or revoked company token is the operator's to fix; the changes wait, none is lost.
        401 | 403 => BatchAnswer::Transient,
        s if s >= 500 => BatchAnswer::Transient,
        s if (200..300).contains(&s) => match serde_json::from_slice::<Vec<AgentEntry>>(&resp.body)
        {
            Ok(entries) => BatchAnswer::Applied(
                entries
                    .into_iter()
                    .map(|e| AgentResult {
                        agent_id: e.agent_id,
                        current_status: match e.current_status {
                            StatusName::Name(n) | StatusName::Object { name: n } => n,
                        },
                    })
                    .collect(),
            ),
            // Unreadable success: whether it applied is unknown, and setting a status again is harmless.
            Err(_) => BatchAnswer::Transient,
        },
        code => match resp.error() {
            CcaiError::Status { message, .. } => BatchAnswer::Rejected { code, message },
            other => BatchAnswer::Rejected {
                code,
                message: other.to_string(),
            },
        },
    }
}
