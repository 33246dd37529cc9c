//! The webhook signature: `X-CCAI-Signature: sha256=<hex HMAC-SHA256("{timestamp}.{body}")>` with the shared
//! secret, and `X-CCAI-Timestamp` in seconds since the Unix epoch.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// A timestamp further than this from the connector's clock is stale (or from the future).
pub const MAX_SKEW_S: u64 = 300;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing or malformed signature headers")]
    Missing,
    #[error("signature does not match")]
    Mismatch,
    #[error("timestamp {ts} is more than {MAX_SKEW_S} s from now ({now})")]
    Stale { ts: u64, now: u64 },
}

/// `sha256=<hex>` for `body` sent at `timestamp_s`.
pub fn sign(secret: &[u8], timestamp_s: u64, body: &[u8]) -> String {
    format!("sha256={}", hex(&mac(secret, timestamp_s, body)))
}

/// Checks the headers' values against `body`, at `now_s`. Constant-time comparison of the MAC.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now_s: u64,
) -> Result<u64, SignatureError> {
    let ts: u64 = timestamp
        .and_then(|t| t.trim().parse().ok())
        .ok_or(SignatureError::Missing)?;
    let given = signature
        .and_then(|s| s.trim().strip_prefix("sha256="))
        .and_then(unhex)
        .ok_or(SignatureError::Missing)?;
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(ts.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.verify_slice(&given)
        .map_err(|_| SignatureError::Mismatch)?;
    if ts.abs_diff(now_s) > MAX_SKEW_S {
        return Err(SignatureError::Stale { ts, now: now_s });
    }
    Ok(ts)
}

/// A short digest of a body, to tell a duplicate delivery (same body) from a replayed id (another body).
pub fn body_hash(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

fn mac(secret: &[u8], timestamp_s: u64, body: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    m.update(timestamp_s.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_body_verifies_and_any_change_does_not() {
        let sig = sign(b"k", 1_000, b"{}");
        assert_eq!(
            verify(b"k", Some("1000"), Some(&sig), b"{}", 1_000),
            Ok(1_000)
        );
        let rows: [(&[u8], &str, &str, u64, SignatureError); 5] = [
            (b"k", "1000", "sha256=00", 1_000, SignatureError::Mismatch),
            (b"other", "1000", &sig, 1_000, SignatureError::Mismatch),
            (b"k", "1001", &sig, 1_000, SignatureError::Mismatch),
            (b"k", "x", &sig, 1_000, SignatureError::Missing),
            (
                b"k",
                "1000",
                &sig,
                1_301,
                SignatureError::Stale {
                    ts: 1_000,
                    now: 1_301,
                },
            ),
        ];
        for (secret, ts, s, now, want) in rows {
            assert_eq!(verify(secret, Some(ts), Some(s), b"{}", now), Err(want));
        }
        // The edge of the window is still fresh.
        assert!(verify(b"k", Some("1000"), Some(&sig), b"{}", 1_300).is_ok());
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mut m = Hmac::<Sha256>::new_from_slice(b"Jefe").expect("any key");
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
