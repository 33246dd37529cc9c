//! Whether the server reaches both vendors with the company's credentials. At start, before serving
//! anyone, so a wrong key is found by whoever deploys, not by the first agent at nine o'clock:
//! Kustomer `GET /v1/users/current` with the API key (B6; any valid credential, no role; B2 also
//! offers `GET /v1/auth/tokens/current`), CCAI `GET /manager/api/v1/user_statuses` (A9). And on an
//! admin's request (`GET /admin/v1/checks`, the options page's "Test connection"): the reads the
//! product depends on, each said apart, so the admin learns which credential or role is wrong without
//! the browser ever holding one.

use ccai_core::server_api::{CheckName, CheckOutcome, VendorCheck, VendorChecks};

use crate::config::Config;
use crate::state::AppState;
use crate::vendor::{self, VendorError, CCAI, KUSTOMER};
use crate::{catalogs, fields};

pub async fn check_vendors(http: &reqwest::Client, cfg: &Config) -> Result<(), VendorError> {
    let req = vendor::kustomer_get(http, cfg, "users/current", &cfg.kustomer_api_key);
    vendor::json::<serde_json::Value>(KUSTOMER, "GET users/current with the API key", req).await?;
    let req = vendor::ccai_manager(http, cfg, "user_statuses");
    vendor::json::<serde_json::Value>(CCAI, "GET user_statuses with the API token", req).await?;
    Ok(())
}

/// The admin's check: CCAI's statuses through the company's one CCAI budget (A3, A9), Kustomer's
/// routing statuses (B7) and the custom fields F1 needs (B15). Every check runs whatever the others
/// answered.
pub async fn admin_checks(state: &AppState) -> VendorChecks {
    let ccai = catalogs::ccai_statuses(state)
        .await
        .map(|c| (c.len(), None));
    let kustomer = catalogs::kustomer_statuses(state)
        .await
        .map(|c| (c.len(), None));
    let fields = fields::present(state)
        .await
        .map(|(found, of)| (found, Some(of)));
    VendorChecks {
        checks: vec![
            check(CheckName::CcaiStatuses, ccai),
            check(CheckName::KustomerStatuses, kustomer),
            check(CheckName::KustomerFields, fields),
        ],
    }
}

fn check(name: CheckName, result: Result<(usize, Option<usize>), VendorError>) -> VendorCheck {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let (outcome, detail) = match result {
        Ok((found, of)) => (
            CheckOutcome::Passed {
                count: count(found),
                of: of.map(count),
            },
            String::new(),
        ),
        Err(e) => {
            let outcome = match &e {
                VendorError::Status { status, .. } => CheckOutcome::Refused {
                    status: status.as_u16(),
                },
                VendorError::Body { .. } => CheckOutcome::Unreadable,
                VendorError::Unreachable { .. } | VendorError::NoAnswer { .. } => {
                    CheckOutcome::Unreachable
                }
            };
            (outcome, e.to_string())
        }
    };
    VendorCheck {
        check: name,
        outcome,
        detail,
    }
}
