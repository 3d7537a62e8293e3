//! The job queue: rows in `jobs`, enqueued in the same transaction as the change that causes
//! them, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL and a lease on both databases,
//! retried with exponential backoff. Every handler is idempotent, so a job that ran but whose
//! completion was lost (a crash) may run again harmlessly.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use factoria_search::{EntityKey, Kind};
use futures::future::BoxFuture;
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Value};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::{self, statement};
use crate::error::{Error, Result};

/// Kinds of jobs.
pub mod kind {
    /// Embed an entity's changed texts.
    pub const EMBED: &str = "embed";
    /// Send one email.
    pub const SEND_EMAIL: &str = "send_email";
    /// Expire unanswered introductions (periodic).
    pub const EXPIRE_INTRODUCTIONS: &str = "expire_introductions";
    /// Send due digests (periodic).
    pub const DIGESTS: &str = "send_digests";
    /// Remind followers of near deadlines (periodic).
    pub const DEADLINE_REMINDERS: &str = "deadline_reminders";
    /// Forget idempotency keys older than a day (periodic).
    pub const PURGE_IDEMPOTENCY_KEYS: &str = "purge_idempotency_keys";
    /// Erase never-verified accounts, dead emailed links and ended sessions (periodic).
    pub const PURGE_ACCOUNTS: &str = "purge_accounts";
    /// Remove a file from the file store once the row naming it is gone.
    pub const REMOVE_FILE: &str = "remove_file";

    /// Every kind, for the metrics.
    pub const ALL: [&str; 8] = [
        EMBED,
        SEND_EMAIL,
        EXPIRE_INTRODUCTIONS,
        DIGESTS,
        DEADLINE_REMINDERS,
        PURGE_IDEMPOTENCY_KEYS,
        PURGE_ACCOUNTS,
        REMOVE_FILE,
    ];
}

/// Enqueues the periodic jobs unless one of each is already waiting: every replica may call
/// this, and one worker somewhere runs each.
pub async fn schedule_periodic<C: ConnectionTrait>(conn: &C) -> Result<()> {
    for kind in [
        kind::EXPIRE_INTRODUCTIONS,
        kind::DIGESTS,
        kind::DEADLINE_REMINDERS,
        kind::PURGE_IDEMPOTENCY_KEYS,
        kind::PURGE_ACCOUNTS,
    ] {
        enqueue(
            conn,
            kind,
            serde_json::json!({}),
            Some(format!("periodic:{kind}")),
            3,
            db::now(),
        )
        .await?;
    }
    Ok(())
}

/// What a handler says about a failure.
#[derive(Debug)]
pub enum JobError {
    /// Try again later (a timeout, a refused connection, a 4xx SMTP reply).
    Retry(String),
    /// Never succeeds (a 5xx SMTP reply, a malformed payload).
    Permanent(String),
}

impl From<Error> for JobError {
    fn from(error: Error) -> Self {
        JobError::Retry(error.to_string())
    }
}

/// Enqueues a job in the caller's transaction. With a `dedupe_key`, a job already waiting with
/// the same key absorbs this one.
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    payload: serde_json::Value,
    dedupe_key: Option<String>,
    max_attempts: i32,
    run_at: DateTime<Utc>,
) -> Result<()> {
    let backend = conn.get_database_backend();
    let now = db::now();
    // NULL keys never conflict: jobs without a key are all kept.
    let sql = "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, run_at, dedupe_key, created_at, updated_at) \
               VALUES ($1, $2, 'queued', 0, $3, $4, $5, $6, $6) ON CONFLICT (dedupe_key) DO NOTHING";
    let values: Vec<Value> = vec![
        kind.into(),
        payload.to_string().into(),
        max_attempts.into(),
        run_at.into(),
        dedupe_key.into(),
        now.into(),
    ];
    conn.execute_raw(statement(backend, sql, values)).await?;
    Ok(())
}

