//! A challenge's call: its settings, public questions, proposals, the panel's evaluation and the
//! result, nested under the challenge.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::domain::Actor;
use crate::domain::calls::{self, CallSettings, CallView, QuestionView};
use crate::domain::evaluation::{self, EvaluationView, Ranking};
use crate::domain::proposals::{self, ProposalList, ProposalView};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{ChildPath, JsonBody};
use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields};

/// The settings of a call.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by CallSettings::read")]
pub struct CallBody {
    /// One to ten criteria; their weights sum to 100.
    criteria: Vec<calls::Criterion>,
    /// Until when questions are accepted: with an offset, or a Madrid time like 2027-01-31T14:00.
    questions_deadline: String,
    /// Until when proposals are accepted (same forms).
    proposals_deadline: String,
    /// The most a proposal may cost, in euros.
    max_budget: Option<f64>,
    /// Months the pilot lasts, 1 to 48.
    #[schema(minimum = 1, maximum = 48)]
    pilot_months: Option<u16>,
    /// Addresses of the officers of the challenge's department who evaluate (1 to 10).
    panel: Vec<String>,
}

/// A question or an answer.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the bodies read by the question handlers"
)]
pub struct TextBody {
    /// The text (at most 4,000 characters).
    #[schema(max_length = 4000)]
    text: String,
    /// For a question: the company asking, when you belong to several.
    company: Option<String>,
}

/// A change to a proposal: the fields sent replace the stored ones.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by ProposalEdit::read")]
pub struct ProposalBody {
    summary: Option<String>,
    approach: Option<String>,
    /// Answers matched to the challenge's requirements by their text.
    answers: Option<Vec<AnswerBody>>,
    #[schema(minimum = 1, maximum = 9)]
    trl: Option<u8>,
    /// Euros.
    price: Option<f64>,
    timeline: Option<String>,
    team: Option<String>,
    links: Option<Vec<String>>,
}

/// The answer to one requirement.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by ProposalEdit::read")]
pub struct AnswerBody {
    requirement: String,
    answer: String,
}

/// Which company starts a proposal, when you belong to several.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by start_proposal")]
pub struct StartBody {
    company: Option<String>,
}

/// A declaration of conflict of interest.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by declare")]
pub struct DeclarationBody {
    /// You have a conflict of interest with the proposing company.
    conflict: bool,
}

/// An evaluator's scores.
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the body read by evaluation::read_scores"
)]
pub struct ScoresBody {
    /// One per criterion, 0 to 10, each with a justification.
    scores: Vec<evaluation::CriterionScore>,
}

/// The proposals selected for the pilot.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the body read by publish_result")]
pub struct ResultBody {
    /// Proposal ids; empty leaves the call unawarded.
    selected: Vec<i64>,
}

/// The proposal ids of `{"selected": [...]}`, naming each one that is not an id.
fn read_selected(body: &serde_json::Value) -> Result<Vec<i64>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut selected = Vec::new();
    match body.get("selected") {
        Some(serde_json::Value::Array(values)) if values.len() <= 20 => {
            for (i, value) in values.iter().enumerate() {
                match value.as_i64() {
                    Some(id) if !selected.contains(&id) => selected.push(id),
                    Some(_) => {}
                    None => errors.push(format!("selected[{i}]"), "must be a proposal id"),
                }
            }
        }
        _ => errors.push("selected", "must be a list of at most 20 proposal ids"),
    }
    let unknown: Vec<String> = body
        .as_object()
        .map(|o| o.keys().filter(|k| *k != "selected").cloned().collect())
        .unwrap_or_default();
    for key in unknown {
        errors.push(key, "is not a known field");
    }
    if errors.is_empty() {
        Ok(selected)
    } else {
        Err(errors)
    }
}

