//! The audit log stops keeping client addresses and unkeyed hashes of email addresses: rows
//! written from now on hold keyed pseudonyms of both (see the backend's `domain::audit`), which
//! this migration cannot compute for old rows, having no access to the server's secret. So it
//! clears them: `ip` everywhere, and `subject` where it was an `email:` hash (failed sign-ins).
//! The append-only triggers are lifted for these two statements only.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

// `IF EXISTS` / `IF NOT EXISTS`: when a fresh database runs every migration at once, SQLite
// does not always show the triggers just created to these statements.
const SQLITE_LIFT: [&str; 2] = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
];
const SQLITE_RESTORE: [&str; 2] = [
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
];
const POSTGRES_LIFT: [&str; 1] = ["ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"];
const POSTGRES_RESTORE: [&str; 1] = ["ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"];

const CLEAR: [&str; 2] = [
    "UPDATE audit_log SET ip = NULL WHERE ip IS NOT NULL",
    "UPDATE audit_log SET subject = NULL WHERE subject LIKE 'email:%'",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let (lift, restore): (&[&str], &[&str]) = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => (&POSTGRES_LIFT, &POSTGRES_RESTORE),
            _ => (&SQLITE_LIFT, &SQLITE_RESTORE),
        };
        let connection = manager.get_connection();
        for sql in lift.iter().chain(&CLEAR).chain(restore) {
            connection.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // What was cleared is gone; the schema itself did not change.
        Ok(())
    }
}
