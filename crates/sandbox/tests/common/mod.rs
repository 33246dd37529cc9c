//! Shared by the sandbox's HTTP tests: a sandbox on a free port and clients with each credential.
#![allow(dead_code)]

use reqwest::{Client, RequestBuilder};
use sandbox::{Sandbox, SandboxConfig};
use serde_json::Value;

pub struct Env {
    pub sandbox: Sandbox,
    pub base: String,
    pub http: Client,
}

impl Env {
    pub async fn start() -> Env {
        Env::with(SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        })
        .await
    }

    pub async fn with(cfg: SandboxConfig) -> Env {
        let sandbox = Sandbox::start(cfg).await.expect("sandbox starts");
        let base = sandbox.base_url();
        let http = Client::builder().no_proxy().build().expect("client");
        Env {
            sandbox,
            base,
            http,
        }
    }

    pub fn kapi(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/kapi{path}", self.base))
            .bearer_auth("sandbox-kustomer-key")
    }

    pub fn ccai(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/ccai{path}", self.base))
            .basic_auth("sandbox", Some("sandbox-ccai-token"))
    }

    pub fn control(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/sandbox{path}", self.base))
    }

    /// The `ksession=…` pair the agent page hands its browser (the page's agent).
    pub async fn page_cookie(&self) -> String {
        let res = self
            .http
            .get(format!("{}/app", self.base))
            .send()
            .await
            .expect("page");
        let set = res.headers()["set-cookie"].to_str().expect("ascii");
        set.split(';').next().unwrap_or_default().to_owned()
    }

    pub async fn json(&self, req: RequestBuilder) -> (u16, Value) {
        let res = req.send().await.expect("response");
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// POST agent_statuses for agent 11.
    pub fn set_ccai(&self, body: Value) -> RequestBuilder {
        self.ccai(reqwest::Method::POST, "/apps/api/v1/agent_statuses")
            .json(&body)
    }

    pub async fn received(&self) -> Vec<Value> {
        let (_, v) = self
            .json(self.control(reqwest::Method::GET, "/ccai/received"))
            .await;
        v.as_array().cloned().unwrap_or_default()
    }

    pub async fn agent_status(&self, id: i64) -> i64 {
        let (_, v) = self
            .json(self.ccai(
                reqwest::Method::GET,
                &format!("/manager/api/v1/agents?id[]={id}"),
            ))
            .await;
        v[0]["status"]["id"].as_i64().expect("status id")
    }

    pub async fn faults(&self, body: Value) {
        let (code, _) = self
            .json(self.control(reqwest::Method::POST, "/faults").json(&body))
            .await;
        assert_eq!(code, 200);
    }
}
