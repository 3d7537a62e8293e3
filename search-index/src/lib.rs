//! Search and matching for Factoría: a tantivy index with Spanish and English analysis,
//! multilingual-e5-small embeddings, exact vector search, hybrid retrieval and the matching
//! score with its explanations.
//!
//! This crate knows nothing of the database. The backend's index follower reads the change log
//! and hands [`Document`]s and their [`EntityVectors`] to [`SearchIndex::apply`], the only
//! place that writes to the index. See `ARCHITECTURE.md` at the root of the repository.

pub mod analysis;
mod catalog;
mod documents;
pub mod embedder;
mod error;
mod filters;
mod index;
pub mod matching;
mod schema;
mod search;
pub mod vectors;

pub use analysis::{Lang, detect_language};
pub use catalog::{Catalog, DocVector, Entry};
pub use documents::{
    ChallengeDoc, ChunkField, CompanyDoc, Document, EntityKey, EntityVectors, Kind, VectorChunk,
};
pub use embedder::{Embedder, EmbedderConfig, ModelAssets};
pub use error::{Error, Result};
pub use filters::Filters;
pub use index::{Change, IndexStats, SearchIndex};
pub use search::{
    Facet, FacetValue, Fusion, Highlight, Hit, SearchMode, SearchRequest, SearchResults, SortOrder,
};
