//! Row of `evaluations`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub proposal_id: i64,
    pub evaluator_id: Option<i64>,
    pub conflict: bool,
    pub scores: String,
    pub declared_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
