//! What the status tests share: the sandbox and the server in-process on a real SQLite file, agents
//! signed in, their push connections, and the sandbox's record of what CCAI received.
//!
//! Agents are signed in through the server's own session code (the OAuth flow has its own tests):
//! these tests are about what a signed-in agent can and cannot do to statuses.

#![allow(dead_code)]

use std::path::PathBuf;
use std::time::Duration;

use ccai_core::mapping::MappingEntry;
use ccai_core::server_api::{Push, StatusChange};
use ccai_core::settings::SyncSettings;
use ccai_core::status::CcaiStatusId;
use futures_util::StreamExt;
use sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;
use server::http::auth::Agent;
use server::store::identity::KustomerTokens;
use server::{Config, Server};
use tokio::sync::mpsc;

/// The sandbox's Kustomer routing statuses (crates/sandbox/src/kustomer/model.rs).
pub const K_AVAILABLE: &str = "64f0a1c2e4b0a1b2c3d4e501";
pub const K_LUNCH: &str = "64f0a1c2e4b0a1b2c3d4e504";
pub const K_TRAINING: &str = "64f0a1c2e4b0a1b2c3d4e505";
pub const K_FOCUS: &str = "64f0a1c2e4b0a1b2c3d4e506";
/// Not in the mapping below.
pub const K_BUSY: &str = "64f0a1c2e4b0a1b2c3d4e502";

/// The server's admin in these tests (a Kustomer user; no CCAI agent needed to read the admin API).
pub const ADMIN: &str = "bo@example.com";

pub struct Env {
    pub sb: Sandbox,
    pub server: Option<Server>,
    pub db: PathBuf,
    _dir: tempfile::TempDir,
    pub http: reqwest::Client,
    rate: u32,
}

pub async fn start(ccai_rate: u32) -> Env {
    start_with(ccai_rate, false).await
}

/// The same, with status inheritance (S2) on: the server itself carries Kustomer's work-session
/// statuses to CCAI.
pub async fn start_inheriting(ccai_rate: u32) -> Env {
    start_with(ccai_rate, true).await
}

async fn start_with(ccai_rate: u32, inheritance: bool) -> Env {
    let sb = Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("server.db");
    let mut env = Env {
        sb,
        server: None,
        db,
        _dir: dir,
        http: reqwest::Client::new(),
        rate: ccai_rate,
    };
    env.boot().await;
    let settings = SyncSettings {
        mapping: vec![
            MappingEntry::new(K_AVAILABLE, CcaiStatusId::AVAILABLE),
            MappingEntry::new(K_FOCUS, CcaiStatusId::AVAILABLE),
            MappingEntry::new(K_LUNCH, CcaiStatusId::BREAK),
            MappingEntry::new(K_TRAINING, CcaiStatusId(1)),
        ],
        inheritance,
        ..SyncSettings::default()
    };
    server::settings::save(env.state(), None, settings, "test@example.com")
        .await
        .expect("the mapping saves");
    env.wait_ready().await;
    env
}

impl Env {
    pub fn config(&self) -> Config {
        let base = self.sb.base_url();
        let mut cfg = Config::new(server::config::Secrets {
            ccai_api_token: sandbox::CCAI_TOKEN.into(),
            kustomer_api_key: sandbox::KUSTOMER_API_KEY.into(),
            kustomer_oauth_client_secret: "unused".into(),
            ccai_events_password: "unused".into(),
        });
        cfg.listen = "127.0.0.1:0".parse().expect("an address");
        cfg.db = server::store::testing::database_for(&self.db);
        cfg.ccai_base = format!("{base}/ccai");
        cfg.ccai_subdomain = sandbox::CCAI_USER.into();
        cfg.kustomer_api = format!("{base}/kapi");
        cfg.kustomer_page = base;
        cfg.check_vendors = false;
        cfg.ccai_rate_per_s = self.rate;
        cfg.activity_interval = Duration::from_millis(500);
        cfg.work_sessions_interval = Duration::from_millis(500);
        cfg.admins = vec![ADMIN.into()];
        cfg
    }

    pub async fn boot(&mut self) {
        let server = Server::start(self.config()).await.expect("server starts");
        self.server = Some(server);
    }

    /// Kills the server as a crash would, then starts a new one on the same file.
    pub async fn crash_and_restart(&mut self) {
        if let Some(s) = self.server.take() {
            s.kill().await;
        }
        self.boot().await;
        self.wait_ready().await;
    }

