//! Keeping this process's search index in step with the database: rows turned into index
//! documents, their texts embedded, and the follower that applies the change log. (Searching
//! is `domain::search`; the engine itself is the `factoria-search` crate.)

mod follower;
mod load;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use factoria_search::{
    Embedder, EmbedderConfig, EntityKey, ModelAssets, SearchIndex, SearchRequest, SearchResults,
};
use tokio::sync::Notify;

pub use follower::{catch_up, max_seq, spawn_follower};
pub use load::{
    challenge_doc, company_doc, document, documents_with_vectors, embed_entity, load_all,
};

use crate::db::Db;
use crate::error::{Error, Result};

/// Search index, embedder, and a bell the writers of this process ring so the follower looks at
/// the change log at once instead of at its next poll.
pub struct SearchService {
    /// The index.
    pub index: Arc<SearchIndex>,
    /// The embedding thread.
    pub embedder: Embedder,
    pub(crate) wake: Arc<Notify>,
}

/// How often the follower reads the change log when nothing rang.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

impl SearchService {
    /// Opens the index at `index_dir` (or in memory) and starts the embedder.
    pub fn open(index_dir: Option<&Path>, embedder: Embedder) -> Result<Self> {
        let index = match index_dir {
            Some(dir) => SearchIndex::open(dir)?,
            None => SearchIndex::in_memory()?,
        };
        Ok(Self {
            index: Arc::new(index),
            embedder,
            wake: Arc::new(Notify::new()),
        })
    }

    /// Tells the follower that the change log grew.
    pub fn notify_change(&self) {
        self.wake.notify_one();
    }

    /// Runs a search: embeds the query (when vectors take part) on the embedding thread and
    /// searches on a blocking thread, never on the async runtime.
    pub async fn search(&self, mut request: SearchRequest) -> Result<SearchResults> {
        if !request.text.trim().is_empty() && request.mode != factoria_search::SearchMode::Bm25 {
            let text: String = request.text.chars().take(2000).collect();
            request.query_vector = Some(self.embedder.embed_query(&text).await?);
        }
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || index.search(&request))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("search task failed: {e}")))?
            .map_err(Error::from)
    }

    /// Makes a change visible to the next page of the person who made it: embeds `key` now,
    /// ahead of bulk work, and waits at most `limit` until this process's index has applied
    /// every change recorded so far. Returns whether it got there; if not, nothing is lost: the
    /// queued embedding job and the follower finish the work a moment later.
    pub async fn read_your_write(&self, db: &Db, key: EntityKey, limit: Duration) -> Result<bool> {
        let started = tokio::time::Instant::now();
        let embedded =
            tokio::time::timeout(limit, embed_entity(db, &self.embedder, key, true)).await;
        if let Ok(result) = embedded {
            result?;
        }
        let target = follower::max_seq(db).await?;
        self.notify_change();
        while self.index.position() < target {
            if started.elapsed() >= limit {
                return Ok(false);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(true)
    }

    /// Runs CPU-bound work on the index on a blocking thread.
    pub async fn with_index<T: Send + 'static>(
        &self,
        work: impl FnOnce(&SearchIndex) -> factoria_search::Result<T> + Send + 'static,
    ) -> Result<T> {
        let index = self.index.clone();
        tokio::task::spawn_blocking(move || work(&index))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("search task failed: {e}")))?
            .map_err(Error::from)
    }
}

/// Starts the embedder from the assets folder, fetching the model first when it is missing.
pub fn start_embedder(assets_dir: &Path) -> anyhow::Result<Embedder> {
    let assets = ModelAssets::in_dir(assets_dir);
    if !assets.missing().is_empty() {
        crate::assets::fetch(assets_dir)?;
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let mut config = EmbedderConfig::new(assets);
    config.threads = Some(threads);
    Ok(Embedder::start(config)?)
}

/// Opens the database-backed search for a process: index, catch-up from the change log.
pub async fn open_for(
    db: &Db,
    index_dir: Option<&Path>,
    embedder: Embedder,
) -> Result<Arc<SearchService>> {
    let service = Arc::new(SearchService::open(index_dir, embedder)?);
    follower::initialise(db, &service).await?;
    Ok(service)
}
