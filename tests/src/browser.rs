//! Chromium with the unpacked extension, driven by chromedriver through fantoccini.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::{extension_dir, TestResult, EXTENSION_ID};

/// How to start the browser.
#[derive(Clone, Debug)]
pub struct BrowserOptions {
    /// `--lang`: the browser's UI language, which `chrome.i18n` follows.
    pub lang: String,
    pub headless: bool,
    pub width: u32,
    pub height: u32,
    /// More Chromium switches, e.g. `--autoplay-policy=document-user-activation-required`.
    pub args: Vec<String>,
    /// Switches chromedriver adds that a test needs gone, e.g. `disable-background-timer-throttling`
    /// to see a hidden tab's timers throttled as an agent's browser does.
    pub exclude_switches: Vec<String>,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            lang: "en-US".into(),
            headless: true,
            width: 1280,
            height: 800,
            args: Vec::new(),
            exclude_switches: Vec::new(),
        }
    }
}

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

impl Browser {
    pub async fn start(opts: BrowserOptions) -> TestResult<Self> {
        let ext = extension_dir().canonicalize().map_err(|e| {
            format!(
                "{}: {e} (build it first: ./build.sh)",
                extension_dir().display()
            )
        })?;
        let profile =
            std::env::temp_dir().join(format!("ccai-e2e-{}-{}", std::process::id(), unique()));
        std::fs::create_dir_all(&profile)?;
        let port = free_port()?;
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                format!("chromedriver: {e} (scripts/install-deps.sh installs chromium-driver)")
            })?;
        let mut args = vec![
            "--no-sandbox".to_string(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--lang={}", opts.lang),
            format!("--window-size={},{}", opts.width, opts.height),
            format!("--user-data-dir={}", profile.display()),
            format!("--load-extension={}", ext.display()),
            format!("--disable-extensions-except={}", ext.display()),
        ];
        if opts.headless {
            args.push("--headless=new".into());
        }
        args.extend(opts.args.iter().cloned());
        let caps = json!({
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": args,
                "excludeSwitches": opts.exclude_switches,
                "prefs": { "intl": { "accept_languages": opts.lang } },
            }
        });
        let caps = match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object literal"),
        };
        let url = format!("http://127.0.0.1:{port}");
        let mut last = None;
        for _ in 0..50 {
            match ClientBuilder::native()
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Ok(Self {
                        client,
                        driver,
                        profile,
                    })
                }
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(format!("could not start Chromium through chromedriver: {last:?}").into())
    }

    /// An extension page's URL, e.g. `options.html`.
    pub fn extension_url(page: &str) -> String {
        format!("chrome-extension://{EXTENSION_ID}/{page}")
    }

    /// Saves the extension's configuration through a real extension page, as the options page would.
    pub async fn configure(&self, config: Value) -> TestResult {
        self.client
            .goto(&Self::extension_url("options.html"))
            .await?;
        // The company server's address is a setting of its own (`serverUrl`), as the options page saves
        // it; the rest is the connection.
        let script = "const done = arguments[arguments.length - 1];
            const { server_url, ...config } = arguments[0];
            const items = server_url ? { config, serverUrl: server_url } : { config };
            chrome.storage.local.set(items).then(() => done('ok'), e => done(String(e)));";
        let r = self.client.execute_async(script, vec![config]).await?;
        if r != json!("ok") {
            return Err(format!("could not store the configuration: {r}").into());
        }
        Ok(())
    }

    pub async fn screenshot(&self, name: &str) -> TestResult<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = crate::artifacts_dir().join(format!("{name}.png"));
        std::fs::write(&path, png)?;
        Ok(path)
    }

    pub async fn eval(&self, script: &str) -> TestResult<Value> {
        Ok(self.client.execute(script, vec![]).await?)
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver dies with its Child; Chromium would not, so end it by its unique profile path.
        let _ = std::process::Command::new("pkill")
            .arg("-f")
            .arg(self.profile.display().to_string())
            .status();
        let _ = self.driver.start_kill();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
