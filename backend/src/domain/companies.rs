//! Company profiles: who may see and change them, and how they are stored.

use chrono::{DateTime, Utc};
use factoria_search::EntityKey;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::Value;

use super::records::{
    Change, CompanyProfile, CompanyRecord, Contact, Reference, Upserted, merge_patch,
    new_external_id, parse_external_id,
};
use super::{Actor, Error, Page, Paging, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, introduction, membership};
use crate::db::{self, from_json_text, to_json_text};
use crate::types::validation::{FieldErrors, UnknownFields};
use crate::types::{
    CompanyKind, Cpv, Email, IntroductionStage, Language, SizeClass, TaxId, Trl, WebUrl,
};

/// A company as the API shows it: the interchange record plus bookkeeping. Contact details and
/// tax id are left out for those who may not see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanyView {
    /// Its key in the search index (not part of the answer).
    #[serde(skip)]
    pub key: EntityKey,
    /// The interchange record.
    #[serde(flatten)]
    pub record: CompanyRecord,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; served as the `ETag` `"v<version>"` and checked against
    /// `If-Match` on updates.
    pub version: i64,
}

/// Filters and order of the company list.
#[derive(Debug, Clone, Default)]
pub struct CompanyListQuery {
    /// Name contains (case-insensitive).
    pub name: Option<String>,
    /// startup, sme or large.
    pub kind: Option<CompanyKind>,
    /// EU size class.
    pub size: Option<SizeClass>,
    /// Region, exactly.
    pub region: Option<String>,
    /// Sector, exactly.
    pub sector: Option<String>,
    /// Sort key.
    pub sort: CompanySort,
}

/// Orders of the company list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CompanySort {
    /// By name, A to Z.
    #[default]
    Name,
    /// By name, Z to A.
    NameDesc,
    /// Newest first.
    Newest,
    /// Recently changed first.
    Updated,
}

impl CompanySort {
    /// Reads `name`, `-name`, `-created_at` or `-updated_at`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        match text {
            "name" => Ok(Self::Name),
            "-name" => Ok(Self::NameDesc),
            "-created_at" => Ok(Self::Newest),
            "-updated_at" => Ok(Self::Updated),
            other => Err(format!(
                "`{other}` is not a sort order: use name, -name, -created_at or -updated_at"
            )),
        }
    }
}

/// Reads a stored row back into a profile.
pub fn profile_from_row(row: &company::Model) -> Result<CompanyProfile> {
    let bad = |what: &str, e: String| {
        Error::Internal(anyhow::anyhow!(
            "company {} holds an invalid {what}: {e}",
            row.id
        ))
    };
    let parse_list = |column: &str, text: &str| {
        from_json_text(column, text).map_err(|e| Error::Internal(e.into()))
    };
    let references: Vec<Value> =
        serde_json::from_str(&row.references).map_err(|e| bad("references", e.to_string()))?;
    let references = references
        .iter()
        .map(|r| Reference {
            title: r["title"].as_str().unwrap_or_default().to_owned(),
            client: r["client"].as_str().map(str::to_owned),
            year: r["year"].as_i64().map(|y| y as i32),
        })
        .collect();
    let contact = match (&row.contact_name, &row.contact_email) {
        (None, None) => None,
        (name, email) => Some(Contact {
            name: name.clone(),
            email: email
                .as_deref()
                .map(Email::parse)
                .transpose()
                .map_err(|e| bad("contact email", e))?,
        }),
    };
    Ok(CompanyProfile {
        external_id: Some(row.external_id.clone()),
        name: row.name.clone(),
        kind: CompanyKind::parse(&row.kind).map_err(|e| bad("kind", e))?,
        size: row
            .size
            .as_deref()
            .map(SizeClass::parse)
            .transpose()
            .map_err(|e| bad("size", e))?,
        founded: row.founded,
        region: row.region.clone(),
        municipality: row.municipality.clone(),
        website: row
            .website
            .as_deref()
            .map(WebUrl::parse)
            .transpose()
            .map_err(|e| bad("website", e))?,
        contact,
        tax_id: row
            .tax_id
            .as_deref()
            .map(TaxId::parse)
            .transpose()
            .map_err(|e| bad("tax id", e))?,
        languages: parse_list("languages", &row.languages)?
            .iter()
            .map(|l| Language::parse(l))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad("language", e))?,
        description: row.description.clone(),
        capabilities: parse_list("capabilities", &row.capabilities)?,
        technologies: parse_list("technologies", &row.technologies)?,
        sectors: parse_list("sectors", &row.sectors)?,
        cpv: parse_list("cpv", &row.cpv)?
            .iter()
            .map(|c| Cpv::parse_digits(c))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad("CPV code", e))?,
        trl: row
            .trl
            .map(|t| Trl::new(i64::from(t)))
            .transpose()
            .map_err(|e| bad("TRL", e))?,
        certifications: parse_list("certifications", &row.certifications)?,
        references,
    })
}

