//! Challenges: their life cycle, who may see drafts and change them, and how they are stored.

use chrono::{DateTime, NaiveDate, Utc};
use factoria_search::EntityKey;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::Serialize;
use serde_json::Value;

use super::records::{ChallengeRecord, ChallengeSpec, Change, merge_patch, new_external_id};
use super::{Actor, Error, Page, Paging, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, department};
use crate::db::{self, from_json_text, to_json_text};
use crate::types::validation::{FieldErrors, UnknownFields};
use crate::types::{ChallengeStatus, Cpv, Language, Money, Trl};

/// A challenge as the API shows it: the interchange record plus its life cycle.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChallengeView {
    /// Its key in the search index (not part of the answer).
    #[serde(skip)]
    pub key: EntityKey,
    /// The interchange record.
    #[serde(flatten)]
    pub record: ChallengeRecord,
    /// When it was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When it was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Interchange id of the awarded company.
    pub awarded_company: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; served as the `ETag` `"v<version>"` and checked against
    /// `If-Match` on updates.
    pub version: i64,
}

/// Filters and order of the challenge list.
#[derive(Debug, Clone, Default)]
pub struct ChallengeListQuery {
    /// Statuses; empty means what the actor may see that is not a draft.
    pub statuses: Vec<ChallengeStatus>,
    /// Department name, exactly.
    pub department: Option<String>,
    /// Sector, exactly.
    pub sector: Option<String>,
    /// CPV division: the first two digits of one of its codes.
    pub cpv_division: Option<String>,
    /// Deadline on or after.
    pub deadline_from: Option<NaiveDate>,
    /// Order.
    pub sort: ChallengeSort,
}

/// Orders of the challenge list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ChallengeSort {
    /// Closest deadline first.
    #[default]
    Deadline,
    /// Newest first.
    Newest,
    /// By title.
    Title,
    /// Largest budget first.
    Budget,
}

impl ChallengeSort {
    /// Reads `deadline`, `-created_at`, `title` or `-budget`.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        match text {
            "deadline" => Ok(Self::Deadline),
            "-created_at" => Ok(Self::Newest),
            "title" => Ok(Self::Title),
            "-budget" => Ok(Self::Budget),
            other => Err(format!(
                "`{other}` is not a sort order: use deadline, -created_at, title or -budget"
            )),
        }
    }
}

/// The department named `name`, created when it does not exist yet.
pub async fn department_id_by_name<C: ConnectionTrait>(conn: &C, name: &str) -> Result<i64> {
    if let Some(row) = department::Entity::find()
        .filter(department::Column::Name.eq(name))
        .one(conn)
        .await?
    {
        return Ok(row.id);
    }
    let row = department::ActiveModel {
        name: Set(name.to_owned()),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(row.id)
}

/// Name used for imported challenges that name no department.
pub const UNASSIGNED_DEPARTMENT: &str = "Sin departamento asignado";

/// Reads a stored row back into a spec.
pub fn spec_from_row(row: &challenge::Model) -> Result<ChallengeSpec> {
    let bad = |what: &str, e: String| {
        Error::Internal(anyhow::anyhow!(
            "challenge {} holds an invalid {what}: {e}",
            row.id
        ))
    };
    let list = |column: &str, text: &str| {
        from_json_text(column, text).map_err(|e| Error::Internal(e.into()))
    };
    Ok(ChallengeSpec {
        external_id: Some(row.external_id.clone()),
        title: row.title.clone(),
        department: None,
        language: Some(Language::parse(&row.language).map_err(|e| bad("language", e))?),
        summary: row.summary.clone(),
        description: row.description.clone(),
        outcomes: list("outcomes", &row.outcomes)?,
        must: list("requirements_must", &row.requirements_must)?,
        should: list("requirements_should", &row.requirements_should)?,
        sectors: list("sectors", &row.sectors)?,
        cpv: list("cpv", &row.cpv)?
            .iter()
            .map(|c| Cpv::parse_digits(c))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| bad("CPV code", e))?,
        trl_min: row
            .trl_min
            .map(|t| Trl::new(i64::from(t)))
            .transpose()
            .map_err(|e| bad("TRL", e))?,
        budget: row.budget_cents.map(Money::from_cents),
        deadline: row.deadline,
        required_certifications: list("required_certifications", &row.required_certifications)?,
        status: Some(row.status),
    })
}

