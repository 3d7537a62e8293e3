//! Row of `consents`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub user_id: i64,
    pub topic: String,
    pub text_version: String,
    pub granted_at: DateTimeUtc,
    pub withdrawn_at: Option<DateTimeUtc>,
}

impl ActiveModelBehavior for ActiveModel {}
