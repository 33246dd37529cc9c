//! Kustomer's records as API-NOTES documents them, over real HTTP: look-ups by phone, e-mail and
//! external id (B9), uniqueness (B10), messages (B12), notes (B13) and attachments with their upload
//! (B14).
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.

mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

async fn create_customer(env: &Env, body: Value) -> (u16, Value) {
    env.json(env.kapi(Method::POST, "/v1/customers").json(&body))
        .await
}

async fn first_conversation(env: &Env) -> String {
    let (_, list) = env.json(env.kapi(Method::GET, "/v1/conversations")).await;
    list["data"][0]["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn customers_are_found_by_phone_email_and_external_id_on_their_path() {
    let env = Env::start().await;
    let (code, made) = create_customer(
        &env,
        json!({ "name": "Ines Look", "emails": [{ "email": "ines@example.org" }],
                "phones": [{ "phone": "+34 699 55 44 33", "type": "mobile" }],
                "externalIds": [{ "externalId": "ccai-end-user-77" }] }),
    )
    .await;
    assert_eq!(code, 201, "{made}");
    let id = made["data"]["id"].clone();
    for path in [
        "/v1/customers/phone=%2B34699554433",
        "/v1/customers/phone=+34699554433",
        "/v1/customers/email=INES@example.org",
        "/v1/customers/externalId=ccai-end-user-77",
    ] {
        let (code, v) = env.json(env.kapi(Method::GET, path)).await;
        assert_eq!((code, &v["data"]["id"]), (200, &id), "{path}: {v}");
    }
    let (code, v) = env
        .json(env.kapi(Method::GET, "/v1/customers/phone=+10000000000"))
        .await;
    assert_eq!(
        (code, v["errors"][0]["status"].as_str()),
        (404, Some("404"))
    );
    // A seed: national format in the record, international in the look-up.
    let (_, jordi) = env
        .json(env.kapi(Method::GET, "/v1/customers/email=jordi@example.cat"))
        .await;
    assert_eq!(jordi["data"]["attributes"]["name"], "Jordi Puig");
}

#[tokio::test]
async fn emails_phones_and_external_ids_are_unique_across_the_org() {
    let env = Env::start().await;
    let (code, _) = create_customer(
        &env,
        json!({ "name": "First", "externalIds": [{ "externalId": "x-1" }], "phones": [{ "phone": "+15550001111" }] }),
    )
    .await;
    assert_eq!(code, 201);
    for body in [
        json!({ "name": "Dup e-mail", "emails": [{ "email": "Maria.Garcia@example.es" }] }),
        json!({ "name": "Dup phone", "phones": [{ "phone": "+15550001111" }] }),
        json!({ "name": "Dup external id", "externalIds": [{ "externalId": "x-1" }] }),
    ] {
        let (code, v) = create_customer(&env, body.clone()).await;
        assert_eq!(code, 409, "{body}: {v}");
        assert!(v["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("already belongs"));
    }
    // An update that would take another customer's e-mail is refused, and changes nothing.
    let (_, olivia) = env
        .json(env.kapi(Method::GET, "/v1/customers/email=olivia.chen@example.com"))
        .await;
    let oid = olivia["data"]["id"].as_str().unwrap();
    let (code, _) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/customers/{oid}"))
                .json(&json!({ "name": "Renamed", "emails": [{ "email": "jordi@example.cat" }] })),
        )
        .await;
    assert_eq!(code, 409);
    let (_, again) = env
        .json(env.kapi(Method::GET, &format!("/v1/customers/{oid}")))
        .await;
    assert_eq!(again["data"]["attributes"]["name"], "Olivia Chen");
}

#[tokio::test]
async fn a_note_is_posted_to_v1_notes_with_its_conversation() {
    let env = Env::start().await;
    let conv = first_conversation(&env).await;
    let (code, note) = env
        .json(
            env.kapi(Method::POST, "/v1/notes")
                .json(&json!({ "body": "Call ended after 95 s", "conversation": conv })),
        )
        .await;
    assert_eq!(code, 201, "{note}");
    let (_, notes) = env
        .json(env.kapi(Method::GET, &format!("/v1/conversations/{conv}/notes")))
        .await;
    let bodies: Vec<_> = notes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["attributes"]["body"].clone())
        .collect();
    assert!(bodies.contains(&json!("Call ended after 95 s")));
    let (code, _) = env
        .json(
            env.kapi(Method::POST, "/v1/notes")
                .json(&json!({ "body": "orphan" })),
        )
        .await;
    assert_eq!(code, 400);
    let (code, _) = env
        .json(
            env.kapi(Method::POST, "/v1/notes")
                .json(&json!({ "body": "x", "conversation": "nope" })),
        )
        .await;
    assert_eq!(code, 404);
}

#[tokio::test]
async fn an_attachment_is_created_uploaded_then_referenced_by_a_note() {
    let env = Env::start().await;
    let conv = first_conversation(&env).await;
    let file = b"RIFF....WAVEfmt recording".to_vec();
    let (code, created) = env
        .json(env.kapi(Method::POST, "/v1/attachments").json(&json!({
            "name": "call.wav", "contentType": "audio/wav", "contentLength": file.len(),
        })))
        .await;
    assert_eq!(code, 201, "{created}");
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    let upload = &created["meta"]["upload"];
    let url = upload["url"].as_str().unwrap();
    assert!(url.starts_with(&env.base), "{url}");

    // Referenced before its upload: refused.
    let note = json!({ "body": "Recording", "conversation": conv,
        "attachments": [{ "_id": id, "name": "call.wav", "contentType": "audio/wav", "contentLength": file.len() }] });
    let (code, _) = env
        .json(env.kapi(Method::POST, "/v1/notes").json(&note))
        .await;
    assert_eq!(code, 400);

    // A forged form is refused; the real one (fields, then the file last) → 204.
    let form = |policy: &str, bytes: Vec<u8>| {
        let mut f = reqwest::multipart::Form::new();
        for (k, v) in upload["fields"].as_object().unwrap() {
            let v = if k == "Policy" {
                policy.to_owned()
            } else {
                v.as_str().unwrap().to_owned()
            };
            f = f.text(k.clone(), v);
        }
        f.part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name("call.wav"),
        )
    };
    let res = env
        .http
        .post(url)
        .multipart(form("forged", file.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let real = upload["fields"]["Policy"].as_str().unwrap();
    let res = env
        .http
        .post(url)
        .multipart(form(real, b"short".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "the declared contentLength is enforced");
    let res = env
        .http
        .post(url)
        .multipart(form(real, file.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);

    let (code, made) = env
        .json(env.kapi(Method::POST, "/v1/notes").json(&note))
        .await;
    assert_eq!(code, 201, "{made}");
    assert_eq!(
        made["data"]["attributes"]["attachments"][0]["_id"],
        id.as_str()
    );
    let (_, files) = env
        .json(env.kapi(
            Method::GET,
            &format!("/v1/conversations/{conv}/attachments"),
        ))
        .await;
    let names: Vec<_> = files["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["attributes"]["name"].clone())
        .collect();
    assert!(names.contains(&json!("call.wav")), "{names:?}");
}

#[tokio::test]
async fn a_hosted_file_is_referenced_by_external_url() {
    let env = Env::start().await;
    let conv = first_conversation(&env).await;
    let msg = |url: &str| {
        json!({ "conversation": conv, "body": "Recording", "direction": "out",
        "attachments": [{ "externalUrl": url, "name": "rec.mp3", "contentType": "audio/mpeg", "renderMode": "metadata_only" }] })
    };
    let (code, _) = env
        .json(
            env.kapi(Method::POST, "/v1/messages")
                .json(&msg("http://rec.example/a.mp3")),
        )
        .await;
    assert_eq!(code, 400, "HTTPS only");
    let (code, v) = env
        .json(
            env.kapi(Method::POST, "/v1/messages")
                .json(&msg("https://rec.example/a.mp3")),
        )
        .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["data"]["attributes"]["direction"], "out");
}

#[tokio::test]
async fn a_message_to_a_customer_without_a_conversation_starts_one() {
    let env = Env::start().await;
    let (_, made) = create_customer(&env, json!({ "name": "New Caller" })).await;
    let cid = made["data"]["id"].as_str().unwrap();
    let (code, m) = env
        .json(
            env.kapi(Method::POST, &format!("/v1/customers/{cid}/messages"))
                .json(&json!({ "body": "Inbound call", "channel": "voice" })),
        )
        .await;
    assert_eq!(code, 201, "{m}");
    let conv = m["data"]["relationships"]["conversation"]["data"]["id"]
        .as_str()
        .unwrap();
    let (_, list) = env
        .json(env.kapi(Method::GET, &format!("/v1/customers/{cid}/conversations")))
        .await;
    assert_eq!(list["data"][0]["id"], conv);
    assert_eq!(list["data"][0]["attributes"]["messageCount"], 1);
}

#[tokio::test]
async fn bulk_notes_answer_each_item_with_its_client_ref_and_notes_can_be_edited() {
    let env = Env::start().await;
    let conv = first_conversation(&env).await;
    let items = json!([
        { "body": "first", "conversation": conv, "_clientRef": "op-1" },
        { "body": "second", "conversation": "nope", "_clientRef": "op-2" },
        { "body": "third", "conversation": conv, "_clientRef": "op-3" },
    ]);
    let (code, v) = env
        .json(env.kapi(Method::POST, "/v1/notes/bulk").json(&items))
        .await;
    assert_eq!(code, 200, "{v}");
    let refs: Vec<_> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["_clientRef"].clone())
        .collect();
    assert_eq!(refs, vec![json!("op-1"), json!("op-2"), json!("op-3")]);
    assert_eq!(v["data"][0]["attributes"]["body"], "first");
    assert_eq!(v["data"][1]["errors"][0]["status"], "404");
    assert_eq!(v["data"][2]["attributes"]["body"], "third");

    let id = v["data"][0]["id"].as_str().unwrap();
    let (code, edited) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/notes/{id}"))
                .json(&json!({ "body": "first, edited" })),
        )
        .await;
    assert_eq!(code, 200, "{edited}");
    let (_, notes) = env
        .json(env.kapi(Method::GET, &format!("/v1/conversations/{conv}/notes")))
        .await;
    let bodies: Vec<_> = notes["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["attributes"]["body"].clone())
        .collect();
    assert!(
        bodies.contains(&json!("first, edited")) && bodies.contains(&json!("third")),
        "{bodies:?}"
    );
    assert!(!bodies.contains(&json!("second")));

    let (code, _) = env
        .json(env.kapi(Method::POST, "/v1/notes/bulk").json(&json!([])))
        .await;
    assert_eq!(code, 400);
}

#[tokio::test]
async fn put_replaces_and_patch_changes_only_what_it_names() {
    let env = Env::start().await;
    let (_, made) = create_customer(
        &env,
        json!({ "name": "Pat Put", "emails": [{ "email": "pat@example.org" }], "phones": [{ "phone": "+15550002222" }] }),
    )
    .await;
    let cid = made["data"]["id"].as_str().unwrap().to_owned();
    let (_, patched) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/customers/{cid}"))
                .json(&json!({ "name": "Pat Patched" })),
        )
        .await;
    assert_eq!(
        patched["data"]["attributes"]["emails"][0]["email"],
        "pat@example.org"
    );
    let (code, put) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/customers/{cid}"))
                .json(&json!({ "name": "Pat Put Again" })),
        )
        .await;
    assert_eq!(code, 200, "{put}");
    assert_eq!(
        put["data"]["attributes"]["emails"],
        json!([]),
        "B10: PUT replaces"
    );
    assert_eq!(put["data"]["attributes"]["phones"], json!([]));

    let conv = first_conversation(&env).await;
    let (_, before) = env
        .json(env.kapi(Method::GET, &format!("/v1/conversations/{conv}")))
        .await;
    // A bad PATCH changes nothing, not even the valid part of it.
    let (code, _) = env
        .json(
            env.kapi(Method::PATCH, &format!("/v1/conversations/{conv}"))
                .json(&json!({ "name": "Half applied?", "status": "archived" })),
        )
        .await;
    assert_eq!(code, 400);
    let (_, after) = env
        .json(env.kapi(Method::GET, &format!("/v1/conversations/{conv}")))
        .await;
    assert_eq!(
        after["data"]["attributes"]["name"],
        before["data"]["attributes"]["name"]
    );
    let (code, put) = env
        .json(
            env.kapi(Method::PUT, &format!("/v1/conversations/{conv}"))
                .json(&json!({ "name": "Replaced" })),
        )
        .await;
    assert_eq!(code, 200, "{put}");
    let a = &put["data"]["attributes"];
    assert_eq!(
        (a["name"].as_str(), a["status"].as_str()),
        (Some("Replaced"), Some("open"))
    );
    assert_eq!(
        a["custom"],
        json!({}),
        "the seed's orderNumberStr is gone: {a}"
    );
    assert_eq!(
        a["messageCount"],
        before["data"]["attributes"]["messageCount"]
    );
}

#[tokio::test]
async fn the_customer_list_filters_by_dates_sorts_and_pages_with_its_filters() {
    let env = Env::start().await;
    let (_, made) = create_customer(&env, json!({ "name": "Newest" })).await;
    let created = made["data"]["attributes"]["createdAt"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/customers?filter%5BcreatedAt%5D%5Bgte%5D={created}&sort=-createdAt");
    let (code, v) = env.json(env.kapi(Method::GET, &path)).await;
    assert_eq!(code, 200, "{v}");
    let names: Vec<_> = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["attributes"]["name"].clone())
        .collect();
    assert_eq!(names.first(), Some(&json!("Newest")));
    assert!(
        names.len() < 9,
        "the seeds made earlier are left out unless made in the same millisecond: {names:?}"
    );

    let (_, all) = env
        .json(env.kapi(Method::GET, "/v1/customers?filter%5BupdatedAt%5D%5Blt%5D=2999-01-01T00:00:00.000Z&sort=createdAt&pageSize=2"))
        .await;
    assert_eq!(all["meta"]["total"], 9);
    let next = all["links"]["next"].as_str().unwrap();
    assert!(
        next.contains("sort=createdAt") && next.contains("filter%5BupdatedAt%5D%5Blt%5D="),
        "{next}"
    );

    let (code, _) = env
        .json(env.kapi(Method::GET, "/v1/customers?filter%5Bname%5D%5Beq%5D=x"))
        .await;
    assert_eq!(code, 400);
}
