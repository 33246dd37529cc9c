//! The connector's settings, from flags (or the environment, for secrets).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// The one SQLite file (default `connector.db`).
    pub db: PathBuf,
    /// Kustomer's API base, before `/v1` (e.g. `https://acme.api.kustomerapp.com`).
    pub kustomer_url: String,
    pub kustomer_key: String,
    /// The webhook secret shared with CCAI.
    pub secret: Vec<u8>,
    pub workers: usize,
    /// How long an event waits for a missing predecessor before it is applied anyway.
    pub gap_ms: u64,
    /// F4: SDK custom-data key → Kustomer field name.
    pub sdk_mapping: BTreeMap<String, String>,
    /// The countries national phone numbers in Kustomer are read in (C2, the admin's setting; ISO 3166
    /// alpha-2, first valid wins), when a caller is looked up among existing customers.
    pub phone_countries: Vec<String>,
    /// Agent e-mail → Kustomer user id, for assignments (A5 ties the two by e-mail). E-mails not listed
    /// are looked up with `GET /v1/users?email=`.
    pub agents: BTreeMap<String, String>,
}

impl Config {
    pub fn new(kustomer_url: &str, kustomer_key: &str, secret: &[u8], db: PathBuf) -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db,
            kustomer_url: kustomer_url.to_owned(),
            kustomer_key: kustomer_key.to_owned(),
            secret: secret.to_vec(),
            workers: 32,
            gap_ms: 10_000,
            sdk_mapping: BTreeMap::new(),
            // The extension's default (settings.rs).
            phone_countries: vec!["ES".into(), "US".into()],
            agents: BTreeMap::new(),
        }
    }

    /// `--listen ADDR --db PATH --kustomer-url URL --workers N --gap-ms MS --map sdkKey=fieldName…
    /// --agent email=userId… --countries ES,US`;
    /// the Kustomer key and the webhook secret come from `KUSTOMER_API_KEY` and `CCAI_WEBHOOK_SECRET`.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
        let key =
            std::env::var("KUSTOMER_API_KEY").unwrap_or_else(|_| "sandbox-kustomer-key".into());
        let secret = std::env::var("CCAI_WEBHOOK_SECRET")
            .map_err(|_| "CCAI_WEBHOOK_SECRET is not set".to_owned())?;
        let mut cfg = Config::new(
            "http://127.0.0.1:8080/kapi",
            &key,
            secret.as_bytes(),
            "connector.db".into(),
        );
        cfg.listen = SocketAddr::from(([127, 0, 0, 1], 8090));
        let mut it = args.into_iter();
        while let Some(flag) = it.next() {
            let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
            match flag.as_str() {
                "--listen" => {
                    cfg.listen = value()?.parse().map_err(|e| format!("--listen: {e}"))?
                }
                "--db" => cfg.db = value()?.into(),
                "--kustomer-url" => cfg.kustomer_url = value()?,
                "--workers" => {
                    cfg.workers = value()?.parse().map_err(|e| format!("--workers: {e}"))?
                }
                "--gap-ms" => {
                    cfg.gap_ms = value()?.parse().map_err(|e| format!("--gap-ms: {e}"))?
                }
                "--map" => {
                    let v = value()?;
                    let (k, f) = v.split_once('=').ok_or("--map takes sdkKey=fieldName")?;
                    cfg.sdk_mapping.insert(k.to_owned(), f.to_owned());
                }
                "--countries" => {
                    let v = value()?;
                    cfg.phone_countries = ccai_core::phone::countries(&v);
                    if cfg.phone_countries.is_empty() && !v.trim().is_empty() {
                        return Err(format!("--countries: no known country code in {v:?}"));
                    }
                }
                "--agent" => {
                    let v = value()?;
                    let (e, id) = v
                        .split_once('=')
                        .ok_or("--agent takes email=kustomerUserId")?;
                    cfg.agents.insert(e.to_owned(), id.to_owned());
                }
                other => return Err(format!("unknown flag {other}")),
            }
        }
        Ok(cfg)
    }
}