fn fill(model: &mut challenge::ActiveModel, spec: &ChallengeSpec, language: Language) {
    model.title = Set(spec.title.clone());
    model.language = Set(language.as_str().to_owned());
    model.summary = Set(spec.summary.clone());
    model.description = Set(spec.description.clone());
    model.outcomes = Set(to_json_text(&spec.outcomes));
    model.requirements_must = Set(to_json_text(&spec.must));
    model.requirements_should = Set(to_json_text(&spec.should));
    model.sectors = Set(to_json_text(&spec.sectors));
    model.cpv = Set(to_json_text(
        &spec.cpv.iter().map(Cpv::as_str).collect::<Vec<_>>(),
    ));
    model.trl_min = Set(spec.trl_min.map(|t| i16::from(t.get())));
    model.budget_cents = Set(spec.budget.map(Money::cents));
    model.deadline = Set(spec.deadline);
    model.required_certifications = Set(to_json_text(&spec.required_certifications));
}

/// The language a challenge is written in: declared, or detected from its text.
fn language_of(spec: &ChallengeSpec) -> Language {
    spec.language.unwrap_or_else(|| {
        match factoria_search::detect_language(&format!("{} {}", spec.title, spec.description)) {
            factoria_search::Lang::En => Language::EN,
            factoria_search::Lang::Es => Language::ES,
        }
    })
}

/// What an import or a write did to a challenge.
pub use super::records::Upserted;

/// Creates or updates the challenge with the spec's interchange id in `department_id`, in the
/// caller's transaction; an identical challenge writes nothing.
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    spec: &ChallengeSpec,
    department_id: i64,
    status: ChallengeStatus,
    created_by: Option<i64>,
) -> Result<(i64, Upserted)> {
    let external_id = spec
        .external_id
        .clone()
        .unwrap_or_else(|| new_external_id("ch"));
    let existing = challenge::Entity::find()
        .filter(challenge::Column::ExternalId.eq(&external_id))
        .one(conn)
        .await?;
    let language = language_of(spec);
    let now = db::now();
    let (id, outcome) = match existing {
        Some(row) => {
            let mut current = spec_from_row(&row)?;
            current.department = spec.department.clone();
            current.external_id = spec.external_id.clone();
            let mut wanted = spec.clone();
            wanted.language = Some(language);
            wanted.status = Some(status);
            if current == wanted && row.department_id == department_id {
                return Ok((row.id, Upserted::Unchanged));
            }
            let id = row.id;
            let previous = row.status;
            let version = row.version;
            let mut model: challenge::ActiveModel = row.into();
            fill(&mut model, spec, language);
            model.department_id = Set(department_id);
            if previous != status {
                stamp_status(&mut model, status, now);
            }
            model.updated_at = Set(now);
            model.version = Set(version + 1);
            // Only over the version just read: a change saved in between fails this update.
            let updated = challenge::Entity::update_many()
                .set(model)
                .filter(challenge::Column::Id.eq(id))
                .filter(challenge::Column::Version.eq(version))
                .exec(conn)
                .await?;
            if updated.rows_affected == 0 {
                return Err(sea_orm::DbErr::RecordNotUpdated.into());
            }
            (id, Upserted::Updated)
        }
        None => {
            let mut model = challenge::ActiveModel {
                external_id: Set(external_id),
                department_id: Set(department_id),
                created_by: Set(created_by),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            fill(&mut model, spec, language);
            stamp_status(&mut model, status, now);
            (model.insert(conn).await?.id, Upserted::Created)
        }
    };
    db::record_change(conn, EntityKey::challenge(id)).await?;
    crate::jobs::enqueue_embedding(conn, EntityKey::challenge(id)).await?;
    Ok((id, outcome))
}

fn stamp_status(model: &mut challenge::ActiveModel, status: ChallengeStatus, now: DateTime<Utc>) {
    model.status = Set(status);
    match status {
        ChallengeStatus::Published => model.published_at = Set(Some(now)),
        ChallengeStatus::Closed => model.closed_at = Set(Some(now)),
        _ => {}
    }
}

/// Sets a challenge's deadline to the day, in Madrid, of its call's proposals deadline, in the
/// caller's transaction, so lists and feeds show the call's closing day.
pub async fn set_deadline<C: ConnectionTrait>(
    conn: &C,
    row: &challenge::Model,
    at: DateTime<Utc>,
) -> Result<()> {
    let day = factoria_frontend::dates::madrid_day(at);
    if row.deadline == Some(day) {
        return Ok(());
    }
    let mut model: challenge::ActiveModel = row.clone().into();
    model.deadline = Set(Some(day));
    model.version = Set(row.version + 1);
    model.updated_at = Set(db::now());
    model.update(conn).await?;
    db::record_change(conn, EntityKey::challenge(row.id)).await?;
    Ok(())
}

/// Records the decision of a call at `now`, in the caller's transaction: the challenge is
/// awarded to `company`, or closed when nobody was selected.
pub async fn conclude<C: ConnectionTrait>(
    conn: &C,
    row: &challenge::Model,
    company: Option<i64>,
    now: DateTime<Utc>,
) -> Result<()> {
    let to = match company {
        Some(_) => ChallengeStatus::Awarded,
        None => ChallengeStatus::Closed,
    };
    let mut model: challenge::ActiveModel = row.clone().into();
    stamp_status(&mut model, to, now);
    if row.closed_at.is_none() {
        model.closed_at = Set(Some(now));
    }
    model.awarded_company_id = Set(company);
    model.version = Set(row.version + 1);
    model.updated_at = Set(now);
    model.update(conn).await?;
    db::record_change(conn, EntityKey::challenge(row.id)).await?;
    Ok(())
}

/// Whether the actor may see a challenge: drafts belong to their department.
fn visible(actor: &Actor, row: &challenge::Model) -> bool {
    row.status != ChallengeStatus::Draft || actor.belongs_to_department(row.department_id)
}

/// The row of a challenge the actor may see.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    external_id: &str,
) -> Result<challenge::Model> {
    match challenge::Entity::find()
        .filter(challenge::Column::ExternalId.eq(external_id))
        .one(conn)
        .await?
    {
        Some(row) if visible(actor, &row) => Ok(row),
        _ => Err(Error::NotFound("challenge")),
    }
}

