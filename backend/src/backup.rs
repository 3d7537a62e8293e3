//! `factoria backup` and `factoria restore`.
//!
//! A backup is one tar file: `manifest.json` first (format, schema version as the migrations
//! applied, the rows of every table, the size and SHA-256 of every other member), then a
//! consistent copy of the database, taken while the server keeps serving and writing (SQLite:
//! `VACUUM INTO`; PostgreSQL: `pg_dump` on the snapshot exported by the transaction that
//! counted the rows), then the development secret when the data folder holds one (the audit
//! log's pseudonyms are keyed with it), then every document and attachment the copy names,
//! read from the file store (`files/<key>`).
//!
//! A restore checks everything it can before it changes anything: the file is whole and every
//! member matches its checksum, the schema is one this binary knows (an older one is migrated
//! forward), and the target database and index folder are empty. After copying it counts the
//! rows again against the manifest, puts the files back into the configured file store, then
//! migrates. The caller rebuilds the search index.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use chrono::{DateTime, Utc};
use factoria_migrations::MigratorTrait;
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DbBackend, FromQueryResult, IsolationLevel,
    Statement, TransactionOptions, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::Config;

/// The format written in every manifest; a restore refuses any other.
pub const FORMAT: &str = "factoria-backup/1";
const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "database.sqlite";
const POSTGRES_FILE: &str = "database.pgdump";
const SECRET_FILE: &str = "secret.key";
/// Every member a backup may hold besides the manifest and the stored files.
const MEMBERS: [&str; 3] = [SQLITE_FILE, POSTGRES_FILE, SECRET_FILE];
/// Where the stored files go in a backup: `files/<key>`.
const FILES_PREFIX: &str = "files/";

/// Whether `name` is a stored file's member: `files/` and a key as `documents` makes them,
/// `challenges|proposals/<id>/<32 hex digits>` (so nothing unpacks outside its folder).
fn is_stored_file(name: &str) -> bool {
    let Some(key) = name.strip_prefix(FILES_PREFIX) else {
        return false;
    };
    let parts: Vec<&str> = key.split('/').collect();
    matches!(parts.as_slice(), [owner, id, random]
        if matches!(*owner, "challenges" | "proposals")
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_digit())
            && random.len() == 32
            && random.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether a backup may hold a member called `name`.
fn is_member(name: &str) -> bool {
    MEMBERS.contains(&name) || is_stored_file(name)
}

/// The database engine a backup was taken from; it restores only into the same engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The embedded default.
    Sqlite,
    /// Production.
    Postgres,
}

/// One member of the backup besides the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDigest {
    /// Size in bytes.
    pub bytes: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// What a backup holds, written first in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// When the copy was taken.
    pub created_at: DateTime<Utc>,
    /// The version of the `factoria` that took it.
    pub factoria_version: String,
    /// The engine it was taken from.
    pub database: Engine,
    /// The migrations applied to the copied database, in order: its schema version.
    pub migrations: Vec<String>,
    /// Rows of every table in the copy.
    pub rows: BTreeMap<String, i64>,
    /// Every other member of the file.
    pub files: BTreeMap<String, FileDigest>,
    /// Keys of files the copied database names that the file store no longer held when the
    /// backup read it (removed meanwhile): their rows restore without their bytes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_files: Vec<String>,
}

