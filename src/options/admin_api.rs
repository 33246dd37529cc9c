//! The options page's client of the company server's admin API (`crates/server/src/http/admin.rs`):
//! the settings with their version, saved against the version the edit started from (a stale one is
//! refused: another admin saved meanwhile), export and import through the server, both vendors'
//! status lists as the server reads them, F1's custom fields created by the server, and the server's
//! own check of both vendors ("Test connection"). The browser never calls Kustomer or CCAI itself;
//! the server holds their credentials.

use ccai_core::server_api::{
    CreateFields, FieldsCreated, Me, SettingsFile, SettingsRefused, VendorChecks,
    VersionedSettings, SETTINGS_FORMAT,
};
use ccai_core::status::{CcaiCatalog, CcaiStatus, KustomerCatalog, KustomerStatus};

use crate::company::{Client, CompanyError};
use crate::settings::SyncSettings;

/// Why an admin call did not do what was asked.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AdminError {
    /// The server refused: this agent is not one of its admins (403).
    #[error("only an admin may change the settings")]
    NotAdmin,
    /// Another admin saved since this page read the settings (412); nothing was saved.
    #[error("the settings were changed meanwhile: {0}")]
    Conflict(String),
    /// The settings (or the file) have problems (422); nothing was saved.
    #[error("{}", .0.error)]
    Refused(SettingsRefused),
    /// The page has not read the settings yet: nothing to save on top of.
    #[error("the settings are not read yet")]
    NotLoaded,
    #[error(transparent)]
    Company(CompanyError),
}

impl From<CompanyError> for AdminError {
    fn from(e: CompanyError) -> Self {
        match e {
            CompanyError::Status { code: 403, .. } => AdminError::NotAdmin,
            CompanyError::Status {
                code: 412, message, ..
            } => AdminError::Conflict(message),
            CompanyError::Status { code: 422, .. } => match e.body_as::<SettingsRefused>() {
                Some(refused) => AdminError::Refused(refused),
                None => AdminError::Company(e),
            },
            other => AdminError::Company(other),
        }
    }
}

async fn client() -> Result<Client, AdminError> {
    Ok(Client::connect().await?)
}

/// Who is signed in, and whether the server counts them as an admin (`GET /api/v1/me`).
pub async fn me() -> Result<Me, AdminError> {
    Ok(client().await?.get("/api/v1/me").await?)
}

/// The company's settings and their version (0: never saved, the defaults).
pub async fn settings() -> Result<VersionedSettings, AdminError> {
    Ok(client().await?.get("/admin/v1/settings").await?)
}

/// Saves `settings` as the next version if `base` (the version the edit started from) is still the
/// server's; the answer is the settings as saved, with their new version.
pub async fn save(base: u64, settings: SyncSettings) -> Result<VersionedSettings, AdminError> {
    let body = VersionedSettings {
        version: base,
        settings,
    };
    Ok(client().await?.put("/admin/v1/settings", &body).await?)
}

/// The settings as the server's file (no secrets: the server's credentials never leave it).
pub async fn export() -> Result<SettingsFile, AdminError> {
    Ok(client().await?.get("/admin/v1/settings/export").await?)
}

/// Imports settings read from a file as the next version, whatever the version now (an import
/// replaces the whole configuration, on purpose). Checked whole by the server; with any problem
/// nothing changes.
pub async fn import(settings: SyncSettings) -> Result<VersionedSettings, AdminError> {
    let file = SettingsFile {
        format: SETTINGS_FORMAT.into(),
        exported_by: String::new(),
        settings_version: 0,
        settings,
    };
    Ok(client()
        .await?
        .post("/admin/v1/settings/import", &file)
        .await?)
}

/// Kustomer's routing statuses, as the server reads them with its API key (B7).
pub async fn kustomer_statuses() -> Result<KustomerCatalog, AdminError> {
    let list: Vec<KustomerStatus> = client().await?.get("/admin/v1/catalogs/kustomer").await?;
    Ok(KustomerCatalog::new(list))
}

/// CCAI's user statuses, as the server reads them through the company's budget (A9).
pub async fn ccai_statuses() -> Result<CcaiCatalog, AdminError> {
    let list: Vec<CcaiStatus> = client().await?.get("/admin/v1/catalogs/ccai").await?;
    Ok(CcaiCatalog::new(list))
}

/// F1: the server creates in Kustomer the custom fields that are missing, named in the admin's
/// language, and records when each was created in the settings (the answer's new version).
pub async fn create_fields(request: &CreateFields) -> Result<FieldsCreated, AdminError> {
    Ok(client().await?.post("/admin/v1/fields", request).await?)
}

/// The server's own check that it reaches CCAI and Kustomer with the company's credentials.
pub async fn checks() -> Result<VendorChecks, AdminError> {
    Ok(client().await?.get("/admin/v1/checks").await?)
}
