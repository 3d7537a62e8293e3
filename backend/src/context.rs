//! The services every part of a process shares: database, configuration, search, mail.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::files::Files;
use crate::indexing::SearchService;
use crate::links::Signer;
use crate::mailer::Mailer;

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
    /// The time deadlines are judged by.
    pub clock: Clock,
    /// Documents and attachments.
    pub files: Files,
}

impl Context {
    /// Signs and verifies links under the server secret.
    pub fn signer(&self) -> Signer {
        Signer::new(&self.config.secret)
    }

    /// Whether the database answers a trivial query within `within`, whatever it does.
    pub async fn database_responds(&self, within: std::time::Duration) -> bool {
        use sea_orm::ConnectionTrait;
        let probe = self.db.execute_unprepared("SELECT 1");
        matches!(tokio::time::timeout(within, probe).await, Ok(Ok(_)))
    }

    /// Connections of the database pool.
    pub fn database_pool(&self) -> PoolUse {
        use sea_orm::DbBackend;
        match self.db.get_database_backend() {
            DbBackend::Sqlite => PoolUse::of(self.db.get_sqlite_connection_pool()),
            DbBackend::Postgres => PoolUse::of(self.db.get_postgres_connection_pool()),
            _ => PoolUse::default(),
        }
    }

    /// Waits up to `within` until this process's index reflects a change just saved to `key`
    /// (embedding it at once, ahead of bulk work). A slow index only delays the caller: the
    /// queued job finishes the work later, so this logs instead of failing.
    pub async fn reflect(&self, key: factoria_search::EntityKey, within: std::time::Duration) {
        match self.search.read_your_write(&self.db, key, within).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(?key, "the index did not reflect a save within {within:?}"),
            Err(error) => {
                tracing::warn!(?key, %error, "could not embed a saved document at once; the queued job will")
            }
        }
    }

    /// An absolute URL of this site for `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!(
            "{}{path}",
            self.config.public_url.as_str().trim_end_matches('/')
        )
    }
}

/// How much of the database pool is in use.
#[derive(Debug, Clone, Copy, Default)]
pub struct PoolUse {
    /// Connections open.
    pub open: usize,
    /// Open and idle.
    pub idle: usize,
    /// The most the pool opens.
    pub max: usize,
}

impl PoolUse {
    fn of<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> Self {
        PoolUse {
            open: pool.size() as usize,
            idle: pool.num_idle(),
            max: pool.options().get_max_connections() as usize,
        }
    }
}
