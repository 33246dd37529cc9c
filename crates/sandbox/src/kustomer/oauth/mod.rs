//! Kustomer's OAuth 2.0 (API-NOTES B3): authorization code + PKCE (S256) + refresh tokens, for clients
//! (apps installed in the org) that declare their `redirectUris`; confidential clients send their
//! `client_secret`. The authorize page lives on the org's page host (`{base}/oauth/authorize`, see
//! `authorize.rs`), the token endpoint on the API host (`{base}/kapi/oauth/token`, see `token.rs`).
//!
//! Not documented (B3): scopes, lifetimes, revocation. The sandbox's choices: any `scope` is accepted
//! and echoed; codes live [`CODE_TTL`] and are single-use; access tokens live
//! `SandboxConfig::oauth_access_ttl_s` (default 3,600 s); refresh tokens do not expire but rotate (each
//! refresh answers a new one and the old one stops working); there is no revocation endpoint: a token
//! dies with its lifetime, with a reused code, or when its user is deactivated.

pub mod authorize;
pub mod token;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Not documented: how long an authorization code lives (RFC 6749 §4.1.2 recommends at most 10 min).
pub const CODE_TTL: Duration = Duration::from_secs(60);

/// An OAuth client: an app installed in the org (B3).
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct OAuthClient {
    pub client_id: String,
    /// `Some` for a confidential client, which must send it to the token endpoint.
    #[serde(default)]
    pub client_secret: Option<String>,
    /// Where the authorize page may send the code: an exact match is required.
    pub redirect_uris: Vec<String>,
}

/// A code waiting to be exchanged.
pub struct Code {
    pub client_id: String,
    pub redirect_uri: String,
    pub user_id: String,
    pub challenge: String,
    pub scope: Option<String>,
    pub expires: Instant,
}

/// What an access token stands for.
pub struct Access {
    pub user_id: String,
    pub client_id: String,
    pub expires: Instant,
}

pub struct Refresh {
    pub user_id: String,
    pub client_id: String,
    pub scope: Option<String>,
}

/// Every live code and token. Lives in the Kustomer state, so a reset signs everyone out.
#[derive(Default)]
pub struct Grants {
    codes: HashMap<String, Code>,
    /// Codes already exchanged → the tokens they gave, revoked if the code comes back (RFC 6749 §4.1.2).
    used_codes: HashMap<String, (String, String)>,
    access: HashMap<String, Access>,
    refresh: HashMap<String, Refresh>,
}

impl Grants {
    /// Every token still known (access, refresh, and those a used code gave): what a test searches the
    /// browser for, since only the company server may hold an agent's Kustomer tokens (issue 16).
    pub fn known_tokens(&self) -> Vec<String> {
        let given = self.used_codes.values().flat_map(|(a, r)| [a, r]);
        let mut out: Vec<String> = self
            .access
            .keys()
            .chain(self.refresh.keys())
            .chain(given)
            .cloned()
            .collect();
        out.sort();
        out.dedup();
        out
    }

    pub fn add_code(&mut self, code: Code) -> String {
        let now = Instant::now();
        self.codes.retain(|_, c| c.expires > now);
        let value = random_token();
        self.codes.insert(value.clone(), code);
        value
    }

    pub fn take_code(&mut self, value: &str) -> Option<Code> {
        self.codes.remove(value)
    }

    /// A code seen again after its exchange: its tokens are revoked. Returns whether it was one.
    pub fn reused_code(&mut self, value: &str) -> bool {
        match self.used_codes.remove(value) {
            Some((access, refresh)) => {
                self.access.remove(&access);
                self.refresh.remove(&refresh);
                true
            }
            None => false,
        }
    }

    /// Issues an access token and a refresh token. `from_code` remembers the code that gave them.
    pub fn issue(
        &mut self,
        user_id: &str,
        client_id: &str,
        scope: Option<String>,
        ttl: Duration,
        from_code: Option<&str>,
    ) -> (String, String) {
        let now = Instant::now();
        self.access.retain(|_, a| a.expires > now);
        let access = random_token();
        let refresh = random_token();
        self.access.insert(
            access.clone(),
            Access {
                user_id: user_id.into(),
                client_id: client_id.into(),
                expires: now + ttl,
            },
        );
        self.refresh.insert(
            refresh.clone(),
            Refresh {
                user_id: user_id.into(),
                client_id: client_id.into(),
                scope,
            },
        );
        if let Some(code) = from_code {
            self.used_codes
                .insert(code.into(), (access.clone(), refresh.clone()));
        }
        (access, refresh)
    }

    pub fn access(&self, token: &str) -> Option<&Access> {
        self.access.get(token)
    }

    pub fn refresh(&self, token: &str) -> Option<&Refresh> {
        self.refresh.get(token)
    }

    /// Ends a refresh token (rotation: it is replaced by the one issued with it).
    pub fn drop_refresh(&mut self, token: &str) {
        self.refresh.remove(token);
    }
}

/// RFC 7636 §4.6: `BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge`, with a verifier of
/// 43–128 unreserved characters.
pub fn pkce_s256_matches(verifier: &str, challenge: &str) -> bool {
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    well_formed && s256(verifier) == challenge
}

/// The S256 challenge of a verifier (also what a client computes).
pub fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// 32 random bytes from the operating system, base64url: codes and tokens nobody can guess.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // The OS refused randomness (never seen on Linux): fall back to the process's random hasher
        // keys rather than fail the request. Not cryptographic, and only the sandbox.
        for chunk in bytes.chunks_mut(8) {
            chunk.copy_from_slice(&crate::state::random_u64().to_le_bytes());
        }
    }
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_7636_appendix_b_example() {
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            s256(verifier),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(pkce_s256_matches(
            verifier,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_s256_matches("short", &s256("short")));
    }
}
