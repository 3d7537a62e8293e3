//! The services every part of a process shares: database, configuration, search, mail.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
use crate::email::Mailer;
use crate::links::Signer;
use crate::search::SearchService;

/// Shared services; cheap to clone.
#[derive(Clone)]
pub struct Context {
    /// Database pool.
    pub db: Db,
    /// Configuration.
    pub config: Arc<Config>,
    /// Search index, embedder and index follower.
    pub search: Arc<SearchService>,
    /// Outgoing mail.
    pub mailer: Arc<Mailer>,
}

impl Context {
    /// Signs and verifies links under the server secret.
    pub fn signer(&self) -> Signer {
        Signer::new(&self.config.secret)
    }

    /// An absolute URL of this site for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.config.public_url.as_str().trim_end_matches('/')
        )
    }
}
