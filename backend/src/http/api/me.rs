//! `/api/v1/me`: the signed-in user, their API tokens, and their personal data.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::domain::accounts::{self, Me, TokenView};
use crate::domain::actor::Scope;
use crate::domain::{Actor, privacy};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{IdPath, JsonBody};
use crate::http::ratelimit::ClientIp;
use crate::types::validation::{ObjectReader, UnknownFields};

/// A new token, shown once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    /// The token: keep it now, it is not shown again.
    pub token: String,
    /// How it is listed.
    pub details: TokenView,
}

/// Who is signed in.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<Me>> {
    Ok(Json(accounts::me(&state.ctx, &actor).await?))
}

/// Your API tokens (never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/me/tokens", tag = "accounts", responses((status = 200, body = Vec<TokenView>), (status = 401, body = ErrorBody)))]
pub async fn tokens(
    State(state): State<AppState>,
    actor: Actor,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(accounts::list_api_tokens(&state.ctx, &actor).await?))
}

/// Creates an API token with the given scopes; it is shown once and stored hashed.
#[utoipa::path(post, path = "/api/v1/me/tokens", tag = "accounts", request_body = super::bodies::TokenRequestBody,
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let mut r = ObjectReader::new(&body);
    let name = r.required_line("name", 80);
    let scopes = r.list("scopes", 2, |s| match s {
        "read" => Ok(Scope::Read),
        "write" => Ok(Scope::Write),
        other => Err(format!("`{other}` is not a scope: use read or write")),
    });
    if scopes.is_empty() {
        r.fault("scopes", "name at least one scope: read, write");
    }
    let name = r.finish(UnknownFields::Reject, name)?;
    let (token, details) =
        accounts::issue_api_token(&state.ctx, &actor, &name, &scopes, ip.text().as_deref()).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token, details })))
}

/// Revokes one of your tokens.
#[utoipa::path(delete, path = "/api/v1/me/tokens/{id}", tag = "accounts", params(("id" = i64, Path, description = "Token id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    IdPath(id): IdPath,
) -> ApiResult<StatusCode> {
    accounts::revoke_api_token(&state.ctx, &actor, id, ip.text().as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything Factoría holds about you, as JSON.
#[utoipa::path(get, path = "/api/v1/me/data", tag = "accounts", responses((status = 200, body = PersonalData), (status = 401, body = ErrorBody)))]
pub async fn data(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
) -> ApiResult<Json<serde_json::Value>> {
    Ok(Json(
        privacy::export(&state.ctx, &actor, ip.text().as_deref()).await?,
    ))
}

/// Erases your account and personal data. Send `{"confirm": true}`, signed in with a browser
/// session (its cookie and `X-CSRF-Token`): no API token may erase an account.
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = super::bodies::EraseBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut r = ObjectReader::new(&body);
    let confirm = r.optional_bool("confirm");
    if confirm != Some(true) {
        r.fault(
            "confirm",
            "send true to confirm the erasure, which cannot be undone",
        );
    }
    r.finish(UnknownFields::Reject, Some(()))?;
    privacy::erase(&state.ctx, &actor, ip.text().as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Everything Factoría holds about a person (GDPR access and portability).
#[derive(utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "documents the shape of crate::domain::privacy::export for OpenAPI"
)]
pub struct PersonalData {
    /// email, name, locale, created_at, email_verified_at, administrator.
    #[schema(value_type = Object)]
    account: serde_json::Value,
    /// Companies and departments, with the role in each.
    #[schema(value_type = Vec<Object>)]
    memberships: serde_json::Value,
    /// Sessions: created_at, last_seen_at, revoked, ip, user_agent.
    #[schema(value_type = Vec<Object>)]
    sessions: serde_json::Value,
    /// API tokens: name, prefix, scopes, created_at, revoked (never the secret).
    #[schema(value_type = Vec<Object>)]
    api_tokens: serde_json::Value,
    /// Consents given and withdrawn.
    #[schema(value_type = Vec<Object>)]
    consents: serde_json::Value,
    /// Email subscriptions and their frequency.
    #[schema(value_type = Vec<Object>)]
    subscriptions: serde_json::Value,
    /// How many interests in challenges were declared.
    interests_declared: u64,
    /// How many judgements of matches were given.
    match_feedback_given: u64,
    /// Emails sent or waiting: template, status, created_at, sent_at.
    #[schema(value_type = Vec<Object>)]
    emails: serde_json::Value,
    /// Audited actions: action, at, ip (a keyed pseudonym).
    #[schema(value_type = Vec<Object>)]
    activity: serde_json::Value,
}
