//! Pushes across instances (issue 18). On PostgreSQL several instances serve one company and an agent's
//! push connection may be on any of them, while the event that concerns the agent (a settings save, a
//! sign-out, a call) arrives at another. Every instance therefore publishes each of its hub's deliveries
//! on one PostgreSQL channel with `NOTIFY`, `LISTEN`s on it, and delivers the other instances' to its own
//! connections. PostgreSQL delivers a channel's notifications in commit order, so what one instance
//! publishes arrives everywhere in the order it was sent (PostgreSQL docs, "NOTIFY").
//!
//! A payload over PostgreSQL's 8,000-byte limit goes into `push_overflow` and only its key is notified.
//! While the listening connection is away, this instance may miss others' pushes: when it is back it
//! closes its own connections, whose browsers reconnect and re-read what they show (as after `Lagged`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ccai_core::server_api::Push;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

use crate::state::AppState;

/// The one channel every instance of every company on the database listens on.
pub const CHANNEL: &str = "ccai_push";
/// Above this, a payload goes through `push_overflow` (PostgreSQL refuses notifications of 8,000 bytes
/// or more; the envelope's own fields need some room).
const INLINE_MAX: usize = 7_000;
/// Pushes waiting to be published while the database is away; past it, the others are told to resync.
const BACKLOG: usize = 10_000;
/// How long an overflowed payload is kept for listeners to read.
const OVERFLOW_KEEP_MS: u64 = 5 * 60_000;

pub const SCHEMA_V1: &str = "
CREATE TABLE push_overflow (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    at_ms INTEGER NOT NULL
);
";

/// One delivery of the hub, as every instance carries it out on its own connections.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    Send {
        agent: String,
        push: Push,
    },
    SendSession {
        agent: String,
        session: String,
        push: Push,
    },
    Broadcast {
        push: Push,
    },
    CloseSession {
        session: String,
        reason: String,
    },
    CloseAgent {
        agent: String,
    },
    /// Some of the sender's pushes were lost: close every connection, so that browsers re-read.
    Resync,
    /// For the instance that acts for the company: a stand-by accepted this status change (it is
    /// stored, open); queue it.
    StatusQueued {
        change: u64,
    },
    /// For the instance that acts for the company: a stand-by stored CCAI session events of this
    /// customer in the inbox; apply them.
    RecordsQueued {
        customer_key: String,
    },
    /// For every other instance: a step of a Kustomer status change this instance makes itself (S4,
    /// `status::kustomer_write`), so the one that polls the work sessions knows it as the server's own.
    KustomerByServer {
        agent: String,
        step: crate::status::kustomer_write::Step,
    },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    from: String,
    #[serde(flatten)]
    body: Body,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Body {
    Inline(Op),
    Stored(String),
}

/// This instance's side of the channel: the hub hands it every delivery it made locally.
pub struct Bus {
    tx: mpsc::Sender<Op>,
    overflowed: Arc<AtomicBool>,
    listening: watch::Receiver<bool>,
}

impl Bus {
    /// Queues `op` for the other instances; never waits.
    pub fn publish(&self, op: Op) {
        if self.tx.try_send(op).is_err() {
            self.overflowed.store(true, Ordering::Relaxed);
        }
    }

    /// Whether this instance hears the others now.
    pub fn listening(&self) -> bool {
        *self.listening.borrow()
    }

    /// Waits until this instance hears the others (at start), at most `limit`; false if it does not.
    pub async fn wait_listening(&self, limit: Duration) -> bool {
        let mut rx = self.listening.clone();
        let heard = tokio::time::timeout(limit, rx.wait_for(|l| *l)).await;
        matches!(heard, Ok(Ok(_)))
    }
}

