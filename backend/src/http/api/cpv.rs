//! The CPV 2008 vocabulary: browsing and searching it, and codes suggested for a text.

use axum::Json;
use axum::extract::State;
use factoria_search::Lang;
use serde::Deserialize;

use crate::domain::Actor;
use crate::domain::cpv::{self, Browse, CpvEntry, CpvSuggestion, MAX_TOP};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{JsonBody, ParamReader, Params, text};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::{ObjectReader, UnknownFields};

fn language(v: &str) -> Result<Lang, String> {
    match v {
        "es" => Ok(Lang::Es),
        "en" => Ok(Lang::En),
        other => Err(format!("`{other}` is not es or en")),
    }
}

/// Query of the vocabulary.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CpvParams {
    /// Words of a label (Spanish or English) or the first digits of a code.
    q: Option<String>,
    /// A code (check digit optional): its children, or with `q` only matches below it.
    parent: Option<String>,
    /// Language of the labels: es or en (default: yours).
    lang: Option<String>,
}

/// The CPV 2008 vocabulary: the divisions, the codes directly below `parent`, or the codes
/// whose label or code matches `q` (broadest first, at most 200), each with its label, level
/// and parent.
#[utoipa::path(get, path = "/api/v1/cpv", tag = "cpv", operation_id = "browse_cpv", params(CpvParams),
    responses((status = 200, body = Vec<CpvEntry>), (status = 422, body = ErrorBody)))]
pub async fn browse(actor: Actor, Params(p): Params<CpvParams>) -> ApiResult<Json<Vec<CpvEntry>>> {
    let mut r = ParamReader::default();
    let query = r.parse("q", p.q.as_deref(), text(200));
    let parent = r.parse("parent", p.parent.as_deref(), |c| {
        factoria_vocabulary::lookup(c)
            .ok_or_else(|| format!("`{c}` is not a code of the CPV 2008 vocabulary"))
    });
    let lang = r.parse("lang", p.lang.as_deref(), language);
    r.finish()?;
    Ok(Json(cpv::browse(&Browse {
        query,
        parent,
        lang: Some(lang.unwrap_or_else(|| actor.lang())),
    })))
}

/// A text to suggest CPV codes for.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SuggestionRequest {
    /// The challenge or profile text (up to 20,000 characters); empty gives no suggestions.
    pub text: String,
    /// Language of the labels: es or en (default: yours).
    pub lang: Option<String>,
    /// How many codes, 1 to 20 (default 5).
    pub top: Option<u32>,
}

/// The likeliest CPV codes for a text, each with its label and the words of the text that
/// led to it. An empty text gives an empty list.
#[utoipa::path(post, path = "/api/v1/cpv/suggestions", tag = "cpv", operation_id = "suggest_cpv", request_body = SuggestionRequest,
    responses((status = 200, body = Vec<CpvSuggestion>), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn suggest(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Vec<CpvSuggestion>>> {
    let mut r = ObjectReader::new(&body);
    let has_text = body.get("text").is_some_and(|t| !t.is_null());
    let text = r.optional_text("text", 20_000).unwrap_or_default();
    if !has_text {
        r.fault("text", "is required (an empty text gives no suggestions)");
    }
    let lang = r.optional("lang", language);
    let top = r.optional_integer("top", 1..=MAX_TOP as i64).unwrap_or(5) as usize;
    let (text, lang, top) = r.finish(UnknownFields::Reject, Some((text, lang, top)))?;
    if text.is_empty() {
        return Ok(Json(Vec::new()));
    }
    state.limits.check_actor(Action::Search, &actor, &ip)?;
    let lang = lang.unwrap_or_else(|| actor.lang());
    Ok(Json(cpv::suggest(&state.ctx, &text, lang, top).await?))
}
