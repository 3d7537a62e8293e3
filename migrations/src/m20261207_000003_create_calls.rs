//! The open-innovation call of a challenge: its settings (criteria, deadlines, the evaluation
//! panel), public questions and answers, proposals, and the panel's sealed evaluations.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn cascade(
    name: &str,
    from: (&'static str, &'static str),
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn unique_pair(
    name: &str,
    table: &'static str,
    a: &'static str,
    b: &'static str,
) -> IndexCreateStatement {
    Index::create()
        .name(name)
        .table(table)
        .col(a)
        .col(b)
        .unique()
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("calls")
                    .col(big_integer("challenge_id").primary_key())
                    // JSON list of {name, weight, guidance}; the weights sum to 100.
                    .col(text("criteria"))
                    .col(timestamp_with_time_zone("questions_deadline"))
                    .col(timestamp_with_time_zone("proposals_deadline"))
                    .col(big_integer_null("max_budget_cents"))
                    .col(integer_null("pilot_months"))
                    .col(timestamp_with_time_zone_null("result_published_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade(
                        "fk_calls_challenge",
                        ("calls", "challenge_id"),
                        "challenges",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("call_evaluators")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer("user_id"))
                    .foreign_key(&mut cascade(
                        "fk_call_evaluators_challenge",
                        ("call_evaluators", "challenge_id"),
                        "challenges",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_pair(
                "ix_call_evaluators_pair",
                "call_evaluators",
                "challenge_id",
                "user_id",
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("call_questions")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer("company_id"))
                    .col(big_integer_null("asked_by"))
                    .col(text("question"))
                    .col(text_null("answer"))
                    .col(big_integer_null("answered_by"))
                    .col(timestamp_with_time_zone_null("answered_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut cascade(
                        "fk_call_questions_challenge",
                        ("call_questions", "challenge_id"),
                        "challenges",
                    ))
                    .foreign_key(&mut cascade(
                        "fk_call_questions_company",
                        ("call_questions", "company_id"),
                        "companies",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("proposals")
                    .col(big_pk_auto("id"))
                    .col(big_integer("challenge_id"))
                    .col(big_integer("company_id"))
                    .col(text("status"))
                    // JSON of the proposal's content (summary, approach, answers, price…).
                    .col(text("content"))
                    .col(big_integer_null("submitted_by"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(text_null("digest"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut cascade(
                        "fk_proposals_challenge",
                        ("proposals", "challenge_id"),
                        "challenges",
                    ))
                    .foreign_key(&mut cascade(
                        "fk_proposals_company",
                        ("proposals", "company_id"),
                        "companies",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_pair(
                "ix_proposals_pair",
                "proposals",
                "challenge_id",
                "company_id",
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("evaluations")
                    .col(big_pk_auto("id"))
                    .col(big_integer("proposal_id"))
                    .col(big_integer_null("evaluator_id"))
                    .col(boolean("conflict"))
                    // JSON list of {criterion, score, justification}, one per criterion.
                    .col(text("scores"))
                    .col(timestamp_with_time_zone("declared_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .foreign_key(&mut cascade(
                        "fk_evaluations_proposal",
                        ("evaluations", "proposal_id"),
                        "proposals",
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(unique_pair(
                "ix_evaluations_pair",
                "evaluations",
                "proposal_id",
                "evaluator_id",
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "evaluations",
            "proposals",
            "call_questions",
            "call_evaluators",
            "calls",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
