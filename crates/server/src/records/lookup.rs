//! Finding the Kustomer customer a caller already is (R16: only a new number makes a new customer), for
//! customer keys the server has not met: a customer a person made, another channel made, or that
//! existed before the server.
//!
//! - Who: the rule is `ccai_core::records::customer_match` (exact E.164 after reading every candidate's
//!   phones in the admin's countries; a written country code beats an assumed one, then the most recently
//!   updated, then the smallest id; an ambiguity is logged here).
//! - When: only for a phone key (`phone:…`) the store does not know. App users (R17: a new identifier is a
//!   new customer) are not looked up here; the customers the server creates carry its external id, by
//!   which a creation is found again after a crash (`apply.rs`).
//! - Once: a found customer is written to the store at once, so the key's later events, and a restart,
//!   read it from there; a customer the server created stays recorded as created (`ON CONFLICT DO NOTHING`).
//! - Misses: a "no such customer" is kept in memory for `MISS_TTL` only. It spares the second search of an
//!   IVR call (its start, then its answer, which creates the customer); it is short, and never persisted,
//!   so a customer someone else creates in Kustomer meanwhile is found by the next call, not duplicated.
//! - Faults: the searches are `Kustomer::get`, retried on 429/5xx/dropped connections like every call;
//!   a search has no effect, so repeating it after a restart is harmless. A definite refusal (another
//!   4xx, an unreadable answer) is logged and taken as a miss: the caller gets a customer of their own,
//!   as before this lookup existed, rather than every later event of theirs waiting on a search that
//!   cannot succeed.
//!
//! The search is Kustomer's documented `GET /v1/customers/phone={phone}` (B9), which answers one
//! customer or 404. Not documented (B9): the phone format in the path and which customer comes back
//! when several match; we send E.164 (percent-encoded) and still check the answer's phones with the
//! rule above, so a loose match on Kustomer's side never makes a stranger the caller.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ccai_core::records::customer_match::{canonical, choose, Candidate};
use ccai_core::records::rules::with_country_code;
use ccai_core::records::{CustomerFacts, CustomerKey, SessionEvent};
use serde_json::Value;

use ccai_core::records::ccai_translate::iso_ms as iso_to_ms;

use super::facts::FactsError;
use crate::kustomer::client::{encode, Kustomer, KustomerError};
use crate::store::Store;

/// How long a miss is believed (see the module's "Misses").
pub const MISS_TTL: Duration = Duration::from_secs(2);

/// Counts, for the tests and the bench.
#[derive(Default)]
pub struct LookupCounts {
    pub searches: AtomicU64,
    pub found: AtomicU64,
    pub ambiguous: AtomicU64,
    /// Searches Kustomer refused for good (taken as misses).
    pub refused: AtomicU64,
}

#[derive(Default)]
pub struct CustomerLookup {
    misses: Mutex<HashMap<String, Instant>>,
    pub counts: LookupCounts,
}

impl CustomerLookup {
    /// The existing customer for `event`'s phone key, remembered in `store`; `None` when Kustomer has none
    /// (or the key is not a phone, or not one the rule can compare). `countries`: the admin's countries
    /// for national numbers (C2), e.g. `["ES", "US"]`.
    pub async fn find(
        &self,
        store: &Store,
        k: &Kustomer,
        event: &SessionEvent,
        key: &str,
        countries: &[String],
    ) -> Result<Option<CustomerFacts>, FactsError> {
        let CustomerKey::Phone(raw) = event.customer_key() else {
            return Ok(None);
        };
        let Some((caller, _)) = canonical(&with_country_code(&raw), countries) else {
            return Ok(None);
        };
        if self.missed_lately(key) {
            return Ok(None);
        }
        self.counts.searches.fetch_add(1, Ordering::Relaxed);
        let candidates = match search(k, &caller).await {
            Ok(c) => c,
            Err(e) => {
                self.counts.refused.fetch_add(1, Ordering::Relaxed);
                eprintln!(
                    "ccai-server: records: {key}: customer search refused, taken as no match: {e}"
                );
                self.remember_miss(key);
                return Ok(None);
            }
        };
        let choice = choose(&caller, &candidates, countries);
        let Some(chosen) = choice.chosen() else {
            self.remember_miss(key);
            return Ok(None);
        };
        if choice.is_ambiguous() {
            self.counts.ambiguous.fetch_add(1, Ordering::Relaxed);
            let ids: Vec<&str> = choice.matches.iter().map(|m| m.id.as_str()).collect();
            eprintln!(
                "ccai-server: records: {key}: {} Kustomer customers have this number ({}); chose {} \
                 (written country code first, then the most recently updated)",
                ids.len(),
                ids.join(", "),
                chosen.id
            );
        }
        self.counts.found.fetch_add(1, Ordering::Relaxed);
        store.records_remember_found_customer(key, &chosen.id)?;
        Ok(store.records_customer(key)?)
    }

    fn missed_lately(&self, key: &str) -> bool {
        let misses = self.misses.lock().unwrap_or_else(|e| e.into_inner());
        misses.get(key).is_some_and(|at| at.elapsed() < MISS_TTL)
    }

    fn remember_miss(&self, key: &str) {
        let mut misses = self.misses.lock().unwrap_or_else(|e| e.into_inner());
        misses.retain(|_, at| at.elapsed() < MISS_TTL);
        misses.insert(key.to_owned(), Instant::now());
    }
}

/// The customer Kustomer's phone look-up answers for `e164` (B9), if any.
async fn search(k: &Kustomer, e164: &str) -> Result<Vec<Candidate>, KustomerError> {
    let v = k
        .find(&format!("/v1/customers/phone={}", encode(e164)))
        .await?;
    Ok(v.as_ref()
        .and_then(|v| v.get("data"))
        .and_then(candidate)
        .into_iter()
        .collect())
}

fn candidate(c: &Value) -> Option<Candidate> {
    let id = c.get("id").and_then(Value::as_str)?.to_owned();
    let attrs = c.get("attributes")?;
    let phones = attrs
        .get("phones")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|p| p.get("phone").and_then(Value::as_str).or(p.as_str()))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let updated_at_ms = attrs
        .get("updatedAt")
        .and_then(Value::as_str)
        .and_then(iso_to_ms)
        .unwrap_or(0);
    Some(Candidate {
        id,
        phones,
        updated_at_ms,
    })
}
