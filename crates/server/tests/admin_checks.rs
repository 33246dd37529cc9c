//! `GET /admin/v1/checks` (issue 16): the options page's "Test connection" asks the server, which checks
//! with the company's credentials that it reaches CCAI and Kustomer; the browser holds none of them.
//! Only an admin may ask; a vendor refusing the company's credential is named in the answer, and the
//! other checks still run.

mod support;

use ccai_core::server_api::{CheckName, CheckOutcome, VendorCheck, VendorChecks};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Env, ALEX, BO};

fn find(checks: &VendorChecks, name: CheckName) -> &VendorCheck {
    checks
        .checks
        .iter()
        .find(|c| c.check == name)
        .unwrap_or_else(|| panic!("{name:?} is checked: {checks:#?}"))
}

async fn checks(env: &Env, session: &str) -> VendorChecks {
    let (status, body) = env
        .call(env.api(Method::GET, "/admin/v1/checks", session))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).expect("the typed answer")
}

#[tokio::test]
async fn no_session_is_401_and_an_agent_who_is_not_an_admin_is_403() {
    let env = Env::start(|_| {}).await;
    let res = env
        .http
        .get(env.url("/admin/v1/checks"))
        .send()
        .await
        .expect("answer");
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let alex = env.sign_in(ALEX).await;
    let (status, body) = env
        .call(env.api(Method::GET, "/admin/v1/checks", &alex.session))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["error"]
        .as_str()
        .expect("words")
        .contains("only an admin"));
}

#[tokio::test]
async fn an_admin_learns_that_both_vendors_answer_with_the_company_credentials() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let answer = checks(&env, &bo.session).await;
    assert_eq!(answer.checks.len(), 3, "{answer:#?}");
    // The sandbox's seed: CCAI's statuses with the system ones, Kustomer's six routing statuses, and
    // none of F1's twelve custom fields created yet.
    assert!(matches!(
        find(&answer, CheckName::CcaiStatuses).outcome,
        CheckOutcome::Passed { count, of: None } if count > 0
    ));
    assert_eq!(
        find(&answer, CheckName::KustomerStatuses).outcome,
        CheckOutcome::Passed { count: 6, of: None }
    );
    assert_eq!(
        find(&answer, CheckName::KustomerFields).outcome,
        CheckOutcome::Passed {
            count: 0,
            of: Some(12)
        }
    );
    // Once the admin has created them, the check finds them all.
    let (status, body) = env
        .call(env.api(Method::POST, "/admin/v1/fields", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = checks(&env, &bo.session).await;
    assert_eq!(
        find(&answer, CheckName::KustomerFields).outcome,
        CheckOutcome::Passed {
            count: 12,
            of: Some(12)
        }
    );
    let text = serde_json::to_string(&answer).expect("json");
    for secret in [sandbox::CCAI_TOKEN, sandbox::KUSTOMER_API_KEY] {
        assert!(!text.contains(secret), "the answer names no credential");
    }
}

/// The sandbox's `service` answers its next request under `path` with `code`, once.
async fn answer_once(env: &Env, service: &str, path: &str, code: u16) {
    let res = env
        .http
        .post(env.sandbox_url("/sandbox/faults"))
        .json(&json!({
            "service": service,
            "path_prefix": path,
            "faults": [{"kind": "status", "code": code}],
        }))
        .send()
        .await
        .expect("faults");
    assert!(res.status().is_success(), "{}", res.status());
}

#[tokio::test]
async fn ccai_refusing_the_company_token_is_named_and_kustomer_is_still_checked() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    answer_once(&env, "ccai", "/manager/api/v1/user_statuses", 401).await;
    let answer = checks(&env, &bo.session).await;
    let ccai = find(&answer, CheckName::CcaiStatuses);
    assert_eq!(ccai.outcome, CheckOutcome::Refused { status: 401 });
    assert!(
        ccai.detail.contains("CCAI") && ccai.detail.contains("401"),
        "the vendor and its answer in words: {}",
        ccai.detail
    );
    assert_eq!(
        find(&answer, CheckName::KustomerStatuses).outcome,
        CheckOutcome::Passed { count: 6, of: None }
    );
    // The fault was one answer: asked again, CCAI answers.
    let again = checks(&env, &bo.session).await;
    assert!(matches!(
        find(&again, CheckName::CcaiStatuses).outcome,
        CheckOutcome::Passed { .. }
    ));
}

#[tokio::test]
async fn kustomer_refusing_the_key_is_named_with_its_status() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    answer_once(&env, "kustomer", "/v1/routing/statuses", 403).await;
    let answer = checks(&env, &bo.session).await;
    assert_eq!(
        find(&answer, CheckName::KustomerStatuses).outcome,
        CheckOutcome::Refused { status: 403 }
    );
    assert!(matches!(
        find(&answer, CheckName::CcaiStatuses).outcome,
        CheckOutcome::Passed { .. }
    ));
}
