//! What the options page needs from the admin API to edit the settings without calling a vendor itself
//! (issue 16): both vendors' status lists read live, F1's custom fields created in Kustomer with the
//! server's API key (once: a second run writes nothing), refusals typed per field, and none of it for
//! an agent who is not an admin.

mod support;

use std::time::Duration;

use ccai_core::server_api::{FieldsCreated, Push, SettingsRefused};
use ccai_core::settings::SettingsProblem;
use ccai_core::status::{CcaiStatus, KustomerStatus};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Env, ALEX, BO};

/// Kustomer's "Lunch" in the sandbox (B7).
const K_LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";

#[tokio::test]
async fn both_status_lists_are_read_live_for_the_mapping_editor() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let (status, body) = env
        .call(env.api(Method::GET, "/admin/v1/catalogs/kustomer", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let kustomer: Vec<KustomerStatus> = serde_json::from_value(body).expect("statuses");
    assert_eq!(kustomer.len(), 6, "{kustomer:#?}");
    assert!(kustomer
        .iter()
        .any(|s| s.id.as_str() == K_LUNCH && s.name == "Lunch"));
    let (status, body) = env
        .call(env.api(Method::GET, "/admin/v1/catalogs/ccai", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ccai: Vec<CcaiStatus> = serde_json::from_value(body).expect("statuses");
    assert!(
        ccai.iter().any(|s| s.id.0 == -2 && s.name == "Break"),
        "{ccai:#?}"
    );
    assert!(
        ccai.iter().any(|s| s.id.0 == -6),
        "system statuses are listed too"
    );
}

async fn metadata(env: &Env, resource: &str) -> Value {
    let doc: Value = env
        .http
        .get(env.sandbox_url(&format!("/kapi/v1/metadata/{resource}")))
        .bearer_auth(sandbox::KUSTOMER_API_KEY)
        .send()
        .await
        .expect("metadata")
        .json()
        .await
        .expect("json");
    doc["data"]["attributes"]["properties"].clone()
}

#[tokio::test]
async fn f1_fields_are_created_once_with_their_names_and_recorded_in_the_settings() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let alex = env.sign_in(ALEX).await;
    let mut events = env.events(&alex.session).await;
    assert!(matches!(
        events.next(Duration::from_secs(5)).await,
        Some(Push::Settings { version: 0, .. })
    ));
    let names = json!({"display_names": {"queueNameStr": "Nombre de la cola"}});
    let (status, body) = env
        .call(
            env.api(Method::POST, "/admin/v1/fields", &bo.session)
                .json(&names),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let made: FieldsCreated = serde_json::from_value(body).expect("outcome");
    assert_eq!((made.created, made.existing), (12, 0));
    let conv = metadata(&env, "conversation").await;
    assert_eq!(conv["queueNameStr"]["displayName"], "Nombre de la cola");
    assert_eq!(conv["waitTimeNum"]["displayName"], "waitTimeNum");
    assert_eq!(
        conv["orderNumberStr"]["displayName"], "Order number",
        "an admin's own field is left alone"
    );
    let cust = metadata(&env, "customer").await;
    // F2: the creation times are Kustomer's own, recorded as the next settings version and pushed.
    assert_eq!(made.settings.version, 1);
    assert_eq!(made.settings.settings.fields, made.fields);
    for f in &made.fields {
        let served = if f.resource == "customer" {
            &cust
        } else {
            &conv
        };
        assert_eq!(
            json!(f.created_at),
            served[&f.name]["createdAt"],
            "{}",
            f.name
        );
    }
    match events.next(Duration::from_secs(5)).await {
        Some(Push::Settings { version, settings }) => {
            assert_eq!(version, 1);
            assert_eq!(settings.fields.len(), 12);
        }
        other => panic!("expected the recorded fields pushed, got {other:?}"),
    }

    // A second run finds them all: nothing written to Kustomer, no new version.
    let (status, body) = env
        .call(env.api(Method::POST, "/admin/v1/fields", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let again: FieldsCreated = serde_json::from_value(body).expect("outcome");
    assert_eq!((again.created, again.existing), (0, 12));
    assert_eq!(again.settings.version, 1);
    assert_eq!(metadata(&env, "conversation").await, conv);
    assert!(events.next(Duration::from_millis(300)).await.is_none());
}

#[tokio::test]
async fn a_refusal_names_each_problem_typed_for_its_field() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let settings = json!({
        "schema": 2, "inheritance": true,
        "mapping": [{"kustomer": K_LUNCH, "ccai": -6}],
        "custom_data": [{"key": "order", "field": "not a field"}],
    });
    let (status, body) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": settings})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let refused: SettingsRefused = serde_json::from_value(body).expect("refusal");
    assert_eq!(refused.details.len(), refused.problems.len());
    assert!(matches!(
        &refused.details[0],
        SettingsProblem::Mapping(ccai_core::mapping::MappingError::SystemStatusTarget {
            row: 1,
            ..
        })
    ));
    assert!(matches!(
        &refused.details[1],
        SettingsProblem::BadField { row: 1, .. }
    ));
}

#[tokio::test]
async fn an_agent_who_is_not_an_admin_reads_no_list_and_creates_no_field() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    for (method, path) in [
        (Method::GET, "/admin/v1/catalogs/kustomer"),
        (Method::GET, "/admin/v1/catalogs/ccai"),
        (Method::POST, "/admin/v1/fields"),
        (Method::PUT, "/admin/v1/settings"),
        (Method::POST, "/admin/v1/settings/import"),
    ] {
        let (status, body) = env.call(env.api(method.clone(), path, &alex.session)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}: {body}");
        assert!(body["error"]
            .as_str()
            .expect("words")
            .contains("only an admin"));
    }
    assert_eq!(
        metadata(&env, "conversation").await["queueNameStr"],
        Value::Null
    );
}
