//! The agent page: served with the strict CSP, the markup contract, and the binary's flags and errors.
#![allow(clippy::unwrap_used)] // In tests a panic is the failure report.
mod common;

use common::Env;
use sandbox::{Sandbox, SandboxConfig, SandboxError};

#[tokio::test]
async fn root_redirects_to_the_first_conversation_and_app_paths_serve_the_shell() {
    let env = Env::start().await;
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.get(format!("{}/", env.base)).send().await.unwrap();
    assert!(res.status().is_redirection());
    let to = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/app/conversations/"), "{to}");
    for path in [to.as_str(), "/app/conversations/anything", "/app"] {
        let res = env
            .http
            .get(format!("{}{path}", env.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-security-policy"], sandbox::CSP);
        assert!(!sandbox::CSP.contains("wasm-unsafe-eval"));
        let html = res.text().await.unwrap();
        for kt in [
            "topbar",
            "current-user-email",
            "routing-status",
            "routing-status-button",
            "routing-status-name",
            "routing-status-menu",
            "conversation-list",
            "conversation-view",
            "customer-panel",
        ] {
            assert!(html.contains(&format!("data-kt=\"{kt}\"")), "{kt}");
        }
        assert!(
            !html.contains("<script>") && !html.contains("style="),
            "no inline code or style"
        );
    }
    for asset in ["/static/app.js", "/static/app.css"] {
        let res = env
            .http
            .get(format!("{}{asset}", env.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-security-policy"], sandbox::CSP);
    }
    let js = env
        .http
        .get(format!("{}/static/app.js", env.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !js.contains(".innerHTML") && !js.contains("insertAdjacentHTML") && !js.contains("eval("),
        "text only, no eval"
    );
    env.sandbox.stop().await;
}

#[tokio::test]
async fn a_busy_port_is_named_with_the_flag() {
    let first = Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let port = first.addr.port();
    let err = Sandbox::start(SandboxConfig {
        port,
        ..SandboxConfig::default()
    })
    .await
    .err()
    .expect("port in use");
    assert!(matches!(err, SandboxError::PortInUse { port: p } if p == port));
    let text = err.to_string();
    assert!(
        text.contains(&port.to_string()) && text.contains("--port"),
        "{text}"
    );
    first.stop().await;
}

#[tokio::test]
async fn binds_loopback_only_and_stops() {
    let s = Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    assert!(s.addr.ip().is_loopback());
    assert!(s.base_url().starts_with("http://127.0.0.1:"));
    let port = s.addr.port();
    s.stop().await;
    // The port is free again. Other tests run in parallel and their client sockets draw local ports
    // from the same ephemeral range, so one may briefly hold this number: retry a little.
    let mut again = None;
    for _ in 0..50 {
        let cfg = SandboxConfig {
            port,
            ..SandboxConfig::default()
        };
        match Sandbox::start(cfg).await {
            Ok(s) => {
                again = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    again.expect("the port is released by stop").stop().await;
}

#[test]
fn binary_help_lists_the_flags_and_a_busy_port_exits_non_zero() {
    let bin = env!("CARGO_BIN_EXE_sandbox");
    let out = std::process::Command::new(bin)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--port", "--agent-email", "--wrap-up-ms", "--help"] {
        assert!(help.contains(flag), "{flag}");
    }
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let out = std::process::Command::new(bin)
        .args(["--port", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&port) && err.contains("--port"), "{err}");
}
