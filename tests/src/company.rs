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
pub const CLIENT_SECRET: &str = "demo-oauth-client-secret";
const EVENTS_USER: &str = "ccai-events";
pub const EVENTS_PASSWORD: &str = "demo-events-password";

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
    cfg.db = db.to_path_buf().into();
    cfg.kustomer_api = format!("{sandbox_base}/kapi");
    cfg.kustomer_page = sandbox_base.to_owned();
    cfg.ccai_base = format!("{sandbox_base}/ccai");
    cfg.ccai_subdomain = sandbox::CCAI_USER.into();
    // The Basic user CCAI's portal is given below for its session events (A20).
    cfg.ccai_events_username = EVENTS_USER.into();
    cfg.oauth_client_id = CLIENT_ID.into();
    // Empty: the server's own `/auth/callback` at the address it bound.
    cfg.oauth_redirect_uri = String::new();
    cfg.admins = vec!["agent@example.com".into()];
    // The sandbox's CCAI takes A3's documented 10 requests a second, and a CCAI-side change (a
    // supervisor, a call) reaches the adapter within a second instead of five.
    cfg.ccai_rate_per_s = 10;
    cfg.activity_interval = std::time::Duration::from_secs(1);
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

/// Which company server runs beside which sandbox (base URL → server URL), so `sandbox_config` can
/// name it for tests that only hold the sandbox's address.
fn registry() -> &'static std::sync::Mutex<std::collections::HashMap<String, String>> {
    static R: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, String>>> =
        std::sync::OnceLock::new();
    R.get_or_init(Default::default)
}

/// The company server's URL beside the sandbox at `sandbox_base`, if one was started.
pub fn url_beside(sandbox_base: &str) -> Option<String> {
    registry()
        .lock()
        .ok()?
        .get(sandbox_base.trim_end_matches('/'))
        .cloned()
}

/// The company server of one test: its SQLite file in a directory of its own (removed at drop), and
/// its port kept so a restart comes back at the same address, as a real server does.
pub struct Beside {
    pub server: Option<Server>,
    sandbox_base: String,
    port: u16,
    dir: std::path::PathBuf,
}

impl Beside {
    pub async fn start(sandbox_base: &str) -> TestResult<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ccai-e2e-server-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        let server = start_beside_sandbox(sandbox_base, 0, &dir.join("ccai-server.db")).await?;
        let port = server.addr.port();
        let base = sandbox_base.trim_end_matches('/').to_owned();
        if let Ok(mut r) = registry().lock() {
            r.insert(base.clone(), server.url());
        }
        Ok(Self {
            server: Some(server),
            sandbox_base: base,
            port,
            dir,
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's SQLite file, for a failing test to leave behind for a person to read.
    pub fn db_path(&self) -> std::path::PathBuf {
        self.dir.join("ccai-server.db")
    }

    /// Stops the server (its tasks end; the file stays), as a crash or a deploy would.
    pub async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.kill().await;
        }
    }

    /// Starts it again on the same port and file.
    pub async fn restart(&mut self) -> TestResult {
        self.stop().await;
        let db = self.dir.join("ccai-server.db");
        let mut last = None;
        // The port may take a moment to be free again.
        for _ in 0..50 {
            match start_beside_sandbox(&self.sandbox_base, self.port, &db).await {
                Ok(server) => {
                    self.server = Some(server);
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Err(format!("the company server did not start again: {last:?}").into())
    }
}

impl Drop for Beside {
    fn drop(&mut self) {
        if let Ok(mut r) = registry().lock() {
            r.remove(&self.sandbox_base);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
