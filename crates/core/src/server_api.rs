//! The wire protocol between the company server and its clients (the extension, the load-test harness):
//! JSON bodies of `/api/v1/*`, `/auth/*` and `/admin/v1/*`, and the push events sent down `/api/v1/events`.
//!
//! Plain serde types, no behaviour: both sides compile the same definitions, so a field renamed on one
//! side is a compile error on the other, not a silent `null`.

use serde::{Deserialize, Serialize};

pub use crate::kustomer_status::StatusPath;
use crate::settings::{CreatedField, SettingsProblem, SyncSettings};

/// A Kustomer-side status change the owner tab asks the server to carry to CCAI (`POST /api/v1/status`).
/// `key` is the relay's idempotency key and `epoch` the owner term it was decided under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub key: String,
    pub epoch: u64,
    /// The Kustomer status the page changed to; the server maps it with the admin's mapping. Empty
    /// when `ccai_status_id` says the target.
    #[serde(default)]
    pub kustomer_status_id: String,
    pub changed_at_ms: u64,
    /// The CCAI status the owner tab decided itself: the agent's pick in the adapter's status menu
    /// (S1), or the tab's reconciler applying the mapping (S2, S5's priorities). The server sets it
    /// (refused if it cannot be set by name: A8, A9) without mapping and without counting it as a
    /// Kustomer-side change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ccai_status_id: Option<i64>,
}

/// What the agent's adapter needs of CCAI (`GET /api/v1/ccai`): the tenant's statuses, read by the
/// server (A9), and the agent's status now, read from CCAI at the request (A10, `id[]`); `None` when
/// CCAI did not say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentCcai {
    pub ccai_agent_id: i64,
    pub statuses: Vec<crate::status::CcaiStatus>,
    pub current: Option<crate::status::CcaiStatus>,
}

/// What the server did with a [`StatusChange`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub enum StatusOutcome {
    /// Accepted and queued for CCAI (200).
    Queued,
    /// The same key was accepted before; nothing new happens (200).
    Duplicate,
    /// The tab's term is over: another tab (or computer) claimed ownership (409).
    Fenced { current_epoch: u64 },
    /// Not carried out, with the reason in words (e.g. the status has no mapping).
    Refused { reason: String },
    /// The server read this very change in Kustomer's work sessions moments before and is carrying it
    /// already (200): it is not written to CCAI twice. The outcome comes by push under the server's
    /// own key (`StatusApplied`/`StatusFailed` with a key starting `kustomer:`).
    AlreadySet,
}
crate::internally_tagged!(StatusOutcome, "outcome");

/// The agent's Kustomer status as the server knows it (`GET /api/v1/status`), and which path
/// supplied it: the page (the extension's selectors) or Kustomer's work sessions (B8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KustomerStatusView {
    /// `None` before the first reading after sign-in.
    pub kustomer_status_id: Option<String>,
    pub source: Option<StatusPath>,
    /// When the server learned it (its clock, ms since the epoch).
    pub at_ms: Option<u64>,
    /// The page relayed a status that Kustomer's work sessions brought first: the selectors work.
    pub page_seen: bool,
}

/// `GET /api/v1/catalogs/kustomer`: Kustomer's routing statuses (B7) for a signed-in agent's status
/// sync, read by the server with the company's key (the same list as `GET /admin/v1/catalogs/kustomer`).
pub type KustomerStatusList = Vec<crate::status::KustomerStatus>;

/// `PUT /api/v1/kustomer-status`: bidirectional sync (S4), the owner tab asks the server to set the
/// session's own agent's Kustomer status (the agent is never named: the session says who). A body with
/// any other field is refused (400).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KustomerStatusRequest {
    pub kustomer_status_id: String,
}

/// The agent's live work session now shows the status (200). A refusal is an [`ApiError`]: 400 a bad
/// body, 409 no live work session (the agent is offline in Kustomer), 422 Kustomer refused the status,
/// 502 Kustomer failed, 504 no answer in time (the status may or may not have changed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KustomerStatusSet {
    pub kustomer_status_id: String,
    pub work_session_id: String,
}

