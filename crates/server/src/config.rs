//! The server's settings. Secrets come only from the environment (never a flag: flags show in `ps`);
//! everything else from flags, each with a default that runs beside a local sandbox. README.md lists them.

use std::net::SocketAddr;

use crate::store::Database;
use std::time::Duration;

/// The environment variables that carry the company's secrets.
pub const CCAI_API_TOKEN: &str = "CCAI_API_TOKEN";
pub const KUSTOMER_API_KEY: &str = "KUSTOMER_API_KEY";
pub const KUSTOMER_OAUTH_CLIENT_SECRET: &str = "KUSTOMER_OAUTH_CLIENT_SECRET";
pub const CCAI_EVENTS_PASSWORD: &str = "CCAI_EVENTS_PASSWORD";
/// `--records-workers`' default: enough to keep Kustomer's round trips overlapped on two cores. Measured
/// with `records_bench` at a paced 1,000 deliveries/s: 32 gave p99 161-171 ms, 64 gave 106-123, 128
/// lost a sixth of the throughput to the store's contention.
pub const DEFAULT_RECORDS_WORKERS: usize = 64;
/// Where the state lives, when it is a PostgreSQL URL with a password (a flag would show it in `ps`).
pub const CCAI_DATABASE_URL: &str = "CCAI_DATABASE_URL";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("the secret {0} is not set in the environment")]
    MissingSecret(&'static str),
    #[error("{flag} needs a value")]
    MissingValue { flag: String },
    #[error("{flag}: {reason}")]
    BadValue { flag: String, reason: String },
    #[error("unknown flag {0} (see crates/server/README.md)")]
    UnknownFlag(String),
}

/// The extension's id as `extension/manifest.json`'s `key` fixes it (the first 32 hex digits of the
/// SHA-256 of that public key, 0–f written a–p).
pub const EXTENSION_ID: &str = "knlkpahjcdbjohifdclhccemeghfbkdh";

/// Chrome extension ids are 32 letters a–p.
pub fn is_extension_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b))
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// Where the state lives: an SQLite file (default `ccai-server.db`) or a PostgreSQL database
    /// (`--db postgres://…`, or `CCAI_DATABASE_URL` when the URL carries a password).
    pub db: Database,
    /// How long start-up keeps trying a database it cannot reach before it gives up.
    pub db_wait: Duration,
    /// The most PostgreSQL connections this instance opens (SQLite always uses one).
    pub db_connections: usize,
    /// Kustomer's API base, before `/v1` (B1: `https://{org}.api.kustomerapp.com`).
    pub kustomer_api: String,
    /// Kustomer's page host, where `/oauth/authorize` is (B3: `https://{org}.kustomerapp.com`).
    pub kustomer_page: String,
    pub kustomer_api_key: String,
    /// The OAuth client (the app installed in the org, B3) and the redirect URI it declares: this
    /// server's `/auth/callback` as the browser reaches it.
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    pub oauth_redirect_uri: String,
    /// OAuth scopes to ask for, if any (Kustomer does not document its scope names, B3).
    pub oauth_scope: Option<String>,
    /// Besides this server's own page and the listed extensions' `https://<id>.chromiumapp.org/`,
    /// the addresses (prefixes ending in `/`) a sign-in may return to with its tokens.
    pub redirect_prefixes: Vec<String>,
    /// The Chrome extension ids a sign-in may return to (`launchWebAuthFlow`): by default the id
    /// `extension/manifest.json`'s `key` gives ([`EXTENSION_ID`]). Any other extension the agent
    /// has installed could otherwise start a sign-in and receive the agent's session.
    pub extension_ids: Vec<String>,
    /// CCAI's base, before `/manager/api/v1` and `/apps/api/v1` (A1: `https://{subdomain}.{domain}`).
    pub ccai_base: String,
    /// The Basic-auth user name of CCAI's API (A2: the tenant subdomain).
    pub ccai_subdomain: String,
    pub ccai_api_token: String,
    /// The Basic-auth user name and password CCAI's portal sends with external session events (A20).
    pub ccai_events_username: String,
    pub ccai_events_password: String,
    /// The prefix of the external ids this server gives Kustomer records (default `ccaik`), so that
    /// CCAI's own Kustomer integration (A21), or a second server, never shares ours.
    pub external_id_prefix: String,
    /// Workers applying the record rules (a free one takes the next customer with work; one customer's
    /// events are applied by one worker at a time, in order).
    pub records_workers: usize,
    /// How long a customer's later session waits for an earlier one's end before it is applied anyway.
    pub records_gap_ms: u64,
    /// The e-mails of the agents who may use `/admin/v1/*` (lowercase).
    pub admins: Vec<String>,
    /// How long a session token is good for; the extension refreshes before then.
    pub session_ttl: Duration,
    /// How long a refresh token is good for without use (each refresh rotates it).
    pub refresh_ttl: Duration,
    /// The longest time between two proofs that an agent's Kustomer token still stands (deactivated →
    /// out within this plus one answer); each agent is asked once per interval, not in rounds.
    pub standing_interval: Duration,
    /// Check at start that both vendors answer with the configured credentials.
    pub check_vendors: bool,
    /// CCAI requests per second for the whole company, 1..=10 (A3 documents 10; 1 is the stricter
    /// figure reported). Every CCAI request of the server spends it.
    pub ccai_rate_per_s: u32,
    /// Spend the CCAI budget's tokens evenly over each second (`ccai_core::budget::Limiter::spread`);
    /// off only to measure what it saves (the load test's `--no-spread`).
    pub ccai_spread: bool,
    /// How often CCAI's agent activity log is tailed for CCAI-side status changes (S5).
    pub activity_interval: Duration,
    /// How often Kustomer's work sessions are read for every agent's Kustomer status (B8).
    pub work_sessions_interval: Duration,
}

