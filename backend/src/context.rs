//! The services every part of a process shares: database, configuration, search.

use std::sync::Arc;

use crate::config::Config;
use crate::db::Db;
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
}