    pub fn state(&self) -> &server::state::AppState {
        &self.server.as_ref().expect("a server").state
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.as_ref().expect("a server").url())
    }

    /// Until CCAI's status list is read (the server reads it at start). On PostgreSQL a server
    /// restarted after a kill first waits out the dead one's company lease (3 s), so up to 15 s.
    pub async fn wait_ready(&self) {
        for _ in 0..600 {
            if self.state().0.ccai_directory.is_loaded() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("the server never read ccai's statuses");
    }

    /// Signs `email` in as the CCAI agent `ccai_agent_id`; returns the session token.
    pub fn sign_in(&self, email: &str, kustomer_user_id: &str, ccai_agent_id: i64) -> String {
        self.sign_in_tokens(email, kustomer_user_id, ccai_agent_id)
            .session
    }

    /// The same, with the refresh token (to sign out with).
    pub fn sign_in_tokens(
        &self,
        email: &str,
        kustomer_user_id: &str,
        ccai_agent_id: i64,
    ) -> ccai_core::server_api::SessionTokens {
        let state = self.state();
        let agent = Agent {
            email: email.into(),
            kustomer_user_id: kustomer_user_id.into(),
            ccai_agent_id,
            name: email.into(),
        };
        let tokens = KustomerTokens {
            access: "kustomer-token".into(),
            refresh: None,
            expires_at_ms: None,
        };
        let now = server::now_ms();
        state
            .0
            .store
            .save_agent(&agent, &tokens, now)
            .expect("agent saved");
        server::session::open(state, email, now).expect("session opens")
    }

    pub async fn claim(&self, token: &str) -> u64 {
        let v: Value = self
            .http
            .post(self.url("/api/v1/owner"))
            .bearer_auth(token)
            .send()
            .await
            .expect("owner answers")
            .json()
            .await
            .expect("json");
        v["epoch"].as_u64().expect("an epoch")
    }

    /// `POST /api/v1/status`; returns the HTTP status and the body.
    pub async fn change(&self, token: &str, key: &str, epoch: u64, kustomer: &str) -> (u16, Value) {
        let body = StatusChange {
            key: key.into(),
            epoch,
            kustomer_status_id: kustomer.into(),
            changed_at_ms: server::now_ms(),
            ccai_status_id: None,
        };
        self.post_json(
            token,
            "/api/v1/status",
            &serde_json::to_value(body).expect("json"),
        )
        .await
    }

    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("server answers");
        let code = r.status().as_u16();
        (code, r.json().await.unwrap_or(Value::Null))
    }

    /// The agent's push connection: every `Push` arrives on the receiver.
    pub async fn events(&self, token: &str) -> mpsc::UnboundedReceiver<Push> {
        let resp = self
            .http
            .get(self.url("/api/v1/events"))
            .bearer_auth(token)
            .send()
            .await
            .expect("events answer");
        assert_eq!(resp.status().as_u16(), 200, "the push connection opens");
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut stream = resp.bytes_stream();
            let mut buf = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let frame: String = buf.drain(..end + 2).collect();
                    for line in frame.lines() {
                        if let Some(data) = line.strip_prefix("data:") {
                            if let Ok(p) = serde_json::from_str::<Push>(data.trim()) {
                                let _ = tx.send(p);
                            }
                        }
                    }
                }
            }
        });
        rx
    }

    /// `GET path` on the server as `token`: the status and the JSON body (`null` if none).
    pub async fn get_json(&self, token: &str, path: &str) -> (u16, Value) {
        let r = self
            .http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("server answers");
        let code = r.status().as_u16();
        (code, r.json().await.unwrap_or(Value::Null))
    }

    /// `GET path` on the sandbox (its control routes): the JSON it answers.
    pub async fn sandbox_json(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.sb.base_url()))
            .send()
            .await
            .expect("sandbox answers")
            .json()
            .await
            .expect("json")
    }

    /// CCAI itself moves `agent` to `status_id` (a supervisor in CCAI's portal, a call, wrap-up).
    pub async fn ccai_moves(&self, agent: i64, status_id: i64) {
        let r = self
            .http
            .post(format!(
                "{}/sandbox/ccai/agents/{agent}/status",
                self.sb.base_url()
            ))
            .json(&serde_json::json!({ "status_id": status_id }))
            .send()
            .await
            .expect("sandbox answers");
        assert!(r.status().is_success(), "{}", r.status());
    }

    /// What CCAI's `agent_statuses` received, one entry per agent (the sandbox's log).
    pub async fn received(&self) -> Vec<Value> {
        let v = self.sandbox_json("/sandbox/ccai/received").await;
        v.as_array().cloned().unwrap_or_default()
    }

    /// Every status CCAI's `agent_statuses` received for `agent`, in order (applied or already so).
    pub async fn sent_to(&self, agent: i64) -> Vec<String> {
        self.received()
            .await
            .iter()
            .filter(|e| e["agent_id"].as_i64() == Some(agent))
            .filter_map(|e| e["status_name"].as_str().map(str::to_owned))
            .collect()
    }

    /// The statuses CCAI applied to `agent`, in order (`applied` outcomes only).
    pub async fn applied_to(&self, agent: i64) -> Vec<String> {
        self.received()
            .await
            .iter()
            .filter(|e| e["agent_id"].as_i64() == Some(agent) && e["outcome"] == "applied")
            .filter_map(|e| e["status_name"].as_str().map(str::to_owned))
            .collect()
    }

    pub async fn fault(&self, body: Value) {
        let r = self
            .http
            .post(format!("{}/sandbox/faults", self.sb.base_url()))
            .json(&body)
            .send()
            .await
            .expect("sandbox answers");
        assert!(r.status().is_success(), "fault accepted");
    }
}

/// Waits for pushes until `pred` has matched `n` of them (or panics after `secs`).
pub async fn wait_for(
    rx: &mut mpsc::UnboundedReceiver<Push>,
    n: usize,
    secs: u64,
    pred: impl Fn(&Push) -> bool,
) -> Vec<Push> {
    let mut got = Vec::new();
    let mut others = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    while got.len() < n {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(p)) if pred(&p) => got.push(p),
            Ok(Some(p)) => others.push(p),
            Ok(None) | Err(_) => {
                panic!("waited {secs} s for {n} pushes, got {got:?}, and also {others:?}")
            }
        }
    }
    got
}
