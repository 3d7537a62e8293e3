//! The audit log of security-relevant actions. Rows are only ever inserted: triggers in the
//! database refuse updates and deletes, so application users cannot alter the record. Entries
//! name users by id, never by address, so erasing a person leaves no personal data here.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};
use serde_json::Value;

use super::Result;
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
    /// An introduction email was sent.
    pub const INTRODUCTION_SENT: &str = "introduction_sent";
    /// A full data export (CLI or admin).
    pub const EXPORT: &str = "export";
    /// A company profile was hidden or shown by moderation.
    pub const MODERATED: &str = "moderated";
}

/// Appends an entry.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
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
        ip: Set(ip.map(str::to_owned)),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// A stable pseudonym of an email address, for entries about addresses that may not belong to
/// an account (failed logins): the same address gives the same value, the value gives nothing.
pub fn pseudonym(address: &str) -> String {
    let hash = super::accounts::token_hash(&address.trim().to_lowercase());
    format!("email:{}", &hash[..16])
}
