//! `./build.sh demo`: the sandbox, the company server beside it (configured for it), and Chromium with
//! the extension loaded. A real window where there is a display; headless otherwise, with a screenshot
//! of the page and the adapter.

use std::time::Duration;

use e2e::{Adapter, Browser, BrowserOptions, TestResult};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("demo: {e}");
        std::process::exit(1);
    }
}

async fn run() -> TestResult {
    let port: u16 = arg("--port")
        .map(|p| p.parse())
        .transpose()?
        .unwrap_or(8123);
    if let Some(ext) = arg("--extension") {
        std::env::set_var("E2E_EXTENSION_DIR", ext);
    }
    let sandbox = sandbox::Sandbox::start(sandbox::SandboxConfig {
        port,
        ..Default::default()
    })
    .await?;
    let url = format!("{}/", sandbox.base_url());
    println!(
        "sandbox: {url}  (Kustomer API {0}/kapi, CCAI {0}/ccai)",
        sandbox.base_url()
    );
    let db = e2e::artifacts_dir().join("ccai-server.db");
    let server = e2e::company::start_beside_sandbox(&sandbox.base_url(), port + 1, &db).await?;
    println!(
        "company server: {0}  (state in {1}; an agent signs in at {0}/auth/start)",
        server.url(),
        db.display()
    );

    if std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some() {
        let browser = Browser::start(BrowserOptions {
            headless: false,
            ..Default::default()
        })
        .await?;
        browser.client.goto(&url).await?;
        println!("Chromium is open with the extension. Press Ctrl-C to stop.");
        tokio::signal::ctrl_c().await?;
        browser.close().await;
    } else {
        let browser = Browser::start(BrowserOptions::default()).await?;
        browser.client.goto(&url).await?;
        let adapter = Adapter::enter(&browser).await?;
        let _ = adapter.wait_statuses_loaded().await;
        adapter.leave().await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let shot = browser.screenshot("demo").await?;
        browser.close().await;
        println!(
            "No display: ran headless. Screenshot of the page with the adapter: {}",
            shot.display()
        );
        if std::env::args().any(|a| a == "--exit") {
            return Ok(());
        }
        println!("The sandbox keeps serving {url}. Press Ctrl-C to stop.");
        tokio::signal::ctrl_c().await?;
    }
    server.kill().await;
    sandbox.stop().await;
    Ok(())
}
