//! Row of `embeddings`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "embeddings")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub entity_kind: String,
    pub entity_id: i64,
    pub field: String,
    pub position: i32,
    pub text_hash: String,
    pub model_id: String,
    pub vector: Vec<u8>,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
