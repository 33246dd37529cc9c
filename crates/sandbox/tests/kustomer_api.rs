//! Kustomer API shapes over real HTTP (API-NOTES.md): auth, pagination, work sessions, records.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

#[tokio::test]
async fn auth_is_required_and_answers_json_api() {
    let env = Env::start().await;
    let url = format!("{}/kapi/v1/routing/statuses", env.base);
    let res = env.http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["errors"][0]["status"], "401");
    let res = env
        .http
        .get(&url)
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // The CCAI token is not a Kustomer key.
    let res = env
        .http
        .get(&url)
        .basic_auth("sandbox", Some("sandbox-ccai-token"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn page_cookie_authenticates_the_page() {
    let env = Env::start().await;
    let res = env
        .http
        .get(format!("{}/app/conversations/x", env.base))
        .send()
        .await
        .unwrap();
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("ksession=") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap().to_owned();
    let res = env
        .http
        .get(format!("{}/kapi/v1/users/current", env.base))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = env
        .http
        .get(format!("{}/kapi/v1/users/current", env.base))
        .header("cookie", "ksession=forged")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn routing_statuses_paginate_with_links_next() {
    let env = Env::start().await;
    let mut next = Some("/kapi/v1/routing/statuses".to_owned());
    let mut all = Vec::new();
    let mut pages = 0;
    while let Some(path) = next {
        let (code, v) = env
            .json(
                env.http
                    .get(format!("{}{path}", env.base))
                    .bearer_auth("sandbox-kustomer-key"),
            )
            .await;
        assert_eq!(code, 200);
        pages += 1;
        all.extend(v["data"].as_array().unwrap().clone());
        next = v["links"]["next"].as_str().map(str::to_owned);
    }
    assert!(pages >= 2, "the default page size makes clients paginate");
    let names: Vec<&str> = all
        .iter()
        .map(|s| s["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Available",
            "Busy",
            "Offline",
            "Lunch",
            "Training",
            "Focus time"
        ]
    );
    assert!(all.iter().all(|s| s["type"] == "user_status"));
    let types: Vec<&str> = all
        .iter()
        .map(|s| s["attributes"]["statusType"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "available",
            "busy",
            "offline",
            "unavailable",
            "unavailable",
            "available"
        ]
    );
    let (_, v) = env
        .json(env.kapi(Method::GET, "/v1/routing/statuses?page=1&pageSize=10"))
        .await;
    assert_eq!(v["data"].as_array().unwrap().len(), 6);
    assert!(v["links"]["next"].is_null());
    env.sandbox.stop().await;
}

#[tokio::test]
async fn work_session_put_changes_status_and_offline_ends_it() {
    let env = Env::start().await;
    // B6: the API key is its machine user, not an agent.
    let (_, me) = env.json(env.kapi(Method::GET, "/v1/users/current")).await;
    assert_eq!(
        (
            me["data"]["id"].as_str(),
            me["data"]["attributes"]["userType"].as_str()
        ),
        (Some("u-machine-1"), Some("machine"))
    );
    let (_, list) = env
        .json(env.kapi(Method::GET, "/v1/routing/users/u-agent-1/work-sessions"))
        .await;
    let ws = list["data"][0].clone();
    assert!(ws["attributes"]["signedOutAt"].is_null());
    let id = ws["id"].as_str().unwrap();
    let lunch = "64f0a1c2e4b0a1b2c3d4e504";
    let (code, v) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{id}"))
                .json(&json!({ "statusId": lunch })),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(v["data"]["attributes"]["statusId"], lunch);
    let offline = "64f0a1c2e4b0a1b2c3d4e503";
    let (_, v) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{id}"))
                .json(&json!({ "statusId": offline })),
        )
        .await;
    assert!(v["data"]["attributes"]["signedOutAt"].is_string());
    let (code, _) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/routing/work-sessions/{id}"))
                .json(&json!({ "statusId": lunch })),
        )
        .await;
    assert_eq!(code, 409, "an ended session cannot change");
    let (code, v) = env
        .json(
            env.kapi(Method::POST, "/v1/routing/users/u-agent-1/work-sessions")
                .json(&json!({ "statusId": lunch })),
        )
        .await;
    assert_eq!(code, 201);
    assert_ne!(v["data"]["id"], ws["id"]);
    let (code, _) = env
        .json(
            env.kapi(Method::PUT, "/v1/routing/work-sessions/nope")
                .json(&json!({ "statusId": lunch })),
        )
        .await;
    assert_eq!(code, 404);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn control_changes_kustomer_status_and_current_user() {
    let env = Env::start().await;
    let busy = "64f0a1c2e4b0a1b2c3d4e502";
    let (code, _) = env
        .json(
            env.control(Method::POST, "/kustomer/status")
                .json(&json!({ "status_id": busy })),
        )
        .await;
    assert_eq!(code, 200);
    let (_, list) = env
        .json(env.kapi(Method::GET, "/v1/routing/users/u-agent-1/work-sessions"))
        .await;
    assert_eq!(list["data"][0]["attributes"]["statusId"], busy);
    env.json(
        env.control(Method::POST, "/kustomer/current-user")
            .json(&json!({ "email": "other@example.com" })),
    )
    .await;
    // The page's signed-in person, as the page itself reads it (its session).
    let cookie = env.page_cookie().await;
    let me = || {
        env.http
            .get(format!("{}/kapi/v1/users/current", env.base))
            .header("cookie", cookie.clone())
    };
    let (_, v) = env.json(me()).await;
    assert_eq!(v["data"]["attributes"]["email"], "other@example.com");
    env.json(env.control(Method::POST, "/reset")).await;
    let (_, v) = env.json(me()).await;
    assert_eq!(v["data"]["attributes"]["email"], "agent@example.com");
    env.sandbox.stop().await;
}

#[tokio::test]
async fn customers_look_up_by_phone_ignores_formatting_and_the_list_has_no_phone_filter() {
    let env = Env::start().await;
    let name = |v: &Value| v["data"]["attributes"]["name"].as_str().map(str::to_owned);
    let (code, v) = env
        .json(env.kapi(Method::GET, "/v1/customers/phone=%2B14155550132"))
        .await;
    assert_eq!((code, name(&v).as_deref()), (200, Some("Olivia Chen")));
    let (_, v) = env
        .json(env.kapi(Method::GET, "/v1/customers/phone=%2B34612345679"))
        .await;
    assert_eq!(name(&v).as_deref(), Some("Lucía Fernández"));
    let (code, _) = env
        .json(env.kapi(Method::GET, "/v1/customers/phone=%2B999"))
        .await;
    assert_eq!(code, 404);
    // B9 is the way to find a customer: `?phone=` on the list (B5) is not a filter.
    let (_, all) = env.json(env.kapi(Method::GET, "/v1/customers")).await;
    let (_, v) = env
        .json(env.kapi(Method::GET, "/v1/customers?phone=%2B14155550132"))
        .await;
    assert_eq!(v["meta"]["total"], all["meta"]["total"]);
    env.sandbox.stop().await;
}

#[tokio::test]
async fn records_custom_fields_need_metadata_and_creation_is_idempotent() {
    let env = Env::start().await;
    let (code, c) = env
        .json(env.kapi(Method::POST, "/v1/customers").json(
            &json!({ "name": "Nia", "phones": [{ "phone": "+15550001111", "type": "mobile" }] }),
        ))
        .await;
    assert_eq!(code, 201);
    let cid = c["data"]["id"].as_str().unwrap().to_owned();
    let conv = json!({ "customer": cid, "name": "Call", "channel": "voice", "custom": { "queueNameStr": "Support" } });
    let (code, v) = env
        .json(env.kapi(Method::POST, "/v1/conversations").json(&conv))
        .await;
    assert_eq!(code, 400, "undefined custom attribute: {v}");
    let fields = json!({ "properties": { "queueNameStr": { "displayName": "Queue name" }, "callDurationNum": { "displayName": "Call duration" } } });
    let (code, v) = env
        .json(
            env.kapi(Method::PATCH, "/v1/metadata/conversation")
                .json(&fields),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(v["meta"]["created"].as_array().unwrap().len(), 2);
    let created_at = v["data"]["attributes"]["properties"]["queueNameStr"]["createdAt"].clone();
    let (_, v) = env
        .json(
            env.kapi(Method::PUT, "/v1/metadata/conversation")
                .json(&fields),
        )
        .await;
    assert_eq!(
        v["meta"]["unchanged"].as_array().unwrap().len(),
        2,
        "second run changes nothing"
    );
    assert_eq!(
        v["data"]["attributes"]["properties"]["queueNameStr"]["createdAt"],
        created_at
    );
    let (code, _) = env
        .json(
            env.kapi(Method::PATCH, "/v1/metadata/conversation")
                .json(&json!({ "properties": { "bad_name": {} } })),
        )
        .await;
    assert_eq!(code, 400);

    let (code, v) = env
        .json(env.kapi(Method::POST, "/v1/conversations").json(&conv))
        .await;
    assert_eq!(code, 201, "{v}");
    let id = v["data"]["id"].as_str().unwrap().to_owned();
    let (code, _) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/conversations/{id}"))
                .json(&json!({ "custom": { "callDurationNum": "long" } })),
        )
        .await;
    assert_eq!(code, 400, "type follows the suffix");
    let patch = json!({ "custom": { "callDurationNum": 42, "queueNameStr": null }, "assignedUsers": ["u-agent-1"], "status": "done" });
    let (code, v) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/conversations/{id}"))
                .json(&patch),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        v["data"]["attributes"]["custom"],
        json!({ "callDurationNum": 42 })
    );
    assert_eq!(
        v["data"]["attributes"]["assignedUsers"],
        json!(["u-agent-1"])
    );
    let (code, _) = env
        .json(
            env.kapi(Method::POST, &format!("/v1/conversations/{id}/notes"))
                .json(&json!({ "body": "+1 555 000 1111" })),
        )
        .await;
    assert_eq!(code, 201);
    // B14: a file is named by a note (or message), never posted on the conversation's path.
    let att =
        json!({ "name": "recording.mp3", "contentType": "audio/mpeg", "contentLength": 1234 });
    let (code, _) = env
        .json(
            env.kapi(Method::POST, &format!("/v1/conversations/{id}/attachments"))
                .json(&att),
        )
        .await;
    assert_eq!(code, 404);
    let note = json!({ "body": "Recording", "conversation": id, "attachments": [{
        "externalUrl": "https://example.com/r.mp3", "name": "recording.mp3",
        "contentType": "audio/mpeg", "renderMode": "metadata_only" }] });
    let (code, _) = env
        .json(env.kapi(Method::POST, "/v1/notes").json(&note))
        .await;
    assert_eq!(code, 201);
    let (_, v) = env
        .json(env.kapi(Method::GET, &format!("/v1/conversations/{id}/attachments")))
        .await;
    assert_eq!(
        v["data"][0]["attributes"]["url"],
        "https://example.com/r.mp3"
    );
    let (_, v) = env
        .json(env.kapi(Method::GET, &format!("/v1/customers/{cid}/conversations")))
        .await;
    assert_eq!(v["data"][0]["id"], id.as_str());
    env.sandbox.stop().await;
}

#[tokio::test]
async fn kustomer_has_no_idempotency_key_so_a_repeated_post_creates_again() {
    let env = Env::start().await;
    let body = json!({ "name": "Twice" });
    let post = || {
        env.kapi(Method::POST, "/v1/customers")
            .header("Idempotency-Key", "cust-1")
            .json(&body)
    };
    let (c1, v1) = env.json(post()).await;
    let (c2, v2) = env.json(post()).await;
    assert_eq!((c1, c2), (201, 201));
    assert_ne!(
        v1["data"]["id"], v2["data"]["id"],
        "B18: no idempotency key"
    );
    let (_, log) = env
        .json(env.control(Method::GET, "/kustomer/requests"))
        .await;
    let posts = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/kapi/v1/customers")
        .count();
    assert_eq!(posts, 2, "the journal has both: {log}");
    env.sandbox.stop().await;
}
