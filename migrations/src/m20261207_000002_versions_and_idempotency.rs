//! Safe writes for API clients: every challenge and company carries a `version` that each change
//! increments (served as its `ETag`, checked against `If-Match`), and `idempotency_keys` keeps
//! the first answer to a `POST` sent with an `Idempotency-Key`, so a retried request is answered
//! again instead of being carried out twice — in the database, so it holds across replicas.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Challenges {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum Companies {
    Table,
    Version,
}

#[derive(DeriveIden)]
enum IdempotencyKeys {
    Table,
    Scope,
    IdempotencyKey,
    RequestHash,
    Status,
    ResponseBody,
    CreatedAt,
    CompletedAt,
}

fn version_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Challenges::Table)
                    .add_column(version_column(Challenges::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Companies::Table)
                    .add_column(version_column(Companies::Version))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    // Who sent the key (a hash of their credentials) and the key itself.
                    .col(
                        ColumnDef::new(IdempotencyKeys::Scope)
                            .string_len(64)
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(IdempotencyKeys::IdempotencyKey)
                            .string_len(255)
                            .not_null(),
                    )
                    // Hash of method, path and body: the same key with another request is refused.
                    .col(
                        ColumnDef::new(IdempotencyKeys::RequestHash)
                            .string_len(64)
                            .not_null(),
                    )
                    // Null while the first request is still being answered.
                    .col(ColumnDef::new(IdempotencyKeys::Status).small_integer())
                    .col(ColumnDef::new(IdempotencyKeys::ResponseBody).text())
                    .col(
                        ColumnDef::new(IdempotencyKeys::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(IdempotencyKeys::CompletedAt).timestamp_with_time_zone())
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::Scope)
                            .col(IdempotencyKeys::IdempotencyKey),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_idempotency_keys_created_at")
                    .table(IdempotencyKeys::Table)
                    .col(IdempotencyKeys::CreatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKeys::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Companies::Table)
                    .drop_column(Companies::Version)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Challenges::Table)
                    .drop_column(Challenges::Version)
                    .to_owned(),
            )
            .await
    }
}
