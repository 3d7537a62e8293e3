//! Row of `call_evaluators`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "call_evaluators")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub challenge_id: i64,
    pub user_id: i64,
}

impl ActiveModelBehavior for ActiveModel {}
