//! Database schema of Factoría.
//!
//! Every migration runs on SQLite (the embedded default) and PostgreSQL, and has a `down`.
//! Lists (sectors, CPV codes, capabilities…) are stored as JSON text: they are read and written
//! whole, and the search index, not SQL, answers questions about their contents.

pub use sea_orm_migration::prelude::*;

mod m20261128_000001_create_core_tables;
mod m20261129_000001_create_accounts;
mod m20261129_000002_create_match_feedback;
mod m20261129_000003_create_email;
mod m20261129_000004_create_shortlists;
mod m20261207_000001_pseudonymise_audit;
mod m20261207_000002_versions_and_idempotency;
mod m20261207_000003_create_calls;
mod m20261207_000004_create_documents;
mod m20261208_000001_create_held_news;

/// Applies the migrations in order; `factoria migrate` and every server start run it.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261128_000001_create_core_tables::Migration),
            Box::new(m20261129_000001_create_accounts::Migration),
            Box::new(m20261129_000002_create_match_feedback::Migration),
            Box::new(m20261129_000003_create_email::Migration),
            Box::new(m20261129_000004_create_shortlists::Migration),
            Box::new(m20261207_000001_pseudonymise_audit::Migration),
            Box::new(m20261207_000002_versions_and_idempotency::Migration),
            Box::new(m20261207_000003_create_calls::Migration),
            Box::new(m20261207_000004_create_documents::Migration),
            Box::new(m20261208_000001_create_held_news::Migration),
        ]
    }
}
