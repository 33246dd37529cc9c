//! The agents' own Kustomer tokens are sealed in the SQLite file (ChaCha20-Poly1305), with a key
//! derived from the OAuth client secret. A copy of the file alone then yields no token an attacker can
//! use; with the client secret they could refresh tokens anyway, so the key adds no new secret to keep.
//! Changing the client secret makes the stored tokens unreadable: those agents sign in again (the
//! standing check finds no usable token and signs them out).

use base64::engine::general_purpose::STANDARD_NO_PAD;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use sha2::{Digest, Sha256};

/// Marks the format, so a later key or cipher can be told apart.
const PREFIX: &str = "v1:";

pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("no random numbers from the operating system: {0}")]
    Random(#[from] getrandom::Error),
    #[error("sealing failed")]
    Seal,
}

impl Sealer {
    pub fn new(client_secret: &str) -> Sealer {
        let mut h = Sha256::new();
        h.update(b"ccai-server sealed kustomer tokens v1\0");
        h.update(client_secret.as_bytes());
        let key = h.finalize();
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    pub fn seal(&self, plain: &str) -> Result<String, SealError> {
        let mut nonce = [0u8; 12];
        getrandom::getrandom(&mut nonce)?;
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .map_err(|_| SealError::Seal)?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out)))
    }

    /// The plain text, or `None` if it was sealed with another key or altered.
    pub fn open(&self, sealed: &str) -> Option<String> {
        let raw = STANDARD_NO_PAD.decode(sealed.strip_prefix(PREFIX)?).ok()?;
        if raw.len() < 12 {
            return None;
        }
        let (nonce, body) = raw.split_at(12);
        let plain = self.cipher.decrypt(Nonce::from_slice(nonce), body).ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_and_opens_only_with_the_same_secret() {
        let s = Sealer::new("secret");
        let sealed = s.seal("access-token").expect("sealed");
        assert!(!sealed.contains("access-token"));
        assert_ne!(
            sealed,
            s.seal("access-token").expect("sealed"),
            "a fresh nonce each time"
        );
        assert_eq!(s.open(&sealed).as_deref(), Some("access-token"));
        assert_eq!(Sealer::new("other").open(&sealed), None);
        let mut altered = sealed.clone();
        altered.pop();
        altered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(s.open(&altered), None);
        assert_eq!(s.open("plain"), None);
    }
}