/// The view of a stored challenge.
pub async fn view<C: ConnectionTrait>(conn: &C, row: &challenge::Model) -> Result<ChallengeView> {
    let department = department::Entity::find_by_id(row.department_id)
        .one(conn)
        .await?
        .map(|d| d.name)
        .unwrap_or_default();
    let awarded_company = match row.awarded_company_id {
        Some(id) => company::Entity::find_by_id(id)
            .one(conn)
            .await?
            .map(|c| c.external_id),
        None => None,
    };
    let spec = spec_from_row(row)?;
    Ok(ChallengeView {
        key: EntityKey::challenge(row.id),
        record: spec.to_record(&row.external_id, &department, row.status),
        published_at: row.published_at,
        closed_at: row.closed_at,
        awarded_company,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
    })
}

/// One challenge.
pub async fn get(ctx: &Context, actor: &Actor, external_id: &str) -> Result<ChallengeView> {
    let row = find(&ctx.db, actor, external_id).await?;
    view(&ctx.db, &row).await
}

/// A page of challenges.
pub async fn list(
    ctx: &Context,
    actor: &Actor,
    query: &ChallengeListQuery,
    paging: Paging,
) -> Result<Page<ChallengeView>> {
    let mut select = challenge::Entity::find();
    let statuses: Vec<&str> = if query.statuses.is_empty() {
        ChallengeStatus::ALL
            .iter()
            .filter(|s| **s != ChallengeStatus::Draft)
            .map(|s| s.as_str())
            .collect()
    } else {
        query.statuses.iter().map(|s| s.as_str()).collect()
    };
    select = select.filter(challenge::Column::Status.is_in(statuses));
    // Drafts only of the actor's departments.
    if !actor.is_admin() {
        let departments = actor
            .user()
            .map(|u| u.departments.clone())
            .unwrap_or_default();
        select = select.filter(
            sea_orm::Condition::any()
                .add(challenge::Column::Status.ne(ChallengeStatus::Draft.as_str()))
                .add(challenge::Column::DepartmentId.is_in(departments)),
        );
    }
    if let Some(name) = &query.department {
        match department::Entity::find()
            .filter(department::Column::Name.eq(name.as_str()))
            .one(&ctx.db)
            .await?
        {
            Some(d) => select = select.filter(challenge::Column::DepartmentId.eq(d.id)),
            None => {
                return Ok(Page {
                    items: Vec::new(),
                    page: paging.page,
                    per_page: paging.per_page,
                    total: 0,
                });
            }
        }
    }
    if let Some(sector) = &query.sector {
        select = select.filter(
            challenge::Column::Sectors.contains(serde_json::to_string(sector).unwrap_or_default()),
        );
    }
    if let Some(division) = &query.cpv_division {
        // Codes are stored as a JSON array of strings: `["72212000", …]`.
        select = select.filter(challenge::Column::Cpv.contains(format!("\"{division}")));
    }
    if let Some(from) = query.deadline_from {
        select = select.filter(challenge::Column::Deadline.gte(from));
    }
    let select = match query.sort {
        ChallengeSort::Deadline => select.order_by_asc(challenge::Column::Deadline),
        ChallengeSort::Newest => select.order_by_desc(challenge::Column::CreatedAt),
        ChallengeSort::Title => select.order_by_asc(challenge::Column::Title),
        ChallengeSort::Budget => select.order_by_desc(challenge::Column::BudgetCents),
    }
    .order_by_asc(challenge::Column::Id);
    let total = select.clone().count(&ctx.db).await?;
    let rows = select
        .offset(paging.offset())
        .limit(paging.per_page)
        .all(&ctx.db)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(view(&ctx.db, row).await?);
    }
    Ok(Page {
        items,
        page: paging.page,
        per_page: paging.per_page,
        total,
    })
}

