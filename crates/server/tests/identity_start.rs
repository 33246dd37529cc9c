//! Starting `ccai-server` (the binary): a missing secret is named and nothing starts (exit 2); a vendor
//! that does not answer, or refuses the configured credential, is named (exit 1); with everything
//! right it serves.

use std::process::Stdio;
use std::time::Duration;

use sandbox::{Sandbox, SandboxConfig};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_ccai-server");

fn secrets(cmd: &mut Command) -> &mut Command {
    cmd.env_clear()
        .env("CCAI_API_TOKEN", sandbox::CCAI_TOKEN)
        .env("KUSTOMER_API_KEY", sandbox::KUSTOMER_API_KEY)
        .env("KUSTOMER_OAUTH_CLIENT_SECRET", "s")
        .env("CCAI_EVENTS_PASSWORD", "p")
}

/// Runs the binary to its exit; its code and what it wrote to stderr.
async fn run(cmd: &mut Command) -> (i32, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        cmd.stdout(Stdio::null()).stderr(Stdio::piped()).output(),
    )
    .await
    .expect("the server stops by itself")
    .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn each_missing_secret_is_named_and_nothing_starts() {
    for missing in [
        "CCAI_API_TOKEN",
        "KUSTOMER_API_KEY",
        "KUSTOMER_OAUTH_CLIENT_SECRET",
        "CCAI_EVENTS_PASSWORD",
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut cmd = Command::new(BIN);
        secrets(&mut cmd)
            .env_remove(missing)
            .current_dir(dir.path());
        let (code, err) = run(&mut cmd).await;
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(&format!("the secret {missing} is not set")),
            "{missing}: {err}"
        );
        assert!(
            !dir.path().join("ccai-server.db").exists(),
            "nothing was created"
        );
    }
}

#[tokio::test]
async fn a_vendor_that_does_not_answer_or_refuses_is_named() {
    let sb = Sandbox::start(SandboxConfig {
        port: 0,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let base = format!("http://{}", sb.addr);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("s.db");
    let args = |kustomer: &str| {
        vec![
            "--listen".to_owned(),
            "127.0.0.1:0".into(),
            "--db".into(),
            db.display().to_string(),
            "--kustomer-api".into(),
            kustomer.to_owned(),
            "--ccai-base".into(),
            format!("{base}/ccai"),
        ]
    };
    // Kustomer unreachable (nothing listens on port 9).
    let mut cmd = Command::new(BIN);
    secrets(&mut cmd).args(args("http://127.0.0.1:9/kapi"));
    let (code, err) = run(&mut cmd).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("Kustomer did not answer"), "{err}");
    // CCAI refuses a wrong token.
    let mut cmd = Command::new(BIN);
    secrets(&mut cmd)
        .env("CCAI_API_TOKEN", "wrong")
        .args(args(&format!("{base}/kapi")));
    let (code, err) = run(&mut cmd).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("CCAI answered GET user_statuses"), "{err}");
    assert!(err.contains("401"), "{err}");
}

#[tokio::test]
async fn a_bad_flag_is_named() {
    let mut cmd = Command::new(BIN);
    secrets(&mut cmd).args(["--session-minutes", "soon"]);
    let (code, err) = run(&mut cmd).await;
    assert_eq!(code, 2);
    assert!(err.contains("--session-minutes"), "{err}");
}
