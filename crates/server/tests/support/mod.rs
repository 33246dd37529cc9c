//! A real sandbox and a real server on loopback, with the server's SQLite file in a temporary
//! directory, and the steps of a browser's sign-in. Shared by the identity tests.

#![allow(dead_code)]

use std::time::Duration;

use ccai_core::server_api::{Push, SessionTokens};
use reqwest::{Method, StatusCode};
use sandbox::{OAuthClient, Sandbox, SandboxConfig};
use serde_json::{json, Value};
use server::config::Secrets;
use server::{Config, Server};

pub const CLIENT_ID: &str = "ccai-server-test";
pub const CLIENT_SECRET: &str = "test-client-secret";
/// The sandbox's page agent, in both vendors.
pub const ALEX: &str = "agent@example.com";
/// Another agent in both vendors; the server's admin in these tests.
pub const BO: &str = "bo@example.com";
/// A Kustomer user with no CCAI agent.
pub const ADA: &str = "admin@example.com";

pub struct Env {
    pub sandbox: Sandbox,
    pub server: Option<Server>,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
}

/// What a test may change in the server's configuration.
pub fn config(sandbox: &Sandbox, dir: &tempfile::TempDir) -> Config {
    let base = format!("http://{}", sandbox.addr);
    let mut cfg = Config::new(Secrets {
        ccai_api_token: sandbox::CCAI_TOKEN.into(),
        kustomer_api_key: sandbox::KUSTOMER_API_KEY.into(),
        kustomer_oauth_client_secret: CLIENT_SECRET.into(),
        ccai_events_password: "events-password".into(),
    });
    cfg.listen = ([127, 0, 0, 1], 0).into();
    cfg.db = server::store::testing::database_for(&dir.path().join("ccai-server.db"));
    cfg.kustomer_api = format!("{base}/kapi");
    cfg.kustomer_page = base.clone();
    cfg.ccai_base = format!("{base}/ccai");
    cfg.ccai_subdomain = sandbox::CCAI_USER.into();
    cfg.oauth_client_id = CLIENT_ID.into();
    // Derived from the bound address at start.
    cfg.oauth_redirect_uri = String::new();
    cfg.admins = vec![BO.into()];
    cfg
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

impl Env {
    /// A sandbox, and a server configured by `tweak` on top of [`config`].
    pub async fn start(tweak: impl FnOnce(&mut Config)) -> Env {
        Env::start_with(|_| {}, tweak).await
    }

    /// As [`Env::start`], with the sandbox's configuration changed by `sandbox_tweak` too.
    pub async fn start_with(
        sandbox_tweak: impl FnOnce(&mut SandboxConfig),
        tweak: impl FnOnce(&mut Config),
    ) -> Env {
        let mut sb = SandboxConfig {
            port: 0,
            ..SandboxConfig::default()
        };
        sandbox_tweak(&mut sb);
        let sandbox = Sandbox::start(sb).await.expect("sandbox starts");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cfg = config(&sandbox, &dir);
        tweak(&mut cfg);
        let server = Server::start(cfg).await.expect("server starts");
        let env = Env {
            sandbox,
            server: Some(server),
            dir,
            http: no_redirects(),
        };
        env.register_client().await;
        env
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("server running")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server().url())
    }

    pub fn sandbox_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.sandbox.addr)
    }

    /// The server as an OAuth client of the sandbox's Kustomer (an app installed in the org, B3).
    async fn register_client(&self) {
        let client = OAuthClient {
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
            redirect_uris: vec![self.url("/auth/callback")],
        };
        let res = self
            .http
            .post(self.sandbox_url("/sandbox/oauth/clients"))
            .json(&client)
            .send()
            .await
            .expect("register client");
        assert!(res.status().is_success(), "{}", res.status());
    }

    /// The person's `ksession` cookie on the sandbox's Kustomer page.
    pub async fn page_cookie(&self, email: &str) -> String {
        let v: Value = self
            .http
            .get(self.sandbox_url("/sandbox/login"))
            .query(&[("email", email)])
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login json");
        v["cookie"].as_str().expect("cookie").to_owned()
    }

    /// `GET /auth/start` → Kustomer's authorize URL (asserted to carry PKCE S256 and a state).
    pub async fn start_sign_in(&self) -> reqwest::Url {
        let res = self
            .http
            .get(self.url("/auth/start"))
            .send()
            .await
            .expect("start");
        assert_eq!(res.status(), StatusCode::FOUND);
        let to = reqwest::Url::parse(location(&res)).expect("authorize url");
        {
            let q = query(&to);
            assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
            assert!(q("code_challenge").is_some() && q("state").is_some());
        }
        to
    }

    /// The authorize page as the signed-in person → the callback URL with `code` and `state`.
    pub async fn authorize(&self, authorize: &reqwest::Url, cookie: &str) -> reqwest::Url {
        let res = self
            .http
            .get(authorize.clone())
            .header("cookie", cookie)
            .send()
            .await
            .expect("authorize");
        assert!(res.status().is_redirection(), "{}", res.status());
        reqwest::Url::parse(location(&res)).expect("callback url")
    }

    /// Follows the callback; the server's answer.
    pub async fn callback(&self, callback: &reqwest::Url) -> reqwest::Response {
        self.http
            .get(callback.clone())
            .send()
            .await
            .expect("callback")
    }

    /// The whole sign-in of `email`, as a browser would: the session tokens from the final fragment.
    pub async fn sign_in(&self, email: &str) -> SessionTokens {
        let cookie = self.page_cookie(email).await;
        let authorize = self.start_sign_in().await;
        let callback = self.authorize(&authorize, &cookie).await;
        let res = self.callback(&callback).await;
        assert_eq!(
            res.status(),
            StatusCode::FOUND,
            "sign-in of {email} refused"
        );
        fragment_tokens(location(&res)).expect("tokens in the fragment")
    }

    /// A request to the server with a bearer session.
    pub fn api(&self, method: Method, path: &str, session: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(session)
    }

    /// Status and JSON body (or `null`).
    pub async fn call(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let res = req.send().await.expect("request");
        let status = res.status();
        let text = res.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Opens `GET /api/v1/events` with the session.
    pub async fn events(&self, session: &str) -> Events {
        self.events_at(&self.server().url(), session).await
    }

    /// Opens `GET /api/v1/events` with the session on the server at `base` (another instance).
    pub async fn events_at(&self, base: &str, session: &str) -> Events {
        let res = self
            .http
            .get(format!("{base}/api/v1/events"))
            .bearer_auth(session)
            .send()
            .await
            .expect("events");
        assert_eq!(res.status(), StatusCode::OK);
        Events {
            res,
            buf: String::new(),
        }
    }

    /// `POST /sandbox/kustomer/users/{id}/deactivate`.
    pub async fn deactivate(&self, kustomer_user_id: &str) {
        let res = self
            .http
            .post(self.sandbox_url(&format!(
                "/sandbox/kustomer/users/{kustomer_user_id}/deactivate"
            )))
            .json(&json!({}))
            .send()
            .await
            .expect("deactivate");
        assert!(res.status().is_success(), "{}", res.status());
    }
}

