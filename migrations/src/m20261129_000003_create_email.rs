//! The email outbox, suppressed addresses and alert subscriptions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("emails")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("message_id"))
                    .col(string("recipient"))
                    .col(big_integer_null("recipient_user_id"))
                    .col(string("template"))
                    .col(string("locale"))
                    .col(text("data"))
                    .col(string_null("topic"))
                    .col(string("status"))
                    .col(integer("attempts").default(0))
                    .col(text_null("last_error"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_emails_status")
                    .table("emails")
                    .col("status")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_emails_recipient")
                    .table("emails")
                    .col("recipient")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("suppressions")
                    .col(big_pk_auto("id"))
                    .col(string("email"))
                    .col(string("topic"))
                    .col(string("reason"))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_suppressions_email_topic")
                    .table("suppressions")
                    .col("email")
                    .col("topic")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("subscriptions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(string("topic"))
                    .col(string("frequency"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("last_sent_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_subscriptions_user")
                            .from("subscriptions", "user_id")
                            .to("users", "id")
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_subscriptions_user_topic")
                    .table("subscriptions")
                    .col("user_id")
                    .col("topic")
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["subscriptions", "suppressions", "emails"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
