//! Kustomer's REST API as the connector uses it, with the retry policy: a 429 waits `Retry-After`, a 5xx,
//! a timeout or a dropped connection backs off exponentially (capped), and every write carries an
//! `Idempotency-Key` so that retrying an ambiguous failure has no second effect.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// The first retry waits this long; each next one twice as long, up to `BACKOFF_CAP`.
const BACKOFF_START: Duration = Duration::from_millis(20);
const BACKOFF_CAP: Duration = Duration::from_secs(2);
/// One request's time limit: a Kustomer that never answers is a failure to retry, not a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Debug, thiserror::Error)]
pub enum KustomerError {
    /// A 4xx other than 429: retrying cannot help.
    #[error("kustomer refused {method} {path}: {status} {body}")]
    Refused {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("kustomer answered {path} with unreadable json: {detail}")]
    BadJson { path: String, detail: String },
}

pub struct Kustomer {
    http: reqwest::Client,
    /// e.g. `http://127.0.0.1:8080/kapi` (the part before `/v1/…`).
    base: String,
    key: String,
    users_by_email: Mutex<HashMap<String, String>>,
}

impl Kustomer {
    pub fn new(
        base: &str,
        key: &str,
        agents: &std::collections::BTreeMap<String, String>,
    ) -> Kustomer {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(64)
            .build()
            .expect("a client with a timeout and a pool size always builds");
        Kustomer {
            http,
            base: base.trim_end_matches('/').to_owned(),
            key: key.to_owned(),
            users_by_email: Mutex::new(agents.clone().into_iter().collect()),
        }
    }

    /// Sends one request until it gets a definite answer. Retries forever on retryable failures: the
    /// outbox must not lose an operation because Kustomer was down for a while.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        idempotency_key: Option<&str>,
    ) -> Result<Value, KustomerError> {
        let url = format!("{}{}", self.base, path);
        let mut backoff = BACKOFF_START;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.key);
            if let Some(k) = idempotency_key {
                req = req.header("Idempotency-Key", k);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let wait = match req.send().await {
                Ok(resp) => {
                    let status = resp.status();
                    if status.is_success() {
                        let text = resp.text().await.unwrap_or_default();
                        if text.trim().is_empty() {
                            return Ok(Value::Null);
                        }
                        return serde_json::from_str(&text).map_err(|e| KustomerError::BadJson {
                            path: path.to_owned(),
                            detail: e.to_string(),
                        });
                    }
                    if status == StatusCode::TOO_MANY_REQUESTS {
                        let after = resp
                            .headers()
                            .get(reqwest::header::RETRY_AFTER)
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.trim().parse::<f64>().ok())
                            .map(|s| Duration::from_secs_f64(s.clamp(0.0, 60.0)));
                        after.unwrap_or(backoff)
                    } else if status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT {
                        backoff
                    } else {
                        let text = resp.text().await.unwrap_or_default();
                        return Err(KustomerError::Refused {
                            method: method.to_string(),
                            path: path.to_owned(),
                            status: status.as_u16(),
                            body: text,
                        });
                    }
                }
                // Connection refused or reset, timeout: the request may or may not have had its effect;
                // the idempotency key makes the retry safe either way.
                Err(_) => backoff,
            };
            if attempt.is_multiple_of(10) {
                eprintln!("connector: {method} {path} still failing after {attempt} attempts");
            }
            tokio::time::sleep(wait).await;
            backoff = (backoff * 2).min(BACKOFF_CAP);
        }
    }

    pub async fn get(&self, path: &str) -> Result<Value, KustomerError> {
        self.send(Method::GET, path, None, None).await
    }

    /// `POST` with an idempotency key; answers the created resource's `data.id` when there is one.
    pub async fn post(
        &self,
        path: &str,
        body: &Value,
        key: &str,
    ) -> Result<Option<String>, KustomerError> {
        let v = self.send(Method::POST, path, Some(body), Some(key)).await?;
        Ok(data_id(&v))
    }

    pub async fn patch(&self, path: &str, body: &Value, key: &str) -> Result<(), KustomerError> {
        self.send(Method::PATCH, path, Some(body), Some(key))
            .await?;
        Ok(())
    }

    /// A Kustomer user id for an agent's e-mail (A5 ties the two by e-mail), cached. Unknown e-mails
    /// are assigned by e-mail as given, so the assignment is still visible.
    pub async fn user_id(&self, email: &str) -> String {
        if let Some(id) = self.cached_user(email) {
            return id;
        }
        let path = format!("/v1/users?email={}", encode(email));
        let id = match self.get(&path).await {
            Ok(v) => v
                .get("data")
                .and_then(|d| d.as_array().and_then(|a| a.first()).or(Some(d)))
                .and_then(|u| u.get("id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            Err(_) => None,
        };
        let id = id.unwrap_or_else(|| email.to_owned());
        self.users_by_email
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(email.to_owned(), id.clone());
        id
    }

    fn cached_user(&self, email: &str) -> Option<String> {
        self.users_by_email
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(email)
            .cloned()
    }
}

/// `data.id` of a JSON:API answer.
pub fn data_id(v: &Value) -> Option<String> {
    v.get("data")
        .and_then(|d| d.get("id"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Milliseconds since the Unix epoch of an ISO 8601 UTC time (`2026-11-25T09:08:57.123Z`), as Kustomer
/// writes them. `None` for anything else.
pub fn iso_to_ms(s: &str) -> Option<u64> {
    let s = s.trim().strip_suffix('Z').unwrap_or(s.trim());
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
    let ms: i64 = format!("{:0<3}", &frac[..frac.len().min(3)]).parse().ok()?;
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let total = ((days * 24 + hh) * 60 + mm) * 60 + ss;
    u64::try_from(total * 1000 + ms).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_read_as_epoch_ms() {
        let rows = [
            ("1970-01-01T00:00:00Z", Some(0)),
            ("2000-03-01T00:00:00.5Z", Some(951_868_800_500)),
            ("2026-11-25T09:08:57.123Z", Some(1_795_597_737_123)),
            ("yesterday", None),
        ];
        for (s, want) in rows {
            assert_eq!(iso_to_ms(s), want, "{s}");
        }
    }
}