/// The department an officer writes a challenge for: the one named in the spec, which must be
/// theirs, or their only one.
async fn department_for<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    spec: &ChallengeSpec,
) -> Result<i64> {
    match (&spec.department, actor) {
        (Some(name), actor) if actor.is_admin() => department_id_by_name(conn, name).await,
        (Some(name), actor) => {
            let row = department::Entity::find()
                .filter(department::Column::Name.eq(name.as_str()))
                .one(conn)
                .await?;
            let refusal = format!("you are not an officer of {name}");
            let Some(d) = row else {
                actor.check_write()?;
                return Err(Error::forbidden(refusal));
            };
            actor.check_manages_department(d.id, &refusal)?;
            Ok(d.id)
        }
        (None, Actor::User(user)) if user.departments.len() == 1 && actor.may_write() => {
            Ok(user.departments[0])
        }
        (None, Actor::User(user)) if user.departments.len() > 1 => Err(FieldErrors::one(
            "department",
            "you belong to several departments: name one",
        )
        .into()),
        (None, actor) if actor.is_admin() => {
            Err(FieldErrors::one("department", "is required").into())
        }
        _ => Err(Error::forbidden(
            "only officers of a department may create challenges",
        )),
    }
}

/// Drafts a new challenge; officers only.
pub async fn create(ctx: &Context, actor: &Actor, spec: ChallengeSpec) -> Result<ChallengeView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let department_id = department_for(&tx, actor, &spec).await?;
    if let Some(id) = &spec.external_id
        && challenge::Entity::find()
            .filter(challenge::Column::ExternalId.eq(id))
            .one(&tx)
            .await?
            .is_some()
    {
        return Err(Error::Conflict(format!(
            "a challenge with id {id} already exists"
        )));
    }
    if spec.status.is_some_and(|s| s != ChallengeStatus::Draft) {
        return Err(FieldErrors::one(
            "status",
            "new challenges start as drafts; publish them with the status endpoint",
        )
        .into());
    }
    let (id, _) = upsert(
        &tx,
        &spec,
        department_id,
        ChallengeStatus::Draft,
        actor.user_id(),
    )
    .await?;
    let row = challenge::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    tx.commit().await?;
    view(&ctx.db, &row).await
}

async fn find_managed<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    external_id: &str,
) -> Result<challenge::Model> {
    let row = find(conn, actor, external_id).await?;
    actor.check_manages_department(
        row.department_id,
        "only officers of the challenge's department may change it",
    )?;
    Ok(row)
}

/// Replaces a challenge's content; its status changes only through [`transition`].
///
/// With `expected` (the version the writer read, from `If-Match` or a form), a challenge that has
/// changed since is not touched: the answer is [`Error::Stale`] with the current record.
pub async fn replace(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    spec: ChallengeSpec,
    expected: Option<i64>,
) -> Result<ChallengeView> {
    change(ctx, actor, external_id, Change::Replace(spec), expected).await
}

/// Applies a JSON merge patch (RFC 7386) to the record, in the write's transaction: to the
/// version `expected` (or [`Error::Stale`]), or, without it, to the version stored then.
pub async fn patch(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    patch: &Value,
    expected: Option<i64>,
) -> Result<ChallengeView> {
    if !patch.is_object() {
        return Err(FieldErrors::one("(body)", "must be a JSON object").into());
    }
    change(ctx, actor, external_id, Change::Patch(patch), expected).await
}

