//! Companies following a challenge or declaring interest in it.

use chrono::{DateTime, Utc};
use factoria_search::EntityKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;

use super::challenges;
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, email as email_row, interest, membership};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::types::Email;
use crate::types::validation::FieldErrors;
use crate::types::{ChallengeStatus, InterestKind};
use factoria_frontend::emails::{EmailContent, InterestDeclared};

/// One interest as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InterestView {
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Interchange id of the challenge.
    pub challenge: String,
    /// Following for news, or declared interest.
    pub kind: InterestKind,
    /// What the company wrote, if anything.
    pub note: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The company a member acts for, to change something: the one named, which must be theirs,
/// or their only one. A read-only token is told so (403), before anything is looked up.
pub async fn acting_company<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    named: Option<&str>,
) -> Result<company::Model> {
    actor.check_write()?;
    member_company(conn, actor, named).await
}

/// The company a member reads for: the one named, which must be theirs, or their only one.
pub async fn member_company<C: ConnectionTrait>(
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
        Some(row) if actor.belongs_to_company(row.id) => Ok(row),
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
        kind: row.kind,
        note: row.note.clone(),
        created_at: row.created_at,
    })
}

/// Whether `company` follows the challenge `challenge` and whether it declared interest in it.
pub async fn kinds_of<C: ConnectionTrait>(
    conn: &C,
    company: i64,
    challenge: i64,
) -> Result<(bool, bool)> {
    let rows = interest::Entity::find()
        .filter(interest::Column::CompanyId.eq(company))
        .filter(interest::Column::ChallengeId.eq(challenge))
        .all(conn)
        .await?;
    let has = |kind: InterestKind| rows.iter().any(|i| i.kind == kind);
    Ok((has(InterestKind::Follow), has(InterestKind::Interest)))
}

/// A challenge as its public page shows it to the actor: whether they manage it, and whether
/// their company follows it or declared interest.
pub struct ForVisitor {
    /// The challenge.
    pub view: challenges::ChallengeView,
    /// The actor is an officer of its department (or an administrator).
    pub manages: bool,
    /// The actor's company follows it.
    pub following: bool,
    /// The actor's company declared interest in it.
    pub interested: bool,
}

/// One challenge for its public page.
pub async fn for_visitor(ctx: &Context, actor: &Actor, external_id: &str) -> Result<ForVisitor> {
    let row = challenges::find(&ctx.db, actor, external_id).await?;
    let (following, interested) = match actor.user().and_then(|u| u.companies.first()) {
        Some(company) => kinds_of(&ctx.db, *company, row.id).await?,
        None => (false, false),
    };
    Ok(ForVisitor {
        manages: actor.belongs_to_department(row.department_id),
        view: challenges::view(&ctx.db, &row).await?,
        following,
        interested,
    })
}

/// The challenges the actor's company follows and those it declared interest in, as the search
/// index holds them, most recent first.
pub async fn followed(
    ctx: &Context,
    actor: &Actor,
) -> Result<(
    Vec<factoria_search::ChallengeDoc>,
    Vec<factoria_search::ChallengeDoc>,
)> {
    let company = member_company(&ctx.db, actor, None).await?;
    let rows = interest::Entity::find()
        .filter(interest::Column::CompanyId.eq(company.id))
        .order_by_desc(interest::Column::CreatedAt)
        .all(&ctx.db)
        .await?;
    let catalog = ctx.search.index.catalog();
    let docs = |kind: InterestKind| -> Vec<factoria_search::ChallengeDoc> {
        rows.iter()
            .filter(|i| i.kind == kind)
            .filter_map(
                |i| match catalog.get(EntityKey::challenge(i.challenge_id)) {
                    Some(entry) => match &entry.doc {
                        factoria_search::Document::Challenge(c) => Some(c.clone()),
                        factoria_search::Document::Company(_) => None,
                    },
                    None => None,
                },
            )
            .collect()
    };
    Ok((docs(InterestKind::Follow), docs(InterestKind::Interest)))
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
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    if challenge.status != ChallengeStatus::Published {
        return Err(Error::Conflict(
            "only published challenges can be followed or answered".into(),
        ));
    }
    let company = acting_company(&tx, actor, company).await?;
    let existing = interest::Entity::find()
        .filter(interest::Column::CompanyId.eq(company.id))
        .filter(interest::Column::ChallengeId.eq(challenge.id))
        .filter(interest::Column::Kind.eq(kind))
        .one(&tx)
        .await?;
    let row = match existing {
        Some(row) => row,
        None => {
            if kind == InterestKind::Interest {
                tell_officers(ctx, &tx, &challenge, &company, note.as_deref()).await?;
            }
            interest::ActiveModel {
                company_id: Set(company.id),
                challenge_id: Set(challenge.id),
                kind: Set(kind),
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

/// A new interest reaches the department: each active officer of the challenge's department
/// gets an email in their language, with the company's note and a link to its explained fit.
async fn tell_officers<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    challenge: &challenge::Model,
    company: &company::Model,
    note: Option<&str>,
) -> Result<()> {
    let matches_url = ctx.url(&format!(
        "/officer/challenges/{}/matches#match-{}",
        challenge.external_id, company.external_id
    ));
    // Told once a week at most: withdrawing and declaring again does not email them again.
    let told = email_row::Entity::find()
        .filter(email_row::Column::Template.eq("interest_declared"))
        .filter(email_row::Column::CreatedAt.gt(db::now() - chrono::Duration::days(7)))
        .filter(db::contains_literally(
            email_row::Column::Data,
            &matches_url.to_lowercase(),
        ))
        .count(conn)
        .await?;
    if told > 0 {
        return Ok(());
    }
    let officer_ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::DepartmentId.eq(challenge.department_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    let officers = super::accounts::reachable(conn, officer_ids).await?;
    for officer in officers {
        let Ok(to) = Email::parse(&officer.email) else {
            tracing::warn!(
                user = officer.id,
                "an officer's stored address does not parse; not told of an interest"
            );
            continue;
        };
        let content = EmailContent::InterestDeclared(InterestDeclared {
            officer_name: officer.name.clone(),
            company_name: company.name.clone(),
            challenge_title: challenge.title.clone(),
            note: note.map(str::to_owned),
            matches_url: matches_url.clone(),
        });
        let outgoing = Outgoing {
            to,
            to_name: Some(officer.name.clone()),
            user_id: Some(officer.id),
            lang: factoria_search::Lang::from_code(&officer.locale),
            content,
            topic: None,
            reply_to: None,
        };
        email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    }
    Ok(())
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
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    let company = acting_company(&tx, actor, company).await?;
    interest::Entity::delete_many()
        .filter(interest::Column::CompanyId.eq(company.id))
        .filter(interest::Column::ChallengeId.eq(challenge.id))
        .filter(interest::Column::Kind.eq(kind))
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
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
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
