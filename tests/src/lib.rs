//! The end-to-end harness: the sandbox on a free port, Debian's Chromium with the real unpacked
//! extension under chromedriver, and helpers to reach into the adapter frame as an agent would.
//!
//! Every browser gets its own profile directory; dropping the [`Browser`] kills whatever Chromium
//! process uses it, so a failed test never leaves a browser behind (TOOLCHAIN.md, gotcha 10).

mod browser;
mod cdp;
pub mod company;
pub mod fidelity;
mod frame;
pub mod guard;
pub mod kustomer_page;
pub mod options_page;
pub mod phones;
pub mod relay_bench;
pub mod soak;
mod wait;

pub use browser::{Browser, BrowserOptions};
pub use frame::{
    adapter_text, click_in_adapter, host_geometry, pick_in_adapter, wait_adapter_text, Adapter,
    Rect,
};
pub use wait::wait_for;

use std::path::PathBuf;

/// The extension's ID, fixed by the `key` in manifest.json.
pub const EXTENSION_ID: &str = "knlkpahjcdbjohifdclhccemeghfbkdh";

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// `dist/extension`, built by `./build.sh` (the test command builds it first).
pub fn extension_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("E2E_EXTENSION_DIR") {
        return PathBuf::from(dir);
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist/extension")
}

/// Where tests leave screenshots for a person to look at.
pub fn artifacts_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-artifacts");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// What points the extension at the company server started beside a sandbox: its address only, stored
/// as the options page stores it (see [`Browser::configure`]). Issue 16: no vendor base URL or
/// credential; the server holds those.
pub fn sandbox_config(base_url: &str) -> serde_json::Value {
    let base = base_url.trim_end_matches('/');
    serde_json::json!({ "server_url": company::url_beside(base) })
}

/// A started sandbox, the company server beside it (configured for it, as `./build.sh demo` runs
/// them), and the HTTP client the tests use to read what either received.
pub struct Sandbox {
    pub inner: sandbox::Sandbox,
    pub http: reqwest::Client,
    pub company: company::Beside,
    /// Leaves the sandbox's fidelity ledger behind when the test is done with it.
    _ledger: fidelity::LeaveOnDrop,
}

impl Sandbox {
    pub async fn start() -> TestResult<Self> {
        let inner = sandbox::Sandbox::start(sandbox::SandboxConfig {
            port: 0,
            ..Default::default()
        })
        .await?;
        let company = company::Beside::start(&inner.base_url()).await?;
        Ok(Self {
            _ledger: fidelity::LeaveOnDrop(inner.app().clone()),
            inner,
            http: reqwest::Client::new(),
            company,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.inner.base_url(), path)
    }

    /// GET a JSON document from the sandbox, with the CCAI credentials when the path is CCAI's.
    pub async fn get_json(&self, path: &str) -> TestResult<serde_json::Value> {
        let mut req = self.http.get(self.url(path));
        if path.starts_with("/ccai/") {
            req = req.basic_auth("sandbox", Some("sandbox-ccai-token"));
        } else if path.starts_with("/kapi/") {
            req = req.bearer_auth("sandbox-kustomer-key");
        }
        Ok(req.send().await?.error_for_status()?.json().await?)
    }
}

/// Serves `body` as an HTML page on a free loopback port, for tests that need a page that is not
/// Kustomer's. Returns its URL. The server lives until the test process ends.
pub fn plain_page_server(body: &str) -> TestResult<String> {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://127.0.0.1:{}/", listener.local_addr()?.port());
    let page =
        format!("<!doctype html><html><head><title>plain</title></head><body>{body}</body></html>");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                page.len(),
                page
            );
        }
    });
    Ok(url)
}
