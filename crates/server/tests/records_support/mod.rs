//! Shared by the records tests: the sandbox and the server on free loopback ports, a temp SQLite file,
//! the day's agents signed in (as the server knows them), CCAI's deliveries POSTed with HTTP Basic, and a
//! readable snapshot of the sandbox's Kustomer records.
#![allow(dead_code, unused_imports)]

pub mod day;
pub mod push;

use std::path::PathBuf;
use std::time::Duration;

use sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Map, Value};
use server::config::{Config, Secrets};
use server::http::auth::Agent;
use server::records::Records;
use server::store::identity::KustomerTokens;
use server::Server;

pub use day::{deliveries, PlayOptions, AGENT, AGENT_ID, BO, BO_ID};

pub const USER: &str = "ccai-portal";
pub const PASSWORD: &str = "events-password";
const KEY: &str = "sandbox-kustomer-key";

pub struct World {
    pub sandbox: Sandbox,
    pub base: String,
    dir: tempfile::TempDir,
    http: reqwest::Client,
    t0_ms: u64,
}

impl World {
    /// A fresh sandbox with the F1 fields created (and the F4 field `loyaltyPlanStr`), before the day.
    pub async fn start() -> World {
        let sandbox = Sandbox::start(SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        })
        .await
        .expect("sandbox starts");
        let base = sandbox.base_url();
        let http = reqwest::Client::new();
        let mut conv = Map::new();
        for f in ccai_core::records::fields::ALL
            .iter()
            .filter(|f| **f != "customUserIdStr")
        {
            conv.insert((*f).into(), json!({ "displayName": f }));
        }
        conv.insert(
            "loyaltyPlanStr".into(),
            json!({ "displayName": "Loyalty plan" }),
        );
        for (resource, props) in [
            ("conversation", Value::Object(conv)),
            (
                "customer",
                json!({ "customUserIdStr": { "displayName": "Custom user id" } }),
            ),
        ] {
            let r = http
                .patch(format!("{base}/kapi/v1/metadata/{resource}"))
                .bearer_auth(KEY)
                .json(&json!({ "properties": props }))
                .send()
                .await
                .expect("metadata");
            assert!(
                r.status().is_success(),
                "metadata {resource}: {}",
                r.status()
            );
        }
        let t0_ms = server::now_ms() + 1_000;
        World {
            sandbox,
            base,
            dir: tempfile::tempdir().expect("tempdir"),
            http,
            t0_ms,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("ccai-server.db")
    }

    /// The server's configuration against this sandbox.
    pub fn config(&self, db: PathBuf) -> Config {
        let mut cfg = Config::new(Secrets {
            ccai_api_token: "sandbox-ccai-token".into(),
            kustomer_api_key: KEY.into(),
            kustomer_oauth_client_secret: "sandbox-oauth-secret".into(),
            ccai_events_password: PASSWORD.into(),
        });
        cfg.listen = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
        cfg.db = server::store::testing::database_for(&db);
        cfg.kustomer_api = format!("{}/kapi", self.base);
        cfg.kustomer_page = self.base.clone();
        cfg.ccai_base = format!("{}/ccai", self.base);
        cfg.check_vendors = false;
        cfg.ccai_events_username = USER.into();
        cfg.records_workers = 8;
        cfg
    }

    /// A server on the world's file (or `db`), with the day's two agents signed in once.
    pub async fn server(&self, db: Option<PathBuf>) -> Server {
        self.server_with(self.config(db.unwrap_or_else(|| self.db_path())))
            .await
    }

    /// A server with `cfg` (from `config`, changed), with the day's two agents signed in once.
    pub async fn server_with(&self, cfg: Config) -> Server {
        let server = Server::start(cfg).await.expect("server starts");
        for (email, user, id, name) in [
            (AGENT, "u-agent-1", AGENT_ID, "Agent One"),
            (BO, "u-agent-2", BO_ID, "Bo Berg"),
        ] {
            let agent = Agent {
                email: email.into(),
                kustomer_user_id: user.into(),
                ccai_agent_id: id,
                name: name.into(),
            };
            let tokens = KustomerTokens {
                access: format!("token-{user}"),
                refresh: None,
                expires_at_ms: None,
            };
            server
                .state
                .0
                .store
                .save_agent(&agent, &tokens, server::now_ms())
                .expect("agent saved");
        }
        server
    }

    /// The day's POSTs, as CCAI would make them.
    pub fn day(&self, opts: &PlayOptions) -> Vec<(&'static str, Value)> {
        deliveries(&day::day("", self.t0_ms), opts)
    }

