//! The world the agents work in: the sandbox (enforcing CCAI's rate and Kustomer's per-minute budget)
//! and the company server on a real SQLite file, wired as an operator would wire them.

use std::time::Duration;

use ccai_core::mapping::MappingEntry;
use ccai_core::settings::SyncSettings;
use ccai_core::status::CcaiStatusId;
use sandbox::{Sandbox, SandboxConfig};
use serde::Deserialize;
use serde_json::{json, Value};
use server::config::Secrets;
use server::{Config, Server};

pub const CLIENT_ID: &str = "ccai-server-loadtest";
pub const CLIENT_SECRET: &str = "loadtest-client-secret";
pub const EVENTS_USER: &str = "ccai";
pub const EVENTS_PASSWORD: &str = "loadtest-events-password";

/// The sandbox's Kustomer routing statuses (crates/sandbox/src/kustomer/model.rs) and the CCAI status
/// each maps to: four distinct CCAI targets, as a contact center's menu might have.
pub const STATUSES: [(&str, i64, &str); 4] = [
    ("64f0a1c2e4b0a1b2c3d4e501", 0, "Available"),
    ("64f0a1c2e4b0a1b2c3d4e504", -2, "Break"),
    ("64f0a1c2e4b0a1b2c3d4e505", 1, "Training"),
    ("64f0a1c2e4b0a1b2c3d4e502", -1, "Unavailable"),
];

#[derive(Clone, Debug, Deserialize)]
pub struct SeededAgent {
    pub email: String,

    pub ccai_agent_id: i64,
}

pub struct World {
    pub sandbox: Sandbox,
    pub server: Server,
    pub http: reqwest::Client,
    pub agents: Vec<SeededAgent>,
    /// What was not there to use (another helper's piece not landed), in words.
    pub missing: Vec<String>,
    _dir: tempfile::TempDir,
}

impl World {
    /// Stops the company server's tasks and the sandbox's server (dropping a `Sandbox` leaves it
    /// running).
    pub async fn stop(self) {
        drop(self.server);
        self.sandbox.stop().await;
    }

    pub async fn start(
        agents: usize,
        ccai_rate: u32,
        spread: bool,
        kustomer_budget_per_min: u64,
    ) -> World {
        let sandbox = Sandbox::start(SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        })
        .await
        .expect("the sandbox starts");
        let http = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(1_024)
            .build()
            .expect("an http client");
        let sb = sandbox.base_url();
        let mut missing = Vec::new();
        let post = |path: &str, body: Value| {
            let http = http.clone();
            let url = format!("{sb}{path}");
            async move { http.post(url).json(&body).send().await.ok() }
        };
        let seeded = post("/sandbox/agents", json!({ "count": agents })).await;
        let agents: Vec<SeededAgent> = match seeded {
            Some(r) if r.status().is_success() => {
                let v: Value = r.json().await.unwrap_or(Value::Null);
                serde_json::from_value(v["agents"].clone()).unwrap_or_default()
            }
            _ => {
                missing.push("POST /sandbox/agents (many-agent seeding)".into());
                Vec::new()
            }
        };

        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut cfg = Config::new(Secrets {
            ccai_api_token: sandbox::CCAI_TOKEN.into(),
            kustomer_api_key: sandbox::KUSTOMER_API_KEY.into(),
            kustomer_oauth_client_secret: CLIENT_SECRET.into(),
            ccai_events_password: EVENTS_PASSWORD.into(),
        });
        cfg.listen = ([127, 0, 0, 1], 0).into();
        cfg.db = server::store::testing::database_for(&dir.path().join("ccai-server.db"));
        cfg.kustomer_api = format!("{sb}/kapi");
        cfg.kustomer_page = sb.clone();
        cfg.ccai_base = format!("{sb}/ccai");
        cfg.ccai_subdomain = sandbox::CCAI_USER.into();
        cfg.oauth_client_id = CLIENT_ID.into();
        cfg.oauth_redirect_uri = String::new();
        cfg.ccai_rate_per_s = ccai_rate;
        cfg.ccai_spread = spread;
        cfg.check_vendors = false;
        let server = Server::start(cfg).await.expect("the server starts");

        let client = json!({
            "clientId": CLIENT_ID,
            "clientSecret": CLIENT_SECRET,
            "redirectUris": [format!("{}/auth/callback", server.url())],
        });
        if !post("/sandbox/oauth/clients", client)
            .await
            .is_some_and(|r| r.status().is_success())
        {
            missing
                .push("POST /sandbox/oauth/clients (the server as Kustomer's OAuth client)".into());
        }
        let channel = json!({ "call": {
            "url": format!("{}/ccai/session-events/call", server.url()),
            "username": EVENTS_USER,
            "password": EVENTS_PASSWORD,
        }});
        if !post("/sandbox/ccai/session-events/settings", channel)
            .await
            .is_some_and(|r| r.status().is_success())
        {
            missing.push(
                "POST /sandbox/ccai/session-events/settings (CCAI's session events, A20)".into(),
            );
        }

        let settings = SyncSettings {
            mapping: STATUSES
                .iter()
                .map(|(k, c, _)| MappingEntry::new(*k, CcaiStatusId(*c)))
                .collect(),
            ..SyncSettings::default()
        };
        // The server reads both status lists to check the mapping: at 1 request/s that takes seconds.
        let mut saved = false;
        for _ in 0..30 {
            if server::settings::save(
                &server.state,
                None,
                settings.clone(),
                "loadtest@example.com",
            )
            .await
            .is_ok()
            {
                saved = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert!(saved, "the admin's mapping saves");
        while !server.state.0.ccai_directory.is_loaded() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // The vendors' limits, switched on now and measured from here on.
        if !post("/sandbox/ccai/rate", json!({ "limit": ccai_rate }))
            .await
            .is_some_and(|r| r.status().is_success())
        {
            missing.push("POST /sandbox/ccai/rate (CCAI's rate, A3, and its measurement)".into());
        }
        let budget = http
            .put(format!("{sb}/sandbox/kustomer/rate"))
            .json(&json!({ "budget": kustomer_budget_per_min }))
            .send()
            .await;
        if !budget.is_ok_and(|r| r.status().is_success()) {
            missing.push("PUT /sandbox/kustomer/rate (Kustomer's budget, B4)".into());
        }
        let _ = http
            .delete(format!("{sb}/sandbox/kustomer/rate"))
            .send()
            .await;

        World {
            sandbox,
            server,
            http,
            agents,
            missing,
            _dir: dir,
        }
    }

    pub fn sb(&self, path: &str) -> String {
        format!("{}{path}", self.sandbox.base_url())
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }

    pub async fn get_json(&self, url: &str) -> Option<Value> {
        let r = self.http.get(url).send().await.ok()?;
        if !r.status().is_success() {
            return None;
        }
        r.json().await.ok()
    }
}
