//! The audit log of security-relevant actions. Rows are only ever inserted: triggers in the
//! database refuse updates and deletes, so application users cannot alter the record. Entries
//! name users by id, never by address, and hold client addresses and unknown email addresses
//! only as keyed pseudonyms (HMAC-SHA256 under the server secret): the same address gives the
//! same value, so an investigation can still link entries, but without the secret no value
//! leads back to a person — not even by trying every IPv4 address or a list of emails — and
//! erasing a person leaves nothing here that names them.

use hmac::{Hmac, Mac};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;
use sha2::Sha256;

use super::Result;
use crate::config::Secret;
use crate::db::entities::audit;
use crate::db::{self};

/// Actions recorded.
pub mod action {
    /// A successful password or link login.
    pub const LOGIN_SUCCEEDED: &str = "login_succeeded";
    /// A failed login.
    pub const LOGIN_FAILED: &str = "login_failed";
    /// A user was made (or unmade) an administrator, or invited as an officer.
    pub const ROLE_CHANGED: &str = "role_changed";
    /// An API token was created.
    pub const TOKEN_CREATED: &str = "token_created";
    /// An API token was revoked.
    pub const TOKEN_REVOKED: &str = "token_revoked";
    /// Sessions of a user were ended by an administrator or a password change.
    pub const SESSIONS_REVOKED: &str = "sessions_revoked";
    /// A password was changed.
    pub const PASSWORD_CHANGED: &str = "password_changed";
    /// A user downloaded their data.
    pub const DATA_EXPORTED: &str = "data_exported";
    /// A user's personal data was erased.
    pub const ERASED: &str = "erased";
    /// An account whose address was never proven, erased after its time.
    pub const UNVERIFIED_PURGED: &str = "unverified_purged";
    /// An introduction email was sent.
    pub const INTRODUCTION_SENT: &str = "introduction_sent";
    /// A full data export (CLI or admin).
    pub const EXPORT: &str = "export";
    /// A company profile was hidden or shown by moderation.
    pub const MODERATED: &str = "moderated";
}

/// Appends an entry; `ip` is the client's address, stored as its pseudonym under `key`.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    key: &Secret,
    actor: Option<i64>,
    action: &str,
    subject: Option<String>,
    detail: Option<Value>,
    ip: Option<&str>,
) -> Result<()> {
    audit::ActiveModel {
        at: Set(db::now()),
        actor_user_id: Set(actor),
        action: Set(action.to_owned()),
        subject: Set(subject),
        detail: Set(detail.map(|d| d.to_string())),
        ip: Set(ip.map(|ip| keyed_pseudonym(key, "ip", ip))),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A stable pseudonym of an email address, for entries about addresses that may not belong to
/// an account (failed logins).
pub fn pseudonym(key: &Secret, address: &str) -> String {
    keyed_pseudonym(key, "email", &address.trim().to_lowercase())
}

/// `kind:` and the first 64 bits of HMAC-SHA256(key, kind | value), hex.
fn keyed_pseudonym(key: &Secret, kind: &str, value: &str) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key.expose()) else {
        unreachable!("HMAC takes keys of any length")
    };
    mac.update(kind.as_bytes());
    mac.update(b"|");
    mac.update(value.as_bytes());
    let digest = mac.finalize().into_bytes();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{kind}:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_keyed_and_reveal_nothing() {
        let key = Secret::from_bytes(b"0123456789abcdef0123456789abcdef".to_vec());
        let other = Secret::from_bytes(b"another key of thirty-two bytes!".to_vec());
        let a = pseudonym(&key, "Lucia@Movilia.example ");
        assert_eq!(a, pseudonym(&key, "lucia@movilia.example"));
        assert_ne!(a, pseudonym(&other, "lucia@movilia.example"));
        assert!(!a.contains("lucia") && a.starts_with("email:") && a.len() == 6 + 16);
        // An unkeyed hash of the address is not what is stored.
        let plain = crate::domain::accounts::token_hash("lucia@movilia.example");
        assert!(!plain.starts_with(a.trim_start_matches("email:")));
        assert_ne!(
            keyed_pseudonym(&key, "ip", "10.0.0.1"),
            keyed_pseudonym(&key, "ip", "10.0.0.2")
        );
    }
}
