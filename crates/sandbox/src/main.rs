//! `cargo run -p sandbox -- --port 8123`: the sandbox for people. Only parses flags and mounts.

use std::process::ExitCode;

use sandbox::{
    OAuthClient, Sandbox, SandboxConfig, CCAI_TOKEN, CCAI_USER, DEFAULT_PORT, KUSTOMER_API_KEY,
};

const HELP: &str = "\
sandbox — a fake Kustomer agent page and API, and a fake CCAI Platform API, on 127.0.0.1

USAGE:
    sandbox [--port <PORT>] [--agent-email <EMAIL>] [--wrap-up-ms <MS>]
            [--oauth-client <ID>:<SECRET>:<REDIRECT_URI>]... [--kustomer-budget <N>] [--ccai-rate <N>]

FLAGS:
    --port <PORT>           port on 127.0.0.1 (default 8123; 0 picks a free one)
    --agent-email <EMAIL>   the signed-in agent's e-mail in Kustomer and CCAI (default agent@example.com)
    --wrap-up-ms <MS>       how long CCAI keeps an agent in Wrap-up before Available (default 5000; 0 = never)
    --oauth-client <ID>:<SECRET>:<REDIRECT_URI>
                            a Kustomer OAuth client (an empty SECRET = a public client); repeatable,
                            and the same ID again adds a redirect URI
    --kustomer-budget <N>   Kustomer's org-wide requests per 60 s (API-NOTES B4; default: no limit)
    --ccai-rate <N>         CCAI answers 429 past N requests per second (CCAI documents 10; default: off)
    -h, --help              print this help
";

fn parse(args: &[String]) -> Result<Option<SandboxConfig>, String> {
    let mut cfg = SandboxConfig {
        port: DEFAULT_PORT,
        ..SandboxConfig::default()
    };
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let (name, inline) = match flag.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (flag.as_str(), None),
        };
        let mut value = |what: &str| {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or(format!("{name} needs {what}"))
        };
        match name {
            "-h" | "--help" => return Ok(None),
            "--port" => {
                let v = value("a port number")?;
                cfg.port = v
                    .parse()
                    .map_err(|_| format!("--port: '{v}' is not a port number (0-65535)"))?;
            }
            "--agent-email" => cfg.agent_email = value("an e-mail address")?,
            "--wrap-up-ms" => {
                let v = value("milliseconds")?;
                cfg.wrap_up_ms = v
                    .parse()
                    .map_err(|_| format!("--wrap-up-ms: '{v}' is not a number"))?;
            }
            "--oauth-client" => {
                let v = value("<id>:<secret>:<redirect uri>")?;
                add_client(&mut cfg.oauth_clients, &v)?;
            }
            "--kustomer-budget" => {
                let v = value("a number of requests")?;
                let n = v
                    .parse()
                    .map_err(|_| format!("--kustomer-budget: '{v}' is not a number"))?;
                cfg.kustomer_budget_per_min = Some(n);
            }
            "--ccai-rate" => {
                let v = value("requests per second")?;
                let n: u32 = v
                    .parse()
                    .map_err(|_| format!("--ccai-rate: '{v}' is not a whole number"))?;
                cfg.ccai_rate = (n > 0).then_some(n);
            }
            other => return Err(format!("unknown flag '{other}'")),
        }
    }
    Ok(Some(cfg))
}

/// `id:secret:redirect_uri` (the URI keeps its own colons).
fn add_client(clients: &mut Vec<OAuthClient>, v: &str) -> Result<(), String> {
    let parts = v
        .split_once(':')
        .and_then(|(id, rest)| rest.split_once(':').map(|(secret, uri)| (id, secret, uri)));
    let Some((id, secret, uri)) = parts.filter(|(id, _, uri)| !id.is_empty() && !uri.is_empty())
    else {
        return Err(format!(
            "--oauth-client: '{v}' is not <id>:<secret>:<redirect uri>"
        ));
    };
    match clients.iter_mut().find(|c| c.client_id == id) {
        Some(c) => c.redirect_uris.push(uri.to_owned()),
        None => clients.push(OAuthClient {
            client_id: id.to_owned(),
            client_secret: (!secret.is_empty()).then(|| secret.to_owned()),
            redirect_uris: vec![uri.to_owned()],
        }),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse(&args) {
        Ok(Some(cfg)) => cfg,
        Ok(None) => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("sandbox: {e}\n\n{HELP}");
            return ExitCode::from(2);
        }
    };
    let sandbox = match Sandbox::start(cfg).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sandbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    let base = sandbox.base_url();
    println!("sandbox listening on {base}/");
    println!("  agent page      {base}/");
    println!("  Kustomer API    {base}/kapi/v1   (Authorization: Bearer {KUSTOMER_API_KEY})");
    println!("  CCAI API        {base}/ccai/apps/api/v1, {base}/ccai/manager/api/v1   (Basic {CCAI_USER}:{CCAI_TOKEN})");
    println!("  control hooks   {base}/sandbox/…   (loopback only)");
    println!("Ctrl-C stops.");
    let _ = tokio::signal::ctrl_c().await;
    sandbox.stop().await;
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oauth_client_flags_keep_the_redirect_uris_colons_and_repeat_by_id() {
        let args: Vec<String> = [
            "--oauth-client",
            "server:s3cret:http://127.0.0.1:8200/auth/callback",
            "--oauth-client=server::http://localhost:8200/cb",
            "--oauth-client",
            "public::https://app.example/cb",
            "--kustomer-budget",
            "1000",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cfg = parse(&args).expect("parses").expect("a config");
        assert_eq!(cfg.kustomer_budget_per_min, Some(1000));
        assert_eq!(cfg.oauth_clients.len(), 2);
        let server = &cfg.oauth_clients[0];
        assert_eq!(server.client_secret.as_deref(), Some("s3cret"));
        assert_eq!(
            server.redirect_uris,
            vec![
                "http://127.0.0.1:8200/auth/callback",
                "http://localhost:8200/cb"
            ]
        );
        assert_eq!(cfg.oauth_clients[1].client_secret, None);
        let bad = parse(&["--oauth-client".to_string(), "nocolons".to_string()]);
        assert!(bad.is_err());
    }
}
