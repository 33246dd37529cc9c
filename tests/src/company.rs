//! The company server started beside the sandbox and configured for it, as the README's first command
//! runs it: the sandbox's Kustomer and CCAI as its vendors, the server registered as the org's OAuth
//! client, and CCAI's session events (A20) delivered to it.

use std::path::Path;

use serde_json::json;
use server::config::Secrets;
use server::{Config, Server};

use crate::TestResult;

/// The demo's secrets: the sandbox's credentials, and the two the company chooses itself.
const CLIENT_ID: &str = "ccai-server";
const CLIENT_SECRET: &str = "demo-oauth-client-secret";
const EVENTS_USER: &str = "ccai-events";
const EVENTS_PASSWORD: &str = "demo-events-password";

/// Starts the server on `port` (0 picks one) with its SQLite file at `db`, for the sandbox at
/// `sandbox_base` (`http://127.0.0.1:PORT`), and tells the sandbox about it.
pub async fn start_beside_sandbox(sandbox_base: &str, port: u16, db: &Path) -> TestResult<Server> {
    let mut cfg = Config::new(Secrets {
        ccai_api_token: sandbox::CCAI_TOKEN.into(),
        kustomer_api_key: sandbox::KUSTOMER_API_KEY.into(),
        kustomer_oauth_client_secret: CLIENT_SECRET.into(),
        ccai_events_password: EVENTS_PASSWORD.into(),
    });
    cfg.listen = ([127, 0, 0, 1], port).into();
    cfg.db = db.to_path_buf();
    cfg.kustomer_api = format!("{sandbox_base}/kapi");
    cfg.kustomer_page = sandbox_base.to_owned();
    cfg.ccai_base = format!("{sandbox_base}/ccai");
    cfg.ccai_subdomain = sandbox::CCAI_USER.into();
    cfg.oauth_client_id = CLIENT_ID.into();
    // Empty: the server's own `/auth/callback` at the address it bound.
    cfg.oauth_redirect_uri = String::new();
    cfg.admins = vec!["agent@example.com".into()];
    let server = Server::start(cfg).await?;

    let http = reqwest::Client::new();
    let client = json!({
        "clientId": CLIENT_ID,
        "clientSecret": CLIENT_SECRET,
        "redirectUris": [format!("{}/auth/callback", server.url())],
    });
    http.post(format!("{sandbox_base}/sandbox/oauth/clients"))
        .json(&client)
        .send()
        .await?
        .error_for_status()?;
    let channel = |kind: &str| {
        json!({
            "url": format!("{}/ccai/session-events/{kind}", server.url()),
            "username": EVENTS_USER,
            "password": EVENTS_PASSWORD,
        })
    };
    http.post(format!(
        "{sandbox_base}/sandbox/ccai/session-events/settings"
    ))
    .json(&json!({ "call": channel("call"), "chat": channel("chat") }))
    .send()
    .await?
    .error_for_status()?;
    Ok(server)
}
