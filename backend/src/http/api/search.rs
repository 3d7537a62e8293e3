//! `/api/v1/challenges/search` and `/api/v1/companies/search`.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use factoria_search::{Filters, Kind, SearchMode, SortOrder};
use serde::Deserialize;

use crate::domain::search::{self as search_domain, SearchQuery};
pub use crate::domain::search::{
    FacetOut, FacetValueOut, HighlightOut, SearchItem, SearchResponse,
};
use crate::domain::{Actor, Paging};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ParamReader, Params, text};
use crate::http::ratelimit::{Action, ClientIp};
use crate::http::{AppState, csv};
use crate::types::{ChallengeStatus, CompanyKind, Cpv, SizeClass};

/// Query of a search. Lists are comma-separated and mean "any of"; certifications mean "all of".
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, in Spanish or English; accents optional. Empty browses with the filters.
    q: Option<String>,
    /// Sectors, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    sector: Option<String>,
    /// CPV codes, comma-separated; a code matches everything below it in the hierarchy (72000000 matches 72316000).
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    cpv: Option<String>,
    /// Departments, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    department: Option<String>,
    /// Statuses, comma-separated (drafts never appear in search).
    #[param(value_type = Option<Vec<ChallengeStatus>>, style = Form, explode = false)]
    status: Option<String>,
    /// Only challenges open today: published, deadline not passed (default true unless
    /// `status` is given).
    #[param(value_type = Option<bool>)]
    open: Option<String>,
    /// Size classes, comma-separated.
    #[param(value_type = Option<Vec<SizeClass>>, style = Form, explode = false)]
    size: Option<String>,
    /// Kinds of company, comma-separated.
    #[param(value_type = Option<Vec<CompanyKind>>, style = Form, explode = false)]
    kind: Option<String>,
    /// Micro, small and medium companies only.
    #[param(value_type = Option<bool>)]
    sme: Option<String>,
    /// Regions, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    region: Option<String>,
    /// Certifications held (companies) or required (challenges), comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    certification: Option<String>,
    /// Companies with at least this TRL; challenges whose minimum TRL is at most this.
    #[param(value_type = Option<u8>, minimum = 1, maximum = 9)]
    trl: Option<String>,
    /// Budget at least, euros.
    #[param(value_type = Option<u64>)]
    budget_min: Option<String>,
    /// Budget at most, euros.
    #[param(value_type = Option<u64>)]
    budget_max: Option<String>,
    /// Deadline on or after.
    #[param(value_type = Option<chrono::NaiveDate>)]
    deadline_from: Option<String>,
    /// Deadline on or before.
    #[param(value_type = Option<chrono::NaiveDate>)]
    deadline_to: Option<String>,
    /// How to rank (default hybrid).
    #[param(value_type = Option<super::params::SearchMode>)]
    mode: Option<String>,
    /// Order (default relevance).
    #[param(value_type = Option<super::params::SearchSort>)]
    sort: Option<String>,
    /// Whether to count facets (default true).
    #[param(value_type = Option<bool>)]
    facets: Option<String>,
    /// Page, from 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 50)]
    page: Option<String>,
    /// Items per page, 1 to 50.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 50)]
    per_page: Option<String>,
    /// `csv` for challenge results as CSV in the caller's language (also `Accept: text/csv`).
    format: Option<String>,
}

fn date(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date like 2027-03-31"))
}

/// Filters that only challenges have.
pub const CHALLENGE_FILTERS: &[&str] = &[
    "department",
    "status",
    "open",
    "budget_min",
    "budget_max",
    "deadline_from",
    "deadline_to",
];
/// Filters that only companies have.
pub const COMPANY_FILTERS: &[&str] = &["size", "kind", "sme", "region"];

