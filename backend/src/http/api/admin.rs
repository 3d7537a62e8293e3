//! `/api/v1/admin`: officers and roles, sessions, moderation.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::domain::admin::{self, UserView};
use crate::domain::{Actor, auth, companies};
use crate::http::AppState;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{IdPath, JsonBody};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::{ObjectReader, UnknownFields};

/// Every user.
#[utoipa::path(get, path = "/api/v1/admin/users", tag = "admin", responses((status = 200, body = Vec<UserView>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn users(State(state): State<AppState>, actor: Actor) -> ApiResult<Json<Vec<UserView>>> {
    Ok(Json(admin::users(&state.ctx, &actor).await?))
}

/// Invites an officer into a department (created when new); they get a link to choose a password.
#[utoipa::path(post, path = "/api/v1/admin/invitations", tag = "admin", request_body = super::bodies::InvitationBody,
    responses((status = 201, body = Invited), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn invite(
    State(state): State<AppState>,
    actor: Actor,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Invited>)> {
    state.limits.check_actor(Action::Notify, &actor, &ip)?;
    let invitation = auth::Invitation::read(&body)?;
    let id = auth::invite_officer(&state.ctx, &actor, &invitation).await?;
    Ok((StatusCode::CREATED, Json(Invited { user_id: id })))
}

/// An invitation sent.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Invited {
    /// The invited officer's user id (an existing user keeps theirs).
    pub user_id: i64,
}

/// Sessions ended.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SessionsEnded {
    /// How many were still open.
    pub sessions_ended: u64,
}

/// Ends every session of a user.
#[utoipa::path(delete, path = "/api/v1/admin/users/{id}/sessions", tag = "admin", params(("id" = i64, Path, description = "User id")),
    responses((status = 200, body = SessionsEnded), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    actor: Actor,
    IdPath(id): IdPath,
) -> ApiResult<Json<SessionsEnded>> {
    let ended = auth::end_sessions(&state.ctx, &actor, id).await?;
    Ok(Json(SessionsEnded {
        sessions_ended: ended,
    }))
}

/// Grants or removes the administrator role.
#[utoipa::path(put, path = "/api/v1/admin/users/{id}/administrator", tag = "admin", params(("id" = i64, Path, description = "User id")),
    request_body = super::bodies::AdministratorBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_admin(
    State(state): State<AppState>,
    actor: Actor,
    IdPath(id): IdPath,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut r = ObjectReader::new(&body);
    let admin = r.optional_bool("administrator");
    if admin.is_none() {
        r.fault("administrator", "is required: true or false");
    }
    let admin = r.finish(UnknownFields::Reject, admin)?;
    auth::set_admin(&state.ctx, &actor, id, admin).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Hides a company profile from everyone but its members, or shows it again.
#[utoipa::path(put, path = "/api/v1/admin/companies/{id}/moderation", tag = "admin", params(("id" = String, Path, description = "Company id")),
    request_body = super::bodies::ModerationBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn moderate(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult<StatusCode> {
    let mut r = ObjectReader::new(&body);
    let visible = r.optional_bool("visible");
    if visible.is_none() {
        r.fault("visible", "is required: true or false");
    }
    let visible = r.finish(UnknownFields::Reject, visible)?;
    companies::moderate(&state.ctx, &actor, &id, visible).await?;
    Ok(StatusCode::NO_CONTENT)
}
