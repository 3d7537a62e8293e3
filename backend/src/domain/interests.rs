//! Companies following a challenge or declaring interest in it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, interest, introduction};
use crate::db::{self};
use crate::types::InterestKind;
use crate::types::validation::FieldErrors;

/// One interest as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterestView {
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Interchange id of the challenge.
    pub challenge: String,
    /// follow or interest.
    #[schema(value_type = String, example = "interest")]
    pub kind: InterestKind,
    /// What the company wrote, if anything.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Whether an officer of `departments` has an accepted introduction with `company`.
pub async fn has_accepted_introduction<C: ConnectionTrait>(
    conn: &C,
    company_id: i64,
    departments: &[i64],
) -> Result<bool> {
    if departments.is_empty() {
        return Ok(false);
    }
    let accepted = ["accepted", "meeting", "pilot", "contract"];
    let rows = introduction::Entity::find()
        .filter(introduction::Column::CompanyId.eq(company_id))
        .filter(introduction::Column::Stage.is_in(accepted))
        .all(conn)
        .await?;
    for row in rows {
        if let Some(challenge) = challenge::Entity::find_by_id(row.challenge_id)
            .one(conn)
            .await?
            && departments.contains(&challenge.department_id)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The company a member acts for: the one named, which must be theirs, or their only one.
pub async fn acting_company<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    named: Option<&str>,
) -> Result<company::Model> {
    let Some(user) = actor.user() else {
        return Err(Error::Unauthenticated);
    };
    let row = match named {
        Some(external_id) => {
            company::Entity::find()
                .filter(company::Column::ExternalId.eq(external_id))
                .one(conn)
                .await?
        }
        None if user.companies.len() == 1 => {
            company::Entity::find_by_id(user.companies[0])
                .one(conn)
                .await?
        }
        None if user.companies.is_empty() => {
            return Err(Error::forbidden("only members of a company may do this"));
        }
        None => {
            return Err(
                FieldErrors::one("company", "you belong to several companies: name one").into(),
            );
        }
    };
    match row {
        Some(row) if actor.manages_company(row.id) => Ok(row),
        Some(_) => Err(Error::forbidden("you may act only for your own company")),
        None => Err(FieldErrors::one("company", "no such company").into()),
    }
}

async fn view<C: ConnectionTrait>(conn: &C, row: &interest::Model) -> Result<InterestView> {
    let company = company::Entity::find_by_id(row.company_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let challenge = challenge::Entity::find_by_id(row.challenge_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    Ok(InterestView {
        company: company.external_id,
        company_name: company.name,
        challenge: challenge.external_id,
        kind: InterestKind::parse(&row.kind).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        note: row.note.clone(),
        created_at: row.created_at,
    })
}

/// A company follows a challenge or declares interest; declaring twice changes nothing.
pub async fn declare(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    kind: InterestKind,
    company: Option<&str>,
    note: Option<String>,
) -> Result<InterestView> {
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = super::challenges::find(&tx, actor, challenge_id).await?;
    if challenge.status != "published" {
        return Err(Error::Conflict(
            "only published challenges can be followed or answered".into(),
        ));
    }
    let company = acting_company(&tx, actor, company).await?;
    let existing = interest::Entity::find()
        .filter(interest::Column::CompanyId.eq(company.id))
        .filter(interest::Column::ChallengeId.eq(challenge.id))
        .filter(interest::Column::Kind.eq(kind.as_str()))
        .one(&tx)
        .await?;
    let row = match existing {
        Some(row) => row,
        None => {
            interest::ActiveModel {
                company_id: Set(company.id),
                challenge_id: Set(challenge.id),
                kind: Set(kind.as_str().into()),
                user_id: Set(actor.user_id()),
                note: Set(note),
                created_at: Set(db::now()),
                ..Default::default()
            }
            .insert(&tx)
            .await?
        }
    };
    let out = view(&tx, &row).await?;
    tx.commit().await?;
    Ok(out)
}

/// Withdraws a follow or an interest; withdrawing what is not there is not an error.
pub async fn withdraw(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    kind: InterestKind,
    company: Option<&str>,
) -> Result<()> {
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = super::challenges::find(&tx, actor, challenge_id).await?;
    let company = acting_company(&tx, actor, company).await?;
    interest::Entity::delete_many()
        .filter(interest::Column::CompanyId.eq(company.id))
        .filter(interest::Column::ChallengeId.eq(challenge.id))
        .filter(interest::Column::Kind.eq(kind.as_str()))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Interests in a challenge: officers of its department see all, company members their own.
pub async fn for_challenge(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<Vec<InterestView>> {
    let challenge = super::challenges::find(&ctx.db, actor, challenge_id).await?;
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    let mut select =
        interest::Entity::find().filter(interest::Column::ChallengeId.eq(challenge.id));
    if !actor.belongs_to_department(challenge.department_id) {
        let companies = actor
            .user()
            .map(|u| u.companies.clone())
            .unwrap_or_default();
        select = select.filter(interest::Column::CompanyId.is_in(companies));
    }
    let rows = select
        .order_by_asc(interest::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(view(&ctx.db, row).await?);
    }
    Ok(out)
}
