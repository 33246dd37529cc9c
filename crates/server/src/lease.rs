//! The company lease (issue 18): of several instances on one database, exactly one at a time acts for
//! the company with CCAI (its one budget, its scheduler). The lease is a row with a holder, an expiry
//! and a fencing token that grows by one at every change of holder: the holder renews it every
//! `RENEW_MS`; when it dies, another instance takes it once it has expired (`TTL_MS`), so within
//! `TTL_MS + RENEW_MS` (4 s). Every CCAI send first checks, in the database, that this instance still
//! holds the token it was given (`Store::lease_confirm`): a holder that was paused or cut off and comes
//! back finds a newer token and sends nothing. An instance whose database is away gives up acting at
//! once (it cannot confirm), and takes part again when the connection is back.
//!
//! Instances that share a company must share its configuration: the lease row carries the settings
//! that must agree (secrets as SHA-256), and an instance whose settings differ from a live holder's
//! refuses to take the lease and says which differ.

use std::sync::Arc;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::sync::watch;

use crate::config::Config;
use crate::store::db::{params, OptionalExtension};
use crate::store::{Store, StoreError};

pub const SCHEMA_V1: &str = "
CREATE TABLE company_lease (
    company TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    token INTEGER NOT NULL,
    settings TEXT NOT NULL,
    expires_at_ms INTEGER NOT NULL
);
";

/// How long a lease lasts without renewal.
pub const TTL_MS: u64 = 3_000;
/// How often the holder renews it, and others try for it.
pub const RENEW_MS: u64 = 1_000;

/// What one try for the lease found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// This instance holds it, under `token`.
    Held { token: u64 },
    /// Another instance holds it, with the same settings, until `expires_at_ms`.
    Busy { holder: String, expires_at_ms: u64 },
    /// Another instance holds it with other settings: this one must not act for the company.
    Refused {
        holder: String,
        differences: Vec<String>,
    },
}

/// The company as the lease names it: one CCAI tenant.
pub fn company_of(cfg: &Config) -> String {
    format!("{}#{}", cfg.ccai_base, cfg.ccai_subdomain)
}

/// The settings every instance of a company must agree on, as `name=value` lines (secrets hashed).
pub fn settings_of(cfg: &Config) -> String {
    let digest = |s: &str| {
        Sha256::digest(s.as_bytes())
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    [
        ("ccai base", cfg.ccai_base.clone()),
        ("ccai subdomain", cfg.ccai_subdomain.clone()),
        ("ccai api token (sha-256)", digest(&cfg.ccai_api_token)),
        ("ccai rate per second", cfg.ccai_rate_per_s.to_string()),
        ("kustomer api", cfg.kustomer_api.clone()),
        ("kustomer api key (sha-256)", digest(&cfg.kustomer_api_key)),
        ("oauth client id", cfg.oauth_client_id.clone()),
        ("external id prefix", cfg.external_id_prefix.clone()),
        ("admins", cfg.admins.join(",")),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={v}"))
    .collect::<Vec<_>>()
    .join("\n")
}

/// The names of the settings that differ between two `settings_of` texts, with both values (hashes
/// only for secrets).
pub fn differences(theirs: &str, ours: &str) -> Vec<String> {
    let parse = |s: &str| -> Vec<(String, String)> {
        s.lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };
    let theirs = parse(theirs);
    let ours = parse(ours);
    let mut out = Vec::new();
    for (k, v) in &ours {
        match theirs.iter().find(|(tk, _)| tk == k) {
            Some((_, tv)) if tv == v => {}
            Some((_, tv)) => out.push(format!("{k} is {tv} there and {v} here")),
            None => out.push(format!("{k} is unset there and {v} here")),
        }
    }
    out
}

impl Store {
    /// Takes or renews the company's lease for `instance`, if it is free, expired or already ours.
    pub fn lease_try(
        &self,
        company: &str,
        instance: &str,
        settings: &str,
        now_ms: u64,
    ) -> Result<Attempt, StoreError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let current: Option<(String, String, i64)> = tx
            .query_row(
                "SELECT holder, settings, expires_at_ms FROM company_lease WHERE company = ?1",
                [company],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        if let Some((holder, theirs, expires)) = &current {
            let live = *expires as u64 > now_ms;
            if live && holder != instance && theirs != settings {
                return Ok(Attempt::Refused {
                    holder: holder.clone(),
                    differences: differences(theirs, settings),
                });
            }
        }
        // One statement decides: insert, renew our own, or take an expired one (a new token).
        let token: Option<i64> = tx
            .query_row(
                "INSERT INTO company_lease (company, holder, token, settings, expires_at_ms)
                 VALUES (?1, ?2, 1, ?3, ?4)
                 ON CONFLICT (company) DO UPDATE SET
                    token = CASE WHEN company_lease.holder = excluded.holder
                                 THEN company_lease.token ELSE company_lease.token + 1 END,
                    holder = excluded.holder, settings = excluded.settings,
                    expires_at_ms = excluded.expires_at_ms
                 WHERE company_lease.holder = excluded.holder OR company_lease.expires_at_ms <= ?5
                 RETURNING token",
                params![
                    company,
                    instance,
                    settings,
                    (now_ms + TTL_MS) as i64,
                    now_ms as i64
                ],
                |r| r.get(0),
            )
            .optional()?;
        tx.commit()?;
        Ok(match (token, current) {
            (Some(t), _) => Attempt::Held { token: t as u64 },
            (None, Some((holder, _, expires))) => Attempt::Busy {
                holder,
                expires_at_ms: expires as u64,
            },
            (None, None) => Attempt::Busy {
                holder: "another instance".into(),
                expires_at_ms: now_ms + TTL_MS,
            },
        })
    }

    /// Whether `instance` still holds the company's lease under `token`, now (the fence of every send).
    pub fn lease_confirm(
        &self,
        company: &str,
        instance: &str,
        token: u64,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT 1 FROM company_lease
                 WHERE company = ?1 AND holder = ?2 AND token = ?3 AND expires_at_ms > ?4",
                params![company, instance, token as i64, now_ms as i64],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Who holds the company's lease and under which token, if anyone does now.
    pub fn lease_holder(
        &self,
        company: &str,
        now_ms: u64,
    ) -> Result<Option<(String, u64)>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT holder, token FROM company_lease WHERE company = ?1 AND expires_at_ms > ?2",
                params![company, now_ms as i64],
                |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)),
            )
            .optional()?)
    }
}