impl Config {
    /// A configuration with the defaults and the given secrets (tests and embedders fill in the rest).
    pub fn new(secrets: Secrets) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8091)),
            db: Database::default(),
            db_wait: Duration::from_secs(60),
            db_connections: crate::store::DEFAULT_PG_CONNECTIONS,
            kustomer_api: "http://127.0.0.1:8080/kapi".into(),
            kustomer_page: "http://127.0.0.1:8080".into(),
            kustomer_api_key: secrets.kustomer_api_key,
            oauth_client_id: "ccai-server".into(),
            oauth_client_secret: secrets.kustomer_oauth_client_secret,
            oauth_redirect_uri: "http://127.0.0.1:8091/auth/callback".into(),
            oauth_scope: None,
            redirect_prefixes: Vec::new(),
            extension_ids: vec![EXTENSION_ID.to_owned()],
            ccai_base: "http://127.0.0.1:8080/ccai".into(),
            ccai_subdomain: "sandbox".into(),
            ccai_api_token: secrets.ccai_api_token,
            ccai_events_username: "ccai".into(),
            ccai_events_password: secrets.ccai_events_password,
            external_id_prefix: "ccaik".into(),
            records_workers: DEFAULT_RECORDS_WORKERS,
            records_gap_ms: 10_000,
            admins: Vec::new(),
            session_ttl: Duration::from_secs(15 * 60),
            refresh_ttl: Duration::from_secs(12 * 3600),
            standing_interval: Duration::from_secs(55),
            check_vendors: true,
            ccai_rate_per_s: 1,
            ccai_spread: true,
            activity_interval: Duration::from_secs(5),
            work_sessions_interval: Duration::from_secs(15),
        }
    }

    /// Reads the secrets with `env` (the process environment in `main`) and the flags in `args`.
    pub fn from_env_and_args(
        env: impl Fn(&str) -> Option<String>,
        args: impl IntoIterator<Item = String>,
    ) -> Result<Config, ConfigError> {
        let secret = |name: &'static str| {
            env(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::MissingSecret(name))
        };
        let mut cfg = Config::new(Secrets {
            ccai_api_token: secret(CCAI_API_TOKEN)?,
            kustomer_api_key: secret(KUSTOMER_API_KEY)?,
            kustomer_oauth_client_secret: secret(KUSTOMER_OAUTH_CLIENT_SECRET)?,
            ccai_events_password: secret(CCAI_EVENTS_PASSWORD)?,
        });
        if let Some(url) = env(CCAI_DATABASE_URL).filter(|v| !v.trim().is_empty()) {
            cfg.db = Database::parse(&url).map_err(|reason| ConfigError::BadValue {
                flag: CCAI_DATABASE_URL.into(),
                reason,
            })?;
        }
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            let mut value = || {
                it.next()
                    .ok_or_else(|| ConfigError::MissingValue { flag: flag.clone() })
            };
            let bad = |reason: String| ConfigError::BadValue {
                flag: flag.clone(),
                reason,
            };
            match flag.as_str() {
                "--listen" => cfg.listen = value()?.parse().map_err(|e| bad(format!("{e}")))?,
                "--db" => cfg.db = database_flag(&value()?).map_err(bad)?,
                "--db-wait-seconds" => {
                    cfg.db_wait = Duration::from_secs(positive(&value()?).map_err(bad)?)
                }
                "--db-connections" => {
                    cfg.db_connections = positive(&value()?).map_err(bad)? as usize
                }
                "--kustomer-api" => cfg.kustomer_api = url(value()?).map_err(bad)?,
                "--kustomer-page" => cfg.kustomer_page = url(value()?).map_err(bad)?,
                "--oauth-client-id" => cfg.oauth_client_id = value()?,
                "--oauth-redirect-uri" => cfg.oauth_redirect_uri = url(value()?).map_err(bad)?,
                "--oauth-scope" => cfg.oauth_scope = Some(value()?),
                "--allow-redirect" => {
                    let v = url(value()?).map_err(&bad)?;
                    // `url` trims the slash; a prefix without one would let `https://ok.example.evil`
                    // through for `https://ok.example`.
                    cfg.redirect_prefixes.push(format!("{v}/"));
                }
                "--extension-id" => {
                    let id = value()?;
                    if !is_extension_id(&id) {
                        return Err(bad("a Chrome extension id is 32 letters a to p".into()));
                    }
                    // The first one given replaces the default: the company's own build's id.
                    if cfg.extension_ids == [EXTENSION_ID] {
                        cfg.extension_ids.clear();
                    }
                    cfg.extension_ids.push(id);
                }
                "--ccai-base" => cfg.ccai_base = url(value()?).map_err(bad)?,
                "--ccai-subdomain" => cfg.ccai_subdomain = value()?,
                "--admin" => cfg.admins.push(value()?.trim().to_lowercase()),
                "--session-minutes" => {
                    cfg.session_ttl = Duration::from_secs(60 * positive(&value()?).map_err(bad)?)
                }
                "--refresh-hours" => {
                    cfg.refresh_ttl = Duration::from_secs(3600 * positive(&value()?).map_err(bad)?)
                }
                "--standing-seconds" => {
                    cfg.standing_interval = Duration::from_secs(positive(&value()?).map_err(bad)?)
                }
                "--no-vendor-check" => cfg.check_vendors = false,
                "--ccai-rate" => {
                    let rate = positive(&value()?).map_err(bad)?;
                    if rate > 10 {
                        return Err(bad(
                            "ccai documents at most 10 requests per second (A3)".into()
                        ));
                    }
                    cfg.ccai_rate_per_s = rate as u32;
                }
                "--activity-seconds" => {
                    cfg.activity_interval = Duration::from_secs(positive(&value()?).map_err(bad)?)
                }
                "--work-session-seconds" => {
                    cfg.work_sessions_interval =
                        Duration::from_secs(positive(&value()?).map_err(bad)?)
                }
                "--ccai-events-user" => cfg.ccai_events_username = value()?,
                "--external-id-prefix" => {
                    let v = value()?;
                    if v.is_empty() || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                        return Err(bad(format!("{v:?}: letters, digits and - only")));
                    }
                    cfg.external_id_prefix = v;
                }
                "--records-workers" => {
                    cfg.records_workers = positive(&value()?).map_err(bad)? as usize
                }
                other => return Err(ConfigError::UnknownFlag(other.to_owned())),
            }
        }
        Ok(cfg)
    }

    pub fn is_admin(&self, email: &str) -> bool {
        let email = email.to_lowercase();
        self.admins.contains(&email)
    }
}

