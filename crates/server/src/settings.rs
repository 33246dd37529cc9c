//! The company's settings, saved once for everyone. Every save is a new version (kept, with who saved
//! it and when), checked whole by the core against both vendors' live status lists, refused on a stale
//! base version (no lost updates between two admins), and pushed to every agent's connection at once.

use crate::store::db::{params, Conn, OptionalExtension};
use ccai_core::server_api::{Push, SettingsFile, SETTINGS_FORMAT};
use ccai_core::settings::{SettingsProblem, SyncSettings};
use serde::Deserialize;

use crate::catalogs;
use crate::state::AppState;
use crate::store::StoreError;
use crate::vendor::VendorError;

pub const SCHEMA_V1: &str = "
CREATE TABLE settings (
    version INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    saved_by TEXT NOT NULL,
    saved_at_ms INTEGER NOT NULL
);
";

/// The extension's own export format (its options page, issue 7): its `sync` part is these settings.
const EXTENSION_FORMAT: &str = "ccai-kustomer-config";

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("these settings were changed meanwhile (now version {current}); reload them and make your change again")]
    Conflict { current: u64 },
    #[error("the settings have {} problem(s)", .0.len())]
    Refused(Vec<SettingsProblem>),
    #[error("the settings could not be checked: {0}")]
    Vendor(#[from] VendorError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The current settings and their version (version 0: never saved; the defaults).
pub fn current(state: &AppState) -> Result<(u64, SyncSettings), StoreError> {
    current_on(&state.0.store.lock())
}

/// `current`, on a connection the caller holds.
pub fn current_on(conn: &Conn) -> Result<(u64, SyncSettings), StoreError> {
    let row: Option<(i64, String)> = conn
        .query_row(
            "SELECT version, body FROM settings ORDER BY version DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((v, body)) => {
            let mut s: SyncSettings = serde_json::from_str(&body)?;
            s.migrate();
            Ok((v as u64, s))
        }
        None => Ok((0, SyncSettings::default())),
    }
}

/// Checks `settings` against both live catalogs and saves them as the next version, if `base` (the
/// version the edit started from) is still current; `None` saves over whatever is there (an import
/// without a precondition). Every agent's connection gets the new settings.
pub async fn save(
    state: &AppState,
    base: Option<u64>,
    mut settings: SyncSettings,
    by: &str,
) -> Result<u64, SaveError> {
    settings.migrate();
    // Fail fast on a stale base before spending two vendor reads.
    let (now_version, _) = current(state)?;
    if base.is_some_and(|b| b != now_version) {
        return Err(SaveError::Conflict {
            current: now_version,
        });
    }
    let ccai = catalogs::ccai_statuses(state).await?;
    let kustomer = catalogs::kustomer_statuses(state).await?;
    if let Err(problems) = settings.check(&kustomer, &ccai) {
        return Err(SaveError::Refused(problems));
    }
    let body = serde_json::to_string(&settings).map_err(StoreError::from)?;
    let version = {
        let mut conn = state.0.store.lock();
        let tx = conn.transaction().map_err(StoreError::from)?;
        let at: i64 = tx
            .query_row("SELECT COALESCE(MAX(version), 0) FROM settings", [], |r| {
                r.get(0)
            })
            .map_err(StoreError::from)?;
        if base.is_some_and(|b| b != at as u64) {
            return Err(SaveError::Conflict { current: at as u64 });
        }
        tx.execute(
            "INSERT INTO settings (version, body, saved_by, saved_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![at + 1, body, by, crate::now_ms() as i64],
        )
        .map_err(StoreError::from)?;
        tx.commit().map_err(StoreError::from)?;
        at as u64 + 1
    };
    state.0.hub.broadcast(Push::Settings { version, settings });
    Ok(version)
}

/// Changes one part of the current settings (`change`) and saves them as the next version: a
/// read-modify-write of the server's own, tried again if another admin saved in between, so it never
/// overwrites their change. Returns the version saved.
pub async fn update(
    state: &AppState,
    by: &str,
    change: impl Fn(&mut SyncSettings),
) -> Result<u64, SaveError> {
    let mut last = None;
    for _ in 0..3 {
        let (version, mut settings) = current(state)?;
        change(&mut settings);
        match save(state, Some(version), settings, by).await {
            Err(e @ SaveError::Conflict { .. }) => last = Some(e),
            other => return other,
        }
    }
    Err(last.unwrap_or(SaveError::Conflict { current: 0 }))
}

/// The settings as a file to download.
pub fn export(state: &AppState) -> Result<SettingsFile, StoreError> {
    let (version, settings) = current(state)?;
    Ok(SettingsFile {
        format: SETTINGS_FORMAT.into(),
        exported_by: format!("ccai-server {}", env!("CARGO_PKG_VERSION")),
        settings_version: version,
        settings,
    })
}

#[derive(Deserialize)]
struct AnyFile {
    format: Option<String>,
    settings: Option<serde_json::Value>,
    sync: Option<serde_json::Value>,
}

/// Reads an imported file: this server's export, or the extension's (its `sync` part; its connection
/// and any credentials in it are ignored: the server has its own). The problem in words otherwise.
pub fn read_file(text: &str) -> Result<SyncSettings, String> {
    let file: AnyFile = serde_json::from_str(text)
        .map_err(|e| format!("the file is not JSON of the expected shape: {e}"))?;
    let body = match file.format.as_deref() {
        Some(SETTINGS_FORMAT) => file.settings,
        Some(EXTENSION_FORMAT) => file.sync,
        Some(other) => {
            return Err(format!(
                "the file's format is {other:?}; expected {SETTINGS_FORMAT:?} (or the extension's {EXTENSION_FORMAT:?})"
            ))
        }
        None => return Err(format!("the file has no \"format\"; expected {SETTINGS_FORMAT:?}")),
    }
    .ok_or_else(|| "the file has no settings in it".to_owned())?;
    serde_json::from_value(body).map_err(|e| format!("the settings in the file are malformed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_both_formats_read_and_others_are_named() {
        let ours =
            r#"{"format":"ccai-server-settings","settings":{"schema":2,"inheritance":true}}"#;
        assert!(read_file(ours).expect("ours").inheritance);
        let theirs = r#"{"format":"ccai-kustomer-config","connection":{"kustomer_key":"k"},"sync":{"schema":2,"phone_countries":["MX"]}}"#;
        assert_eq!(
            read_file(theirs).expect("extension's").phone_countries,
            ["MX"]
        );
        let err = read_file(r#"{"format":"zip"}"#).expect_err("unknown format");
        assert!(err.contains("\"zip\""), "{err}");
        let err = read_file("not json").expect_err("not json");
        assert!(err.starts_with("the file is not JSON"), "{err}");
        let err = read_file(r#"{"format":"ccai-server-settings","settings":{"direction":7}}"#)
            .expect_err("bad shape");
        assert!(err.contains("malformed"), "{err}");
    }
}
