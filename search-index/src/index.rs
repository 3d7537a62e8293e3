//! The index: tantivy for words, the [`Catalog`] for vectors and structured data, one writer,
//! one long-lived reader, and the change-log position stored in each commit's payload.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis;
use crate::catalog::Catalog;
use crate::documents::{Document, EntityKey, EntityVectors, Kind};
use crate::error::{Error, Result};
use crate::matching::calibration::Calibration;
use crate::schema::{Fields, SCHEMA_VERSION};

/// Memory the single indexing thread may use before flushing a segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// One change to apply, as read from the change log.
#[derive(Debug, Clone)]
pub enum Change {
    /// Add or replace a document with the vectors that are current for its text.
    Upsert(Document, EntityVectors),
    /// Remove a document (deleted, hidden or erased).
    Delete(EntityKey),
}

#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    schema: u32,
    position: i64,
}

/// Figures for `factoria stats` and the benchmarks.
#[derive(Debug, Clone, Serialize)]
pub struct IndexStats {
    /// Companies indexed.
    pub companies: usize,
    /// Challenges indexed.
    pub challenges: usize,
    /// Change-log position reached.
    pub position: i64,
    /// Bytes on disk (0 in memory).
    pub index_bytes: u64,
    /// Bytes of vectors in memory.
    pub vector_bytes: usize,
}

/// The search index of one process.
pub struct SearchIndex {
    pub(crate) index: Index,
    pub(crate) fields: Fields,
    writer: Mutex<IndexWriter<TantivyDocument>>,
    pub(crate) reader: IndexReader,
    catalog: RwLock<Catalog>,
    /// The cosine calibration and the catalog generation it was estimated at.
    calibration: Mutex<Option<(u64, std::sync::Arc<Calibration>)>>,
    position: AtomicI64,
    dir: Option<PathBuf>,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent. An index written by another schema
    /// version, or one that cannot be read, is discarded: it is derived data, and position 0
    /// tells the caller to rebuild it from the database.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_owned(), e))?;
        let (schema, fields) = Fields::build();
        let directory = MmapDirectory::open(dir).map_err(|source| Error::Directory {
            path: dir.to_owned(),
            source,
        })?;
        let index = match Index::open_or_create(directory, schema.clone()) {
            Ok(index) if read_payload(&index).is_ok() => index,
            outcome => {
                let reason = match outcome {
                    Ok(_) => "written by another version".to_owned(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(dir = %dir.display(), %reason, "search index discarded; it will be rebuilt from the database");
                std::fs::remove_dir_all(dir).map_err(|e| Error::Io(dir.to_owned(), e))?;
                std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_owned(), e))?;
                Index::create_in_dir(dir, schema)?
            }
        };
        Self::with_index(index, fields, Some(dir.to_owned()))
    }

    /// An index in memory, for one-off commands and tests.
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = Fields::build();
        Self::with_index(Index::create_in_ram(schema), fields, None)
    }

    fn with_index(index: Index, fields: Fields, dir: Option<PathBuf>) -> Result<Self> {
        analysis::register(&index);
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let position = read_payload(&index)?.map_or(0, |p| p.position);
        Ok(Self {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            catalog: RwLock::default(),
            calibration: Mutex::default(),
            position: AtomicI64::new(position),
            dir,
        })
    }

    /// The change-log position this index has applied, as committed.
    pub fn position(&self) -> i64 {
        self.position.load(Ordering::SeqCst)
    }

    fn writer(&self) -> MutexGuard<'_, IndexWriter<TantivyDocument>> {
        self.writer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read access to the catalog.
    pub fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The calibration of cosines for the catalog (see [`crate::matching::calibration`]),
    /// estimated again once the catalog has changed by more than a twentieth of its size (at
    /// least 16 changes): a few edits do not move the distributions, and re-estimating on every
    /// one would put the estimate on the path of the next query.
    pub fn calibration(&self, catalog: &Catalog) -> std::sync::Arc<Calibration> {
        let mut cached = self
            .calibration
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tolerance = (catalog.len() as u64 / 20).max(16);
        match &*cached {
            Some((generation, calibration))
                if catalog.generation().abs_diff(*generation) <= tolerance =>
            {
                calibration.clone()
            }
            _ => {
                let calibration = std::sync::Arc::new(Calibration::estimate(catalog));
                *cached = Some((catalog.generation(), calibration.clone()));
                calibration
            }
        }
    }

    fn catalog_mut(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.catalog
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Fills the catalog (not tantivy) with documents the index already holds: what a process
    /// does at start, before catching up with the change log.
    pub fn load_catalog(&self, docs: impl IntoIterator<Item = (Document, EntityVectors)>) {
        let mut catalog = self.catalog_mut();
        for (doc, vectors) in docs {
            catalog.upsert(doc, &vectors);
        }
    }

    /// Applies changes and commits them with `position` in the payload, then makes them
    /// visible to searches. Applying the same change twice is harmless.
    pub fn apply(&self, changes: Vec<Change>, position: i64) -> Result<()> {
        let mut writer = self.writer();
        for change in &changes {
            match change {
                Change::Upsert(doc, _) => {
                    writer.delete_term(Term::from_field_text(self.fields.key, &doc.key().term()));
                    writer.add_document(self.fields.to_tantivy(doc, doc.language()))?;
                }
                Change::Delete(key) => {
                    writer.delete_term(Term::from_field_text(self.fields.key, &key.term()));
                }
            }
        }
        self.commit(&mut writer, position)?;
        drop(writer);
        let mut catalog = self.catalog_mut();
        for change in changes {
            match change {
                Change::Upsert(doc, vectors) => catalog.upsert(doc, &vectors),
                Change::Delete(key) => catalog.remove(key),
            }
        }
        Ok(())
    }

    /// Replaces everything with `docs`, at `position`.
    pub fn rebuild(
        &self,
        docs: impl IntoIterator<Item = (Document, EntityVectors)>,
        position: i64,
    ) -> Result<()> {
        let mut writer = self.writer();
        writer.delete_all_documents()?;
        let mut catalog = Catalog::default();
        for (doc, vectors) in docs {
            writer.add_document(self.fields.to_tantivy(&doc, doc.language()))?;
            catalog.upsert(doc, &vectors);
        }
        self.commit(&mut writer, position)?;
        drop(writer);
        *self.catalog_mut() = catalog;
        Ok(())
    }

    fn commit(&self, writer: &mut IndexWriter<TantivyDocument>, position: i64) -> Result<()> {
        let payload =
            serde_json::json!({"schema": SCHEMA_VERSION, "position": position}).to_string();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        self.position.store(position, Ordering::SeqCst);
        Ok(())
    }

    /// Figures about the index.
    pub fn stats(&self) -> IndexStats {
        let catalog = self.catalog();
        let index_bytes = self.dir.as_deref().map_or(0, directory_size);
        IndexStats {
            companies: catalog.count(Kind::Company),
            challenges: catalog.count(Kind::Challenge),
            position: self.position(),
            index_bytes,
            vector_bytes: catalog.vector_bytes(),
        }
    }
}

fn read_payload(index: &Index) -> Result<Option<Payload>> {
    let Some(raw) = index.load_metas()?.payload else {
        return Ok(None);
    };
    match serde_json::from_str::<Payload>(&raw) {
        Ok(payload) if payload.schema == SCHEMA_VERSION => Ok(Some(payload)),
        _ => Err(Error::Payload(raw)),
    }
}

fn directory_size(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