async fn change(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    change: Change<'_, ChallengeSpec>,
    expected: Option<i64>,
) -> Result<ChallengeView> {
    let tx = db::begin_write(&ctx.db).await?;
    let found = find_managed(&tx, actor, external_id).await?;
    db::lock_row(&tx, "challenges", found.id).await?;
    let row = challenge::Entity::find_by_id(found.id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    if let Some(expected) = expected.filter(|v| *v != row.version) {
        drop(tx);
        return Err(Error::stale(
            expected,
            row.version,
            &view(&ctx.db, &row).await?,
        ));
    }
    let mut spec = match change {
        Change::Replace(spec) => spec,
        Change::Patch(patch) => {
            let mut record = serde_json::to_value(view(&tx, &row).await?.record)
                .map_err(|e| Error::Internal(e.into()))?;
            merge_patch(&mut record, patch);
            ChallengeSpec::parse(&record, UnknownFields::Reject)?.0
        }
    };
    let status = row.status;
    if matches!(
        status,
        ChallengeStatus::Awarded | ChallengeStatus::Cancelled
    ) {
        return Err(Error::Conflict(format!(
            "the challenge is {status}, which is final: it can no longer be edited"
        )));
    }
    if spec
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
    if spec.status.is_some_and(|s| s != status) {
        return Err(Error::Conflict(
            "change the status with POST /api/v1/challenges/{id}/status".into(),
        ));
    }
    let department_id = match &spec.department {
        Some(_) => department_for(&tx, actor, &spec).await?,
        None => row.department_id,
    };
    spec.external_id = Some(external_id.to_owned());
    let (_, outcome) = upsert(&tx, &spec, department_id, status, None).await?;
    if outcome == Upserted::Updated {
        super::alerts::challenge_changed(ctx, &tx, row.id).await?;
    }
    let row = challenge::Entity::find_by_id(row.id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    tx.commit().await?;
    view(&ctx.db, &row).await
}

/// Moves a challenge along its life cycle; an invalid step is a conflict with the reason.
/// Awarding names the company.
pub async fn transition(
    ctx: &Context,
    actor: &Actor,
    external_id: &str,
    to: ChallengeStatus,
    awarded_company: Option<&str>,
) -> Result<ChallengeView> {
    let tx = db::begin_write(&ctx.db).await?;
    let row = find_managed(&tx, actor, external_id).await?;
    let from = row.status;
    from.check_transition(to).map_err(Error::Conflict)?;
    let awarded = match (to, awarded_company) {
        (ChallengeStatus::Awarded, Some(company_id)) => {
            let company = company::Entity::find()
                .filter(company::Column::ExternalId.eq(company_id))
                .one(&tx)
                .await?;
            Some(
                company
                    .ok_or_else(|| {
                        FieldErrors::one(
                            "awarded_company",
                            format!("no company has id {company_id}"),
                        )
                    })?
                    .id,
            )
        }
        (ChallengeStatus::Awarded, None) => {
            return Err(FieldErrors::one(
                "awarded_company",
                "name the company the challenge is awarded to",
            )
            .into());
        }
        (_, Some(_)) => {
            return Err(
                FieldErrors::one("awarded_company", "only an award names a company").into(),
            );
        }
        (_, None) => None,
    };
    if to == ChallengeStatus::Published {
        let spec = spec_from_row(&row)?;
        let mut missing = FieldErrors::default();
        if spec.deadline.is_some_and(|d| d < Utc::now().date_naive()) {
            missing.push(
                "deadline",
                "is in the past: set a future deadline before publishing",
            );
        }
        if !missing.is_empty() {
            return Err(missing.into());
        }
    }
    let id = row.id;
    let version = row.version;
    let mut model: challenge::ActiveModel = row.into();
    let now = db::now();
    stamp_status(&mut model, to, now);
    model.version = Set(version + 1);
    if awarded.is_some() {
        model.awarded_company_id = Set(awarded);
    }
    model.updated_at = Set(now);
    model.update(&tx).await?;
    db::record_change(&tx, EntityKey::challenge(id)).await?;
    if from == ChallengeStatus::Published {
        super::alerts::challenge_changed(ctx, &tx, id).await?;
    }
    let row = challenge::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    tx.commit().await?;
    view(&ctx.db, &row).await
}