/// Enqueues the embedding of an entity's texts.
pub async fn enqueue_embedding<C: ConnectionTrait>(conn: &C, key: EntityKey) -> Result<()> {
    let payload = json!({"kind": key.kind.as_str(), "id": key.id});
    enqueue(
        conn,
        kind::EMBED,
        payload,
        Some(format!("embed:{}", key.term())),
        10,
        db::now(),
    )
    .await
}

/// A claimed job.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ClaimedJob {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// JSON payload.
    pub payload: String,
    /// Attempts including this one.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
}

/// Claims up to `limit` due jobs of `kinds` (any kind when empty) for `lease`. Claiming clears
/// the dedupe key, so a change made while the job runs enqueues a new one.
pub async fn claim(
    db: &db::Db,
    kinds: &[&str],
    limit: i64,
    lease: Duration,
) -> Result<Vec<ClaimedJob>> {
    let backend = db.get_database_backend();
    let now = db::now();
    let until = now + chrono::Duration::from_std(lease).unwrap_or_default();
    let mut values: Vec<Value> = vec![until.into(), now.into(), limit.into()];
    let kind_filter = if kinds.is_empty() {
        String::new()
    } else {
        let placeholders: Vec<String> = (0..kinds.len()).map(|i| format!("${}", i + 4)).collect();
        values.extend(kinds.iter().map(|k| Value::from(*k)));
        format!("AND kind IN ({})", placeholders.join(", "))
    };
    let lock = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE jobs SET locked_until = $1, attempts = attempts + 1, dedupe_key = NULL, updated_at = $2 \
         WHERE id IN (SELECT id FROM jobs WHERE status = 'queued' AND run_at <= $2 \
         AND (locked_until IS NULL OR locked_until < $2) {kind_filter} ORDER BY run_at, id LIMIT $3 {lock}) \
         RETURNING id, kind, payload, attempts, max_attempts"
    );
    let tx = db::begin_write(db).await?;
    let jobs = ClaimedJob::find_by_statement(statement(backend, &sql, values))
        .all(&tx)
        .await?;
    tx.commit().await?;
    Ok(jobs)
}