/// This instance's part in the lease: who it is, and the token it holds now (`None`: it does not act).
#[derive(Clone)]
pub struct Lease {
    pub company: String,
    pub instance: String,
    token: watch::Receiver<Option<u64>>,
}

impl Lease {
    /// The token as it changes (`None`: this instance does not act for the company).
    pub fn watch(&self) -> watch::Receiver<Option<u64>> {
        self.token.clone()
    }

    /// The token this instance believes it holds.
    pub fn token(&self) -> Option<u64> {
        *self.token.borrow()
    }

    /// The fence: this instance may send to CCAI only if it holds the lease and the database agrees,
    /// now. The reason in words otherwise.
    pub fn check(&self, store: &Store) -> Result<(), String> {
        let Some(token) = self.token() else {
            return Err(format!(
                "this instance ({}) does not hold the company's lease",
                self.instance
            ));
        };
        match store.lease_confirm(&self.company, &self.instance, token, crate::now_ms()) {
            Ok(true) => Ok(()),
            Ok(false) => Err(format!(
                "this instance's lease (token {token}) was taken over: it no longer acts for the company"
            )),
            Err(e) => Err(format!("the lease cannot be confirmed: {e}")),
        }
    }

    /// Waits until this instance holds the lease (tests, start-up logs).
    pub async fn held(&mut self) -> u64 {
        loop {
            if let Some(t) = *self.token.borrow_and_update() {
                return t;
            }
            if self.token.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Starts trying for the lease; the returned future renews it for as long as it runs (spawn it).
pub fn start(
    store: Arc<Store>,
    company: String,
    instance: String,
    settings: String,
) -> (Lease, impl std::future::Future<Output = ()>) {
    let (tx, rx) = watch::channel(None);
    let lease = Lease {
        company: company.clone(),
        instance: instance.clone(),
        token: rx,
    };
    let task = async move {
        let mut said = String::new();
        loop {
            let (token, words) = match store.lease_try(&company, &instance, &settings, crate::now_ms()) {
                Ok(Attempt::Held { token }) => (
                    Some(token),
                    format!("holds the company's lease (token {token}): it acts for the company"),
                ),
                Ok(Attempt::Busy { holder, .. }) => (
                    None,
                    format!("stands by: {holder} holds the company's lease"),
                ),
                Ok(Attempt::Refused { holder, differences }) => (
                    None,
                    format!(
                        "refuses to take the company's lease: {holder} holds it with another configuration ({}); make the instances' settings equal",
                        differences.join("; ")
                    ),
                ),
                Err(e) => (
                    None,
                    format!("stops acting for the company: the lease cannot be renewed ({e})"),
                ),
            };
            tx.send_replace(token);
            if words != said {
                eprintln!("ccai-server: instance {instance} {words}");
                said = words;
            }
            tokio::time::sleep(Duration::from_millis(RENEW_MS)).await;
        }
    };
    (lease, task)
}

/// A name for this instance: where it listens and a random part (a restarted process is a new holder).
pub fn instance_name(addr: std::net::SocketAddr) -> String {
    let mut bytes = [0u8; 4];
    // Without randomness the address alone still tells instances apart on one machine.
    let _ = getrandom::getrandom(&mut bytes);
    format!(
        "{addr}#{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}