/// A new owner term (`POST /api/v1/owner`): every older epoch of this agent is fenced from then on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnerClaim {
    pub epoch: u64,
}

/// `POST /api/v1/owner/status`: a new owner term and its first change in one request (the claim and
/// the write of a failover, one round trip instead of two). The change's own `epoch` is ignored: the
/// change goes under the term this request claims. Codes as `POST /api/v1/status`'s.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedChange {
    pub epoch: u64,
    #[serde(flatten)]
    pub outcome: StatusOutcome,
}

/// `POST /api/v1/calls`: click-to-call (C1–C3) as the session's agent, the number as the agent chose
/// it (the server normalises it with the company's countries, C2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallRequest {
    pub number: String,
}

/// What became of a click-to-call (200). A refusal is an [`ApiError`] (422 with CCAI's or the number's
/// reason, 503 when CCAI is busy or unreachable before anything was sent, 502 when the call may or may
/// not have started).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum CallOutcome {
    /// 201 from CCAI: the call is assigned to the agent (A13). `call_id` is the A12 object's `id` when
    /// CCAI's answer carries it: the session id of the pushes that follow.
    Started {
        e164: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
    },
    /// 202 from CCAI: the agent must finish in CCAI's adapter (pick an outbound number or a ticket).
    FinishInWidget { e164: String },
}
crate::internally_tagged!(CallOutcome, "outcome");

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
#[serde(remote = "Self")]
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
    /// A status change was not sent because a later change of the same agent (`by_key`) replaced it
    /// while it waited for CCAI's budget: nothing failed, the later one is sent instead.
    StatusSuperseded { key: String, by_key: String },
    /// The agent's CCAI status changed on CCAI's side (S5).
    CcaiStatusChanged {
        ccai_status_id: i64,
        name: String,
        at_ms: u64,
    },
    /// The agent's Kustomer status changed, and which path told the server first: the page (the
    /// owner tab's selectors) or Kustomer's work sessions (B8), which work whatever the page's markup.
    KustomerStatusChanged {
        kustomer_status_id: String,
        at_ms: u64,
        #[serde(default = "work_sessions")]
        source: StatusPath,
    },
    /// The owner term of this connection's session was fenced by a newer one (`epoch`): sent only to
    /// that session's connections.
    Fenced { epoch: u64 },
    /// A call of this agent moved on (CCAI's session event, A20), pushed as soon as the event arrives:
    /// never held up by the record rules' Kustomer writes. `at_ms` is CCAI's timestamp of the event.
    Call {
        session_id: String,
        state: CallState,
        at_ms: u64,
    },
    /// The Kustomer conversation the record rules chose for a call, and its customer (screen pop, A3):
    /// pushed once the rules have placed the session, so after the call's first `Call` (ringing). Sent
    /// again only if the session moves to another conversation or another agent; after a restart of the
    /// server it may come once more, with the same ids.
    CallRecord {
        session_id: String,
        conversation_id: String,
        customer_id: Option<String>,
    },
    /// The session is over (admin sign-out, Kustomer deactivation, expiry); the connection closes next.
    SignedOut { reason: String },
    /// This connection fell behind and events were dropped: re-read the state (sent first on the next
    /// connection of the same session).
    Lagged { dropped: u64 },
}
crate::internally_tagged!(Push, "type");

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
    /// The same problems typed, in the same order, so a client shows each beside its field and in its
    /// own language. Empty when the problem is the file itself (an import that cannot be read).
    #[serde(default)]
    pub details: Vec<SettingsProblem>,
}

/// `POST /admin/v1/fields`: create in Kustomer the custom fields of F1 that are missing, with these
/// display names (field name → name shown in Kustomer; the admin's language). A field without one
/// gets its own name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFields {
    #[serde(default)]
    pub display_names: std::collections::BTreeMap<String, String>,
}

/// What `POST /admin/v1/fields` did: how many fields it created and how many were there already, every
/// F1 field with when Kustomer says it was created (F2), and the settings that now record them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldsCreated {
    pub created: usize,
    pub existing: usize,
    pub fields: Vec<CreatedField>,
    pub settings: VersionedSettings,
}