fn references_json(references: &[Reference]) -> String {
    let values: Vec<Value> = references
        .iter()
        .map(|r| serde_json::json!({"title": r.title, "client": r.client, "year": r.year}))
        .collect();
    serde_json::to_string(&values).unwrap_or_else(|_| "[]".into())
}

fn fill(model: &mut company::ActiveModel, profile: &CompanyProfile) {
    model.name = Set(profile.name.clone());
    model.kind = Set(profile.kind.as_str().to_owned());
    model.size = Set(profile.size.map(|s| s.as_str().to_owned()));
    model.founded = Set(profile.founded);
    model.region = Set(profile.region.clone());
    model.municipality = Set(profile.municipality.clone());
    model.website = Set(profile.website.as_ref().map(|w| w.as_str().to_owned()));
    model.contact_name = Set(profile.contact.as_ref().and_then(|c| c.name.clone()));
    model.contact_email = Set(profile
        .contact
        .as_ref()
        .and_then(|c| c.email.as_ref().map(|e| e.as_str().to_owned())));
    model.tax_id = Set(profile.tax_id.as_ref().map(|t| t.as_str().to_owned()));
    model.languages = Set(to_json_text(
        &profile
            .languages
            .iter()
            .map(Language::as_str)
            .collect::<Vec<_>>(),
    ));
    model.description = Set(profile.description.clone());
    model.capabilities = Set(to_json_text(&profile.capabilities));
    model.technologies = Set(to_json_text(&profile.technologies));
    model.sectors = Set(to_json_text(&profile.sectors));
    model.cpv = Set(to_json_text(
        &profile.cpv.iter().map(Cpv::as_str).collect::<Vec<_>>(),
    ));
    model.trl = Set(profile.trl.map(|t| i16::from(t.get())));
    model.certifications = Set(to_json_text(&profile.certifications));
    model.references = Set(references_json(&profile.references));
}

