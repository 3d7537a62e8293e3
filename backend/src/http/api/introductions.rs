//! Introductions and alert subscriptions.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::domain::Actor;
use crate::domain::alerts::{self, Frequency, SubscriptionView};
use crate::domain::introductions::{self, IntroductionView};
use crate::email::Topic;
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{IdPath, JsonBody};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::{ObjectReader, UnknownFields};

/// Introduces a company to a published challenge: its contact gets the proposal, with the
/// reasons of the match and links to accept or decline (officers of the challenge's department).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/introductions", tag = "introductions", params(("id" = String, Path, description = "Challenge id")),
    request_body = super::bodies::IntroductionBody,
    responses((status = 201, body = IntroductionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn introduce(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<IntroductionView>)> {
    let mut r = ObjectReader::new(&body);
    let company = r.required_text("company", 64);
    let message = r.optional_text("message", 2000);
    let company = r.finish(UnknownFields::Reject, company)?;
    state
        .limits
        .check_actor(Action::Introduction, &actor, &ip)?;
    let view = introductions::introduce(
        &state.ctx,
        &actor,
        &id,
        &company,
        message,
        ip.text().as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The introductions of a challenge and their stages (officers of its department).
#[utoipa::path(get, path = "/api/v1/challenges/{id}/introductions", tag = "introductions", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = Vec<IntroductionView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn for_challenge(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<IntroductionView>>> {
    Ok(Json(
        introductions::for_challenge(&state.ctx, &actor, &id).await?,
    ))
}

/// The introductions of a company (its members).
#[utoipa::path(get, path = "/api/v1/companies/{id}/introductions", tag = "introductions", params(("id" = String, Path, description = "Company id")),
    responses((status = 200, body = Vec<IntroductionView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn for_company(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<IntroductionView>>> {
    Ok(Json(
        introductions::for_company(&state.ctx, &actor, &id).await?,
    ))
}

/// Records a later stage of a collaboration: meeting, pilot or contract, with its date.
#[utoipa::path(post, path = "/api/v1/introductions/{id}/stage", tag = "introductions", params(("id" = i64, Path, description = "Introduction id")),
    request_body = super::bodies::StageBody,
    responses((status = 200, body = IntroductionView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_stage(
    State(state): State<AppState>,
    actor: Actor,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<IntroductionView>> {
    let mut r = ObjectReader::new(&body);
    let stage = r.required_text("stage", 20);
    let note = r.optional_text("note", 2000);
    let date = r.optional("date", |d| {
        chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map_err(|_| format!("`{d}` is not a date like 2027-03-31"))
    });
    let stage = r.finish(UnknownFields::Reject, stage)?;
    Ok(Json(
        introductions::record_stage(&state.ctx, &actor, id, &stage, note, date).await?,
    ))
}

/// Your alert subscriptions, every topic listed, with the consent recorded.
#[utoipa::path(get, path = "/api/v1/me/subscriptions", tag = "accounts", responses((status = 200, body = Vec<SubscriptionView>), (status = 401, body = ErrorBody)))]
pub async fn subscriptions(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    Ok(Json(alerts::list(&state.ctx, &actor).await?))
}

/// Subscribes to a topic (each piece of news at once for followed challenges, or a daily or
/// weekly digest, consenting to the current text version) or unsubscribes (off).
#[utoipa::path(put, path = "/api/v1/me/subscriptions/{topic}", tag = "accounts", params(("topic" = crate::email::Topic, Path, description = "What the emails are about")),
    request_body = super::bodies::SubscriptionBody,
    responses((status = 200, body = Vec<SubscriptionView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_subscription(
    State(state): State<AppState>,
    actor: Actor,
    Path(topic): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Vec<SubscriptionView>>> {
    let topic = Topic::parse(&topic).ok_or(crate::http::error::ApiError(
        crate::domain::Error::NotFound("topic"),
    ))?;
    let mut r = ObjectReader::new(&body);
    let frequency = r.required("frequency", Frequency::parse);
    let version = r.optional_text("consent_text_version", 40);
    let frequency = r.finish(UnknownFields::Reject, frequency)?;
    Ok(Json(
        alerts::set(&state.ctx, &actor, topic, frequency, version.as_deref()).await?,
    ))
}