/// The bus, and the task that keeps its PostgreSQL connection: publishes this instance's deliveries
/// and delivers the others'. The task never ends on its own; it reconnects while the database is away.
pub fn start(
    config: tokio_postgres::Config,
    instance: String,
    state: AppState,
) -> (Bus, impl Future<Output = ()> + Send) {
    let (tx, mut rx) = mpsc::channel(BACKLOG);
    let overflowed = Arc::new(AtomicBool::new(false));
    let (listening_tx, listening) = watch::channel(false);
    let bus = Bus {
        tx,
        overflowed: overflowed.clone(),
        listening,
    };
    let task = async move {
        let mut first = true;
        loop {
            let result = listen(
                &config,
                &instance,
                &state,
                &mut rx,
                &overflowed,
                first,
                &listening_tx,
            )
            .await;
            listening_tx.send_replace(false);
            match result {
                Ok(()) => {
                    eprintln!("ccai-server: the push channel's connection closed; reconnecting")
                }
                Err(e) => eprintln!(
                    "ccai-server: the push channel's connection failed ({}); reconnecting",
                    crate::store::db::chain(&e)
                ),
            }
            first = false;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    };
    (bus, task)
}

/// What the connection does next, one at a time so that order holds both ways.
enum Work {
    Publish(Op),
    Fetch(String),
    Deliver(Op),
}

type Pending<'a> =
    Pin<Box<dyn Future<Output = Result<Option<Op>, tokio_postgres::Error>> + Send + 'a>>;

/// One connection's life: LISTEN, then publish and deliver until it closes.
async fn listen(
    config: &tokio_postgres::Config,
    instance: &str,
    state: &AppState,
    rx: &mut mpsc::Receiver<Op>,
    overflowed: &AtomicBool,
    first: bool,
    listening_tx: &watch::Sender<bool>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = config.connect(tokio_postgres::NoTls).await?;
    // The connection is driven here, not spawned: a killed server's task takes it down with it.
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    let mut pending: Option<Pending<'_>> = Some(Box::pin(async {
        client.batch_execute(&format!("LISTEN {CHANNEL}")).await?;
        Ok(None)
    }));
    let mut incoming: VecDeque<Work> = VecDeque::new();
    let mut listening = false;
    loop {
        if pending.is_none() {
            if let Some(work) = incoming.pop_front() {
                match work {
                    Work::Deliver(op) => deliver(state, op),
                    Work::Fetch(id) => pending = Some(Box::pin(fetch(&client, id))),
                    Work::Publish(op) => pending = Some(Box::pin(publish(&client, instance, op))),
                }
                continue;
            }
        }
        tokio::select! {
            message = messages.next() => match message {
                Some(Ok(AsyncMessage::Notification(n))) if n.channel() == CHANNEL => {
                    match serde_json::from_str::<Envelope>(n.payload()) {
                        Ok(e) if e.from == instance => {}
                        Ok(Envelope { body: Body::Inline(op), .. }) => incoming.push_back(Work::Deliver(op)),
                        Ok(Envelope { body: Body::Stored(id), .. }) => incoming.push_back(Work::Fetch(id)),
                        Err(e) => eprintln!("ccai-server: an unreadable push on {CHANNEL} ({e}); ignored"),
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => return Err(e),
                None => return Ok(()),
            },
            done = async { pending.as_mut().expect("guarded by the branch's condition").await }, if pending.is_some() => {
                pending = None;
                let fetched = done?;
                if !listening {
                    listening = true;
                    listening_tx.send_replace(true);
                    // Pushes of the others sent while this instance was not listening are lost to it.
                    if !first {
                        state.0.hub.deliver(Op::Resync);
                    }
                }
                if let Some(op) = fetched {
                    deliver(state, op);
                }
            },
            op = rx.recv(), if pending.is_none() && incoming.is_empty() => {
                let Some(op) = op else { return Ok(()) };
                if overflowed.swap(false, Ordering::Relaxed) {
                    incoming.push_back(Work::Publish(Op::Resync));
                }
                incoming.push_back(Work::Publish(op));
            },
        }
    }
}

fn deliver(state: &AppState, op: Op) {
    match op {
        Op::StatusQueued { change } => crate::status::queue_stored(state, change),
        Op::RecordsQueued { customer_key } => crate::records::queue_stored(state, &customer_key),
        Op::KustomerByServer { agent, step } => {
            crate::status::kustomer_write::apply(state, &agent, step);
        }
        op => state.0.hub.deliver(op),
    }
}

/// Sends `op` to the other instances: inline when it fits NOTIFY's payload, else stored in
/// `push_overflow` and announced by its key (they fetch it).
async fn publish(
    client: &tokio_postgres::Client,
    instance: &str,
    op: Op,
) -> Result<Option<Op>, tokio_postgres::Error> {
    let inline = Envelope {
        from: instance.to_owned(),
        body: Body::Inline(op),
    };
    let Ok(text) = serde_json::to_string(&inline) else {
        return Ok(None);
    };
    if text.len() <= INLINE_MAX {
        notify(client, &text).await?;
        return Ok(None);
    }
    let Body::Inline(op) = inline.body else {
        return Ok(None);
    };
    let body = serde_json::to_string(&op).unwrap_or_default();
    let stored = match crate::session::random_token() {
        Ok(id) => {
            let now = crate::now_ms() as i64;
            client
                .execute(
                    "INSERT INTO push_overflow (id, body, at_ms) VALUES ($1, $2, $3)",
                    &[&id, &body, &now],
                )
                .await?;
            client
                .execute(
                    "DELETE FROM push_overflow WHERE at_ms < $1",
                    &[&(now - OVERFLOW_KEEP_MS as i64)],
                )
                .await?;
            Body::Stored(id)
        }
        Err(_) => {
            eprintln!("ccai-server: no randomness for an overflowed push's key; others resync");
            Body::Inline(Op::Resync)
        }
    };
    let envelope = Envelope {
        from: instance.to_owned(),
        body: stored,
    };
    notify(
        client,
        &serde_json::to_string(&envelope).unwrap_or_default(),
    )
    .await?;
    Ok(None)
}

async fn notify(
    client: &tokio_postgres::Client,
    payload: &str,
) -> Result<(), tokio_postgres::Error> {
    client
        .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
        .await?;
    Ok(())
}

async fn fetch(
    client: &tokio_postgres::Client,
    id: String,
) -> Result<Option<Op>, tokio_postgres::Error> {
    let row = client
        .query_opt("SELECT body FROM push_overflow WHERE id = $1", &[&id])
        .await?;
    let Some(row) = row else {
        eprintln!("ccai-server: an overflowed push {id} was gone before it was read; resyncing");
        return Ok(Some(Op::Resync));
    };
    let body: String = row.get(0);
    Ok(Some(serde_json::from_str(&body).unwrap_or(Op::Resync)))
}
