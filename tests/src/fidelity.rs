//! The fidelity check (issue 16) across a whole run: each sandbox leaves its ledger of product
//! requests in `target/e2e-artifacts/fidelity/`, and [`sum`] adds them up, so that any request the
//! extension or the server made to a route (or in a way) API-NOTES.md does not document is counted
//! as `api_undocumented_calls`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sandbox::fidelity::Report;
use serde_json::Value;

/// Where the ledgers go.
pub fn dir() -> PathBuf {
    crate::artifacts_dir().join("fidelity")
}

/// Writes its sandbox's ledger when dropped (with the test's [`crate::Sandbox`], even when the
/// sandbox itself was stopped first).
pub struct LeaveOnDrop(pub sandbox::App);

impl Drop for LeaveOnDrop {
    fn drop(&mut self) {
        leave(&self.0.fidelity.report());
    }
}

/// Writes one sandbox's ledger. A sandbox nobody used leaves nothing.
pub fn leave(report: &Report) {
    if report.documented.is_empty() && report.undocumented.is_empty() {
        return;
    }
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = dir();
    let _ = std::fs::create_dir_all(&dir);
    let file = dir.join(format!(
        "{}-{}.json",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    if let Ok(text) = serde_json::to_string(report) {
        let _ = std::fs::write(file, text);
    }
}

/// The run's totals: `(documented calls, undocumented calls by "METHOD route: why")`.
pub fn sum() -> (u64, BTreeMap<String, u64>) {
    let mut documented = 0;
    let mut undocumented = BTreeMap::new();
    let Ok(entries) = std::fs::read_dir(dir()) else {
        return (0, undocumented);
    };
    for entry in entries.flatten() {
        let Ok(text) = std::fs::read_to_string(entry.path()) else {
            continue;
        };
        let Ok(report) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        for seen in report["documented"].as_array().into_iter().flatten() {
            documented += seen["count"].as_u64().unwrap_or(0);
        }
        for seen in report["undocumented"].as_array().into_iter().flatten() {
            let key = format!(
                "{} {}: {}",
                seen["method"].as_str().unwrap_or("?"),
                seen["route"].as_str().unwrap_or("?"),
                seen["why"].as_str().unwrap_or("?")
            );
            *undocumented.entry(key).or_insert(0) += seen["count"].as_u64().unwrap_or(0);
        }
    }
    (documented, undocumented)
}
