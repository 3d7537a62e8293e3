//! `/api/v1/companies`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;

use crate::domain::companies::{self, CompanyListQuery, CompanySort, CompanyView};
use crate::domain::records::CompanyProfile;
use crate::domain::{Actor, Page, Paging};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{JsonBody, ParamReader, Params, text};
use crate::http::versions::{IfMatch, Tagged};
use crate::types::validation::UnknownFields;
use crate::types::{CompanyKind, SizeClass};

/// Query of the company list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page, from 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
    /// Order (default name).
    #[param(value_type = Option<super::params::CompanyListSort>)]
    sort: Option<String>,
    /// Name contains.
    name: Option<String>,
    /// Kind of company.
    #[param(value_type = Option<CompanyKind>)]
    kind: Option<String>,
    /// EU size class.
    #[param(value_type = Option<SizeClass>)]
    size: Option<String>,
    /// Region.
    region: Option<String>,
    /// Sector.
    sector: Option<String>,
}

/// Lists companies.
#[utoipa::path(get, path = "/api/v1/companies", tag = "companies", params(ListParams),
    responses((status = 200, body = super::CompanyPage), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    actor: Actor,
    Params(p): Params<ListParams>,
) -> ApiResult<Json<Page<CompanyView>>> {
    let mut r = ParamReader::default();
    let page = r.number("page", p.page.as_deref(), 1..=1_000_000);
    let per_page = r.number("per_page", p.per_page.as_deref(), 1..=100);
    let query = CompanyListQuery {
        name: r.parse("name", p.name.as_deref(), text(200)),
        kind: r.parse("kind", p.kind.as_deref(), CompanyKind::parse),
        size: r.parse("size", p.size.as_deref(), SizeClass::parse),
        region: r.parse("region", p.region.as_deref(), text(100)),
        sector: r.parse("sector", p.sector.as_deref(), text(80)),
        sort: r
            .parse("sort", p.sort.as_deref(), CompanySort::parse)
            .unwrap_or_default(),
    };
    r.finish()?;
    let paging = Paging::new(page, per_page)?;
    Ok(Json(
        companies::list(&state.ctx, &actor, &query, paging).await?,
    ))
}

/// One company.
#[utoipa::path(get, path = "/api/v1/companies/{id}", tag = "companies", params(("id" = String, Path, description = "Interchange id")),
    responses((status = 200, body = CompanyView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Tagged<CompanyView>> {
    Ok(tag(companies::get(&state.ctx, &actor, &id).await?))
}

/// Creates a company; the user creating it becomes its member.
#[utoipa::path(post, path = "/api/v1/companies", tag = "companies", request_body = crate::domain::records::CompanyRecord,
    responses((status = 201, body = CompanyView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    actor: Actor,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Tagged<CompanyView>)> {
    let (profile, _) = CompanyProfile::parse(&body, UnknownFields::Reject)?;
    Ok((
        StatusCode::CREATED,
        tag(companies::create(&state.ctx, &actor, profile).await?),
    ))
}

/// Replaces a company's profile.
#[utoipa::path(put, path = "/api/v1/companies/{id}", tag = "companies", params(("id" = String, Path, description = "Interchange id")),
    request_body = crate::domain::records::CompanyRecord,
    responses((status = 200, body = CompanyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody,
) -> ApiResult<Tagged<CompanyView>> {
    let (profile, _) = CompanyProfile::parse(&body, UnknownFields::Reject)?;
    Ok(tag(companies::replace(
        &state.ctx, &actor, &id, profile, expected,
    )
    .await?))
}

/// Changes some fields of a company (JSON merge patch, RFC 7386).
#[utoipa::path(patch, path = "/api/v1/companies/{id}", tag = "companies", params(("id" = String, Path, description = "Interchange id")),
    request_body(content = Object, content_type = "application/merge-patch+json"),
    responses((status = 200, body = CompanyView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody,
) -> ApiResult<Tagged<CompanyView>> {
    Ok(tag(companies::patch(
        &state.ctx, &actor, &id, &body, expected,
    )
    .await?))
}

fn tag(view: CompanyView) -> Tagged<CompanyView> {
    let version = view.version;
    Tagged(view, version)
}
