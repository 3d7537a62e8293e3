//! Row of `introduction_events`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "introduction_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub introduction_id: i64,
    pub stage: crate::types::IntroductionStage,
    pub note: Option<String>,
    pub actor_user_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