/// Creates or updates the company with the profile's interchange id, in the caller's
/// transaction; an identical profile writes nothing. Returns the row id.
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    profile: &CompanyProfile,
) -> Result<(i64, Upserted)> {
    let external_id = match &profile.external_id {
        Some(id) => id.clone(),
        None => new_external_id("co"),
    };
    let existing = company::Entity::find()
        .filter(company::Column::ExternalId.eq(&external_id))
        .one(conn)
        .await?;
    let now = db::now();
    let (id, outcome) = match existing {
        Some(row) => {
            let mut current = profile_from_row(&row)?;
            current.external_id = profile.external_id.clone();
            if current == *profile {
                return Ok((row.id, Upserted::Unchanged));
            }
            let id = row.id;
            let version = row.version;
            let mut model: company::ActiveModel = row.into();
            fill(&mut model, profile);
            model.updated_at = Set(now);
            model.version = Set(version + 1);
            // Only over the version just read: a change saved in between fails this update.
            let updated = company::Entity::update_many()
                .set(model)
                .filter(company::Column::Id.eq(id))
                .filter(company::Column::Version.eq(version))
                .exec(conn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(sea_orm::DbErr::RecordNotUpdated.into());
            }
            (id, Upserted::Updated)
        }
        None => {
            let mut model = company::ActiveModel {
                external_id: Set(external_id),
                moderation: Set("visible".into()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            fill(&mut model, profile);
            (model.insert(conn).await?.id, Upserted::Created)
        }
    };
    db::record_change(conn, EntityKey::company(id)).await?;
    crate::jobs::enqueue_embedding(conn, EntityKey::company(id)).await?;
    Ok((id, outcome))
}

/// Whether the actor sees contact details and tax id of `company`.
pub async fn sees_contact<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    actor: &Actor,
    company: i64,
) -> Result<bool> {
    if actor.belongs_to_company(company) {
        return Ok(true);
    }
    if !actor.is_officer() {
        return Ok(false);
    }
    if ctx.config.contact_visibility == crate::config::ContactVisibility::Officers {
        return Ok(true);
    }
    let departments = actor
        .user()
        .map(|u| u.departments.clone())
        .unwrap_or_default();
    has_accepted_introduction(conn, company, &departments).await
}

async fn view<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    actor: &Actor,
    row: &company::Model,
) -> Result<CompanyView> {
    let mut profile = profile_from_row(row)?;
    if !sees_contact(ctx, conn, actor, row.id).await? {
        profile.contact = None;
        profile.tax_id = None;
    }
    Ok(CompanyView {
        key: EntityKey::company(row.id),
        record: profile.to_record(&row.external_id),
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// Whether an officer of `departments` has an accepted introduction with `company`.
async fn has_accepted_introduction<C: ConnectionTrait>(
    conn: &C,
    company_id: i64,
    departments: &[i64],
) -> Result<bool> {
    if departments.is_empty() {
        return Ok(false);
    }
    let accepted = IntroductionStage::ALL
        .iter()
        .copied()
        .filter(|s| s.counts_as_accepted());
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

/// The company of a signed-in member (the first, when several); `None` for someone who has none
/// yet.
pub async fn of_member(ctx: &Context, actor: &Actor) -> Result<Option<CompanyView>> {
    let user = actor.user().ok_or(Error::Unauthenticated)?;
    let Some(id) = user.companies.first() else {
        return Ok(None);
    };
    let row = company::Entity::find_by_id(*id)
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("company"))?;
    Ok(Some(view(ctx, &ctx.db, actor, &row).await?))
}

/// The row of a visible company; hidden ones are found by their members and admins only.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    external_id: &str,
) -> Result<company::Model> {
    let row = company::Entity::find()
        .filter(company::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?;
    match row {
        Some(row) if row.moderation == "visible" || actor.belongs_to_company(row.id) => Ok(row),
        _ => Err(Error::NotFound("company")),
    }
}

/// One company.
pub async fn get(ctx: &Context, actor: &Actor, external_id: &str) -> Result<CompanyView> {
    let row = find(&ctx.db, actor, external_id).await?;
    view(ctx, &ctx.db, actor, &row).await
}

/// A page of companies.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    query: &CompanyListQuery,
    paging: Paging,
) -> Result<Page<CompanyView>> {
    let mut select = company::Entity::find().filter(company::Column::Moderation.eq("visible"));
    if let Some(name) = &query.name {
        let pattern = format!(
            "%{}%",
            name.to_lowercase().replace('%', "\\%").replace('_', "\\_")
        );
        select =
            select.filter(Expr::expr(Func::lower(Expr::col(company::Column::Name))).like(pattern));
    }
    if let Some(kind) = query.kind {
        select = select.filter(company::Column::Kind.eq(kind.as_str()));
    }
    if let Some(size) = query.size {
        select = select.filter(company::Column::Size.eq(size.as_str()));
    }
    if let Some(region) = &query.region {
        select = select.filter(company::Column::Region.eq(region.as_str()));
    }
    if let Some(sector) = &query.sector {
        let quoted = serde_json::to_string(sector).unwrap_or_default();
        select = select.filter(company::Column::Sectors.contains(&quoted));
    }
    let select = match query.sort {
        CompanySort::Name => select.order_by_asc(company::Column::Name),
        CompanySort::NameDesc => select.order_by_desc(company::Column::Name),
        CompanySort::Newest => select.order_by_desc(company::Column::CreatedAt),
        CompanySort::Updated => select.order_by_desc(company::Column::UpdatedAt),
    }
    .order_by_asc(company::Column::Id);
    let total = select.clone().count(&ctx.db).await?;
    let rows = select
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&ctx.db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(view(ctx, &ctx.db, actor, row).await?);
    }
    Ok(Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total,
    })
}

