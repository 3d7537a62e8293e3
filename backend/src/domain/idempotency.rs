//! Retries that are safe: the first answer to a request sent with an `Idempotency-Key` is kept
//! for a day, and the same key from the same client gets that answer again instead of a second
//! run. Keys live in the database, so every replica sees them.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use crate::context::Context;
use crate::db::{self, entities::idempotency_key, statement};
use crate::error::Result;

/// How long a key and its answer are kept.
pub const KEEP_FOR: Duration = Duration::hours(24);

/// A kept answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// What a request with a key may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: run the request, then [`complete`] or [`release`] it.
    Fresh,
    /// The same request was answered before: answer it again.
    Replay(Answer),
    /// The key was used for another request.
    Mismatch,
    /// The first request with this key is still being answered.
    Busy,
}

/// Claims `key` for the request hashed as `request_hash`, in `scope` (who sent it).
pub async fn claim(
    ctx: &Context,
    scope: &str,
    key: &str,
    request_hash: &str,
    now: DateTime<Utc>,
) -> Result<Claim> {
    let conn = &ctx.db;
    let backend = conn.get_database_backend();
    // An expired key is free again.
    conn.execute_raw(statement(
        backend,
        "DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 AND created_at < $3",
        vec![scope.into(), key.into(), (now - KEEP_FOR).into()],
    ))
    .await?;
    let inserted = conn
        .execute_raw(statement(
            backend,
            "INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            vec![scope.into(), key.into(), request_hash.into(), now.into()],
        ))
        .await?
        .rows_affected();
    if inserted == 1 {
        return Ok(Claim::Fresh);
    }
    let Some(row) = find(conn, scope, key).await? else {
        // Released between the insert and this read: the caller may claim again.
        return Ok(Claim::Busy);
    };
    Ok(if row.request_hash != request_hash {
        Claim::Mismatch
    } else {
        match (row.status, row.response_body) {
            (Some(status), Some(body)) => Claim::Replay(Answer {
                status: u16::try_from(status).unwrap_or(500),
                body,
            }),
            _ => Claim::Busy,
        }
    })
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    scope: &str,
    key: &str,
) -> Result<Option<idempotency_key::Model>> {
    Ok(idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::IdempotencyKey.eq(key))
        .one(conn)
        .await?)
}

/// Keeps the answer to a claimed key.
pub async fn complete(ctx: &Context, scope: &str, key: &str, answer: &Answer) -> Result<()> {
    let conn = &ctx.db;
    if let Some(row) = find(conn, scope, key).await? {
        let mut row: idempotency_key::ActiveModel = row.into();
        row.status = Set(Some(i16::try_from(answer.status).unwrap_or(500)));
        row.response_body = Set(Some(answer.body.clone()));
        row.completed_at = Set(Some(db::now()));
        row.update(conn).await?;
    }
    Ok(())
}

/// Frees a claimed key whose request failed in a way worth retrying (a server error, a rate
/// limit): the next request with it runs again.
pub async fn release(ctx: &Context, scope: &str, key: &str) -> Result<()> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::IdempotencyKey.eq(key))
        .exec(&ctx.db)
        .await?;
    Ok(())
}

/// Deletes keys older than [`KEEP_FOR`]; returns how many.
pub async fn purge<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64> {
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(now - KEEP_FOR))
        .exec(conn)
        .await?
        .rows_affected)
}
