//! Row of `audit_log`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub action: String,
    pub subject: Option<String>,
    pub detail: Option<String>,
    pub ip: Option<String>,
}

impl ActiveModelBehavior for ActiveModel {}
