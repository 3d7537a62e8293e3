//! Matches, recommendations, the supply preview and feedback.

use axum::Json;
use axum::extract::{Path, State};
use factoria_search::Lang;
use factoria_search::matching::{CertificationRule, Preview};
use serde::Deserialize;

use crate::domain::Actor;
use crate::domain::matching::{self, FeedbackView, MatchPage, MatchQuery};
use crate::domain::records::ChallengeSpec;
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{JsonBody, ParamReader, Params, text};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::{ObjectReader, UnknownFields};

/// Query of matches and recommendations.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// Micro, small and medium companies only.
    #[param(value_type = Option<bool>)]
    sme: Option<String>,
    /// Companies holding at least one certification.
    #[param(value_type = Option<bool>)]
    certified: Option<String>,
    /// Certifications the companies must hold, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    certification: Option<String>,
    /// Regions of the companies, comma-separated.
    #[param(value_type = Option<Vec<String>>, style = Form, explode = false)]
    region: Option<String>,
    /// Favour start-ups and SMEs.
    #[param(value_type = Option<bool>)]
    favour_smes: Option<String>,
    /// `demote` (default) ranks companies lacking a required certification below the certified
    /// ones of similar relevance; `filter` drops them.
    #[param(value_type = Option<super::params::CertificationRule>)]
    certifications: Option<String>,
    /// Recommendations: also the challenges the company covers less than partly (by default
    /// they are only counted, in `weaker`).
    #[param(value_type = Option<bool>)]
    weaker: Option<String>,
    /// Language of explanations (default: yours).
    #[param(value_type = Option<super::params::Lang>)]
    lang: Option<String>,
    /// Page, from 1.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 50)]
    page: Option<String>,
    /// Items per page, 1 to 50.
    #[param(value_type = Option<u64>, minimum = 1, maximum = 50)]
    per_page: Option<String>,
}

/// Parameters only recommendations take.
pub const RECOMMENDATION_ONLY: &[&str] = &["weaker"];

/// Parameters that choose among companies, which recommendations (challenges for one company)
/// do not take.
pub const COMPANY_FILTERS: &[&str] = &[
    "sme",
    "certified",
    "certification",
    "region",
    "favour_smes",
    "certifications",
];

/// Reads the parameters of matches (`for_companies`) or of recommendations.
fn read(p: &MatchParams, for_companies: bool) -> ApiResult<MatchQuery> {
    let mut r = ParamReader::default();
    if !for_companies {
        let named = [
            ("sme", p.sme.is_some()),
            ("certified", p.certified.is_some()),
            ("certification", p.certification.is_some()),
            ("region", p.region.is_some()),
            ("favour_smes", p.favour_smes.is_some()),
            ("certifications", p.certifications.is_some()),
        ];
        for (name, _) in named.iter().filter(|(_, given)| *given) {
            r.errors.push(
                *name,
                "chooses among companies; recommendations rank challenges",
            );
        }
    } else if p.weaker.is_some() {
        r.errors.push(
            "weaker",
            "only recommendations hold weaker matches back; matches list every company",
        );
    }
    let query = MatchQuery {
        sme_only: r.flag("sme", p.sme.as_deref()),
        certified: r.flag("certified", p.certified.as_deref()),
        certifications: r.list("certification", p.certification.as_deref(), text(80)),
        regions: r.list("region", p.region.as_deref(), text(100)),
        favour_smes: r.flag("favour_smes", p.favour_smes.as_deref()),
        certification_rule: r
            .parse("certifications", p.certifications.as_deref(), |v| match v {
                "filter" => Ok(CertificationRule::Filter),
                "demote" => Ok(CertificationRule::Demote),
                other => Err(format!("`{other}` is neither filter nor demote")),
            })
            .unwrap_or_default(),
        lang: r.parse("lang", p.lang.as_deref(), |v| match v {
            "es" => Ok(Lang::Es),
            "en" => Ok(Lang::En),
            other => Err(format!("`{other}` is not es or en")),
        }),
        include_weaker: r.flag("weaker", p.weaker.as_deref()),
        page: r.number("page", p.page.as_deref(), 1..=50).unwrap_or(1) as usize,
        per_page: r
            .number("per_page", p.per_page.as_deref(), 1..=50)
            .unwrap_or(20) as usize,
    };
    r.finish()?;
    Ok(query)
}

/// Ranked suppliers for a challenge, each with its explanation (officers of its department).
#[utoipa::path(get, path = "/api/v1/challenges/{id}/matches", tag = "matching", params(("id" = String, Path, description = "Interchange id"), MatchParams),
    responses((status = 200, body = MatchPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn matches(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Params(p): Params<MatchParams>,
) -> ApiResult<Json<MatchPage>> {
    let query = read(&p, true)?;
    Ok(Json(
        matching::for_challenge(&state.ctx, &actor, &id, &query).await?,
    ))
}

/// Open challenges ranked for a company, each with its explanation (members of the company).
#[utoipa::path(get, path = "/api/v1/companies/{id}/recommendations", tag = "matching", params(("id" = String, Path, description = "Interchange id"), MatchParams),
    responses((status = 200, body = MatchPage), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn recommendations(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Params(p): Params<MatchParams>,
) -> ApiResult<Json<MatchPage>> {
    let query = read(&p, false)?;
    Ok(Json(
        matching::recommendations(&state.ctx, &actor, &id, &query).await?,
    ))
}

/// How many companies could address a draft challenge and which requirements nobody covers
/// (officers). The body is a challenge in the interchange format.
#[utoipa::path(post, path = "/api/v1/challenges/preview", tag = "matching", request_body = crate::domain::records::ChallengeRecord,
    responses((status = 200, body = factoria_search::matching::Preview, description = "How many companies could address it, how many were examined, and per requirement how many cover it"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Preview>> {
    state.limits.check_actor(Action::Search, &actor, &ip)?;
    let (spec, _) = ChallengeSpec::parse(&body, UnknownFields::Reject)?;
    Ok(Json(matching::preview(&state.ctx, &actor, &spec).await?))
}

/// An officer's judgement of a match.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FeedbackRequest {
    /// Useful or not.
    pub useful: bool,
    /// Why.
    pub reason: Option<String>,
}

/// Records whether a match was useful, with a reason (officers of the challenge's department).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/matches/{company}/feedback", tag = "matching",
    params(("id" = String, Path, description = "Challenge id"), ("company" = String, Path, description = "Company id")),
    request_body = FeedbackRequest,
    responses((status = 200, body = FeedbackView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn feedback(
    State(state): State<AppState>,
    actor: Actor,
    Path((id, company)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<FeedbackView>> {
    let mut r = ObjectReader::new(&body);
    let useful = r.optional_bool("useful");
    let reason = r.optional_text("reason", 2000);
    let useful = match useful {
        Some(u) => Some(u),
        None => {
            r.fault("useful", "is required: true or false");
            None
        }
    };
    let useful = r.finish(UnknownFields::Reject, useful)?;
    Ok(Json(
        matching::record_feedback(&state.ctx, &actor, &id, &company, useful, reason).await?,
    ))
}
