//! The CCAI session events the rules consume. The server makes them from CCAI's documented deliveries
//! (`ccai_events`, translated by `ccai_translate`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One thing that happened in a CCAI session (a call, a chat or a voicemail).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEvent {
    /// Unique per event; a webhook retried by CCAI carries the same id and the same body.
    pub event_id: String,
    /// The CCAI call or chat id. It is also the "call id" of R21.
    pub session_id: String,
    /// An ordering hint. CCAI's documented deliveries (A20) number nothing: the translation
    /// (`ccai_translate`) writes the delivery's state rank (1–6), and the server orders a session's
    /// deliveries by their `timestamp` and state itself.
    pub seq: u64,
    /// When the event happened (ms since the Unix epoch).
    pub at_ms: u64,
    /// When the session started (ms since the Unix epoch): F2 compares it with each field's creation.
    pub session_started_at_ms: u64,
    pub end_user: EndUser,
    pub session: SessionInfo,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Who the end user is, as far as CCAI knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct EndUser {
    /// With the country code, e.g. `+14155550100` (R19).
    #[serde(default)]
    pub phone: Option<String>,
    /// The mobile or web SDK's identifier of the app user (R17).
    #[serde(default)]
    pub app_user_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl SessionEvent {
    /// The key customers and ordering are partitioned by: the app identifier when there is one, else the
    /// phone number, else (an anonymous web chat) the session itself.
    pub fn customer_key(&self) -> CustomerKey {
        match (&self.end_user.app_user_id, &self.end_user.phone) {
            (Some(id), _) => CustomerKey::AppUser(id.clone()),
            (None, Some(phone)) => CustomerKey::Phone(phone.clone()),
            (None, None) => CustomerKey::Anonymous(self.session_id.clone()),
        }
    }
}

/// How a Kustomer customer is found for an end user.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "value", rename_all = "snake_case")]
pub enum CustomerKey {
    Phone(String),
    AppUser(String),
    Anonymous(String),
}

impl CustomerKey {
    /// A stable text form, e.g. `phone:+14155550100`, used as a database and partition key.
    pub fn as_text(&self) -> String {
        match self {
            CustomerKey::Phone(p) => format!("phone:{p}"),
            CustomerKey::AppUser(id) => format!("app:{id}"),
            CustomerKey::Anonymous(session) => format!("anon:{session}"),
        }
    }
}

/// What does not change during a session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub channel: Channel,
    pub origin: Origin,
    /// e.g. `en`, `es-MX`.
    pub language: String,
    /// The IVR menu path the caller chose, e.g. `Billing > Refunds`.
    #[serde(default)]
    pub menu: Option<String>,
    #[serde(default)]
    pub queue_name: Option<String>,
    /// The e-mail the end user gave in the web widget.
    #[serde(default)]
    pub in_web_email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Voice,
    Chat,
}

/// Where the session came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The CCAI mobile SDK (R1, R17).
    MobileSdk,
    /// The web widget.
    Web,
    /// A phone call through the IVR (R2, R16).
    Ivr,
    /// An agent's outbound call (R3, R7).
    Outbound,
}

/// What an agent did with a voicemail (R15).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoicemailAction {
    Read,
    Dismissed,
    Returned,
}

/// A file a SmartAction shared (R12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedFile {
    pub name: String,
    pub url: String,
}

/// The event itself. Serialized flat beside the envelope, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A session began. From the mobile SDK or the web widget this makes the record (R1); an IVR call
    /// waits for an agent to answer (R2) or for the caller to give up (R4).
    SessionStarted,
    /// An agent answered (R2 for IVR calls; the answering agent is assigned, A4 and R18).
    CallAnswered { agent_email: String },
    /// An agent placed an outbound call (R3, R7).
    OutboundCallStarted { agent_email: String },
    /// The caller hung up before an agent answered (R4).
    Abandoned { wait_time_s: f64 },
    /// The caller left a voicemail (R5).
    VoicemailLeft {
        recording_url: String,
        duration_s: f64,
    },
    /// The call or chat went to another agent (R9).
    Transferred { to_agent_email: String },
    /// The call or chat ended (R8 when there is a recording, R21 after the call).
    Ended {
        duration_s: f64,
        wait_time_s: f64,
        hold_time_s: f64,
        #[serde(default)]
        recording_url: Option<String>,
    },
    /// The agent used the widget's "hang up and call back": a new call session (R10).
    HangUpAndCallBack { agent_email: String },
    /// The agent pressed "Call back" after a call of `previous_duration_s` (R11 below 10 s).
    CallBack {
        agent_email: String,
        previous_session_id: String,
        previous_duration_s: f64,
    },
    /// R12, success.
    SmartActionCompleted {
        action: String,
        #[serde(default)]
        results: BTreeMap<String, String>,
        #[serde(default)]
        files: Vec<SharedFile>,
    },
    /// R12, failed through the user (e.g. fingerprint access not enabled).
    SmartActionFailed { action: String, error: String },
    /// R14.
    Rated {
        rating: u8,
        #[serde(default)]
        comment: Option<String>,
    },
    /// R15.
    VoicemailHandled {
        action: VoicemailAction,
        agent_email: String,
    },
    /// Custom data sent by the SDK (R13, F4).
    CustomData { data: BTreeMap<String, String> },
    /// R20.
    ChatTranscript { file_name: String, content: String },
}
