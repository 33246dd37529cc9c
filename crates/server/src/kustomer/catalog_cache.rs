//! Kustomer's routing statuses (B7) for agents' tabs (`GET /api/v1/catalogs/kustomer`), read from
//! Kustomer at most once a minute for the whole company. Every tab of every agent asks at start; 500
//! agents opening Kustomer at the start of a shift, each read live, would spend the org's per-minute
//! budget (B4), which the record rules and the work-session poll share. Routing statuses change when an
//! admin edits them in Kustomer, rarely: a minute's delay is what a tab opened then sees.
//!
//! One reading at a time: the requests that arrive while Kustomer is being read wait for that answer
//! instead of each sending its own. A failed read is not kept: the next request tries again.

use std::time::{Duration, Instant};

use ccai_core::status::KustomerCatalog;

use crate::state::AppState;
use crate::vendor::VendorError;

/// How long a reading serves agents' tabs.
const FRESH_FOR: Duration = Duration::from_secs(60);

#[derive(Default)]
pub struct CatalogCache(tokio::sync::Mutex<Option<(Instant, KustomerCatalog)>>);

/// The routing statuses, from the last minute's reading or read now (`catalogs::kustomer_statuses`,
/// the same reading the admin's mapping editor gets live).
pub async fn kustomer_statuses(state: &AppState) -> Result<KustomerCatalog, VendorError> {
    let mut kept = state.0.kustomer_catalog.0.lock().await;
    if let Some((at, catalog)) = kept.as_ref() {
        if at.elapsed() < FRESH_FOR {
            return Ok(catalog.clone());
        }
    }
    let catalog = crate::catalogs::kustomer_statuses(state).await?;
    *kept = Some((Instant::now(), catalog.clone()));
    Ok(catalog)
}
