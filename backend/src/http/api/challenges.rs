//! `/api/v1/challenges`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::Value;

use crate::domain::challenges::{self, ChallengeListQuery, ChallengeSort, ChallengeView};
use crate::domain::interests::{self, InterestView};
use crate::domain::records::ChallengeSpec;
use crate::domain::{Actor, Page, Paging};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{JsonBody, ParamReader, Params, text};
use crate::http::versions::{IfMatch, Tagged};
use crate::types::validation::{ObjectReader, UnknownFields};
use crate::types::{ChallengeStatus, Cpv, InterestKind};

/// Query of the challenge list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page, from 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
    /// Order (default deadline).
    #[param(value_type = Option<super::params::ChallengeListSort>)]
    sort: Option<String>,
    /// Statuses, comma-separated; drafts only of your departments.
    #[param(value_type = Option<Vec<ChallengeStatus>>, style = Form, explode = false)]
    status: Option<String>,
    /// Department name.
    department: Option<String>,
    /// Sector.
    sector: Option<String>,
    /// CPV division: challenges with a code under it (two digits, `72`).
    cpv_division: Option<String>,
    /// Deadline on or after (YYYY-MM-DD).
    #[param(value_type = Option<chrono::NaiveDate>)]
    deadline_from: Option<String>,
}

fn date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2027-03-31"))
}

/// Lists challenges.
#[utoipa::path(get, path = "/api/v1/challenges", tag = "challenges", params(ListParams),
    responses((status = 200, body = super::ChallengePage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Page<ChallengeView>>> {
    let mut r = ParamReader::default();
    let page = r.number("page", p.page.as_deref(), 1..=1_000_000);
    let per_page = r.number("per_page", p.per_page.as_deref(), 1..=100);
    let query = ChallengeListQuery {
        statuses: r.list("status", p.status.as_deref(), ChallengeStatus::parse),
        department: r.parse("department", p.department.as_deref(), text(200)),
        sector: r.parse("sector", p.sector.as_deref(), text(80)),
        cpv_division: r.parse(
            "cpv_division",
            p.cpv_division.as_deref(),
            Cpv::parse_division,
        ),
        deadline_from: r.parse("deadline_from", p.deadline_from.as_deref(), date),
        sort: r
            .parse("sort", p.sort.as_deref(), ChallengeSort::parse)
            .unwrap_or_default(),
    };
    r.finish()?;
    let paging = Paging::new(page, per_page)?;
    Ok(Json(
        challenges::list(&state.ctx, &actor, &query, paging).await?,
    ))
}

/// One challenge; drafts only for their department.
#[utoipa::path(get, path = "/api/v1/challenges/{id}", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    responses((status = 200, body = ChallengeView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<ChallengeView>> {
    Ok(tag(challenges::get(&state.ctx, &actor, &id).await?))
}

/// Drafts a challenge (officers).
#[utoipa::path(post, path = "/api/v1/challenges", tag = "challenges", request_body = crate::domain::records::ChallengeRecord,
    responses((status = 201, body = ChallengeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Tagged<ChallengeView>)> {
    let (spec, _) = ChallengeSpec::parse(&body, UnknownFields::Reject)?;
    Ok((
        StatusCode::CREATED,
        tag(challenges::create(&state.ctx, &actor, spec).await?),
    ))
}

/// Replaces a challenge's content.
#[utoipa::path(put, path = "/api/v1/challenges/{id}", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    request_body = crate::domain::records::ChallengeRecord,
    responses((status = 200, body = ChallengeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody,
) -> ApiResult<Tagged<ChallengeView>> {
    let (spec, _) = ChallengeSpec::parse(&body, UnknownFields::Reject)?;
    Ok(tag(challenges::replace(
        &state.ctx, &actor, &id, spec, expected,
    )
    .await?))
}

/// Changes some fields of a challenge (JSON merge patch, RFC 7386).
#[utoipa::path(patch, path = "/api/v1/challenges/{id}", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = ChallengeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody,
) -> ApiResult<Tagged<ChallengeView>> {
    Ok(tag(challenges::patch(
        &state.ctx, &actor, &id, &body, expected,
    )
    .await?))
}

/// A step of the life cycle.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct StatusChange {
    /// published, closed, awarded or cancelled.
    pub status: ChallengeStatus,
    /// The company awarded, when the status is awarded.
    pub awarded_company: Option<String>,
}

/// Moves a challenge along draft → published → closed → awarded, or cancels it. An invalid step
/// is a 409 with the reason.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/status", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    request_body = StatusChange,
    responses((status = 200, body = ChallengeView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change_status(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ChallengeView>> {
    let mut r = ObjectReader::new(&body);
    let status = r.required("status", ChallengeStatus::parse);
    let awarded = r.optional_text("awarded_company", 64);
    let status = r.finish(UnknownFields::Reject, status)?;
    Ok(Json(
        challenges::transition(&state.ctx, &actor, &id, status, awarded.as_deref()).await?,
    ))
}

/// An interest to declare or withdraw.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct InterestRequest {
    /// follow or interest.
    pub kind: InterestKind,
    /// The company, when the user belongs to several.
    pub company: Option<String>,
    /// A note for the officers.
    pub note: Option<String>,
}

fn read_interest(body: &Value) -> ApiResult<(InterestKind, Option<String>, Option<String>)> {
    let mut r = ObjectReader::new(body);
    let kind = r.required("kind", InterestKind::parse);
    let company = r.optional_text("company", 64);
    let note = r.optional_text("note", 2000);
    let kind = r.finish(UnknownFields::Reject, kind)?;
    Ok((kind, company, note))
}

/// Interests in a challenge: all for its officers, your own for company members.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/interests", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    responses((status = 200, body = Vec<InterestView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn interests(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<InterestView>>> {
    Ok(Json(
        interests::for_challenge(&state.ctx, &actor, &id).await?,
    ))
}

/// Follows a challenge or declares interest in it, for your company.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/interests", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    request_body = InterestRequest,
    responses((status = 200, body = InterestView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare_interest(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<InterestView>> {
    let (kind, company, note) = read_interest(&body)?;
    Ok(Json(
        interests::declare(&state.ctx, &actor, &id, kind, company.as_deref(), note).await?,
    ))
}

/// Withdraws a follow or an interest.
#[utoipa::path(delete, path = "/api/v1/challenges/{id}/interests", tag = "challenges", params(("id" = String, Path, description = "Interchange id")),
    request_body = InterestRequest,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn withdraw_interest(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let (kind, company, _) = read_interest(&body)?;
    interests::withdraw(&state.ctx, &actor, &id, kind, company.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn tag(view: ChallengeView) -> Tagged<ChallengeView> {
    let version = view.version;
    Tagged(view, version)
}
