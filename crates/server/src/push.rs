//! Push to agents: `GET /api/v1/events` (server-sent events, one connection per owner tab) and the hub
//! that fans a [`Push`] out to every open connection of an agent.
//!
//! Each connection has a bounded queue. `send` never waits: a connection whose queue is full is dropped
//! (its client reconnects and is told first how many events it lost, so it re-reads the state), so one
//! slow browser can never hold up the others.
//!
//! On PostgreSQL the hub also hands each delivery to the [`crate::fanout`] bus, and delivers the other
//! instances' on its own connections: an agent's connection may be on any instance.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use ccai_core::server_api::{EventsTicket, Push};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::mpsc;

use crate::fanout::{Bus, Op};
use crate::http::auth::{bearer, AgentSession, AuthError};
use crate::session;
use crate::state::AppState;

/// Events one connection may have waiting before it counts as lagging.
pub const QUEUE: usize = 256;
/// Open connections one agent may have (tabs, computers); a newer one replaces the oldest.
pub const PER_AGENT: usize = 8;
/// How long a `?ticket=` is good for.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// A comment line this often keeps proxies from closing an idle connection.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

struct Conn {
    id: u64,
    session_id: String,
    tx: mpsc::Sender<Push>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    by_agent: HashMap<String, Vec<Conn>>,
    /// Events lost per session by connections dropped for lagging, told on the next connection.
    lagged: HashMap<String, u64>,
}

#[derive(Default)]
pub struct Hub {
    inner: Mutex<Inner>,
    /// The other instances (PostgreSQL), attached once at start.
    bus: OnceLock<Bus>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// From now on, every delivery is published to the other instances too.
    pub fn attach(&self, bus: Bus) {
        let _ = self.bus.set(bus);
    }

    /// Whether this instance hears the other instances' pushes (`None`: one instance, SQLite).
    pub fn hears_others(&self) -> Option<bool> {
        self.bus.get().map(Bus::listening)
    }

    /// Tells the other instances only (a stand-by's word to the lease holder). False without a bus.
    pub fn tell_others(&self, op: Op) -> bool {
        match self.bus.get() {
            Some(bus) => {
                bus.publish(op);
                true
            }
            None => false,
        }
    }

    fn publish(&self, op: Op) {
        if let Some(bus) = self.bus.get() {
            bus.publish(op);
        }
    }

    /// Carries out a delivery on this instance's connections only (another instance's, or our own).
    pub fn deliver(&self, op: Op) {
        match op {
            Op::Send { agent, push } => self.send_here(&agent, push),
            Op::SendSession {
                agent,
                session,
                push,
            } => self.send_session_here(&agent, &session, push),
            Op::Broadcast { push } => self.broadcast_here(push),
            Op::CloseSession { session, reason } => self.close_session_here(&session, &reason),
            Op::CloseAgent { agent } => self.close_agent_here(&agent),
            Op::Resync => self.lock().by_agent.clear(),
            // Not a delivery: `fanout` hands it to the status side.
            Op::StatusQueued { .. } | Op::RecordsQueued { .. } | Op::KustomerByServer { .. } => {}
        }
    }

    /// Delivers `event` to every open connection of the agent, on every instance, without waiting.
    pub fn send(&self, agent_email: &str, event: Push) {
        self.publish(Op::Send {
            agent: agent_email.to_owned(),
            push: event.clone(),
        });
        self.send_here(agent_email, event);
    }

    /// Delivers `event` to the open connections of one session of the agent only (its other sessions,
    /// other browsers or computers, hear nothing of it), on every instance.
    pub fn send_session(&self, agent_email: &str, session_id: &str, event: Push) {
        self.publish(Op::SendSession {
            agent: agent_email.to_owned(),
            session: session_id.to_owned(),
            push: event.clone(),
        });
        self.send_session_here(agent_email, session_id, event);
    }

    /// Delivers `event` to every open connection of every agent, on every instance.
    pub fn broadcast(&self, event: Push) {
        self.publish(Op::Broadcast {
            push: event.clone(),
        });
        self.broadcast_here(event);
    }

    /// Tells the session's connections, on every instance, they are signed out, and closes them.
    pub fn close_session(&self, session_id: &str, reason: &str) {
        self.publish(Op::CloseSession {
            session: session_id.to_owned(),
            reason: reason.to_owned(),
        });
        self.close_session_here(session_id, reason);
    }

    /// Closes every connection of an agent, on every instance (after whatever was sent to them).
    pub fn close_agent(&self, agent_email: &str) {
        self.publish(Op::CloseAgent {
            agent: agent_email.to_owned(),
        });
        self.close_agent_here(agent_email);
    }

    fn send_here(&self, agent_email: &str, event: Push) {
        let mut inner = self.lock();
        let Inner {
            by_agent, lagged, ..
        } = &mut *inner;
        if let Some(conns) = by_agent.get_mut(agent_email) {
            deliver(conns, &event, lagged);
            if conns.is_empty() {
                by_agent.remove(agent_email);
            }
        }
    }