/// Writes a backup of the configured database (and the development secret) to `out`. Fails
/// before doing any work when `out` cannot be written; never runs migrations.
pub async fn backup(config: &Config, out: &Path) -> anyhow::Result<Manifest> {
    ensure!(
        !out.is_dir(),
        "{} is a folder: name the backup file",
        out.display()
    );
    let folder = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // The file is written beside its destination and renamed at the end, so a failed backup
    // leaves nothing that looks like one.
    let staging = tempfile::Builder::new()
        .prefix(".factoria-backup-")
        .tempfile_in(&folder)
        .with_context(|| format!("cannot write the backup into {}", folder.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".factoria-backup-")
        .tempdir_in(&folder)
        .with_context(|| format!("cannot write the backup into {}", folder.display()))?;

    if let Some(path) = sqlite_path(&config.database_url) {
        ensure!(
            path.is_file(),
            "there is no database at {}: nothing to back up (check FACTORIA_DATA_DIR or FACTORIA_DATABASE_URL)",
            path.display()
        );
    }
    let db = crate::db::connect(&config.database_url)
        .await
        .context("cannot connect to the database")?;
    let (engine, name, census) = match db.get_database_backend() {
        DbBackend::Sqlite => {
            let copy = work.path().join(SQLITE_FILE);
            let census = copy_sqlite(&db, &copy).await?;
            (Engine::Sqlite, SQLITE_FILE, census)
        }
        DbBackend::Postgres => {
            let copy = work.path().join(POSTGRES_FILE);
            let census = dump_postgres(&db, &config.database_url, &copy).await?;
            (Engine::Postgres, POSTGRES_FILE, census)
        }
        other => bail!("cannot back up a {other:?} database"),
    };
    db.close().await?;
    ensure!(
        !census.migrations.is_empty(),
        "the database {} holds no Factoría schema: nothing to back up",
        config.database_url_for_logs()
    );

    let mut members = vec![(name.to_owned(), work.path().join(name))];
    // The generated development secret, when it is the one in use (a configured
    // FACTORIA_SECRET_KEY belongs in the secret store, not in backups).
    let secret = config.data_dir.join(SECRET_FILE);
    if std::fs::read(&secret).is_ok_and(|bytes| config.secret.matches(&bytes)) {
        members.push((SECRET_FILE.to_owned(), secret));
    }
    let (stored, missing_files) = copy_stored_files(config, &census.keys, work.path()).await?;
    members.extend(stored);
    let mut files = BTreeMap::new();
    for (name, path) in &members {
        files.insert(name.clone(), digest(path)?);
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        created_at: crate::db::now(),
        factoria_version: env!("CARGO_PKG_VERSION").to_owned(),
        database: engine,
        migrations: census.migrations,
        rows: census.rows,
        files,
        missing_files,
    };

    let mut archive = tar::Builder::new(staging.as_file());
    let text = serde_json::to_vec_pretty(&manifest)?;
    let mut header = tar::Header::new_gnu();
    header.set_size(text.len() as u64);
    header.set_mode(0o600);
    header.set_mtime(manifest.created_at.timestamp().max(0) as u64);
    header.set_cksum();
    archive.append_data(&mut header, MANIFEST, text.as_slice())?;
    for (name, path) in &members {
        let mut file = std::fs::File::open(path)?;
        archive.append_file(name, &mut file)?;
    }
    archive.into_inner()?.sync_all()?;
    staging
        .persist(out)
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(manifest)
}

/// Copies the files named by `keys` from the configured store into `work/files/`: the members
/// to add, and the keys the store no longer holds.
async fn copy_stored_files(
    config: &Config,
    keys: &[String],
    work: &Path,
) -> anyhow::Result<(Vec<(String, PathBuf)>, Vec<String>)> {
    let mut members = Vec::new();
    let mut missing = Vec::new();
    if keys.is_empty() {
        return Ok((members, missing));
    }
    let store = crate::files::Files::open(&config.files)?;
    for key in keys {
        let name = format!("{FILES_PREFIX}{key}");
        ensure!(
            is_stored_file(&name),
            "the database names a stored file {key:?}, which is not a key Factoría makes"
        );
        let Some(bytes) = store.get_if_present(key).await? else {
            missing.push(key.clone());
            continue;
        };
        let path = work.join(&name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &bytes)?;
        members.push((name, path));
    }
    Ok((members, missing))
}

/// Restores the backup in `file` into the configured database and data folder, which must be
/// empty, and migrates it to this binary's schema. Nothing is changed when the file is
/// damaged, tampered with or from a newer schema, or when the target is not empty. The search
/// index is the caller's to rebuild.
pub async fn restore(config: &Config, file: &Path) -> anyhow::Result<Manifest> {
    // Unpacked in the data folder, not in a temporary file system that may live in memory.
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create {}", config.data_dir.display()))?;
    let work = tempfile::Builder::new()
        .prefix(".factoria-restore-")
        .tempdir_in(&config.data_dir)
        .with_context(|| {
            format!(
                "cannot unpack the backup into {}",
                config.data_dir.display()
            )
        })?;
    let manifest = unpack(file, work.path())?;
    check_schema(&manifest)?;
    ensure_index_empty(&config.index_dir)?;
    let stored: Vec<&String> = manifest
        .files
        .keys()
        .filter(|n| is_stored_file(n))
        .collect();
    let store = match stored.is_empty() {
        true => None,
        false => Some(crate::files::Files::open(&config.files)?),
    };
    // The file store is checked like the database: a restore overwrites nothing.
    if let Some(store) = &store {
        for name in &stored {
            let key = &name[FILES_PREFIX.len()..];
            ensure!(
                !store.exists(key).await?,
                "the file store already holds {key}: restore into an empty file store (check FACTORIA_FILES_DIR or FACTORIA_S3_BUCKET)"
            );
        }
    }

    let db = match manifest.database {
        Engine::Sqlite => {
            let path = sqlite_path(&config.database_url).ok_or_else(|| {
                anyhow::anyhow!(
                    "the backup is of a SQLite database, and FACTORIA_DATABASE_URL is not a SQLite file"
                )
            })?;
            if path.exists() {
                let existing = open_sqlite(&path, true).await?;
                ensure_database_empty(&existing, &path.display().to_string()).await?;
                existing.close().await?;
            }
            // An empty file, or none; a journal left beside it would be replayed onto the copy.
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut name = path.clone().into_os_string();
                name.push(suffix);
                let name = PathBuf::from(name);
                if name.exists() {
                    std::fs::remove_file(&name)
                        .with_context(|| format!("cannot remove {}", name.display()))?;
                }
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::copy(work.path().join(SQLITE_FILE), &path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            // It holds password hashes and personal data: the owner's only.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
            crate::db::connect(&config.database_url).await?
        }
        Engine::Postgres => {
            ensure!(
                !config.is_sqlite(),
                "the backup is of a PostgreSQL database: set FACTORIA_DATABASE_URL to an empty PostgreSQL database"
            );
            let db = crate::db::connect(&config.database_url)
                .await
                .context("cannot connect to the database")?;
            ensure_database_empty(&db, &config.database_url_for_logs()).await?;
            run_postgres_tool(
                "pg_restore",
                &config.database_url,
                &[
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    &work.path().join(POSTGRES_FILE).display().to_string(),
                ],
            )
            .await?;
            db
        }
    };

    let restored = census(&db).await?;
    ensure!(
        restored.rows == manifest.rows && restored.migrations == manifest.migrations,
        "the restored database does not hold what the manifest lists (rows {:?}, expected {:?}); drop it and try again",
        restored.rows,
        manifest.rows
    );
    if let Some(store) = &store {
        for name in stored {
            let bytes = std::fs::read(work.path().join(name))?;
            store
                .put(&name[FILES_PREFIX.len()..], bytes.into())
                .await
                .with_context(|| format!("cannot put {name} back into the file store"))?;
        }
    }
    if manifest.files.contains_key(SECRET_FILE) {
        std::fs::create_dir_all(&config.data_dir)?;
        let target = config.data_dir.join(SECRET_FILE);
        std::fs::copy(work.path().join(SECRET_FILE), &target)
            .with_context(|| format!("cannot write {}", target.display()))?;
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
    }
    crate::db::migrate(&db)
        .await
        .context("cannot bring the restored database to this version's schema")?;
    db.close().await?;
    Ok(manifest)
}

/// Reads and checks a backup file, unpacking its members into `into`.
pub fn unpack(file: &Path, into: &Path) -> anyhow::Result<Manifest> {
    let damaged = || format!("{} is truncated or damaged", file.display());
    let reader =
        std::fs::File::open(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut archive = tar::Archive::new(reader);
    let mut entries = archive.entries().with_context(damaged)?;
    let mut first = entries
        .next()
        .ok_or_else(|| anyhow::anyhow!("{} is empty: not a Factoría backup", file.display()))?
        .with_context(damaged)?;
    ensure!(
        first.path()?.as_os_str() == MANIFEST,
        "{} is not a Factoría backup (it does not start with {MANIFEST})",
        file.display()
    );
    let mut text = String::new();
    first.read_to_string(&mut text).with_context(damaged)?;
    let manifest: Manifest = serde_json::from_str(&text)
        .with_context(|| format!("the manifest of {} cannot be read", file.display()))?;
    ensure!(
        manifest.format == FORMAT,
        "{} is a backup in format {}, and this factoria reads {FORMAT}",
        file.display(),
        manifest.format
    );

    if let Some(unknown) = manifest.files.keys().find(|n| !is_member(n)) {
        bail!(
            "the manifest of {} lists {unknown:?}, which no Factoría backup holds: it was altered",
            file.display()
        );
    }
    let mut seen = Vec::new();
    for entry in entries {
        let mut entry = entry.with_context(damaged)?;
        // Only the plain files a backup holds, by their exact names: nothing is written
        // outside the unpacking folder, whatever the archive says.
        let name = entry.path()?.to_string_lossy().into_owned();
        let Some(expected) = manifest
            .files
            .get(&name)
            .filter(|_| is_member(&name) && entry.header().entry_type().is_file())
        else {
            bail!(
                "{} holds {name}, which its manifest does not list: it was altered",
                file.display()
            );
        };
        let target = into.join(&name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut out = std::fs::File::create(&target)?;
        let mut hasher = Sha256::new();
        let mut bytes = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        loop {
            let n = entry.read(&mut buffer).with_context(damaged)?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            out.write_all(&buffer[..n])?;
            bytes += n as u64;
        }
        ensure!(
            bytes >= expected.bytes,
            "{} is truncated: {name} ends after {bytes} of its {} bytes",
            file.display(),
            expected.bytes
        );
        let actual = FileDigest {
            bytes,
            sha256: format!("{:x}", hasher.finalize()),
        };
        ensure!(
            &actual == expected,
            "{name} in {} does not match its checksum in the manifest: the file was damaged or altered",
            file.display()
        );
        seen.push(name);
    }
    for name in manifest.files.keys() {
        ensure!(
            seen.contains(name),
            "{} lacks {name}: it is truncated or damaged",
            file.display()
        );
    }
    let database = match manifest.database {
        Engine::Sqlite => SQLITE_FILE,
        Engine::Postgres => POSTGRES_FILE,
    };
    ensure!(
        seen.iter().any(|n| n == database),
        "{} holds no database",
        file.display()
    );
    Ok(manifest)
}

/// Refuses a schema this binary does not know: a migration it lacks, or another order.
fn check_schema(manifest: &Manifest) -> anyhow::Result<()> {
    let known: Vec<String> = factoria_migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    if let Some(unknown) = manifest.migrations.iter().find(|m| !known.contains(m)) {
        bail!(
            "the backup's schema is newer than this factoria ({}) knows: it has migration {unknown}; restore it with the version that took it ({}) or a later one",
            env!("CARGO_PKG_VERSION"),
            manifest.factoria_version
        );
    }
    ensure!(
        known.starts_with(&manifest.migrations),
        "the backup's migrations ({}) are not the first ones this factoria knows",
        manifest.migrations.join(", ")
    );
    Ok(())
}

fn ensure_index_empty(index_dir: &Path) -> anyhow::Result<()> {
    let occupied = std::fs::read_dir(index_dir)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    ensure!(
        !occupied,
        "the index folder {} is not empty: restore into a fresh data folder",
        index_dir.display()
    );
    Ok(())
}

async fn ensure_database_empty<C: ConnectionTrait>(conn: &C, name: &str) -> anyhow::Result<()> {
    let tables = tables(conn).await?;
    ensure!(
        tables.is_empty(),
        "the database {name} is not empty (it has {} tables, such as {}): restore only into an empty database",
        tables.len(),
        tables.first().map(String::as_str).unwrap_or_default()
    );
    Ok(())
}

/// The rows of every table and the migrations applied, as one connection or transaction sees
/// them.
#[derive(Debug)]
struct Census {
    rows: BTreeMap<String, i64>,
    migrations: Vec<String>,
    /// The file-store keys of every document row.
    keys: Vec<String>,
}

#[derive(Debug, FromQueryResult)]
struct Named {
    name: String,
}

#[derive(Debug, FromQueryResult)]
struct Counted {
    n: i64,
}

async fn tables<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Vec<String>> {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => {
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        }
    };
    Ok(
        Named::find_by_statement(Statement::from_string(backend, sql))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
    )
}

async fn census<C: ConnectionTrait>(conn: &C) -> anyhow::Result<Census> {
    let backend = conn.get_database_backend();
    let mut rows = BTreeMap::new();
    let names = tables(conn).await?;
    for table in &names {
        ensure!(
            table
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "unexpected table name {table:?}"
        );
        let counted = Counted::find_by_statement(Statement::from_string(
            backend,
            format!("SELECT COUNT(*) AS n FROM \"{table}\""),
        ))
        .one(conn)
        .await?
        .map_or(0, |c| c.n);
        rows.insert(table.clone(), counted);
    }
    let migrations = if names.iter().any(|t| t == "seaql_migrations") {
        Named::find_by_statement(Statement::from_string(
            backend,
            "SELECT version AS name FROM seaql_migrations ORDER BY version",
        ))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.name)
        .collect()
    } else {
        Vec::new()
    };
    let keys = if names.iter().any(|t| t == "documents") {
        Named::find_by_statement(Statement::from_string(
            backend,
            "SELECT storage_key AS name FROM documents ORDER BY id",
        ))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.name)
        .collect()
    } else {
        Vec::new()
    };
    Ok(Census {
        rows,
        migrations,
        keys,
    })
}

/// `VACUUM INTO` a file: one read transaction of SQLite, so the copy is consistent while
/// others write; then the copy is counted.
async fn copy_sqlite(db: &DatabaseConnection, copy: &Path) -> anyhow::Result<Census> {
    let target = copy.display().to_string().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await
        .context("cannot copy the SQLite database")?;
    let snapshot = open_sqlite(copy, true).await?;
    let census = census(&snapshot).await?;
    snapshot.close().await?;
    Ok(census)
}

/// Counts inside a read-only repeatable-read transaction and dumps the snapshot it exported,
/// so the counts and the dump are the same instant of the database.
async fn dump_postgres(db: &DatabaseConnection, url: &str, copy: &Path) -> anyhow::Result<Census> {
    let tx = db
        .begin_with_options(TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            ..Default::default()
        })
        .await?;
    let snapshot = Named::find_by_statement(Statement::from_string(
        DbBackend::Postgres,
        "SELECT pg_export_snapshot() AS name",
    ))
    .one(&tx)
    .await?
    .context("PostgreSQL exported no snapshot")?
    .name;
    let census = census(&tx).await?;
    run_postgres_tool(
        "pg_dump",
        url,
        &[
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--snapshot",
            &snapshot,
            "--file",
            &copy.display().to_string(),
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(census)
}

/// Runs `pg_dump` or `pg_restore` (from `FACTORIA_PG_BIN` when set, else the `PATH`) on the
/// database at `url`; its password goes in the tool's environment, never on a command line
/// that `ps` shows.
async fn run_postgres_tool(tool: &str, url: &str, args: &[&str]) -> anyhow::Result<()> {
    let program = match std::env::var_os("FACTORIA_PG_BIN") {
        Some(dir) => PathBuf::from(dir).join(tool),
        None => PathBuf::from(tool),
    };
    let mut command = tokio::process::Command::new(&program);
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if let Some(password) = parsed.password() {
                command.env("PGPASSWORD", percent_decode(password));
                let _ = parsed.set_password(None);
            }
            command.arg("--dbname").arg(parsed.as_str());
        }
        Err(_) => {
            command.arg("--dbname").arg(url);
        }
    }
    let output = command
        .args(args)
        .output()
        .await
        .with_context(|| {
            format!(
                "cannot run {} (install PostgreSQL's client tools, or set FACTORIA_PG_BIN to their folder)",
                program.display()
            )
        })?;
    ensure!(
        output.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

async fn open_sqlite(path: &Path, read_only: bool) -> anyhow::Result<DatabaseConnection> {
    use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(read_only);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open {}", path.display()))?;
    Ok(sea_orm::SqlxSqliteConnector::from_sqlx_sqlite_pool(pool))
}

/// The file of a `sqlite:` URL (`sqlite://data/factoria.db?mode=rwc` → `data/factoria.db`).
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// `%XX` escapes of a URL's user information, decoded (a `+` stays a `+`).
fn percent_decode(text: &str) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStringExt;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| text.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    std::ffi::OsString::from_vec(out)
}

fn digest(path: &Path) -> anyhow::Result<FileDigest> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = Sha256::new();
    let bytes = std::io::copy(&mut file, &mut hasher)?;
    Ok(FileDigest {
        bytes,
        sha256: format!("{:x}", hasher.finalize()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_decoded_as_url_user_information() {
        assert_eq!(
            percent_decode("a%40b+c%2"),
            std::ffi::OsString::from("a@b+c%2")
        );
    }

    #[test]
    fn the_file_of_a_sqlite_url() {
        assert_eq!(
            sqlite_path("sqlite://data/factoria.db?mode=rwc"),
            Some(PathBuf::from("data/factoria.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///var/lib/factoria/f.db"),
            Some(PathBuf::from("/var/lib/factoria/f.db"))
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
        assert_eq!(sqlite_path("postgres://x/y"), None);
    }

    fn manifest(migrations: &[&str]) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            created_at: Utc::now(),
            factoria_version: "0.0.0".into(),
            database: Engine::Sqlite,
            migrations: migrations.iter().map(|m| (*m).to_owned()).collect(),
            rows: BTreeMap::new(),
            files: BTreeMap::new(),
            missing_files: Vec::new(),
        }
    }

    #[test]
    fn only_keys_factoria_makes_are_stored_file_members() {
        assert!(is_member(
            "files/proposals/12/0123456789abcdef0123456789abcdef"
        ));
        assert!(is_member(
            "files/challenges/3/ffffffffffffffffffffffffffffffff"
        ));
        for name in [
            "files/../secret.key",
            "files/proposals/12/../../../etc/passwd",
            "files/proposals/x/0123456789abcdef0123456789abcdef",
            "files/others/1/0123456789abcdef0123456789abcdef",
            "files/proposals/1/short",
            "files/proposals/1/0123456789abcdef0123456789abcdef/more",
            "/files/proposals/1/0123456789abcdef0123456789abcdef",
        ] {
            assert!(!is_member(name), "{name}");
        }
    }

    #[test]
    fn an_older_schema_is_accepted_and_a_newer_or_different_one_refused() {
        let known: Vec<String> = factoria_migrations::Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let first: Vec<&str> = known.iter().take(2).map(String::as_str).collect();
        assert!(check_schema(&manifest(&first)).is_ok());
        let mut newer: Vec<&str> = known.iter().map(String::as_str).collect();
        newer.push("m20991231_000001_from_the_future");
        let refused = check_schema(&manifest(&newer)).map_err(|e| e.to_string());
        assert!(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("newer") && e.contains("from_the_future")),
            "{refused:?}"
        );
        let reordered: Vec<&str> = known.iter().rev().map(String::as_str).collect();
        assert!(check_schema(&manifest(&reordered)).is_err());
    }
}
