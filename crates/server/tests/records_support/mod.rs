//! Shared by the end-to-end tests: the sandbox and the connector on free loopback ports, a temp SQLite
//! file, and a readable snapshot of the sandbox's Kustomer records.
#![allow(dead_code, unused_imports)]

use std::path::PathBuf;

use connector::{Config, Connector};
use sandbox::{Sandbox, SandboxConfig};
use serde_json::{json, Map, Value};

pub use sandbox::ccai_webhooks::{deliveries, play, sign, PlayOptions, Sender};

pub const SECRET: &[u8] = b"test-webhook-secret";
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
        let t0_ms = connector::engine::now_ms() + 1_000;
        World {
            sandbox,
            base,
            dir: tempfile::tempdir().expect("tempdir"),
            http,
            t0_ms,
        }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("connector.db")
    }

    pub async fn connector(&self, db: Option<PathBuf>) -> Connector {
        let mut cfg = Config::new(
            &format!("{}/kapi", self.base),
            KEY,
            SECRET,
            db.unwrap_or_else(|| self.db_path()),
        );
        cfg.sdk_mapping
            .insert("plan".into(), "loyaltyPlanStr".into());
        cfg.agents
            .insert("agent@example.com".into(), "u-agent-1".into());
        cfg.agents
            .insert("bo@example.com".into(), "u-agent-2".into());
        cfg.workers = 8;
        Connector::start(cfg).await.expect("connector starts")
    }

    pub fn deliveries(&self, opts: &PlayOptions) -> Vec<Value> {
        deliveries(&sandbox::ccai_webhooks::day("", self.t0_ms), opts)
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

    /// A change made in Kustomer by someone other than the connector (a person, another channel).
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
