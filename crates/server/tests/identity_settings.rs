//! The company's settings at the admin API (issue 15): checked by the core against both vendors' live
//! status lists, versioned (a stale version is refused, nothing lost), exported and imported whole (a
//! file with any problem changes nothing), and pushed to every connected agent at once.

mod support;

use std::time::Duration;

use ccai_core::server_api::Push;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use support::{Env, ALEX, BO};

/// Kustomer's "Available" and "Busy" in the sandbox (B7).
const K_AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
const K_BUSY: &str = "64f0a1c2e4b0a1b2c3d4e502";

fn good() -> Value {
    json!({
        "schema": 2,
        "direction": "OneWay",
        "priority": "LatestChangeWins",
        "inheritance": true,
        "mapping": [{"kustomer": K_AVAILABLE, "ccai": 0}, {"kustomer": K_BUSY, "ccai": -2}],
        "custom_data": [{"key": "orderId", "field": "orderIdStr"}],
        "phone_countries": ["MX", "US"],
    })
}

#[tokio::test]
async fn a_valid_save_is_versioned_and_pushed_to_every_agent_at_once() {
    let env = Env::start(|_| {}).await;
    let alex = env.sign_in(ALEX).await;
    let bo = env.sign_in(BO).await;
    let mut alex_events = env.events(&alex.session).await;
    let mut bo_events = env.events(&bo.session).await;
    for e in [&mut alex_events, &mut bo_events] {
        match e.next(Duration::from_secs(5)).await {
            Some(Push::Settings { version, .. }) => assert_eq!(version, 0),
            other => panic!("expected the current settings first, got {other:?}"),
        }
    }
    let (status, now) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(now["version"], 0);
    let (status, saved) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": good()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["version"], 1);
    for e in [&mut alex_events, &mut bo_events] {
        match e.next(Duration::from_secs(5)).await {
            Some(Push::Settings { version, settings }) => {
                assert_eq!(version, 1);
                assert_eq!(settings.phone_countries, ["MX", "US"]);
                assert!(settings.inheritance);
            }
            other => panic!("expected the new settings, got {other:?}"),
        }
    }
    // A second admin tab still on version 0 cannot overwrite version 1.
    let (status, body) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": {"phone_countries": ["ES"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{body}");
    assert!(body["error"]
        .as_str()
        .expect("words")
        .contains("changed meanwhile"));
    let (_, now) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(now["version"], 1);
    assert_eq!(now["settings"]["phone_countries"], json!(["MX", "US"]));
    // If-Match works as well, from the ETag.
    let res = env
        .api(Method::GET, "/admin/v1/settings", &bo.session)
        .send()
        .await
        .expect("get");
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(etag, "\"1\"");
    let (status, _) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .header("if-match", etag)
                .json(&json!({"version": 1, "settings": {"phone_countries": ["ES"]}})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn settings_with_problems_are_refused_whole_with_every_problem_in_words() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let mut events = env.events(&bo.session).await;
    assert!(events.next(Duration::from_secs(5)).await.is_some());
    let mut bad = good();
    bad["mapping"] =
        json!([{"kustomer": "deleted-status", "ccai": 0}, {"kustomer": K_BUSY, "ccai": -7}]);
    bad["custom_data"] = json!([{"key": "a", "field": "not a field"}]);
    bad["phone_countries"] = json!(["ZZ"]);
    let (status, body) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": bad})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let problems: Vec<String> = serde_json::from_value(body["problems"].clone()).expect("list");
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(problems[0].contains("row 1") && problems[0].contains("deleted-status"));
    assert!(problems[1].contains("row 2") && problems[1].contains("only CCAI sets"));
    assert!(problems[2].contains("not a field"));
    assert!(problems[3].contains("ZZ"));
    let (_, now) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(now["version"], 0, "nothing was saved");
    assert!(
        events.next(Duration::from_millis(500)).await.is_none(),
        "nothing was pushed"
    );
    // A body that is not settings at all is answered in words too.
    let (status, body) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .body("[]"),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["error"].as_str().expect("words").contains("not valid"));
}

#[tokio::test]
async fn export_then_import_round_trips_and_a_bad_file_changes_nothing() {
    let env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let (status, _) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": good()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, file) = env
        .call(env.api(Method::GET, "/admin/v1/settings/export", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(file["format"], "ccai-server-settings");
    assert_eq!(file["settings_version"], 1);
    let text = file.to_string();
    assert!(!text.contains(sandbox::KUSTOMER_API_KEY) && !text.contains(sandbox::CCAI_TOKEN));

    // A file with one bad row: refused whole, the saved settings untouched.
    let mut broken = file.clone();
    broken["settings"]["custom_data"] = json!([{"key": "", "field": "aStr"}]);
    broken["settings"]["phone_countries"] = json!(["ES"]);
    let (status, body) = env
        .call(
            env.api(Method::POST, "/admin/v1/settings/import", &bo.session)
                .body(broken.to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["problems"][0]
        .as_str()
        .expect("words")
        .contains("key is empty"));
    let (status, body) = env
        .call(
            env.api(Method::POST, "/admin/v1/settings/import", &bo.session)
                .body("{\"format\": \"something-else\"}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (_, now) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(now["version"], 1);
    assert_eq!(now["settings"]["phone_countries"], json!(["MX", "US"]));

    // The exported file imports as the next version, equal in content.
    let (status, imported) = env
        .call(
            env.api(Method::POST, "/admin/v1/settings/import", &bo.session)
                .body(text),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{imported}");
    assert_eq!(imported["version"], 2);
    assert_eq!(imported["settings"], now["settings"]);
}

#[tokio::test]
async fn settings_survive_a_restart() {
    let mut env = Env::start(|_| {}).await;
    let bo = env.sign_in(BO).await;
    let (status, _) = env
        .call(
            env.api(Method::PUT, "/admin/v1/settings", &bo.session)
                .json(&json!({"version": 0, "settings": good()})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    env.server.take().expect("running").kill().await;
    let cfg = support::config(&env.sandbox, &env.dir);
    env.server = Some(server::Server::start(cfg).await.expect("restarts"));
    // Sessions live in the file too: the admin's session still works on the restarted server.
    let (status, now) = env
        .call(env.api(Method::GET, "/admin/v1/settings", &bo.session))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(now["version"], 1);
    assert_eq!(now["settings"]["custom_data"][0]["field"], "orderIdStr");
}
