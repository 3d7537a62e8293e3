//! Documents of a challenge (specifications, annexes) and attachments of a proposal; their bytes
//! are kept by the file store, these rows say what they are and who may read them.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("documents")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer_null("proposal_id"))
                    .col(text("name"))
                    .col(text("content_type"))
                    .col(big_integer("size_bytes"))
                    .col(text("sha256"))
                    .col(text("storage_key"))
                    .col(big_integer_null("uploaded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_documents_challenge")
                            .from("documents", "challenge_id")
                            .to("challenges", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_documents_proposal")
                            .from("documents", "proposal_id")
                            .to("proposals", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("documents").to_owned())
            .await
    }
}
