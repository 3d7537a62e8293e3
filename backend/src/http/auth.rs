//! Who is asking: a bearer API token, or the session cookie of the web pages, or nobody.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::domain::{Actor, Error, accounts};

/// Name of the session cookie. The `__Host-` prefix makes browsers accept it only when it is
/// Secure, host-only and for path `/`.
pub const SESSION_COOKIE: &str = "__Host-factoria_session";

/// The cookie name used over plain HTTP (development), where `__Host-` cookies are refused.
pub const DEV_SESSION_COOKIE: &str = "factoria_session";

/// Value of a cookie in the request.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session cookie of the request, under the one name this site issues: a site that sets
/// `__Host-` cookies never reads the unprefixed one, which a sibling host or a plain-HTTP
/// response could have planted.
pub fn session_cookie<'a>(parts: &'a Parts, public_url: &url::Url) -> Option<&'a str> {
    if secure_site(public_url) {
        cookie(parts, SESSION_COOKIE)
    } else {
        cookie(parts, DEV_SESSION_COOKIE)
    }
}

/// The live session of the request, with its CSRF token, when there is one.
#[derive(Clone)]
pub struct Session(pub Option<accounts::LiveSession>);

impl FromRequestParts<AppState> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(session.clone());
        }
        let session = match session_cookie(parts, &state.ctx.config.public_url) {
            Some(token) => accounts::resolve_session(&state.ctx, token).await?,
            None => None,
        };
        let session = Session(session);
        parts.extensions.insert(session.clone());
        Ok(session)
    }
}

/// Header that carries the session's CSRF token on API calls made with the session cookie.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The API's actor: a bearer token, or the session cookie. With the cookie, a state-changing
/// request must also carry the session's CSRF token in `X-CSRF-Token`, which a cross-site page
/// cannot read.
impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .ok_or(ApiError(Error::Unauthenticated))?;
            return Ok(accounts::actor_for_api_token(&state.ctx, token).await?);
        }
        let Session(session) = Session::from_request_parts(parts, state).await?;
        let Some(session) = session else {
            return Ok(Actor::Anonymous);
        };
        if !parts.method.is_safe() {
            let sent = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if sent != Some(session.csrf.as_str()) {
                return Err(ApiError(Error::forbidden(
                    "send the session's CSRF token in the X-CSRF-Token header",
                )));
            }
        }
        Ok(session.actor)
    }
}

/// Whether browsers accept `Secure` cookies from this site: over HTTPS, and on the loopback
/// address, which browsers treat as a secure context.
fn secure_site(public_url: &url::Url) -> bool {
    public_url.scheme() == "https"
        || matches!(
            public_url.host_str(),
            Some("localhost" | "127.0.0.1" | "[::1]")
        )
}

/// Name of the anonymous forms' cookie (sign-up, sign-in, emailed links): `__Host-` prefixed
/// where browsers accept it, so that a sibling host or a plain-HTTP response cannot plant a
/// value of its choosing and post it back as the form's token (login CSRF).
pub fn form_cookie_name(public_url: &url::Url) -> &'static str {
    if secure_site(public_url) {
        "__Host-factoria_form"
    } else {
        "factoria_form"
    }
}

/// The `Set-Cookie` value of a new anonymous-form token.
pub fn form_cookie_header(public_url: &url::Url, token: &str) -> String {
    let name = form_cookie_name(public_url);
    if secure_site(public_url) {
        format!("{name}={token}; Path=/; Secure; HttpOnly; SameSite=Lax")
    } else {
        format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax")
    }
}

/// The `Set-Cookie` value that starts a session: `__Host-` prefixed, Secure, HttpOnly,
/// SameSite=Lax, for the whole site; without `Secure` (and so without the prefix) only on plain
/// HTTP hosts other than the loopback.
pub fn session_cookie_header(public_url: &url::Url, token: &str) -> String {
    if secure_site(public_url) {
        format!("{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax")
    } else {
        format!("{DEV_SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax")
    }
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie_header(public_url: &url::Url) -> String {
    if secure_site(public_url) {
        format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
    } else {
        format!("{DEV_SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}
