//! Row of `companies`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub external_id: String,
    pub name: String,
    pub kind: String,
    pub size: Option<String>,
    pub founded: Option<i32>,
    pub region: Option<String>,
    pub municipality: Option<String>,
    pub website: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub tax_id: Option<String>,
    pub languages: String,
    pub description: String,
    pub capabilities: String,
    pub technologies: String,
    pub sectors: String,
    pub cpv: String,
    pub trl: Option<i16>,
    pub certifications: String,
    pub references: String,
    pub moderation: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Incremented by every change: the record's `ETag`.
    pub version: i64,
}

impl ActiveModelBehavior for ActiveModel {}
