//! At start, before serving anyone, the server checks that both vendors answer with the configured
//! credentials, so a wrong key is found by whoever deploys, not by the first agent at nine o'clock.
//! Kustomer: `GET /v1/users/current` with the API key (B6; any valid credential, no role; B2 also
//! offers `GET /v1/auth/tokens/current`). CCAI: `GET /manager/api/v1/user_statuses` (A9).

use crate::config::Config;
use crate::vendor::{self, VendorError, CCAI, KUSTOMER};

pub async fn check_vendors(http: &reqwest::Client, cfg: &Config) -> Result<(), VendorError> {
    let req = vendor::kustomer_get(http, cfg, "users/current", &cfg.kustomer_api_key);
    vendor::json::<serde_json::Value>(KUSTOMER, "GET users/current with the API key", req).await?;
    let req = vendor::ccai_manager(http, cfg, "user_statuses");
    vendor::json::<serde_json::Value>(CCAI, "GET user_statuses with the API token", req).await?;
    Ok(())
}