pub fn location(res: &reqwest::Response) -> &str {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
}

pub fn query(url: &reqwest::Url) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// `…#session=…&refresh=…&expires_in=…` → the tokens.
pub fn fragment_tokens(location: &str) -> Option<SessionTokens> {
    let (_, fragment) = location.split_once('#')?;
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(fragment);
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    Some(SessionTokens {
        session: get("session")?,
        refresh: get("refresh")?,
        expires_in: get("expires_in")?.parse().ok()?,
    })
}

pub fn serde_urlencoded_pairs(s: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("x:?{s}"))
        .map(|u| u.query_pairs().into_owned().collect())
        .unwrap_or_default()
}

/// An open push connection, read event by event.
pub struct Events {
    res: reqwest::Response,
    buf: String,
}

impl Events {
    /// The next push within `limit`; `None` when the server closed the connection (or time ran out).
    pub async fn next(&mut self, limit: Duration) -> Option<Push> {
        let until = tokio::time::Instant::now() + limit;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let frame: String = self.buf.drain(..end + 2).collect();
                let data: String = frame
                    .lines()
                    .filter_map(|l| l.strip_prefix("data:"))
                    .map(str::trim_start)
                    .collect();
                if !data.is_empty() {
                    return Some(serde_json::from_str(&data).expect("a Push"));
                }
            }
            let left = until.checked_duration_since(tokio::time::Instant::now())?;
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(bytes))) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                _ => return None,
            }
        }
    }

    /// True when the server has closed the connection within `limit` (events before that are skipped).
    pub async fn closed(&mut self, limit: Duration) -> bool {
        let until = tokio::time::Instant::now() + limit;
        loop {
            let Some(left) = until.checked_duration_since(tokio::time::Instant::now()) else {
                return false;
            };
            match tokio::time::timeout(left, self.res.chunk()).await {
                Ok(Ok(Some(_))) => continue,
                Ok(Ok(None)) | Ok(Err(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}