/// Marks a job done.
pub async fn complete(db: &db::Db, id: i64) -> Result<()> {
    let backend = db.get_database_backend();
    let now = db::now();
    db.execute_raw(statement(
        backend,
        "UPDATE jobs SET status = 'done', locked_until = NULL, finished_at = $1, updated_at = $1, last_error = NULL WHERE id = $2",
        vec![now.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// Backoff before attempt `attempts + 1`: `base` doubling with each attempt, at most an hour,
/// with ±20 % jitter so that jobs failing together do not retry together.
pub fn backoff(attempts: i32, base: Duration) -> Duration {
    let delay = base.as_secs_f64() * 2f64.powi(attempts.clamp(1, 20) - 1);
    let jitter = 0.8 + rand::random::<f64>() * 0.4;
    Duration::from_secs_f64((delay * jitter).min(3600.0))
}

/// Records a failure: retried later, or failed for good after the last attempt.
pub async fn fail(
    db: &db::Db,
    job: &ClaimedJob,
    error: &JobError,
    retry_base: Duration,
) -> Result<bool> {
    let backend = db.get_database_backend();
    let now = db::now();
    let (message, permanent) = match error {
        JobError::Retry(m) => (m.as_str(), job.attempts >= job.max_attempts),
        JobError::Permanent(m) => (m.as_str(), true),
    };
    let message: String = message.chars().take(2000).collect();
    if permanent {
        db.execute_raw(statement(
            backend,
            "UPDATE jobs SET status = 'failed', locked_until = NULL, last_error = $1, finished_at = $2, updated_at = $2 WHERE id = $3",
            vec![message.into(), now.into(), job.id.into()],
        ))
        .await?;
    } else {
        let run_at =
            now + chrono::Duration::from_std(backoff(job.attempts, retry_base)).unwrap_or_default();
        db.execute_raw(statement(
            backend,
            "UPDATE jobs SET locked_until = NULL, last_error = $1, run_at = $2, updated_at = $3 WHERE id = $4",
            vec![message.into(), run_at.into(), now.into(), job.id.into()],
        ))
        .await?;
    }
    Ok(permanent)
}

/// Payload of an embedding job.
#[derive(Debug, Deserialize, Serialize)]
pub struct EntityPayload {
    /// company or challenge.
    pub kind: String,
    /// Database id.
    pub id: i64,
}

impl EntityPayload {
    /// The entity it names.
    pub fn key(&self) -> std::result::Result<EntityKey, JobError> {
        let kind = Kind::parse(&self.kind)
            .ok_or_else(|| JobError::Permanent(format!("unknown entity kind {}", self.kind)))?;
        Ok(EntityKey { kind, id: self.id })
    }
}

/// Where jobs wait and how they are run: the database, the lease of a claimed job, and the
/// first retry delay.
#[derive(Clone)]
pub struct Queue {
    /// The database holding `jobs`.
    pub db: db::Db,
    /// How long a claimed job is reserved for its worker.
    pub lease: Duration,
    /// First retry delay; it doubles with each attempt.
    pub retry_base: Duration,
}

impl Queue {
    /// The queue of `db` with the configured lease and backoff.
    pub fn new(db: db::Db, config: &crate::config::Config) -> Self {
        Self {
            db,
            lease: config.job_lease,
            retry_base: config.job_retry_base,
        }
    }
}

/// What runs a job, given the application's state `S`: the application supplies it, knowing
/// every module that owns a kind, so the queue itself knows none of them.
pub type Handler<S> = Arc<
    dyn Fn(S, ClaimedJob) -> BoxFuture<'static, std::result::Result<(), JobError>> + Send + Sync,
>;

/// Claims and runs jobs of `kinds` until none is due; returns how many ran.
pub async fn drain<S: Clone>(
    queue: &Queue,
    state: &S,
    kinds: &[&str],
    handler: &Handler<S>,
    progress: &dyn Fn(usize),
) -> Result<usize> {
    let mut ran = 0;
    loop {
        let jobs = claim(&queue.db, kinds, 8, queue.lease).await?;
        if jobs.is_empty() {
            return Ok(ran);
        }
        for job in &jobs {
            process(queue, state, job, handler).await?;
            ran += 1;
            progress(ran);
        }
    }
}

async fn process<S: Clone>(
    queue: &Queue,
    state: &S,
    job: &ClaimedJob,
    handler: &Handler<S>,
) -> Result<()> {
    // Give up before the lease ends, so two workers never run the same job at once.
    let budget = queue.lease.mul_f32(0.8);
    let outcome = tokio::time::timeout(budget, handler(state.clone(), job.clone()))
        .await
        .unwrap_or_else(|_| Err(JobError::Retry("the job took longer than its lease".into())));
    match outcome {
        Ok(()) => complete(&queue.db, job.id).await,
        Err(error) => {
            let permanent = fail(&queue.db, job, &error, queue.retry_base).await?;
            let message = match &error {
                JobError::Retry(m) | JobError::Permanent(m) => m.as_str(),
            };
            if permanent {
                tracing::error!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %message, "job failed for good");
            } else {
                tracing::warn!(job = job.id, kind = %job.kind, attempts = job.attempts, error = %message, "job failed; it will be retried");
            }
            Ok(())
        }
    }
}

/// A worker: claims and runs jobs until the process stops; sleeps briefly when idle and backs
/// off when the database is unreachable.
pub fn spawn_worker<S: Clone + Send + Sync + 'static>(
    queue: Queue,
    state: S,
    name: String,
    handler: Handler<S>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut failing = false;
        loop {
            match claim(&queue.db, &[], 4, queue.lease).await {
                Ok(jobs) if jobs.is_empty() => tokio::time::sleep(Duration::from_millis(200)).await,
                Ok(jobs) => {
                    failing = false;
                    for job in &jobs {
                        if let Err(error) = process(&queue, &state, job, &handler).await {
                            tracing::warn!(worker = %name, job = job.id, error = %error, "cannot record the outcome of a job; its lease will expire and it will run again");
                        }
                    }
                }
                Err(error) => {
                    if !failing {
                        tracing::warn!(worker = %name, error = %error, "worker cannot claim jobs; retrying");
                    }
                    failing = true;
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    })
}