/// The four secrets, as they come from the environment.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    pub ccai_api_token: String,
    pub kustomer_api_key: String,
    pub kustomer_oauth_client_secret: String,
    pub ccai_events_password: String,
}

/// `--db`: a path, `sqlite:PATH` or a PostgreSQL URL without a password (flags show in `ps`).
fn database_flag(v: &str) -> Result<Database, String> {
    let db = Database::parse(v)?;
    if matches!(&db, Database::Postgres(_)) && db.masked() != v.trim() {
        return Err(format!(
            "{}: a password does not belong in a flag (anyone can read it with ps): set {CCAI_DATABASE_URL}",
            db.masked()
        ));
    }
    Ok(db)
}

fn url(v: String) -> Result<String, String> {
    if v.starts_with("http://") || v.starts_with("https://") {
        Ok(v.trim_end_matches('/').to_owned())
    } else {
        Err(format!("{v:?} is not an http(s) URL"))
    }
}

fn positive(v: &str) -> Result<u64, String> {
    match v.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{v:?} is not a positive whole number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(missing: &str) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| (name != missing).then(|| format!("value-of-{name}"))
    }

    #[test]
    fn each_missing_secret_is_named() {
        for name in [
            CCAI_API_TOKEN,
            KUSTOMER_API_KEY,
            KUSTOMER_OAUTH_CLIENT_SECRET,
            CCAI_EVENTS_PASSWORD,
        ] {
            let err = Config::from_env_and_args(env(name), Vec::new()).expect_err(name);
            assert_eq!(err, ConfigError::MissingSecret(name));
            assert!(err.to_string().contains(name));
        }
    }

    #[test]
    fn flags_set_the_rest() {
        let args = [
            "--listen",
            "0.0.0.0:9000",
            "--admin",
            "Boss@Example.com",
            "--kustomer-api",
            "https://acme.api.kustomerapp.com/",
            "--session-minutes",
            "5",
        ]
        .map(String::from);
        let cfg = Config::from_env_and_args(env(""), args).expect("valid");
        assert_eq!(cfg.listen.port(), 9000);
        assert!(cfg.is_admin("boss@example.com"));
        assert_eq!(cfg.kustomer_api, "https://acme.api.kustomerapp.com");
        assert_eq!(cfg.session_ttl, Duration::from_secs(300));
        assert_eq!(cfg.ccai_api_token, "value-of-CCAI_API_TOKEN");
    }

    #[test]
    fn bad_flags_say_which() {
        let err = Config::from_env_and_args(env(""), ["--session-minutes", "0"].map(String::from))
            .expect_err("zero");
        assert!(err.to_string().starts_with("--session-minutes"));
        let err = Config::from_env_and_args(env(""), ["--ccai-token".to_owned()]).expect_err("x");
        assert_eq!(err, ConfigError::UnknownFlag("--ccai-token".into()));
    }
}
