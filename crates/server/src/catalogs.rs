//! Both vendors' status lists, read live: CCAI's `user_statuses` (A9) and Kustomer's routing statuses
//! (B7, paginated as B5 says: follow `links.next` until null). Settings are checked against them.

use ccai_core::status::{
    CcaiCatalog, CcaiStatus, KustomerCatalog, KustomerStatus, KustomerStatusId, StatusCatalog,
    StatusType,
};
use serde::Deserialize;

use crate::ccai::client::{manager_get, CcaiCall};
use crate::state::AppState;
use crate::vendor::{self, VendorError, KUSTOMER};

/// A listing stops here (B5: pages of up to 100; no org has 5,000 routing statuses).
const MAX_PAGES: usize = 50;

/// `GET /manager/api/v1/user_statuses` (A9).
pub async fn ccai_statuses(state: &AppState) -> Result<CcaiCatalog, VendorError> {
    // Through the company's one CCAI budget, like every CCAI request.
    let call = CcaiCall::get("/manager/api/v1/user_statuses");
    let (list, _): (Vec<CcaiStatus>, _) = manager_get(state, "GET user_statuses", call).await?;
    Ok(StatusCatalog::new(list))
}

#[derive(Deserialize)]
struct Page {
    data: Vec<Resource>,
    #[serde(default)]
    links: Option<Links>,
}
#[derive(Deserialize)]
struct Links {
    next: Option<String>,
}
#[derive(Deserialize)]
struct Resource {
    id: String,
    attributes: Attributes,
}
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attributes {
    name: String,
    status_type: StatusType,
    #[serde(default)]
    system: bool,
}

/// `GET /v1/routing/statuses` with the API key, every page (B7).
pub async fn kustomer_statuses(state: &AppState) -> Result<KustomerCatalog, VendorError> {
    let cfg = &state.0.cfg;
    let first = format!("{}/v1/routing/statuses", cfg.kustomer_api);
    let mut next = reqwest::Url::parse(&first).ok();
    let mut all = Vec::new();
    for _ in 0..MAX_PAGES {
        let Some(url) = next.take() else { break };
        let req = state
            .0
            .http
            .get(url.clone())
            .bearer_auth(&cfg.kustomer_api_key);
        let (page, _): (Page, _) = vendor::json(KUSTOMER, "GET routing/statuses", req).await?;
        all.extend(page.data.into_iter().map(|r| KustomerStatus {
            id: KustomerStatusId(r.id),
            name: r.attributes.name,
            status_type: r.attributes.status_type,
            system: r.attributes.system,
        }));
        // `links.next` may be relative to the API host (B5 shows paths).
        next = page
            .links
            .and_then(|l| l.next)
            .and_then(|n| resolve(&url, &n));
    }
    Ok(StatusCatalog::new(all))
}

fn resolve(page: &reqwest::Url, next: &str) -> Option<reqwest::Url> {
    if next.starts_with("http://") || next.starts_with("https://") {
        return reqwest::Url::parse(next).ok();
    }
    page.join(next).ok()
}
