//! Organisations, users, challenges, interests, introductions, the job queue, the change log
//! that the search index follows, stored embeddings and the audit log.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn created_at() -> ColumnDef {
    timestamp_with_time_zone("created_at")
}

fn updated_at() -> ColumnDef {
    timestamp_with_time_zone("updated_at")
}

fn fk(
    table: &'static str,
    column: &'static str,
    target: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(target, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut statement = Index::create();
    statement
        .name(format!("ix_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        statement.col(*column);
    }
    statement.to_owned()
}

const TABLES: [&str; 12] = [
    "audit_log",
    "embeddings",
    "change_log",
    "jobs",
    "introduction_events",
    "introductions",
    "interests",
    "challenges",
    "memberships",
    "users",
    "companies",
    "departments",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("departments")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("name"))
                    .col(string_null("code"))
                    .col(created_at())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("companies")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("external_id"))
                    .col(string("name"))
                    .col(string("kind"))
                    .col(string_null("size"))
                    .col(integer_null("founded"))
                    .col(string_null("region"))
                    .col(string_null("municipality"))
                    .col(string_null("website"))
                    .col(string_null("contact_name"))
                    .col(string_null("contact_email"))
                    .col(string_null("tax_id"))
                    .col(text("languages"))
                    .col(text("description"))
                    .col(text("capabilities"))
                    .col(text("technologies"))
                    .col(text("sectors"))
                    .col(text("cpv"))
                    .col(small_integer_null("trl"))
                    .col(text("certifications"))
                    .col(text("references"))
                    .col(string("moderation").default("visible"))
                    .col(created_at())
                    .col(updated_at())
                    .to_owned(),
            )
            .await?;
        manager.create_index(index("companies", &["name"])).await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("email"))
                    .col(string("name"))
                    .col(string_null("password_hash"))
                    .col(string("locale").default("es"))
                    .col(timestamp_with_time_zone_null("email_verified_at"))
                    .col(boolean("is_admin").default(false))
                    .col(timestamp_with_time_zone_null("disabled_at"))
                    .col(created_at())
                    .col(updated_at())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("memberships")
                    .col(big_pk_auto("id"))
                    .col(big_integer("user_id"))
                    .col(big_integer_null("company_id"))
                    .col(big_integer_null("department_id"))
                    .col(string("role"))
                    .col(created_at())
                    .foreign_key(&mut fk("memberships", "user_id", "users"))
                    .foreign_key(&mut fk("memberships", "company_id", "companies"))
                    .foreign_key(&mut fk("memberships", "department_id", "departments"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("memberships", &["user_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("challenges")
                    .col(big_pk_auto("id"))
                    .col(string_uniq("external_id"))
                    .col(big_integer("department_id"))
                    .col(string("title"))
                    .col(string("language"))
                    .col(text_null("summary"))
                    .col(text("description"))
                    .col(text("outcomes"))
                    .col(text("requirements_must"))
                    .col(text("requirements_should"))
                    .col(text("sectors"))
                    .col(text("cpv"))
                    .col(small_integer_null("trl_min"))
                    .col(big_integer_null("budget_cents"))
                    .col(date_null("deadline"))
                    .col(text("required_certifications"))
                    .col(string("status"))
                    .col(big_integer_null("created_by"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(big_integer_null("awarded_company_id"))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut fk("challenges", "department_id", "departments"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("challenges", &["status", "deadline"]))
            .await?;
        manager
            .create_index(index("challenges", &["department_id"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("interests")
                    .col(big_pk_auto("id"))
                    .col(big_integer("company_id"))
                    .col(big_integer("challenge_id"))
                    .col(string("kind"))
                    .col(big_integer_null("user_id"))
                    .col(text_null("note"))
                    .col(created_at())
                    .foreign_key(&mut fk("interests", "company_id", "companies"))
                    .foreign_key(&mut fk("interests", "challenge_id", "challenges"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("interests", &["company_id", "challenge_id", "kind"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("introductions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer("company_id"))
                    .col(big_integer_null("introduced_by"))
                    .col(string("stage"))
                    .col(text_null("message"))
                    .col(text_null("decline_reason"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(created_at())
                    .col(updated_at())
                    .foreign_key(&mut fk("introductions", "challenge_id", "challenges"))
                    .foreign_key(&mut fk("introductions", "company_id", "companies"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("introductions", &["challenge_id", "company_id"])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("introduction_events")
                    .col(big_pk_auto("id"))
                    .col(big_integer("introduction_id"))
                    .col(string("stage"))
                    .col(text_null("note"))
                    .col(big_integer_null("actor_user_id"))
                    .col(created_at())
                    .foreign_key(&mut fk(
                        "introduction_events",
                        "introduction_id",
                        "introductions",
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("jobs")
                    .col(big_pk_auto("id"))
                    .col(string("kind"))
                    .col(text("payload"))
                    .col(string("status"))
                    .col(integer("attempts").default(0))
                    .col(integer("max_attempts"))
                    .col(timestamp_with_time_zone("run_at"))
                    .col(timestamp_with_time_zone_null("locked_until"))
                    .col(text_null("last_error"))
                    .col(string_null("dedupe_key"))
                    .col(created_at())
                    .col(updated_at())
                    .col(timestamp_with_time_zone_null("finished_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index("jobs", &["status", "run_at"]))
            .await?;
        manager
            .create_index(index("jobs", &["dedupe_key"]).unique().to_owned())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("change_log")
                    .col(big_pk_auto("seq"))
                    .col(string("entity_kind"))
                    .col(big_integer("entity_id"))
                    .col(created_at())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("embeddings")
                    .col(big_pk_auto("id"))
                    .col(string("entity_kind"))
                    .col(big_integer("entity_id"))
                    .col(string("field"))
                    .col(integer("position"))
                    .col(string("text_hash"))
                    .col(string("model_id"))
                    .col(blob("vector"))
                    .col(created_at())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "embeddings",
                    &["entity_kind", "entity_id", "model_id", "field", "position"],
                )
                .unique()
                .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_log")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(big_integer_null("actor_user_id"))
                    .col(string("action"))
                    .col(string_null("subject"))
                    .col(text_null("detail"))
                    .col(string_null("ip"))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
