//! The database: connection set-up for SQLite and PostgreSQL, write transactions, and the
//! change log that every search index follows.

pub mod entities;

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use factoria_migrations::MigratorTrait;
use factoria_search::EntityKey;
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait, Value,
};

/// A pool of connections.
pub type Db = DatabaseConnection;

/// Opens a pool. SQLite runs in WAL mode with a busy timeout, foreign keys on and `NORMAL`
/// synchronisation, so readers never block the writer and writers queue instead of failing.
///
/// On PostgreSQL a request waits at most two seconds for a connection: long enough to ride out
/// a quick restart, short enough that while the server is down clients get a prompt 503 (the
/// pool keeps retrying a refused connection until this deadline).
pub async fn connect(url: &str) -> Result<Db, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
    } else {
        options
            .max_connections(16)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(2));
    }
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    factoria_migrations::Migrator::up(db, None).await
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at the
/// start, so a transaction that read first never fails with "database is locked" when it
/// writes; concurrent writers wait for the busy timeout instead.
pub async fn begin_write(db: &Db) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// The current time at the precision both databases keep (microseconds).
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// A statement written with `$1`-style placeholders, for either backend.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Locks a row of `table` until the end of the caller's write transaction, so that what is
/// read next is what the write changes. PostgreSQL locks the row (`FOR UPDATE`); SQLite's
/// write transactions ([`begin_write`]) already hold the whole database.
pub async fn lock_row<C: ConnectionTrait>(
    conn: &C,
    table: &'static str,
    id: i64,
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        conn.execute_raw(statement(
            backend,
            &format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE"),
            vec![id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// `LOWER(column) LIKE '%text%'` with `%`, `_` and the escape character in `text` (lower case)
/// taken literally.
pub fn contains_literally<T: sea_orm::ColumnTrait>(
    column: T,
    text: &str,
) -> sea_orm::sea_query::SimpleExpr {
    let escaped: String = text
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    use sea_orm::sea_query::ExprTrait as _;
    sea_orm::sea_query::Expr::expr(sea_orm::sea_query::Func::lower(
        sea_orm::sea_query::Expr::col(column),
    ))
    .like(sea_orm::sea_query::LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}

/// Key of the PostgreSQL advisory lock that orders change-log writers.
const CHANGE_LOG_LOCK: i64 = 0x0FAC_7021;

/// Records that an indexed entity changed, in the caller's transaction.
///
/// Followers read the log by increasing `seq` and remember the last one they applied, so a
/// sequence number must never become visible after a larger one. SQLite has one writer at a
/// time; on PostgreSQL a transaction-scoped advisory lock serialises the writers of the log
/// from this point to their commit, so sequence numbers commit in order.
pub async fn record_change<C: ConnectionTrait>(conn: &C, key: EntityKey) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    if backend == DbBackend::Postgres {
        conn.execute_raw(statement(
            backend,
            "SELECT pg_advisory_xact_lock($1)",
            vec![CHANGE_LOG_LOCK.into()],
        ))
        .await?;
    }
    conn.execute_raw(statement(
        backend,
        "INSERT INTO change_log (entity_kind, entity_id, created_at) VALUES ($1, $2, $3)",
        vec![key.kind.as_str().into(), key.id.into(), now().into()],
    ))
    .await?;
    Ok(())
}

/// Serialises a list to the JSON text stored in list columns.
pub fn to_json_text<T: serde::Serialize>(items: &[T]) -> String {
    serde_json::to_string(items).unwrap_or_else(|_| "[]".into())
}

/// Reads a list column; a value that is not a JSON list of strings is a bug, reported as one.
pub fn from_json_text(column: &str, text: &str) -> Result<Vec<String>, DbErr> {
    serde_json::from_str(text).map_err(|e| {
        DbErr::Custom(format!(
            "column {column} holds `{text}`, not a JSON list: {e}"
        ))
    })
}

/// Whether an error means the database cannot be reached or is going away (as opposed to a bad
/// query): the answer is then 503, and a retry a moment later may succeed.
pub fn is_unavailable(error: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    let runtime = match error {
        DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => return true,
        DbErr::Query(runtime) | DbErr::Exec(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(error) = runtime else {
        return false;
    };
    match &**error {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::Protocol(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed
        | Sqlx::BeginFailed => true,
        // PostgreSQL: connection exceptions (class 08) and the server shutting down or starting
        // (57P01-57P03); SQLite: the database stayed busy past the busy timeout (5).
        Sqlx::Database(error) => error.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "5")
        }),
        _ => false,
    }
}