    /// POSTs each body to the server's intake with the portal's Basic credentials; their statuses.
    pub async fn play(&self, server: &Server, bodies: &[(&'static str, Value)]) -> Vec<u16> {
        let mut out = Vec::new();
        for (channel, body) in bodies {
            out.push(
                self.post_events(server, channel, body, (USER, PASSWORD))
                    .await
                    .0,
            );
        }
        out
    }

    /// One POST to the intake: its status and JSON answer.
    pub async fn post_events(
        &self,
        server: &Server,
        channel: &str,
        body: &Value,
        (user, password): (&str, &str),
    ) -> (u16, Value) {
        let r = self
            .http
            .post(format!("{}/ccai/session-events/{channel}", server.url()))
            .basic_auth(user, Some(password))
            .json(body)
            .send()
            .await
            .expect("intake answers");
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Waits until everything the server accepted is applied, or `limit` passes. True when idle.
    pub async fn wait_idle(&self, server: &Server, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        loop {
            if Records::backlog(&server.state).unwrap_or(1) == 0 {
                return true;
            }
            if tokio::time::Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn faults(&self, faults: Value) {
        let r = self
            .http
            .post(format!("{}/sandbox/faults", self.base))
            .json(&json!({ "service": "kustomer", "faults": faults }))
            .send()
            .await
            .expect("faults");
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    /// When the tests' sessions may start: after the fields were created (F2).
    pub fn t0_ms(&self) -> u64 {
        self.t0_ms
    }

    /// A change made in Kustomer by someone other than the server (a person, another channel).
    pub async fn kapi_send(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let r = self
            .http
            .request(method.clone(), format!("{}/kapi/v1{path}", self.base))
            .bearer_auth(KEY)
            .json(&body)
            .send()
            .await
            .expect("kustomer request");
        assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        r.json().await.expect("json")
    }

    /// Schedules faults with a full `POST /sandbox/faults` body (service, method, path prefix, faults).
    pub async fn schedule_faults(&self, body: Value) {
        let r = self
            .http
            .post(format!("{}/sandbox/faults", self.base))
            .json(&body)
            .send()
            .await
            .expect("faults");
        assert!(r.status().is_success(), "faults: {}", r.status());
    }

    /// What the sandbox's fault queue still holds and what fired.
    pub async fn fault_log(&self) -> Value {
        self.http
            .get(format!("{}/sandbox/faults", self.base))
            .send()
            .await
            .expect("faults")
            .json()
            .await
            .expect("json")
    }

    pub async fn get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}/kapi/v1{path}", self.base))
            .bearer_auth(KEY)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    /// A sandbox control route's JSON (`/sandbox/...`).
    pub async fn sandbox_get(&self, path: &str) -> Value {
        self.http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json")
    }

    /// The day's end users' conversations (newest first), in the shape of the hand-written expectation.
    pub async fn snapshot(&self) -> Value {
        let customers = self.get("/customers?pageSize=1000").await;
        let mut out = Map::new();
        for c in customers["data"].as_array().cloned().unwrap_or_default() {
            let Some(label) = day_label(&c["attributes"]) else {
                continue;
            };
            let id = c["id"].as_str().unwrap_or_default();
            let convs = self
                .get(&format!("/customers/{id}/conversations?pageSize=100"))
                .await;
            let mut list = Vec::new();
            for k in convs["data"].as_array().cloned().unwrap_or_default() {
                let kid = k["id"].as_str().unwrap_or_default();
                let a = &k["attributes"];
                let notes = self.get(&format!("/conversations/{kid}/notes")).await;
                let atts = self.get(&format!("/conversations/{kid}/attachments")).await;
                let msgs = self.get(&format!("/conversations/{kid}/messages")).await;
                let texts = |v: &Value, f: &str| -> Vec<Value> {
                    v["data"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .iter()
                        .map(|x| x["attributes"][f].clone())
                        .collect()
                };
                let mut custom = Map::new();
                for (name, v) in a["custom"].as_object().cloned().unwrap_or_default() {
                    let v = match v.as_f64() {
                        Some(n) if v.is_number() => json!(n),
                        _ => v,
                    };
                    custom.insert(name, v);
                }
                list.push(json!({
                    "name": a["name"], "status": a["status"], "assignedUsers": a["assignedUsers"],
                    "messages": msgs["data"].as_array().map_or(0, Vec::len),
                    "notes": texts(&notes, "body"), "attachments": texts(&atts, "name"),
                    "custom": custom,
                }));
            }
            out.insert(label, Value::Array(list));
        }
        Value::Object(out)
    }

    /// The day's end users' own assignment (R18), by the same labels as `snapshot`.
    pub async fn customer_assignments(&self) -> Value {
        let customers = self.get("/customers?pageSize=1000").await;
        let mut out = Map::new();
        for c in customers["data"].as_array().cloned().unwrap_or_default() {
            if let Some(label) = day_label(&c["attributes"]) {
                out.insert(label, c["attributes"]["assignedUsers"].clone());
            }
        }
        Value::Object(out)
    }
}

/// The day's label of a customer (its app user id, else its first phone), if it is one of the day's end
/// users.
fn day_label(attrs: &Value) -> Option<String> {
    let label = attrs["custom"]["customUserIdStr"]
        .as_str()
        .or_else(|| attrs["phones"][0]["phone"].as_str())?;
    ["+14155550101", "+34911222333", "app-42", "+447700900123"]
        .contains(&label)
        .then(|| label.to_owned())
}
