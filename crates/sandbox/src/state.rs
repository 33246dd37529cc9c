//! The sandbox's whole world, in memory behind one lock: Kustomer's records, CCAI's agents, the logs of
//! what each side received and the pending faults. One `std::sync::Mutex` is enough: no handler awaits
//! while holding it, and one lock makes every request atomic.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::{broadcast, watch};

use crate::ccai::model::CcaiState;
use crate::faults::FaultQueue;
use crate::kustomer::model::KustomerState;
use crate::SandboxConfig;

/// Shared by every handler (axum state).
pub type App = Arc<Shared>;

pub struct Shared {
    pub cfg: SandboxConfig,
    state: Mutex<State>,
    /// Pushes to the agent page (Kustomer's own app): status changes, new records, user changes.
    pub page_events: broadcast::Sender<(u64, PageEvent)>,
    /// The recent page events with their sequence numbers, for the polling fallback
    /// (`GET /kapi/v1/sandbox-events?after=`). Outside [`State`] so a reset does not rewind it.
    page_log: Mutex<(u64, VecDeque<(u64, PageEvent)>)>,
    /// Flips to true on [`crate::Sandbox::stop`], ending the endless streams so shutdown completes.
    pub shutdown: watch::Sender<bool>,
    /// Zero of `at_ms` in the logs: monotonic, so latency figures are not disturbed by clock changes.
    pub started: Instant,
    /// The value of the `ksession` cookie the page receives: the signed-in agent's Kustomer session.
    pub session_token: String,
    /// Kustomer's OAuth clients (B3): the config's, plus those registered with `/sandbox/oauth/clients`.
    /// Outside [`State`]: an installed app survives a reset.
    oauth_clients: Mutex<Vec<crate::kustomer::oauth::OAuthClient>>,
    /// Kustomer's org-wide per-minute budget (B4) and its measurements.
    pub kustomer_rate: crate::kustomer::rate::RateLimit,
    /// CCAI's rate limit and what it saw (A3). Outside [`State`]: its own lock, kept across resets.
    pub ccai_rate: crate::ccai::rate::Rate,
    /// CCAI's external session events (A20): the channels' URLs and what was sent. Kept across resets.
    pub ccai_events: crate::ccai::session_events::Emitter,
    /// Every product request to the vendors, by the contract's word on it (issue 16). Kept across resets.
    pub fidelity: crate::fidelity::Ledger,
}

impl Shared {
    pub fn new(cfg: SandboxConfig) -> App {
        let state = State::seeded(&cfg);
        let (page_events, _) = broadcast::channel(1024);
        let (shutdown, _) = watch::channel(false);
        let session_token = format!("sandbox-session-{:016x}", random_u64());
        let oauth_clients = Mutex::new(cfg.oauth_clients.clone());
        let kustomer_rate = crate::kustomer::rate::RateLimit::new(cfg.kustomer_budget_per_min);
        let ccai_rate = crate::ccai::rate::Rate::new(cfg.ccai_rate);
        Arc::new(Shared {
            ccai_rate,
            ccai_events: crate::ccai::session_events::Emitter::new(),
            fidelity: crate::fidelity::Ledger::default(),
            cfg,
            state: Mutex::new(state),
            page_events,
            page_log: Mutex::new((0, VecDeque::new())),
            shutdown,
            started: Instant::now(),
            session_token,
            oauth_clients,
            kustomer_rate,
        })
    }

    /// Kustomer's OAuth clients (B3).
    pub fn oauth_clients(&self) -> MutexGuard<'_, Vec<crate::kustomer::oauth::OAuthClient>> {
        self.oauth_clients.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the world. A panic while holding the lock would poison it; the sandbox keeps serving with
    /// whatever state the panicking request left, which is better than failing every later test.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Milliseconds since the sandbox started, with sub-millisecond precision (relay latency figures).
    pub fn at_ms(&self) -> f64 {
        self.started.elapsed().as_secs_f64() * 1000.0
    }