/// Creates a company; a user who creates one becomes its member.
pub async fn create(ctx: &Context, actor: &Actor, profile: CompanyProfile) -> Result<CompanyView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    if let Some(id) = &profile.external_id
        && company::Entity::find()
            .filter(company::Column::ExternalId.eq(id))
            .one(&tx)
            .await?
            .is_some()
    {
        return Err(Error::Conflict(format!(
            "a company with id {id} already exists"
        )));
    }
    let (id, _) = upsert(&tx, &profile).await?;
    if let Some(user) = actor.user().filter(|u| !u.is_admin) {
        membership::ActiveModel {
            user_id: Set(user.id),
            company_id: Set(Some(id)),
            role: Set("member".into()),
            created_at: Set(db::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
    }
    let row = company::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    tx.commit().await?;
    let mut actor = actor.clone();
    if let Actor::User(user) = &mut actor {
        user.companies.push(id);
    }
    view(ctx, &ctx.db, &actor, &row).await
}

/// Replaces a company's profile; only its members and admins may.
///
/// With `expected` (the version the writer read, from `If-Match` or a form), a profile that has
/// changed since is not touched: the answer is [`Error::Stale`] with the current record.
pub async fn replace(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    profile: CompanyProfile,
    expected: Option<i64>,
) -> Result<CompanyView> {
    change(ctx, actor, external_id, Change::Replace(profile), expected).await
}

/// Applies a JSON merge patch (RFC 7386) to the record, in the write's transaction: to the
/// version `expected` (or [`Error::Stale`]), or, without it, to the version stored then.
pub async fn patch(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    patch: &Value,
    expected: Option<i64>,
) -> Result<CompanyView> {
    if !patch.is_object() {
        return Err(FieldErrors::one("(body)", "must be a JSON object").into());
    }
    change(ctx, actor, external_id, Change::Patch(patch), expected).await
}

async fn change(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    change: Change<'_, CompanyProfile>,
    expected: Option<i64>,
) -> Result<CompanyView> {
    let tx = db::begin_write(&ctx.db).await?;
    let found = find(&tx, actor, external_id).await?;
    check_manages(actor, &found)?;
    db::lock_row(&tx, "companies", found.id).await?;
    let row = company::Entity::find_by_id(found.id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    if let Some(expected) = expected.filter(|v| *v != row.version) {
        drop(tx);
        let current = view(ctx, &ctx.db, actor, &row).await?;
        return Err(Error::stale(expected, row.version, &current));
    }
    let mut profile = match change {
        Change::Replace(profile) => profile,
        Change::Patch(patch) => {
            let mut record = serde_json::to_value(profile_from_row(&row)?.to_record(external_id))
                .map_err(|e| Error::Internal(e.into()))?;
            merge_patch(&mut record, patch);
            CompanyProfile::parse(&record, UnknownFields::Reject)?.0
        }
    };
    if profile
        .external_id
        .as_deref()
        .is_some_and(|id| id != external_id)
    {
        return Err(FieldErrors::one(
            "id",
            "the id in the body differs from the id in the address",
        )
        .into());
    }
    profile.external_id = Some(external_id.to_owned());
    upsert(&tx, &profile).await?;
    let row = company::Entity::find_by_id(row.id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    tx.commit().await?;
    view(ctx, &ctx.db, actor, &row).await
}

/// Only the company's members (and administrators) change it.
fn check_manages(actor: &Actor, row: &company::Model) -> Result<()> {
    actor.check_manages_company(row.id, "only members of this company may change it")
}

/// Checks an id taken from a URL path.
pub fn check_path_id(id: &str) -> Result<()> {
    parse_external_id(id)
        .map(|_| ())
        .map_err(|_| Error::NotFound("company"))
}

/// Hides a company from everyone but its members (and the search index), or shows it again.
pub async fn moderate(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    visible: bool,
) -> Result<()> {
    actor.check_admin_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let row = company::Entity::find()
        .filter(company::Column::ExternalId.eq(external_id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let id = row.id;
    let mut model: company::ActiveModel = row.into();
    model.moderation = Set(if visible { "visible" } else { "hidden" }.to_owned());
    model.updated_at = Set(db::now());
    model.update(&tx).await?;
    db::record_change(&tx, EntityKey::company(id)).await?;
    super::audit::record(
        &tx,
        &ctx.config.secret,
        actor.user_id(),
        super::audit::action::MODERATED,
        Some(format!("company:{id}")),
        Some(serde_json::json!({"visible": visible})),
        None,
    )
    .await?;
    tx.commit().await?;
    ctx.search.notify_change();
    Ok(())
}