/// `GET /admin/v1/checks`: the server's own check that it reaches both vendors with the company's
/// credentials, one entry per documented read, always all of them (one failing does not hide the
/// others). The admin's browser asks this instead of calling a vendor: it holds no vendor credential.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorChecks {
    pub checks: Vec<VendorCheck>,
}

/// One read the server made for [`VendorChecks`], what came of it, and the vendor's own words when it
/// failed (English, cut short, for whoever runs the server; empty when it passed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCheck {
    pub check: CheckName,
    #[serde(flatten)]
    pub outcome: CheckOutcome,
    #[serde(default)]
    pub detail: String,
}

/// Which documented read a [`VendorCheck`] made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckName {
    /// CCAI `GET /manager/api/v1/user_statuses` with the company's API token (A2, A9); `count` is
    /// the statuses listed.
    CcaiStatuses,
    /// Kustomer `GET /v1/routing/statuses` with the API key (B7; 403 names a missing role); `count`
    /// is the statuses listed.
    KustomerStatuses,
    /// Kustomer `GET /v1/metadata/{conversation,customer}` (B15); `count` of `of` are the custom
    /// fields F1 needs that exist.
    KustomerFields,
}

/// What came of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self", rename_all = "snake_case")]
pub enum CheckOutcome {
    /// The vendor answered with the company's credentials: `count` things found (of `of`, where a
    /// total applies).
    Passed {
        count: u32,
        #[serde(default)]
        of: Option<u32>,
    },
    /// Nothing answered (or CCAI's budget could not send it in time).
    Unreachable,
    /// The vendor answered with this HTTP status (401: the credential is wrong; 403: it lacks a role).
    Refused { status: u16 },
    /// The vendor answered 2xx with a body that is not what its documentation describes.
    Unreadable,
}
crate::internally_tagged!(CheckOutcome, "outcome");

/// Any error the server answers: `{"error": "<words>"}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: String,
}

/// What a `KustomerStatusChanged` from before the `source` field came from: the work sessions.
fn work_sessions() -> StatusPath {
    StatusPath::WorkSessions
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

/// `GET /admin/v1/operations`: what the people who run the server look at (issue 18), as this instance
/// sees it. Times are Unix ms.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operations {
    /// The instance that answered, by the name it holds the lease with (`None`: the only instance, on
    /// SQLite, with no lease).
    pub instance: Option<String>,
    /// Whether it acts for the company now (holds the lease, or is the only instance).
    pub acts_for_company: bool,
    /// Who holds the company lease (several instances on PostgreSQL), and until when.
    pub lease_holder: Option<String>,
    /// Whether this instance hears the others' pushes (`None`: one instance, SQLite).
    pub hears_other_instances: Option<bool>,
    pub ccai_rate_per_s: u32,
    /// CCAI requests this instance sent since it started, and those CCAI refused with 429.
    pub ccai_requests_sent: u64,
    pub ccai_rate_limited: u64,
    /// Status changes accepted and not yet answered by CCAI (the outbox, company-wide).
    pub status_changes_open: u64,
    /// CCAI session events stored and not yet applied to Kustomer (company-wide).
    pub records_backlog: u64,
    /// Push connections open on this instance.
    pub push_connections: u64,
    pub agents: Vec<AgentSync>,
    /// The latest refused or failed status changes, newest first, in words.
    pub refusals: Vec<Refusal>,
}

/// One signed-in agent's sync state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSync {
    pub email: String,
    pub name: String,
    /// The owner tab's term (0: no tab has claimed the status yet).
    pub owner_epoch: u64,
    /// Push connections of this agent on this instance.
    pub connections: u64,
    pub last_change: Option<ChangeView>,
}

/// A status change as the operations view shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeView {
    pub ccai_status: String,
    /// queued | sent | applied | failed | superseded | merged
    pub state: String,
    pub outcome: Option<String>,
    pub received_at_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub email: String,
    pub ccai_status: String,
    pub reason: String,
    pub at_ms: u64,
}
