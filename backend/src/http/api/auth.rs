//! `/api/v1/auth`: sign-up, verification, sign-in and out, sign-in links, password resets,
//! invitations.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse};
use serde::Serialize;

use crate::domain::accounts;
use crate::domain::accounts::{NewSession, SignInFrom};
use crate::domain::auth::{self, SignUp, purpose};
use crate::http::AppState;
use crate::http::auth::{Session, clear_session_cookie_header, session_cookie_header};
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::JsonBody;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::{ObjectReader, UnknownFields};

/// A message for the person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Notice {
    /// What happened or what to do next.
    pub message: String,
}

/// The session started by a sign-in.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SignedIn {
    /// The user's id.
    pub user_id: i64,
    /// CSRF token to send as `X-CSRF-Token` with state-changing calls made with the cookie.
    pub csrf_token: String,
}

fn notice(message: &str) -> Json<Notice> {
    Json(Notice {
        message: message.to_owned(),
    })
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn signed_in(state: &AppState, session: NewSession) -> impl IntoResponse + use<> {
    let cookie = session_cookie_header(&state.ctx.config.public_url, &session.token);
    (
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Json(SignedIn {
            user_id: session.user_id,
            csrf_token: session.csrf,
        }),
    )
}

/// The client of a sign-in and the session it replaces.
fn sign_in_from(ip: &ClientIp, headers: &HeaderMap, previous: Session) -> SignInFrom {
    SignInFrom {
        ip: ip.text(),
        user_agent: user_agent(headers),
        replacing: previous.0.map(|s| s.id),
    }
}

/// Creates a company account and sends the link that confirms the address.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "accounts", request_body = super::bodies::SignUpBody,
    responses((status = 202, body = Notice), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn sign_up(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Notice>)> {
    let mut r = ObjectReader::new(&body);
    let email = r.required_text("email", 254).unwrap_or_default();
    let name = r.required_text("name", 120).unwrap_or_default();
    let password = r.required_text("password", 200).unwrap_or_default();
    let locale = r.optional_text("locale", 2).unwrap_or_else(|| "es".into());
    r.finish(UnknownFields::Reject, Some(()))?;
    let form = SignUp::parse(&email, &name, &password, &locale)?;
    // Every sign-up emails its address: limited per client and per address.
    state
        .limits
        .check(Action::SignUp, &ip, Some(form.email.as_str()))?;
    auth::sign_up(&state.ctx, form, ip.text().as_deref()).await?;
    Ok((
        StatusCode::ACCEPTED,
        notice("Check your inbox: we have sent a link to confirm your address."),
    ))
}

fn token_of(body: &serde_json::Value) -> ApiResult<String> {
    let mut r = ObjectReader::new(body);
    let token = r.required_text("token", 200);
    Ok(r.finish(UnknownFields::Reject, token)?)
}

/// Confirms an address with the token of the verification email.
#[utoipa::path(post, path = "/api/v1/auth/verify", tag = "accounts", request_body = super::bodies::VerifyBody,
    responses((status = 200, body = Notice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn verify(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Notice>> {
    let mut r = ObjectReader::new(&body);
    let token = r.required_text("token", 200);
    let password = r.required_text("password", 200);
    let (token, password) = r.finish(UnknownFields::Reject, token.zip(password))?;
    // A password is guessed here as at sign-in: limited per client and per link.
    state.limits.check(Action::Login, &ip, Some(&token))?;
    auth::verify_email(&state.ctx, &token, &password).await?;
    Ok(notice("Your address is confirmed; you can sign in."))
}

/// Signs in with email and password; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts", request_body = super::bodies::LoginBody,
    responses((status = 200, body = SignedIn), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn log_in(
    State(state): State<AppState>,
    ip: ClientIp,
    previous: Session,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<impl IntoResponse> {
    let mut r = ObjectReader::new(&body);
    let email = r.required_text("email", 254);
    let password = r.required_text("password", 200);
    let (email, password) = r.finish(UnknownFields::Reject, email.zip(password))?;
    state.limits.check(Action::Login, &ip, Some(&email))?;
    let from = sign_in_from(&ip, &headers, previous);
    let session = auth::log_in(&state.ctx, &email, &password, from).await?;
    Ok(signed_in(&state, session))
}

/// Ends the current session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    responses((status = 204)))]
pub async fn log_out(
    State(state): State<AppState>,
    session: Session,
) -> ApiResult<impl IntoResponse> {
    if let Some(session) = session.0 {
        accounts::revoke_session(&state.ctx, &session.id).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        AppendHeaders([(
            header::SET_COOKIE,
            clear_session_cookie_header(&state.ctx.config.public_url),
        )]),
    ))
}

fn email_of(body: &serde_json::Value) -> ApiResult<String> {
    let mut r = ObjectReader::new(body);
    let email = r.required_text("email", 254);
    Ok(r.finish(UnknownFields::Reject, email)?)
}

/// Sends a one-time sign-in link, if the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/login-link", tag = "accounts", request_body = super::bodies::EmailBody,
    responses((status = 202, body = Notice), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_link(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Notice>)> {
    let email = email_of(&body)?;
    state.limits.check(Action::EmailLink, &ip, Some(&email))?;
    auth::request_login_link(&state.ctx, &email).await?;
    Ok((
        StatusCode::ACCEPTED,
        notice("If the address has an account, a sign-in link is on its way."),
    ))
}

/// Signs in with the token of a sign-in link; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login-link/complete", tag = "accounts", request_body = super::bodies::TokenBody,
    responses((status = 200, body = SignedIn), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_link(
    State(state): State<AppState>,
    ip: ClientIp,
    previous: Session,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<impl IntoResponse> {
    let token = token_of(&body)?;
    let from = sign_in_from(&ip, &headers, previous);
    let session = auth::complete_login_link(&state.ctx, &token, from).await?;
    Ok(signed_in(&state, session))
}

/// Sends a password-reset link, if the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "accounts", request_body = super::bodies::EmailBody,
    responses((status = 202, body = Notice), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn request_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<(StatusCode, Json<Notice>)> {
    let email = email_of(&body)?;
    state.limits.check(Action::EmailLink, &ip, Some(&email))?;
    auth::request_password_reset(&state.ctx, &email).await?;
    Ok((
        StatusCode::ACCEPTED,
        notice("If the address has an account, a reset link is on its way."),
    ))
}

fn token_and_password(body: &serde_json::Value) -> ApiResult<(String, String)> {
    let mut r = ObjectReader::new(body);
    let token = r.required_text("token", 200);
    let password = r.required_text("password", 200);
    Ok(r.finish(UnknownFields::Reject, token.zip(password))?)
}

/// Sets a new password with the token of a reset link; ends every session.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/complete", tag = "accounts", request_body = super::bodies::NewPasswordBody,
    responses((status = 200, body = Notice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_reset(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Notice>> {
    let (token, password) = token_and_password(&body)?;
    auth::complete_password_link(
        &state.ctx,
        &token,
        &password,
        purpose::PASSWORD_RESET,
        ip.text().as_deref(),
    )
    .await?;
    Ok(notice("Your password has changed; sign in again."))
}

/// An invited officer chooses a password with the token of the invitation.
#[utoipa::path(post, path = "/api/v1/auth/invitation/complete", tag = "accounts", request_body = super::bodies::NewPasswordBody,
    responses((status = 200, body = Notice), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete_invitation(
    State(state): State<AppState>,
    ip: ClientIp,
    JsonBody(body): JsonBody,
) -> ApiResult<Json<Notice>> {
    let (token, password) = token_and_password(&body)?;
    auth::complete_password_link(
        &state.ctx,
        &token,
        &password,
        purpose::INVITATION,
        ip.text().as_deref(),
    )
    .await?;
    Ok(notice("Welcome to Factoría; you can sign in."))
}
