use std::path::PathBuf;

/// Errors of the search crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tantivy index failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("search index directory {path}: {source}")]
    Directory {
        /// Where the index lives.
        path: PathBuf,
        /// Why it could not be opened.
        source: tantivy::directory::error::OpenDirectoryError,
    },
    /// The embedding model or ONNX Runtime is missing or broken.
    #[error("embedding model: {0}")]
    Model(String),
    /// Inference failed.
    #[error("embedding failed: {0}")]
    Embedding(String),
    /// The embedding thread has stopped.
    #[error("the embedding thread has stopped")]
    EmbedderGone,
    /// The commit payload of the index is not one this version wrote.
    #[error(
        "index commit payload `{0}` is not understood; rebuild the index with `factoria reindex`"
    )]
    Payload(String),
    /// A file could not be read or written.
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// Result of the search crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
