//! The index follower: each process applies the change log to its own index, so every replica
//! sees every committed change, and an index that was killed mid-write catches up from the
//! position its last commit recorded.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use factoria_search::{Change, EntityKey, Kind};
use sea_orm::{DbBackend, FromQueryResult};

use super::SearchService;
use super::load::{documents_with_vectors, load_all};
use crate::db::{Db, statement};
use crate::error::{Error, Result};

/// Changes applied in one index commit at most.
const BATCH: i64 = 2000;

#[derive(Debug, FromQueryResult)]
struct LogRow {
    seq: i64,
    entity_kind: String,
    entity_id: i64,
}

/// The last sequence number of the change log (0 when empty).
pub async fn max_seq(db: &Db) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct Max {
        seq: Option<i64>,
    }
    let backend = db.get_database_backend();
    let row = Max::find_by_statement(statement(
        backend,
        "SELECT MAX(seq) AS seq FROM change_log",
        vec![],
    ))
    .one(db)
    .await?;
    Ok(row.and_then(|r| r.seq).unwrap_or(0))
}

/// Brings a freshly opened index up to date: a new (or discarded) index is rebuilt from the
/// tables; an existing one gets its catalog loaded and then replays the log from its position.
pub(super) async fn initialise(db: &Db, service: &Arc<SearchService>) -> Result<()> {
    let index = service.index.clone();
    if index.position() == 0 {
        // Read the log position before the tables: what changes meanwhile is replayed. An
        // empty log stays at 0 (rebuilt again at the next start, which costs nothing): marking
        // it 1 would skip the first change ever logged.
        let position = max_seq(db).await?;
        let docs = load_all(db, &|_| {}).await?;
        tracing::info!(
            documents = docs.len(),
            position,
            "search index rebuilt from the database"
        );
        service
            .with_index(move |index| index.rebuild(docs, position))
            .await?;
    } else {
        let docs = load_all(db, &|_| {}).await?;
        index.load_catalog(docs);
    }
    catch_up(db, service).await?;
    Ok(())
}

/// Applies every change committed after the index's position; returns how many log entries
/// were read.
pub async fn catch_up(db: &Db, service: &Arc<SearchService>) -> Result<usize> {
    let mut total = 0;
    loop {
        let applied = apply_next_batch(db, service).await?;
        if applied == 0 {
            return Ok(total);
        }
        total += applied;
    }
}

async fn apply_next_batch(db: &Db, service: &Arc<SearchService>) -> Result<usize> {
    let backend: DbBackend = db.get_database_backend();
    let position = service.index.position();
    let rows = LogRow::find_by_statement(statement(
        backend,
        "SELECT seq, entity_kind, entity_id FROM change_log WHERE seq > $1 ORDER BY seq LIMIT $2",
        vec![position.into(), BATCH.into()],
    ))
    .all(db)
    .await?;
    let Some(last) = rows.last().map(|r| r.seq) else {
        return Ok(0);
    };
    let keys: BTreeSet<EntityKey> = rows
        .iter()
        .filter_map(|r| {
            Kind::parse(&r.entity_kind).map(|kind| EntityKey {
                kind,
                id: r.entity_id,
            })
        })
        .collect();
    let keys: Vec<EntityKey> = keys.into_iter().collect();
    let loaded = documents_with_vectors(db, &keys).await?;
    let changes: Vec<Change> = loaded
        .into_iter()
        .map(|(key, entry)| match entry {
            Some((doc, vectors)) => Change::Upsert(doc, vectors),
            None => Change::Delete(key),
        })
        .collect();
    service
        .with_index(move |index| index.apply(changes, last))
        .await?;
    Ok(rows.len())
}

/// Follows the change log until the process stops: wakes on this process's own writes and
/// polls for other processes' ones. A database outage is logged once and retried.
pub fn spawn_follower(db: Db, service: Arc<SearchService>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            match catch_up(&db, &service).await {
                Ok(_) if failing => {
                    tracing::info!("index follower recovered");
                    failing = false;
                }
                Ok(_) => {}
                Err(error) => {
                    if !failing {
                        log_failure(&error);
                    }
                    failing = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            }
            let _ = tokio::time::timeout(super::POLL_INTERVAL, service.wake.notified()).await;
        }
    })
}

fn log_failure(error: &Error) {
    tracing::warn!(error = %error, "index follower cannot read the change log; retrying every second");
}
