//! Row of `proposals`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "proposals")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub challenge_id: i64,
    pub company_id: i64,
    pub status: crate::types::ProposalStatus,
    pub content: String,
    pub submitted_by: Option<i64>,
    pub submitted_at: Option<DateTimeUtc>,
    pub digest: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