/// A challenge's call: criteria, deadlines, budget, pilot length; its panel for the department's
/// officers; its result once published.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/call", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = CallView), (status = 404, body = ErrorBody)))]
pub async fn get_call(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<CallView>> {
    Ok(Json(calls::get(&state.ctx, &actor, &id).await?))
}

/// Sets a challenge's call (officers of its department). Once the challenge is published a
/// deadline only moves later, and everyone taking part is told.
#[utoipa::path(put, path = "/api/v1/challenges/{id}/call", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    request_body = CallBody,
    responses((status = 200, body = CallView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_call(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CallView>> {
    let settings = CallSettings::read(&body)?;
    Ok(Json(calls::set(&state.ctx, &actor, &id, settings).await?))
}

fn read_text(body: &serde_json::Value, company: bool) -> ApiResult<(String, Option<String>)> {
    let mut r = ObjectReader::new(body);
    let text = r.required_text("text", 4000);
    let company = if company {
        r.optional_line("company", 64)
    } else {
        None
    };
    let text = r.finish(UnknownFields::Reject, text)?;
    Ok((text, company))
}

/// The questions of a call: answered ones for everyone, all of them for the department's
/// officers, and your company's own. Who asked is never shown.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/questions", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = Vec<QuestionView>), (status = 404, body = ErrorBody)))]
pub async fn questions(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<QuestionView>>> {
    Ok(Json(calls::questions(&state.ctx, &actor, &id).await?))
}

/// Asks a question about a published call, for your company, before its questions deadline.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/questions", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    request_body = TextBody,
    responses((status = 201, body = QuestionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn ask(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<QuestionView>)> {
    let (text, company) = read_text(&body, true)?;
    let view = calls::ask(&state.ctx, &actor, &id, company.as_deref(), text).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Publishes the answer to a question (officers of the challenge's department, before the
/// questions deadline); everyone taking part is told at once.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/questions/{question}/answer", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("question" = i64, Path, description = "Question id")),
    request_body = TextBody,
    responses((status = 200, body = QuestionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, question): ChildPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<QuestionView>> {
    let (text, _) = read_text(&body, false)?;
    Ok(Json(
        calls::answer(&state.ctx, &actor, &id, question, text).await?,
    ))
}

/// The proposals you may see: your company's; after the deadline, the panel's; after the
/// result, the department's.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/proposals", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = ProposalList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn proposals(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<ProposalList>> {
    Ok(Json(proposals::list(&state.ctx, &actor, &id).await?))
}

/// Starts your company's proposal (or returns the one it has): a draft with one answer per
/// requirement, pre-filled from how your profile matches the challenge.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/proposals", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    request_body = StartBody,
    responses((status = 200, body = ProposalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn start_proposal(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ProposalView>> {
    let mut r = ObjectReader::new(&body);
    let company = r.optional_line("company", 64);
    let company = r.finish(UnknownFields::Reject, Some(company))?;
    Ok(Json(
        proposals::start(&state.ctx, &actor, &id, company.as_deref()).await?,
    ))
}

/// One proposal, for those who may see it; anyone else gets 404.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/proposals/{proposal}", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        proposals::get(&state.ctx, &actor, &id, proposal).await?,
    ))
}

/// Changes your company's proposal before the deadline; a submitted one must stay complete and
/// gets a new receipt.
#[utoipa::path(patch, path = "/api/v1/challenges/{id}/proposals/{proposal}", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    request_body = ProposalBody,
    responses((status = 200, body = ProposalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn edit_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        proposals::save(&state.ctx, &actor, &id, proposal, &body).await?,
    ))
}

/// Submits your company's proposal: every missing required answer is named (422); the receipt
/// carries the time and a SHA-256 of the content.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/proposals/{proposal}/submit", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        proposals::submit(&state.ctx, &actor, &id, proposal).await?,
    ))
}

/// Withdraws your company's proposal before the deadline.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/proposals/{proposal}/withdraw", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = ProposalView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
) -> ApiResult<Json<ProposalView>> {
    Ok(Json(
        proposals::withdraw(&state.ctx, &actor, &id, proposal).await?,
    ))
}

/// Declares whether you have a conflict of interest with the proposing company (evaluators of
/// the panel, after the deadline, before opening the proposal).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/proposals/{proposal}/declaration", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    request_body = DeclarationBody,
    responses((status = 200, body = EvaluationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn declare(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<EvaluationView>> {
    let mut r = ObjectReader::new(&body);
    let conflict = r.optional_bool("conflict");
    if conflict.is_none() && body.get("conflict").is_none() {
        r.fault("conflict", "is required: true or false");
    }
    let conflict = r.finish(UnknownFields::Reject, conflict)?;
    Ok(Json(
        evaluation::declare(&state.ctx, &actor, &id, proposal, conflict).await?,
    ))
}

/// Your evaluation of a proposal (evaluators of the panel).
#[utoipa::path(get, path = "/api/v1/challenges/{id}/proposals/{proposal}/evaluation", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = Option<EvaluationView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn my_evaluation(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
) -> ApiResult<Json<Option<EvaluationView>>> {
    Ok(Json(
        evaluation::mine(&state.ctx, &actor, &id, proposal).await?,
    ))
}

/// Submits your scores for a proposal: every criterion, 0 to 10, each with a justification.
#[utoipa::path(put, path = "/api/v1/challenges/{id}/proposals/{proposal}/evaluation", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    request_body = ScoresBody,
    responses((status = 200, body = EvaluationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn score(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<EvaluationView>> {
    let scores = evaluation::read_scores(&body)?;
    Ok(Json(
        evaluation::score(&state.ctx, &actor, &id, proposal, scores).await?,
    ))
}

/// The consolidated ranking: weighted mean and spread per proposal (officers of the
/// department, after the deadline; an evaluator sees a proposal's scores once they scored it).
#[utoipa::path(get, path = "/api/v1/challenges/{id}/evaluations", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = Ranking), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn ranking(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Ranking>> {
    Ok(Json(evaluation::ranking(&state.ctx, &actor, &id).await?))
}

/// Publishes the result once the panel has finished (officers of the department): the selected
/// proposals enter the pilot stage, every proposer gets their scores.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/result", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    request_body = ResultBody,
    responses((status = 200, body = CallView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish_result(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<CallView>> {
    let selected = read_selected(&body)?;
    Ok(Json(
        evaluation::publish_result(&state.ctx, &actor, &id, selected).await?,
    ))
}
