//! Row of `call_questions`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_questions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub challenge_id: i64,
    pub company_id: i64,
    pub asked_by: Option<i64>,
    pub question: String,
    pub answer: Option<String>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
