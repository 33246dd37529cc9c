//! CCAI Platform's external session events, as API-NOTES A20 documents them: what CCAI POSTs (HTTP
//! Basic, one URL per channel) to the company server while a call or chat goes on. Several deliveries
//! per session; each carries the session's `item`, enriched as more becomes known.
//!
//! Documented (A20): the root `{"count", "events"}`; per event `event_id` (UUID), `timestamp` (epoch ms),
//! `connected_at`/`ends_at` (ISO 8601), `initiator`, `dispositions {code, custom_code_id, note}`; the
//! six states Start, Routing, Assigned, Active, End, Final with their session status (connected,
//! disconnected) and participant event (External connected, Agent accepted, Agent connected, both
//! disconnected, Agent dispositionSubmitted); the `item` object and, as the data each state adds,
//! `call_id`, the customer's `dn`, `queue_path_names`, the agent's name and id, `ends_at`, `dispositions`.
//!
//! A20 does not document the field names of the state and of the participant event, nor the fields of
//! `item`. Those are our choices, each marked `Not documented:` below. The item is modelled on CCAI's
//! documented call object (A12) and, for chats, its chat object (A18). Unknown keys are ignored (A4:
//! "new JSON keys may appear").

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One POST's body (A20: "Root `{"count": <int>, "events": [...]}`").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEventsBody {
    /// How many events the body carries (A20). The intake refuses a body whose count disagrees.
    pub count: u64,
    pub events: Vec<CcaiSessionEvent>,
}

impl SessionEventsBody {
    /// A body of `events`, its count filled in.
    pub fn new(events: Vec<CcaiSessionEvent>) -> SessionEventsBody {
        SessionEventsBody {
            count: events.len() as u64,
            events,
        }
    }

    /// Why the body cannot be taken, if it cannot: a `count` that is not the number of events.
    pub fn check(&self) -> Result<(), FormatError> {
        if self.count != self.events.len() as u64 {
            return Err(FormatError::Count {
                count: self.count,
                events: self.events.len(),
            });
        }
        for e in &self.events {
            if e.item.id.as_text().is_empty() {
                return Err(FormatError::NoSessionId(e.event_id));
            }
        }
        Ok(())
    }
}

/// A body that parses as JSON but is not the documented format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("count is {count} but the body carries {events} events")]
    Count { count: u64, events: usize },
    #[error("event {0} has an item without an id")]
    NoSessionId(Uuid),
}

/// One delivery: a state the session reached, and the session's item as known at that moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcaiSessionEvent {
    /// A20: "UUID of the event notification". A retried delivery carries the same one.
    pub event_id: Uuid,
    /// A20: epoch milliseconds when the event was generated.
    pub timestamp: u64,
    /// Not documented: the field's name. A20 names the six states; we read them case-insensitively.
    pub state: SessionState,
    /// Not documented: the field's name. A20's "status" column: `connected` (Start to Active) or
    /// `disconnected` (End, Final). Informational: the state decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Not documented: the field's name and shape. A20's participant event, e.g. `{"participant":
    /// "agent", "status": "accepted"}`. Informational: the state decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub participant_event: Option<ParticipantEvent>,
    /// A20 (ISO 8601). Not documented: whether it sits on the event or in the item; read from either.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    /// A20 (ISO 8601), filled from End on. Same placement choice as `connected_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// A20: who handled the change, e.g. `virtual_agent_15`, `agent_1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initiator: Option<String>,
    /// A20: the wrap-up, from Final on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispositions: Option<Dispositions>,
    /// A20: the session's item, enriched delivery after delivery.
    pub item: SessionItem,
}

impl CcaiSessionEvent {
    /// The session's CCAI id (a call or chat id) as text.
    pub fn session_id(&self) -> String {
        self.item.id.as_text()
    }

    /// `ends_at`, on the event or in its item.
    pub fn ends_at(&self) -> Option<&str> {
        self.ends_at.as_deref().or(self.item.ends_at.as_deref())
    }

    /// `connected_at`, on the event or in its item.
    pub fn connected_at(&self) -> Option<&str> {
        self.connected_at
            .as_deref()
            .or(self.item.connected_at.as_deref())
    }
}

/// A20's six states, in their documented order. Anything else is kept as said, so that a state CCAI adds
/// later is acknowledged and logged rather than refused (A4: responses evolve).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum SessionState {
    /// 1. connected / External connected: call id, customer number.
    Start,
    /// 2. connected / External connected: queue path names, virtual-agent initiator.
    Routing,
    /// 3. connected / Agent accepted: the agent's name and id.
    Assigned,
    /// 4. connected / Agent connected: media up.
    Active,
    /// 5. disconnected / both disconnected: `ends_at`.
    End,
    /// 6. disconnected / Agent dispositionSubmitted: the wrap-up dispositions.
    Final,
    Other(String),
}

impl SessionState {
    /// 1–6 in A20's order; 0 for a state A20 does not name.
    pub fn rank(&self) -> u8 {
        match self {
            SessionState::Start => 1,
            SessionState::Routing => 2,
            SessionState::Assigned => 3,
            SessionState::Active => 4,
            SessionState::End => 5,
            SessionState::Final => 6,
            SessionState::Other(_) => 0,
        }
    }

    /// A20's spelling.
    pub fn name(&self) -> &str {
        match self {
            SessionState::Start => "Start",
            SessionState::Routing => "Routing",
            SessionState::Assigned => "Assigned",
            SessionState::Active => "Active",
            SessionState::End => "End",
            SessionState::Final => "Final",
            SessionState::Other(s) => s,
        }
    }
}

