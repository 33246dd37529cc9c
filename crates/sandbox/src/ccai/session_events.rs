//! CCAI's external session events (API-NOTES A20), sent by the sandbox: per channel (call, chat) an
//! HTTPS URL with a username and password, sent as HTTP Basic — set by a control hook, as an admin sets
//! them in CCAI's portal (Settings > Developer Settings > Session Data Export > External Session
//! Events). Each POST's body is `{"count", "events"}` (`ccai_core::records::ccai_events`).
//!
//! Not documented (A20): retries, ordering, the expected response code, the timeout. The sandbox sends
//! each delivery once (duplicates only when a test asks for them), counts any 2xx as taken, waits at
//! most 10 s, and logs every delivery (`GET /sandbox/ccai/session-events/log`).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ccai_core::records::ccai_events::{CcaiSessionEvent, SessionEventsBody};
use serde::{Deserialize, Serialize};

use ccai_core::records::ccai_events::{Dispositions, ParticipantEvent, SessionItem, SessionState};
use uuid::Uuid;

use super::model::unix_ms;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A20: one URL (and Basic credentials) per channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Call,
    Chat,
}

/// A version-4-shaped UUID from a seed: deterministic, so a retried delivery keeps its `event_id`.
pub fn event_uuid(a: u64, b: u64) -> Uuid {
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_be_bytes());
    bytes[8..].copy_from_slice(&b.to_be_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A20's session status and participant event for each state. Not documented: their field names and
/// spelling (the core's `status` and `participant_event {participant, status}`).
pub fn state_event(state: &SessionState) -> (&'static str, &'static str, &'static str) {
    match state {
        SessionState::Start | SessionState::Routing => ("connected", "external", "connected"),
        SessionState::Assigned => ("connected", "agent", "accepted"),
        SessionState::Active => ("connected", "agent", "connected"),
        SessionState::End => ("disconnected", "both", "disconnected"),
        _ => ("disconnected", "agent", "dispositionSubmitted"),
    }
}

/// One delivery of `state` with `item` at `timestamp`.
pub fn event(state: SessionState, timestamp: u64, item: SessionItem, id: Uuid) -> CcaiSessionEvent {
    let (status, who, what) = state_event(&state);
    let initiator = match (&state, &item.agent_info) {
        (SessionState::Routing, _) => Some("virtual_agent_1".to_owned()),
        (SessionState::Start, _) => None,
        (_, Some(a)) => Some(format!("agent_{}", a.id)),
        _ => None,
    };
    CcaiSessionEvent {
        event_id: id,
        timestamp,
        status: Some(status.into()),
        participant_event: Some(ParticipantEvent {
            participant: who.into(),
            status: what.into(),
        }),
        connected_at: item.connected_at.clone(),
        ends_at: item.ends_at.clone(),
        initiator,
        dispositions: (state == SessionState::Final).then(|| Dispositions {
            code: Some("resolved".into()),
            custom_code_id: None,
            note: None,
        }),
        state,
        item,
    }
}

/// Where one channel's events go (A20: URL + username + password).
#[derive(Clone, Debug, Deserialize)]
pub struct Endpoint {
    pub url: String,
    pub username: String,
    pub password: String,
}

/// One POST, as the log shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Delivery {
    pub seq: u64,
    pub channel: Channel,
    /// `item.id` of each event.
    pub session_ids: Vec<String>,
    pub event_ids: Vec<String>,
    pub states: Vec<String>,
    /// Unix ms when the POST started, and how long the answer took.
    pub sent_at_ms: i64,
    pub elapsed_ms: f64,
    /// The HTTP status, or `None` with `error` when there was no answer.
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error("no URL is set for {0:?} session events (POST /sandbox/ccai/session-events/settings)")]
    NoEndpoint(Channel),
}

pub struct Emitter {
    client: reqwest::Client,
    endpoints: Mutex<HashMap<Channel, Endpoint>>,
    log: Mutex<Vec<Delivery>>,
}

impl Default for Emitter {
    fn default() -> Self {
        Emitter::new()
    }
}

impl Emitter {
    pub fn new() -> Emitter {
        // Without TLS features the builder has nothing that can fail; the plain client is the fallback.
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .no_proxy()
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Emitter {
            client,
            endpoints: Mutex::default(),
            log: Mutex::default(),
        }
    }

    fn endpoints(&self) -> MutexGuard<'_, HashMap<Channel, Endpoint>> {
        self.endpoints.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn log_lock(&self) -> MutexGuard<'_, Vec<Delivery>> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn has(&self, channel: Channel) -> bool {
        self.endpoints().contains_key(&channel)
    }

    pub fn set(&self, channel: Channel, endpoint: Option<Endpoint>) {
        match endpoint {
            Some(e) => self.endpoints().insert(channel, e),
            None => self.endpoints().remove(&channel),
        };
    }

    /// The channels' URLs and usernames (never the password).
    pub fn settings(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .endpoints()
            .iter()
            .map(|(c, e)| {
                let key = serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned));
                (
                    key.unwrap_or_default(),
                    serde_json::json!({ "url": e.url, "username": e.username }),
                )
            })
            .collect();
        serde_json::Value::Object(map)
    }

    pub fn log_after(&self, after: u64) -> Vec<Delivery> {
        self.log_lock()
            .iter()
            .skip(after as usize)
            .cloned()
            .collect()
    }

    pub fn clear_log(&self) {
        self.log_lock().clear();
    }

    /// POSTs `events` (one body) to the channel's URL. The answer's status, or the log's error.
    pub async fn send(
        &self,
        channel: Channel,
        events: Vec<CcaiSessionEvent>,
    ) -> Result<Delivery, EmitError> {
        let endpoint = self
            .endpoints()
            .get(&channel)
            .cloned()
            .ok_or(EmitError::NoEndpoint(channel))?;
        let mut delivery = Delivery {
            seq: 0,
            channel,
            session_ids: events.iter().map(CcaiSessionEvent::session_id).collect(),
            event_ids: events.iter().map(|e| e.event_id.to_string()).collect(),
            states: events.iter().map(|e| e.state.name().to_owned()).collect(),
            sent_at_ms: unix_ms(),
            elapsed_ms: 0.0,
            status: None,
            error: None,
        };
        let body = SessionEventsBody::new(events);
        let started = Instant::now();
        let answer = self
            .client
            .post(&endpoint.url)
            .basic_auth(&endpoint.username, Some(&endpoint.password))
            .json(&body)
            .send()
            .await;
        delivery.elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match answer {
            Ok(res) => delivery.status = Some(res.status().as_u16()),
            Err(e) => delivery.error = Some(e.to_string()),
        }
        let mut log = self.log_lock();
        delivery.seq = log.len() as u64 + 1;
        log.push(delivery.clone());
        Ok(delivery)
    }

    /// Sends each delivery in order, one POST each. The statuses (0 = no answer).
    pub async fn play(
        &self,
        deliveries: &[(Channel, CcaiSessionEvent)],
    ) -> Result<Vec<u16>, EmitError> {
        let mut out = Vec::with_capacity(deliveries.len());
        for (channel, event) in deliveries {
            let d = self.send(*channel, vec![event.clone()]).await?;
            out.push(d.status.unwrap_or(0));
        }
        Ok(out)
    }
}
