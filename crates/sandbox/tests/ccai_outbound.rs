//! API-NOTES A13 over real HTTP: an outbound call as A13 documents it (201, the A12 object `assigned`
//! with the agent participant `waiting`) and A13's 400 messages.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use reqwest::Method;
use serde_json::{json, Value};

async fn call(env: &Env, body: Value) -> (u16, Value) {
    env.json(env.ccai(Method::POST, "/apps/api/v1/calls").json(&body))
        .await
}

fn outbound(email: &str, number: &str) -> Value {
    json!({ "call_type": "Voice Outbound (API)", "agent_email": email, "end_user_number": number })
}

#[tokio::test]
async fn a13_an_outbound_call_is_assigned_with_the_agent_waiting() {
    let env = Env::start().await;
    let (code, c) = call(&env, outbound("Agent@Example.com", "+34612345678")).await;
    assert_eq!(code, 201, "{c}");
    assert_eq!(c["call_type"], "Voice Outbound (API)");
    assert_eq!(c["status"], "assigned");
    assert_eq!(c["lang"], "en", "A13: lang defaults to en");
    assert_eq!(c["agent_info"]["id"], 11);
    assert!(
        c["agent_info"].get("email").is_none(),
        "A12: agent_info has no e-mail"
    );
    assert_eq!(c["end_user"]["identifier"], "+34612345678");
    assert!(c["outbound_number"].is_string(), "the tenant's default");
    let participants = c["participants"].as_array().unwrap();
    assert_eq!(
        (
            participants[0]["type"].as_str(),
            participants[0]["status"].as_str()
        ),
        (Some("agent"), Some("waiting"))
    );
    assert_eq!(env.agent_status(11).await, -7, "the agent is on the call");
    // The invented call routes are gone: CCAI offers no call control (A16) nor this read (A12).
    for (method, path) in [
        (Method::GET, format!("/apps/api/v1/calls/{}", c["id"])),
        (Method::POST, format!("/apps/api/v1/calls/{}/hold", c["id"])),
        (Method::GET, "/apps/api/v1/chats?agent_id=11".to_owned()),
    ] {
        let (code, _) = env.json(env.ccai(method.clone(), &path)).await;
        assert!(code == 404 || code == 405, "{method} {path}: {code}");
    }
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a13_documented_errors_are_400_with_their_message() {
    let env = Env::start().await;
    let cases = [
        (
            json!({ "agent_email": "agent@example.com", "end_user_number": "+34612345678" }),
            "Invalid call type",
        ),
        (
            json!({ "call_type": "Voice Call", "agent_email": "agent@example.com", "end_user_number": "+34612345678" }),
            "Invalid call type",
        ),
        (
            json!({ "call_type": "Voice Outbound (API)", "end_user_number": "+34612345678" }),
            "Agent email required",
        ),
        (outbound("", "+34612345678"), "Agent email required"),
        (
            outbound("nobody@example.com", "+34612345678"),
            "Not a valid agent email",
        ),
        (
            json!({ "call_type": "Voice Outbound (API)", "agent_email": "agent@example.com" }),
            "ticket_id or end_user_number required",
        ),
        (
            outbound("agent@example.com", "612 34 56 78"),
            "end_user_number is not well-formed",
        ),
        (
            outbound("bo@example.com", "+34612345678"),
            "Agent is not available to take this call",
        ),
    ];
    for (body, want) in cases {
        let (code, v) = call(&env, body.clone()).await;
        assert_eq!((code, v["message"].as_str()), (400, Some(want)), "{body}");
    }
    assert_eq!(
        call(&env, outbound("agent@example.com", "+34612345678"))
            .await
            .0,
        201
    );
    let (code, v) = call(&env, outbound("agent@example.com", "+34612345679")).await;
    assert_eq!(
        (code, v["message"].as_str()),
        (400, Some("Agent is not available to take this call")),
        "one call at a time"
    );
    let (code, v) = env
        .json(
            env.ccai(Method::POST, "/apps/api/v1/calls")
                .header("content-type", "application/json")
                .body("not json"),
        )
        .await;
    assert_eq!(code, 400);
    assert!(v["message"].is_string());
    let (_, list) = env
        .json(env.ccai(Method::GET, "/manager/api/v1/calls"))
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        1,
        "no refused request made a call"
    );
    env.sandbox.stop().await;
}
