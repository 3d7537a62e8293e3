//! What an operations team watches, read from the database: the job queue by kind and status
//! (with the age of the oldest waiting job), emails by status, and how far this process's index
//! is behind the change log.

use chrono::{DateTime, Utc};
use sea_orm::{FromQueryResult, Statement};

use crate::context::Context;
use crate::error::Result;

/// Jobs of one kind in one status.
#[derive(Debug, Clone, FromQueryResult)]
pub struct JobCount {
    /// Kind (a bounded set: `jobs::kind`).
    pub kind: String,
    /// queued, running, done, failed.
    pub status: String,
    /// How many.
    pub n: i64,
    /// When the oldest was created.
    pub oldest: Option<DateTime<Utc>>,
}

/// Emails in one status.
#[derive(Debug, Clone, FromQueryResult)]
pub struct EmailCount {
    /// queued, sent, failed, suppressed…
    pub status: String,
    /// How many.
    pub n: i64,
}

/// The state of the queues and the index.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Jobs by kind and status.
    pub jobs: Vec<JobCount>,
    /// Emails by status.
    pub emails: Vec<EmailCount>,
    /// Changes logged that this process's index has not applied yet.
    pub index_behind: i64,
}

/// Changes logged that this process's index has not applied yet.
pub async fn index_behind(ctx: &Context) -> Result<i64> {
    let head = crate::indexing::max_seq(&ctx.db).await?;
    Ok((head - ctx.search.index.position()).max(0))
}

/// Reads the snapshot.
pub async fn snapshot(ctx: &Context) -> Result<Snapshot> {
    let backend = ctx.db.get_database_backend();
    let jobs = JobCount::find_by_statement(Statement::from_string(
        backend,
        "SELECT kind, status, COUNT(*) AS n, MIN(created_at) AS oldest FROM jobs GROUP BY kind, status",
    ))
    .all(&ctx.db)
    .await?;
    let emails = EmailCount::find_by_statement(Statement::from_string(
        backend,
        "SELECT status, COUNT(*) AS n FROM emails GROUP BY status",
    ))
    .all(&ctx.db)
    .await?;
    Ok(Snapshot {
        jobs,
        emails,
        index_behind: index_behind(ctx).await?,
    })
}
