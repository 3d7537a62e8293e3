//! Signed single-purpose links for people acting from their inbox: accept or decline an
//! introduction, unsubscribe. A token names its purpose, its subject and its expiry, and carries
//! an HMAC-SHA256 of them under the server secret; a tampered token, one used for another
//! purpose, or an expired one is refused. Whether it was already used is the state of its
//! subject (an introduction answered once, an address unsubscribed), checked by the domain.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::Secret;

type HmacSha256 = Hmac<Sha256>;

/// Why a link is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Malformed, tampered, or signed for another purpose.
    #[error("the link is not valid")]
    Invalid,
    /// Past its expiry.
    #[error("the link has expired")]
    Expired,
}

/// Signs and verifies links.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    /// A signer under the server secret.
    pub fn new(secret: &Secret) -> Self {
        Self {
            key: secret.expose().to_vec(),
        }
    }

    fn mac(&self, message: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(message.as_bytes());
        mac
    }

    /// A token for `purpose` about `subject`, valid until `expires`.
    pub fn sign(&self, purpose: &str, subject: &str, expires: DateTime<Utc>) -> String {
        let message = format!("{purpose}|{subject}|{}", expires.timestamp());
        let signature = self.mac(&message).finalize().into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(message),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The subject of a token for `purpose`, if it is authentic and not expired.
    pub fn verify(&self, token: &str, purpose: &str) -> Result<String, LinkError> {
        let (message, signature) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let message = URL_SAFE_NO_PAD
            .decode(message)
            .map_err(|_| LinkError::Invalid)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| LinkError::Invalid)?;
        let text = String::from_utf8(message).map_err(|_| LinkError::Invalid)?;
        self.mac(&text)
            .verify_slice(&signature)
            .map_err(|_| LinkError::Invalid)?;
        // The subject may itself contain `|`: the purpose is the first field, the expiry the last.
        let (signed_purpose, rest) = text.split_once('|').ok_or(LinkError::Invalid)?;
        let (subject, expiry) = rest.rsplit_once('|').ok_or(LinkError::Invalid)?;
        if signed_purpose != purpose {
            return Err(LinkError::Invalid);
        }
        let expiry: i64 = expiry.parse().map_err(|_| LinkError::Invalid)?;
        if Utc::now().timestamp() > expiry {
            return Err(LinkError::Expired);
        }
        Ok(subject.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn signer() -> Signer {
        Signer {
            key: b"0123456789abcdef0123456789abcdef".to_vec(),
        }
    }

    #[test]
    fn a_signed_link_verifies_for_its_purpose_only() {
        let token = signer().sign("accept", "intro:7", Utc::now() + chrono::Duration::days(1));
        assert_eq!(signer().verify(&token, "accept"), Ok("intro:7".to_owned()));
        let piped = signer().sign(
            "unsubscribe",
            "topic|someone@example.org",
            Utc::now() + chrono::Duration::days(1),
        );
        assert_eq!(
            signer().verify(&piped, "unsubscribe"),
            Ok("topic|someone@example.org".to_owned())
        );
        assert_eq!(signer().verify(&token, "decline"), Err(LinkError::Invalid));
        let other = Signer {
            key: b"another key of thirty-two bytes!".to_vec(),
        };
        assert_eq!(other.verify(&token, "accept"), Err(LinkError::Invalid));
    }

    #[test]
    fn expired_links_are_refused() {
        let token = signer().sign(
            "accept",
            "intro:7",
            Utc::now() - chrono::Duration::seconds(1),
        );
        assert_eq!(signer().verify(&token, "accept"), Err(LinkError::Expired));
    }

    proptest! {
        #[test]
        fn tampering_with_any_character_is_caught(position in 0usize..200, replacement in "[A-Za-z0-9_-]") {
            let token = signer().sign("unsubscribe", "alerts:lucia@movilia.example", Utc::now() + chrono::Duration::days(30));
            let index = position % token.len();
            let mut bytes = token.clone().into_bytes();
            bytes[index] = replacement.as_bytes()[0];
            let tampered = String::from_utf8(bytes).unwrap_or_default();
            if tampered != token {
                prop_assert!(signer().verify(&tampered, "unsubscribe").is_err());
            }
        }

        #[test]
        fn arbitrary_input_never_panics(input in ".{0,300}") {
            let _ = signer().verify(&input, "accept");
        }
    }
}
