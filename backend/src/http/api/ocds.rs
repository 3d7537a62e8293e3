//! `/api/v1/ocds`: the published challenges as Open Contracting Data Standard 1.1 release
//! packages, for procurement portals and open-data aggregators.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::Error;
use crate::domain::ocds::{self, MAX_PAGE, ReleaseQuery};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ParamReader, Params};

/// Query of the release list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReleaseParams {
    /// Only challenges changed at or after this instant (RFC 3339), for harvesting what is new.
    #[param(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    since: Option<String>,
    /// Page, from 1.
    #[param(value_type = Option<u64>, minimum = 1)]
    page: Option<String>,
    /// Releases per page, 1 to 100.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

fn instant(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| format!("`{text}` is not an instant like 2027-01-31T09:00:00Z"))
}

/// The published challenges as an OCDS 1.1 release package, oldest change first: a release per
/// challenge, `tender` while it is open or closed, `award` once awarded, `tenderCancellation`
/// when cancelled.
#[utoipa::path(get, path = "/api/v1/ocds/releases", tag = "open data", params(ReleaseParams),
    responses((status = 200, body = Object, description = "An OCDS 1.1 release package (https://standard.open-contracting.org/1.1/en/schema/release_package/)"),
        (status = 422, body = ErrorBody)))]
pub async fn releases(
    State(state): State<AppState>,
    Params(p): Params<ReleaseParams>,
) -> ApiResult<Json<Value>> {
    let mut r = ParamReader::default();
    let since = r.parse("since", p.since.as_deref(), instant);
    let page = r
        .number("page", p.page.as_deref(), 1..=1_000_000)
        .unwrap_or(1);
    let per_page = r
        .number("per_page", p.per_page.as_deref(), 1..=MAX_PAGE)
        .unwrap_or(MAX_PAGE);
    r.finish()?;
    let query = ReleaseQuery {
        since,
        offset: (page - 1) * per_page,
        limit: Some(per_page),
        ..ReleaseQuery::default()
    };
    let releases = ocds::releases(&state.ctx, &query).await?;
    let uri = format!(
        "{}api/v1/ocds/releases?page={page}&per_page={per_page}",
        state.ctx.config.public_url
    );
    Ok(Json(ocds::package(
        &state.ctx.config.public_url,
        &uri,
        releases,
    )))
}

/// The current release of one published challenge, as an OCDS 1.1 release package.
#[utoipa::path(get, path = "/api/v1/ocds/releases/{id}", tag = "open data",
    params(("id" = String, Path, description = "Interchange id of the challenge")),
    responses((status = 200, body = Object, description = "An OCDS 1.1 release package with the challenge's current release"),
        (status = 404, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let query = ReleaseQuery {
        challenge: Some(id.clone()),
        ..ReleaseQuery::default()
    };
    let releases = ocds::releases(&state.ctx, &query).await?;
    if releases.is_empty() {
        return Err(Error::NotFound("published challenge").into());
    }
    let uri = format!("{}api/v1/ocds/releases/{id}", state.ctx.config.public_url);
    Ok(Json(ocds::package(
        &state.ctx.config.public_url,
        &uri,
        releases,
    )))
}