    /// Tells the page something changed. Nobody listening is fine.
    pub fn push(&self, event: PageEvent) {
        let mut log = self.page_log.lock().unwrap_or_else(|e| e.into_inner());
        log.0 += 1;
        let seq = log.0;
        log.1.push_back((seq, event.clone()));
        if log.1.len() > PAGE_LOG_LEN {
            log.1.pop_front();
        }
        // Sent under the log's lock so stream subscribers see sequence numbers in order.
        let _ = self.page_events.send((seq, event));
    }

    /// Page events after `after`, and the latest sequence number. When `after` is out of the window
    /// (evicted, or from before a restart) the answer is a single `Reset`, so the page reloads.
    pub fn page_events_after(&self, after: u64) -> (Vec<(u64, PageEvent)>, u64) {
        let log = self.page_log.lock().unwrap_or_else(|e| e.into_inner());
        let latest = log.0;
        let oldest = log.1.front().map_or(latest + 1, |(s, _)| *s);
        if after > latest || (after + 1 < oldest && after < latest) {
            return (vec![(latest, PageEvent::Reset)], latest);
        }
        let events = log.1.iter().filter(|(s, _)| *s > after).cloned().collect();
        (events, latest)
    }

    /// Restores the seeds and clears every log, fault and cache (`POST /sandbox/reset`).
    pub fn reset(&self) {
        let fresh = State::seeded(&self.cfg);
        *self.lock() = fresh;
        self.kustomer_rate.clear();
        self.ccai_rate.reset();
        self.ccai_events.clear_log();
        self.push(PageEvent::Reset);
    }
}

const PAGE_LOG_LEN: usize = 512;

/// Everything mutable.
pub struct State {
    pub kustomer: KustomerState,
    pub ccai: CcaiState,
    pub faults: FaultQueue,
    /// Every Kustomer API request, for tests (`GET /sandbox/kustomer/requests`).
    pub kustomer_requests: Vec<crate::kustomer::journal::Logged>,
}

impl State {
    fn seeded(cfg: &SandboxConfig) -> State {
        State {
            kustomer: KustomerState::seeded(cfg),
            ccai: CcaiState::seeded(cfg),
            faults: FaultQueue::default(),
            kustomer_requests: Vec::new(),
        }
    }
}

/// What the sandbox's Kustomer server pushes to its own agent page over Server-Sent Events.
#[derive(Clone, Debug, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum PageEvent {
    /// The agent's routing status changed (from the page, the API or a control hook).
    Status {
        #[serde(rename = "userId")]
        user_id: String,
        #[serde(rename = "statusId")]
        status_id: String,
        #[serde(rename = "workSessionId")]
        work_session_id: String,
        /// `page`, `api` or `control`.
        source: String,
        /// The page instance that made the change (`X-Sandbox-Client`), so it can skip its own echo.
        client: Option<String>,
        /// That page's change counter (`X-Sandbox-Change`), so a late echo cannot undo a newer click.
        change: Option<u64>,
    },
    /// A conversation, or something hanging off it, changed: the page refetches it if it is shown.
    Records {
        #[serde(rename = "conversationId")]
        conversation_id: Option<String>,
    },
    /// The signed-in user changed (e-mail mismatch tests).
    User { email: String },
    /// The sandbox was reset: the page reloads everything.
    Reset,
}

impl PageEvent {
    pub fn name(&self) -> &'static str {
        match self {
            PageEvent::Status { .. } => "status",
            PageEvent::Records { .. } => "records",
            PageEvent::User { .. } => "user",
            PageEvent::Reset => "reset",
        }
    }
}

/// The wall clock as ISO 8601 UTC with milliseconds (`2024-11-25T09:30:00.000Z`), the format of
/// Kustomer's timestamps. Hand-rolled to avoid a date crate for one function.
pub fn iso_now() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    iso_from_millis(now.as_millis() as i64)
}

/// Formats Unix milliseconds as ISO 8601 UTC (civil-from-days, Howard Hinnant's algorithm).
pub fn iso_from_millis(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        sod / 3600,
        (sod / 60) % 60,
        sod % 60
    )
}

/// Not cryptographic: only makes the session cookie differ between runs, without a `rand` dependency.
pub fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates() {
        assert_eq!(iso_from_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            iso_from_millis(1_732_527_000_123),
            "2024-11-25T09:30:00.123Z"
        );
        assert_eq!(iso_from_millis(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
