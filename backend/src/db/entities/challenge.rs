//! Row of `challenges`; the schema is defined by the migrations crate.

use sea_orm::entity::prelude::*;

#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "challenges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub external_id: String,
    pub department_id: i64,
    pub title: String,
    pub language: String,
    pub summary: Option<String>,
    pub description: String,
    pub outcomes: String,
    pub requirements_must: String,
    pub requirements_should: String,
    pub sectors: String,
    pub cpv: String,
    pub trl_min: Option<i16>,
    pub budget_cents: Option<i64>,
    pub deadline: Option<Date>,
    pub required_certifications: String,
    pub status: crate::types::ChallengeStatus,
    pub created_by: Option<i64>,
    pub published_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
    pub awarded_company_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Incremented by every change: the record's `ETag`.
    pub version: i64,
}

impl ActiveModelBehavior for ActiveModel {}