    fn send_session_here(&self, agent_email: &str, session_id: &str, event: Push) {
        let mut inner = self.lock();
        let Inner {
            by_agent, lagged, ..
        } = &mut *inner;
        if let Some(conns) = by_agent.get_mut(agent_email) {
            conns.retain(|c| c.session_id != session_id || offer(c, &event, lagged));
            if conns.is_empty() {
                by_agent.remove(agent_email);
            }
        }
    }

    fn broadcast_here(&self, event: Push) {
        let mut inner = self.lock();
        let Inner {
            by_agent, lagged, ..
        } = &mut *inner;
        for conns in by_agent.values_mut() {
            deliver(conns, &event, lagged);
        }
        by_agent.retain(|_, c| !c.is_empty());
    }

    fn close_session_here(&self, session_id: &str, reason: &str) {
        let mut inner = self.lock();
        for conns in inner.by_agent.values_mut() {
            conns.retain(|c| {
                if c.session_id != session_id {
                    return true;
                }
                let _ = c.tx.try_send(Push::SignedOut {
                    reason: reason.to_owned(),
                });
                false
            });
        }
        inner.by_agent.retain(|_, c| !c.is_empty());
    }

    fn close_agent_here(&self, agent_email: &str) {
        self.lock().by_agent.remove(agent_email);
    }

    pub fn connections_of(&self, agent_email: &str) -> usize {
        self.lock().by_agent.get(agent_email).map_or(0, Vec::len)
    }

    pub fn connection_count(&self) -> usize {
        self.lock().by_agent.values().map(Vec::len).sum()
    }

    /// Registers a connection; returns its queue, and how many events its session lost before.
    fn subscribe(&self, agent_email: &str, session_id: &str) -> (mpsc::Receiver<Push>, u64) {
        let (tx, rx) = mpsc::channel(QUEUE);
        let mut inner = self.lock();
        inner.next_id += 1;
        let id = inner.next_id;
        let lost = inner.lagged.remove(session_id).unwrap_or(0);
        let conns = inner.by_agent.entry(agent_email.to_owned()).or_default();
        if conns.len() >= PER_AGENT {
            conns.remove(0);
        }
        conns.push(Conn {
            id,
            session_id: session_id.to_owned(),
            tx,
        });
        (rx, lost)
    }
}

fn deliver(conns: &mut Vec<Conn>, event: &Push, lagged: &mut HashMap<String, u64>) {
    conns.retain(|c| offer(c, event, lagged));
}

/// Queues `event` on one connection; false when the connection is gone (closed, or dropped for
/// lagging: everything queued plus this one is lost with it, and told to its session next time).
fn offer(c: &Conn, event: &Push, lagged: &mut HashMap<String, u64>) -> bool {
    match c.tx.try_send(event.clone()) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            *lagged.entry(c.session_id.clone()).or_default() += QUEUE as u64 + 1;
            eprintln!(
                "ccai-server: push connection {} fell behind and was dropped",
                c.id
            );
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/events", get(events))
        .route("/api/v1/events/ticket", post(ticket))
}

#[derive(Deserialize)]
struct TicketQuery {
    ticket: Option<String>,
}

/// Who opens the stream: the `Authorization` header, or else a single-use ticket (an `EventSource`
/// cannot set headers).
async fn who(
    parts: &mut Parts,
    state: &AppState,
    ticket: Option<String>,
) -> Result<AgentSession, AuthError> {
    if bearer(parts).is_some() {
        return AgentSession::from_request_parts(parts, state).await;
    }
    let ticket = ticket.ok_or(AuthError::Missing)?;
    let store = &state.0.store;
    let internal = |e: crate::store::StoreError| AuthError::Internal(e.to_string());
    let session_id = store
        .take_ticket(&session::hash(&ticket), crate::now_ms())
        .map_err(internal)?
        .ok_or(AuthError::Unknown)?;
    let row = store
        .session(&session_id)
        .map_err(internal)?
        .ok_or(AuthError::Unknown)?;
    if let Some(reason) = row.revoked {
        return Err(AuthError::Revoked(reason));
    }
    let agent = store
        .agent(&row.email)
        .map_err(internal)?
        .ok_or(AuthError::Unknown)?;
    Ok(AgentSession {
        agent,
        session_id: row.id,
    })
}

async fn events(
    State(state): State<AppState>,
    Query(q): Query<TicketQuery>,
    req: axum::extract::Request,
) -> Response {
    let (mut parts, _) = req.into_parts();
    let s = match who(&mut parts, &state, q.ticket).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let (rx, lost) = state.0.hub.subscribe(&s.agent.email, &s.session_id);
    let mut first = Vec::new();
    if lost > 0 {
        first.push(Push::Lagged { dropped: lost });
    }
    match crate::settings::current(&state) {
        Ok((version, settings)) => first.push(Push::Settings { version, settings }),
        Err(e) => eprintln!("ccai-server: reading settings for a new connection: {e}"),
    }
    Sse::new(stream_of(first, rx))
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response()
}