/// The filters a query names.
fn named(p: &SearchParams) -> [(&'static str, bool); 11] {
    [
        ("department", p.department.is_some()),
        ("status", p.status.is_some()),
        ("open", p.open.is_some()),
        ("budget_min", p.budget_min.is_some()),
        ("budget_max", p.budget_max.is_some()),
        ("deadline_from", p.deadline_from.is_some()),
        ("deadline_to", p.deadline_to.is_some()),
        ("size", p.size.is_some()),
        ("kind", p.kind.is_some()),
        ("sme", p.sme.is_some()),
        ("region", p.region.is_some()),
    ]
}

fn read(p: &SearchParams, kind: Kind) -> ApiResult<SearchQuery> {
    let mut r = ParamReader::default();
    let (misplaced, message) = match kind {
        Kind::Challenge => (COMPANY_FILTERS, "filters companies, not challenges"),
        Kind::Company => (CHALLENGE_FILTERS, "filters challenges, not companies"),
    };
    for (name, given) in named(p) {
        if given && misplaced.contains(&name) {
            r.errors.push(name, message);
        }
    }
    let q = r
        .parse("q", p.q.as_deref(), text(10_000))
        .unwrap_or_default();
    let label = text(100);
    let filters = Filters {
        sectors: r.list("sector", p.sector.as_deref(), &label),
        cpv: r.list("cpv", p.cpv.as_deref(), |c| {
            Cpv::parse(c).map(|c| c.to_string())
        }),
        departments: r.list("department", p.department.as_deref(), text(200)),
        statuses: r.list("status", p.status.as_deref(), |s| {
            ChallengeStatus::parse(s).map(|s| s.as_str().to_owned())
        }),
        sizes: r.list("size", p.size.as_deref(), |s| {
            SizeClass::parse(s).map(|s| s.as_str().to_owned())
        }),
        company_kinds: r.list("kind", p.kind.as_deref(), |s| {
            CompanyKind::parse(s).map(|s| s.as_str().to_owned())
        }),
        regions: r.list("region", p.region.as_deref(), &label),
        certifications: r.list("certification", p.certification.as_deref(), &label),
        trl_at_least: None,
        trl_min_at_most: None,
        budget_min: r.number("budget_min", p.budget_min.as_deref(), 0..=1_000_000_000),
        budget_max: r.number("budget_max", p.budget_max.as_deref(), 0..=1_000_000_000),
        deadline_from: r.parse("deadline_from", p.deadline_from.as_deref(), date),
        deadline_to: r.parse("deadline_to", p.deadline_to.as_deref(), date),
        sme_only: r.flag("sme", p.sme.as_deref()),
    };
    let trl = r.number("trl", p.trl.as_deref(), 1..=9).map(|t| t as u8);
    let mut filters = filters;
    match kind {
        Kind::Company => filters.trl_at_least = trl,
        Kind::Challenge => filters.trl_min_at_most = trl,
    }
    let mode = r
        .parse("mode", p.mode.as_deref(), |m| match m {
            "hybrid" => Ok(SearchMode::Hybrid),
            "bm25" => Ok(SearchMode::Bm25),
            "vector" => Ok(SearchMode::Vector),
            other => Err(format!(
                "`{other}` is not a mode: use hybrid, bm25 or vector"
            )),
        })
        .unwrap_or_default();
    let sort = r
        .parse("sort", p.sort.as_deref(), |s| match s {
            "relevance" => Ok(SortOrder::Relevance),
            "deadline" => Ok(SortOrder::Deadline),
            "newest" => Ok(SortOrder::Newest),
            "name" => Ok(SortOrder::Name),
            "budget" => Ok(SortOrder::Budget),
            other => Err(format!(
                "`{other}` is not a sort order: use relevance, deadline, newest, name or budget"
            )),
        })
        .unwrap_or_default();
    let open_only = match p.open.as_deref() {
        None => kind == Kind::Challenge && p.status.is_none(),
        value => r.flag("open", value),
    };
    let facets = p.facets.is_none() || r.flag("facets", p.facets.as_deref());
    let page = r.number("page", p.page.as_deref(), 1..=50);
    let per_page = r.number("per_page", p.per_page.as_deref(), 1..=50);
    r.finish()?;
    let paging = Paging::new(page, per_page)?;
    Ok(SearchQuery {
        text: q,
        filters,
        open_only,
        mode,
        sort,
        page: paging.page as usize,
        per_page: paging.per_page as usize,
        facets,
    })
}

/// Searches challenges: open ones by default, by words and meaning, with filters, facets and
/// highlighted words.
#[utoipa::path(get, path = "/api/v1/challenges/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn challenges(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    headers: HeaderMap,
    Params(p): Params<SearchParams>,
) -> ApiResult<Response> {
    state.limits.check_actor(Action::Search, &actor, &ip)?;
    let query = read(&p, Kind::Challenge)?;
    let found = search_domain::search(&state.ctx, &actor, Kind::Challenge, query).await?;
    if csv::wanted(&headers, p.format.as_deref()) {
        // A visitor's language is the one their client asks for, as on the pages.
        let es = match actor {
            Actor::Anonymous => !crate::http::pages::accept_language_is_english(&headers),
            _ => actor.lang() == factoria_search::Lang::Es,
        };
        let table = csv::challenge_results(es, state.ctx.config.public_url.as_str(), &found);
        return Ok(csv::response("challenges.csv", &table));
    }
    Ok(Json(found).into_response())
}

/// Searches company profiles by words and meaning, with filters and facets.
#[utoipa::path(get, path = "/api/v1/companies/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResponse), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn companies(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    Params(p): Params<SearchParams>,
) -> ApiResult<Json<SearchResponse>> {
    state.limits.check_actor(Action::Search, &actor, &ip)?;
    let query = read(&p, Kind::Company)?;
    Ok(Json(
        search_domain::search(&state.ctx, &actor, Kind::Company, query).await?,
    ))
}
