//! Officers' feedback on matches: useful or not, with a reason.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("match_feedback")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer("company_id"))
                    .col(big_integer("user_id"))
                    .col(boolean("useful"))
                    .col(text_null("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_match_feedback_challenge")
                            .from("match_feedback", "challenge_id")
                            .to("challenges", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_match_feedback_company")
                            .from("match_feedback", "company_id")
                            .to("companies", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_match_feedback_user")
                            .from("match_feedback", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_match_feedback_pair_user")
                    .table("match_feedback")
                    .col("challenge_id")
                    .col("company_id")
                    .col("user_id")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("match_feedback").to_owned())
            .await
    }
}