impl From<String> for SessionState {
    fn from(s: String) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "start" => SessionState::Start,
            "routing" => SessionState::Routing,
            "assigned" => SessionState::Assigned,
            "active" => SessionState::Active,
            "end" => SessionState::End,
            "final" => SessionState::Final,
            _ => SessionState::Other(s),
        }
    }
}

impl From<SessionState> for String {
    fn from(s: SessionState) -> String {
        s.name().to_owned()
    }
}

/// Not documented: the shape. A20's participant event: who (`external`, `agent`, `both`) and what
/// (`connected`, `accepted`, `disconnected`, `dispositionSubmitted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantEvent {
    pub participant: String,
    pub status: String,
}

/// A20: `dispositions {code, custom_code_id, note}`. Not documented: the types; read as text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Dispositions {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub custom_code_id: Option<Id>,
    #[serde(default)]
    pub note: Option<String>,
}

/// An id CCAI may write as a number or as text. Not documented for the item: A12's examples show numbers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Id {
    Num(i64),
    Text(String),
}

impl Id {
    pub fn as_text(&self) -> String {
        match self {
            Id::Num(n) => n.to_string(),
            Id::Text(s) => s.trim().to_owned(),
        }
    }

    /// The number, when the id is one (written as a number or as digits).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Id::Num(n) => Some(*n),
            Id::Text(s) => s.trim().parse().ok(),
        }
    }
}

impl Default for Id {
    fn default() -> Self {
        Id::Text(String::new())
    }
}

/// Not documented: the item's fields (A20 says only that deliveries enrich it). Modelled on the call
/// object (A12) and, for chats, the chat object (A18); every field may be absent until its state.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SessionItem {
    /// A12 `id`; A20's Start row calls it `call_id`, so that name is read too (and `chat_id`).
    #[serde(alias = "call_id", alias = "chat_id")]
    pub id: Id,
    /// A12: `"Voice Inbound (API)"`, `"Voice Outbound (API)"`, … Not documented: the values of calls
    /// not made through the API (IVR, mobile); we read any value naming "outbound" as outbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_type: Option<String>,
    /// A18 (Manager chats). Not documented: its values; one naming "web" is the web widget, any other
    /// chat the mobile SDK.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_type: Option<String>,
    /// A12 statuses (lowercase in the examples), e.g. `connected`, `finished`, `voicemail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// A12/A18 language, e.g. `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// A20 (Start): the customer's number. Not documented: its place and format; read in the item, as
    /// given (E.164 expected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dn: Option<String>,
    /// A20 (Routing). Not documented: the shape; a list of names or one name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_path_names: Option<Names>,
    /// A12/A18. Not documented: the shape; a name, a list of names, or a list of `{id, name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub menu_path: Option<Names>,
    /// A12. Not documented: the shape; `{id, name}` or a name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_menu: Option<Named>,
    /// A12 `agent_info` (A18 chats: `agent`). No e-mail (A12): the server maps `id` to its directory.
    #[serde(default, alias = "agent", skip_serializing_if = "Option::is_none")]
    pub agent_info: Option<AgentInfo>,
    /// A12/A18 `end_user {id, identifier, out_contact_id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user: Option<EndUserInfo>,
    /// A12 (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<String>,
    /// A12 durations. Not documented: the unit; read as seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_duration: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_duration: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_duration: Option<f64>,
    /// A18 (Manager chats). Same unit choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_duration: Option<f64>,
    /// A12. Not documented: the scale; we keep what CCAI says (R14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// A12. Not documented: when it is filled; read at End and later.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// A12.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voicemail_reason: Option<String>,
    /// A12. Not documented: the shape; kept, not read (a transfer is seen as `agent_info` changing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfers: Option<serde_json::Value>,
    /// A12: the call this one follows (a call back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<Id>,
    /// A12/A18.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Participant>,
    /// A18 (Manager chats). Not documented: the shape; text, or a list of messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<serde_json::Value>,
}

/// A12 `agent_info {id, name, first_name, last_name, agent_number}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AgentInfo {
    pub id: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_number: Option<String>,
}

/// A12 `end_user {id, identifier, out_contact_id}`. Not documented: what `identifier` holds; we read it
/// as the app's user identifier for SDK sessions (R17) and as a number for calls when `dn` is absent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EndUserInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_contact_id: Option<Id>,
}

/// A12 `participants[{id, type agent|end_user, status, user_id, end_user_id, …}]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Participant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Id>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_user_id: Option<Id>,
}

/// `{id, name}` or a bare name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Named {
    Name(String),
    Object {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<Id>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
}

impl Named {
    pub fn name(&self) -> Option<&str> {
        match self {
            Named::Name(n) => Some(n),
            Named::Object { name, .. } => name.as_deref(),
        }
    }
}

/// A path of names: one name, or a list of names or `{id, name}` objects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Names {
    One(String),
    Many(Vec<Named>),
}

impl Names {
    /// The path as one line, `Billing > Refunds`; `None` when empty.
    pub fn joined(&self) -> Option<String> {
        let s = match self {
            Names::One(s) => s.trim().to_owned(),
            Names::Many(list) => list
                .iter()
                .filter_map(Named::name)
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(" > "),
        };
        (!s.is_empty()).then_some(s)
    }

    /// The last name of the path (the queue the session ended up in).
    pub fn last(&self) -> Option<String> {
        match self {
            Names::One(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
            Names::Many(list) => list.iter().rev().find_map(Named::name).map(str::to_owned),
        }
    }
}
