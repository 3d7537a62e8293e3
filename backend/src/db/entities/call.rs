//! Row of `calls`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calls")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub challenge_id: i64,
    pub criteria: String,
    pub questions_deadline: DateTimeUtc,
    pub proposals_deadline: DateTimeUtc,
    pub max_budget_cents: Option<i64>,
    pub pilot_months: Option<i32>,
    pub result_published_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
