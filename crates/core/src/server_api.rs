//! The wire protocol between the company server and its clients (the extension, the load-test harness):
//! JSON bodies of `/api/v1/*`, `/auth/*` and `/admin/v1/*`, and the push events sent down `/api/v1/events`.
//!
//! Plain serde types, no behaviour: both sides compile the same definitions, so a field renamed on one
//! side is a compile error on the other, not a silent `null`.

use serde::{Deserialize, Serialize};

use crate::settings::SyncSettings;

/// A Kustomer-side status change the owner tab asks the server to carry to CCAI (`POST /api/v1/status`).
/// `key` is the relay's idempotency key and `epoch` the owner term it was decided under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub key: String,
    pub epoch: u64,
    pub kustomer_status_id: String,
    pub changed_at_ms: u64,
}

/// What the server did with a [`StatusChange`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome")]
pub enum StatusOutcome {
    /// Accepted and queued for CCAI (200).
    Queued,
    /// The same key was accepted before; nothing new happens (200).
    Duplicate,
    /// The tab's term is over: another tab (or computer) claimed ownership (409).
    Fenced { current_epoch: u64 },
    /// Not carried out, with the reason in words (e.g. the status has no mapping).
    Refused { reason: String },
}

/// A new owner term (`POST /api/v1/owner`): every older epoch of this agent is fenced from then on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerClaim {
    pub epoch: u64,
}

/// A call's state as it reaches the agent's adapter (from CCAI's session events, A20).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    Ringing,
    Accepted,
    Connected,
    Ended,
}

/// One event pushed to an agent's connection (`GET /api/v1/events`, SSE, JSON in `data:`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Push {
    /// The company's settings changed (or, first thing on a connection, what they are).
    Settings {
        version: u64,
        settings: SyncSettings,
    },
    /// A status change reached CCAI.
    StatusApplied {
        key: String,
        ccai_status: String,
        applied_at_ms: u64,
    },
    /// A status change could not be carried out; the reason is in words.
    StatusFailed { key: String, reason: String },
    /// The agent's CCAI status changed on CCAI's side (S5).
    CcaiStatusChanged {
        ccai_status_id: i64,
        name: String,
        at_ms: u64,
    },
    /// The agent's Kustomer status, as Kustomer's work sessions say (B8).
    KustomerStatusChanged {
        kustomer_status_id: String,
        at_ms: u64,
    },
    /// This connection's owner term was fenced by a newer one.
    Fenced { epoch: u64 },
    /// A call of this agent moved on; `conversation_id` is the record the rules chose (screen pop).
    Call {
        session_id: String,
        state: CallState,
        conversation_id: Option<String>,
        customer_id: Option<String>,
        at_ms: u64,
    },
    /// The session is over (admin sign-out, Kustomer deactivation, expiry); the connection closes next.
    SignedOut { reason: String },
    /// This connection fell behind and events were dropped: re-read the state (sent first on the next
    /// connection of the same session).
    Lagged { dropped: u64 },
}

/// The signed-in agent, as `GET /api/v1/me` returns it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub email: String,
    pub name: String,
    pub kustomer_user_id: String,
    pub ccai_agent_id: i64,
    pub admin: bool,
    /// When the session token expires (epoch ms); refresh before then.
    pub session_expires_at_ms: u64,
}

/// The tokens a sign-in or a refresh hands the extension (`POST /auth/refresh`; the callback carries the
/// same fields in the redirect's fragment).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTokens {
    pub session: String,
    pub refresh: String,
    /// Seconds the session token is good for.
    pub expires_in: u64,
}

/// `POST /auth/refresh` and `POST /auth/signout` bodies.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRequest {
    pub refresh: String,
}

/// `POST /api/v1/events/ticket`: a single-use, short-lived ticket for `GET /api/v1/events?ticket=`
/// (an `EventSource` cannot set an `Authorization` header).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventsTicket {
    pub ticket: String,
    pub expires_in: u64,
}

/// The company's settings and their version (`GET /admin/v1/settings`; the body of a `PUT`, where
/// `version` is the version the edit started from; the `PUT`'s answer, with the new version). Version 0
/// is "never saved": the defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VersionedSettings {
    pub version: u64,
    pub settings: SyncSettings,
}

/// The settings as a file (`GET /admin/v1/settings/export`, `POST /admin/v1/settings/import`). It holds
/// no secret: the server's credentials never leave the server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SettingsFile {
    /// Always [`SETTINGS_FORMAT`].
    pub format: String,
    /// The server version that wrote the file.
    #[serde(default)]
    pub exported_by: String,
    /// The settings version it was taken from.
    #[serde(default)]
    pub settings_version: u64,
    pub settings: SyncSettings,
}

pub const SETTINGS_FORMAT: &str = "ccai-server-settings";

/// Settings refused (422): every problem, in words, so the admin fixes them all at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsRefused {
    pub error: String,
    pub problems: Vec<String>,
}

/// Any error the server answers: `{"error": "<words>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_is_tagged_by_type() {
        let p = Push::SignedOut {
            reason: "signed out by an admin".into(),
        };
        let json = serde_json::to_value(&p).expect("serialises");
        assert_eq!(json["type"], "SignedOut");
        let call = Push::Call {
            session_id: "s1".into(),
            state: CallState::Ringing,
            conversation_id: None,
            customer_id: None,
            at_ms: 5,
        };
        let json = serde_json::to_value(&call).expect("serialises");
        assert_eq!(json["state"], "ringing");
        let back: Push = serde_json::from_value(json).expect("parses");
        assert_eq!(back, call);
    }

    #[test]
    fn outcome_is_tagged() {
        let o = StatusOutcome::Fenced { current_epoch: 3 };
        let json = serde_json::to_value(&o).expect("serialises");
        assert_eq!(json["outcome"], "Fenced");
        assert_eq!(json["current_epoch"], 3);
    }
}