fn stream_of(
    first: Vec<Push>,
    rx: mpsc::Receiver<Push>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let first = stream::iter(first);
    let rest = stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|p| (p, rx)) });
    futures_util::StreamExt::map(futures_util::StreamExt::chain(first, rest), |p| {
        Ok(Event::default()
            .json_data(&p)
            .unwrap_or_else(|_| Event::default().comment("unserialisable push")))
    })
}

async fn ticket(State(state): State<AppState>, s: AgentSession) -> Response {
    let ticket = match session::random_token() {
        Ok(t) => t,
        Err(e) => return AuthError::Internal(e.to_string()).into_response(),
    };
    let expires = crate::now_ms() + TICKET_TTL.as_millis() as u64;
    if let Err(e) = state
        .0
        .store
        .put_ticket(&session::hash(&ticket), &s.session_id, expires)
    {
        return AuthError::Internal(e.to_string()).into_response();
    }
    (
        StatusCode::OK,
        Json(EventsTicket {
            ticket,
            expires_in: TICKET_TTL.as_secs(),
        }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(n: u64) -> Push {
        Push::StatusFailed {
            key: format!("k{n}"),
            reason: "r".into(),
        }
    }

    #[test]
    fn send_reaches_every_connection_of_that_agent_only() {
        let hub = Hub::default();
        let (mut a1, _) = hub.subscribe("a@x", "s1");
        let (mut a2, _) = hub.subscribe("a@x", "s2");
        let (mut b, _) = hub.subscribe("b@x", "s3");
        hub.send("a@x", status(1));
        assert_eq!(a1.try_recv().ok(), Some(status(1)));
        assert_eq!(a2.try_recv().ok(), Some(status(1)));
        assert!(b.try_recv().is_err());
        hub.broadcast(status(2));
        assert_eq!(b.try_recv().ok(), Some(status(2)));
    }

    #[test]
    fn send_session_reaches_that_session_only() {
        let hub = Hub::default();
        let (mut s1a, _) = hub.subscribe("a@x", "s1");
        let (mut s1b, _) = hub.subscribe("a@x", "s1");
        let (mut s2, _) = hub.subscribe("a@x", "s2");
        hub.send_session("a@x", "s1", status(1));
        assert_eq!(s1a.try_recv().ok(), Some(status(1)));
        assert_eq!(s1b.try_recv().ok(), Some(status(1)));
        assert!(
            s2.try_recv().is_err(),
            "the agent's other session hears nothing"
        );
        hub.send_session("b@x", "s1", status(2));
        assert!(
            s1a.try_recv().is_err(),
            "another agent's send never reaches it"
        );
        assert_eq!(hub.connections_of("a@x"), 3);
    }

    #[test]
    fn a_lagging_connection_is_dropped_without_holding_up_the_others_and_told_next_time() {
        let hub = Hub::default();
        let (_slow, _) = hub.subscribe("a@x", "slow");
        let (mut fast, _) = hub.subscribe("a@x", "fast");
        for n in 0..=QUEUE as u64 {
            hub.send("a@x", status(n));
            // The fast one keeps up; the slow one never reads.
            assert_eq!(fast.try_recv().ok(), Some(status(n)));
        }
        assert_eq!(
            hub.connections_of("a@x"),
            1,
            "the slow connection was dropped"
        );
        let (_again, lost) = hub.subscribe("a@x", "slow");
        assert_eq!(lost, QUEUE as u64 + 1);
        let (_third, lost) = hub.subscribe("a@x", "slow");
        assert_eq!(lost, 0, "told once");
    }

    #[test]
    fn closing_a_session_tells_it_and_leaves_the_agents_other_sessions_open() {
        let hub = Hub::default();
        let (mut s1, _) = hub.subscribe("a@x", "s1");
        let (mut s2, _) = hub.subscribe("a@x", "s2");
        hub.close_session("s1", "signed out");
        assert_eq!(
            s1.try_recv().ok(),
            Some(Push::SignedOut {
                reason: "signed out".into()
            })
        );
        assert!(matches!(
            s1.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert!(matches!(
            s2.try_recv(),
            Err(mpsc::error::TryRecvError::Empty)
        ));
        hub.close_agent("a@x");
        assert!(matches!(
            s2.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert_eq!(hub.connection_count(), 0);
    }

    #[test]
    fn an_agent_holds_at_most_per_agent_connections() {
        let hub = Hub::default();
        let mut rxs: Vec<_> = (0..=PER_AGENT)
            .map(|i| hub.subscribe("a@x", &format!("s{i}")).0)
            .collect();
        assert_eq!(hub.connections_of("a@x"), PER_AGENT);
        assert!(
            matches!(
                rxs[0].try_recv(),
                Err(mpsc::error::TryRecvError::Disconnected)
            ),
            "the oldest was replaced"
        );
    }
}
