//! The one error of the crate: what can go wrong in any operation, and how bad it is for the
//! client. Every layer returns it; `http::error` turns it into answers.

use crate::types::validation::FieldErrors;

/// What can go wrong in a domain operation. Client errors carry the message the user sees;
/// `Internal` carries the cause for the log and shows nothing to the client.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is invalid: every field at fault (422).
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// Nothing with that id, or nothing the actor may see (404).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (409).
    #[error("{0}")]
    Conflict(String),
    /// The client's copy is out of date: it sent `If-Match` with an older version (412). Carries
    /// the current record and its version so the client can see what changed.
    #[error("the record has changed since version {expected}: it is now version {version}")]
    Stale {
        /// The version the client had.
        expected: i64,
        /// The stored version.
        version: i64,
        /// The stored record, as the API shows it.
        current: Box<serde_json::Value>,
    },
    /// Another write changed the record between this write's read and its save (409 when
    /// retrying does not help).
    #[error(
        "the record was changed by someone else while it was being saved; read it again and retry"
    )]
    Raced,
    /// The request is malformed in a way that is not about one field (400).
    #[error("{0}")]
    BadRequest(String),
    /// Signed in, but not allowed (403).
    #[error("{0}")]
    Forbidden(String),
    /// Sign-in needed (401).
    #[error("authentication required")]
    Unauthenticated,
    /// The request is larger than the server accepts (413 for bodies, 414 for addresses).
    #[error("{0}")]
    TooLarge(String),
    /// Too many attempts (429).
    #[error("too many requests; try again in {retry_after_seconds} s")]
    RateLimited {
        /// Seconds to wait.
        retry_after_seconds: u64,
    },
    /// The database cannot be reached (503).
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    /// A bug or an unexpected failure (500).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result of domain operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<FieldErrors> for Error {
    fn from(errors: FieldErrors) -> Self {
        Error::Invalid(errors)
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(error: sea_orm::DbErr) -> Self {
        if matches!(error, sea_orm::DbErr::RecordNotUpdated) {
            // A versioned update found another version than the one just read: someone else
            // saved in between.
            Error::Raced
        } else if crate::db::is_unavailable(&error) {
            Error::Unavailable(error.to_string())
        } else {
            Error::Internal(anyhow::Error::new(error))
        }
    }
}

impl From<factoria_search::Error> for Error {
    fn from(error: factoria_search::Error) -> Self {
        Error::Internal(anyhow::Error::new(error))
    }
}

impl Error {
    /// A stale write: the client expected `expected`, the record `current` is at `version`.
    pub fn stale(expected: i64, version: i64, current: &impl serde::Serialize) -> Self {
        match serde_json::to_value(current) {
            Ok(current) => Error::Stale {
                expected,
                version,
                current: Box::new(current),
            },
            Err(error) => Error::Internal(error.into()),
        }
    }

    /// A forbidden action with its reason.
    pub fn forbidden(reason: impl Into<String>) -> Self {
        Error::Forbidden(reason.into())
    }
}
