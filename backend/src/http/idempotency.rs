//! `Idempotency-Key` on the API's `POST`s that create something or send email (the operations
//! the contract marks idempotent): the first answer is kept for a day and a retry with the same
//! key and body gets it again, marked `Idempotent-Replayed: true`, without running twice. The
//! same key with another body is a 422; a retry while the first request is still running waits
//! for its answer. Keys belong to the credentials that sent them.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::AppState;
use super::api::contract;
use super::error::ApiError;
use crate::domain::Error;
use crate::domain::idempotency::{self, Answer, Claim};
use crate::types::validation::FieldErrors;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// The header marking a replayed answer.
pub const REPLAYED: &str = "idempotent-replayed";
/// How long a retry waits for the first request with its key to be answered.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);
/// How often it looks.
const POLL: Duration = Duration::from_millis(50);
/// Largest body read for the operation at `matched` (the router refuses larger ones anyway):
/// an upload's, or a record's.
fn body_limit(matched: &str) -> usize {
    if matched.ends_with("/documents") {
        super::UPLOAD_LIMIT
    } else {
        super::BODY_LIMIT
    }
}

/// Checks a key: 1 to 255 visible ASCII characters.
pub fn check_key(key: &str) -> Result<(), String> {
    if (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err("must be 1 to 255 visible ASCII characters (a UUID is a good choice)".into())
    }
}

fn hex_sha256(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    format!("{:x}", hasher.finalize())
}

/// The body as it is compared between retries: a multipart body without its delimiters
/// (`--boundary` at its start and after each line break), whose boundary a client draws afresh
/// for every attempt of the same upload. Only delimiters go: bytes of a part that happen to
/// spell the boundary stay, so two different files never compare equal.
fn without_boundary(parts: &Parts, body: &[u8]) -> Vec<u8> {
    let boundary = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|t| t.to_ascii_lowercase().starts_with("multipart/"))
        .and_then(|t| {
            t.split(';').find_map(|p| {
                let (name, value) = p.trim().split_once('=')?;
                name.eq_ignore_ascii_case("boundary")
                    .then(|| value.trim_matches('"'))
            })
        })
        .filter(|b| !b.is_empty());
    let Some(boundary) = boundary else {
        return body.to_vec();
    };
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let first = &delimiter[2..];
    let mut rest = body.strip_prefix(first).unwrap_or(body);
    let mut out = Vec::with_capacity(body.len());
    while let Some(at) = rest
        .windows(delimiter.len())
        .position(|w| w == delimiter.as_slice())
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(b"\r\n--");
        rest = &rest[at + delimiter.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Who sent the key: a hash of their bearer token or session (anonymous clients share one
/// scope, where a key only replays the answer to the very same body).
fn scope_of(parts: &Parts, state: &AppState) -> String {
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let session =
        super::auth::session_cookie(parts, &state.ctx.config.public_url).unwrap_or_default();
    hex_sha256(&[bearer, session.as_bytes()])
}

fn invalid_key(message: String) -> Response {
    ApiError(Error::Invalid(FieldErrors::one("Idempotency-Key", message))).into_response()
}

fn replay(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// Whether an answer is kept for retries: not when the failure was passing (a server error, a
/// rate limit), so that a retry runs again.
fn keeps(status: StatusCode) -> bool {
    !(status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS)
}

/// The middleware; a request without the header, or to an operation that is not idempotent,
/// passes through untouched.
pub async fn honour(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(key) = request.headers().get(HEADER) else {
        return next.run(request).await;
    };
    let matched = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_default();
    if !contract::is_idempotent(request.method(), &matched) {
        return next.run(request).await;
    }
    let key = match key.to_str().map_err(|_| "is not ASCII text".to_owned()) {
        Ok(key) => match check_key(key) {
            Ok(()) => key.to_owned(),
            Err(message) => return invalid_key(message),
        },
        Err(message) => return invalid_key(message),
    };
    let (parts, body) = request.into_parts();
    let scope = scope_of(&parts, &state);
    let Ok(bytes) = to_bytes(body, body_limit(&matched)).await else {
        let what = if body_limit(&matched) == super::UPLOAD_LIMIT {
            "the file is larger than 20 MB"
        } else {
            "the request body is larger than the API accepts (1 MiB)"
        };
        return ApiError(Error::TooLarge(what.into())).into_response();
    };
    let hash = hex_sha256(&[
        parts.method.as_str().as_bytes(),
        parts.uri.path().as_bytes(),
        &without_boundary(&parts, &bytes),
    ]);
    let ctx = &state.ctx;
    let waited = tokio::time::Instant::now();
    loop {
        match idempotency::claim(ctx, &scope, &key, &hash, crate::db::now()).await {
            Err(error) => return ApiError(error).into_response(),
            Ok(Claim::Fresh) => break,
            Ok(Claim::Replay(answer)) => return replay(answer),
            Ok(Claim::Mismatch) => {
                return invalid_key(
                    "was already used for a different request; use a new key for a new request"
                        .into(),
                );
            }
            Ok(Claim::Busy) if waited.elapsed() < WAIT_FOR_FIRST => {
                tokio::time::sleep(POLL).await;
            }
            Ok(Claim::Busy) => {
                return ApiError(Error::Conflict(
                    "a request with this Idempotency-Key is still being answered; retry later"
                        .into(),
                ))
                .into_response();
            }
        }
    }
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let (head, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, usize::MAX).await else {
        let _ = idempotency::release(ctx, &scope, &key).await;
        return ApiError(Error::Internal(anyhow::anyhow!(
            "the answer could not be read"
        )))
        .into_response();
    };
    let kept = if keeps(head.status) {
        let answer = Answer {
            status: head.status.as_u16(),
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        idempotency::complete(ctx, &scope, &key, &answer).await
    } else {
        idempotency::release(ctx, &scope, &key).await
    };
    if let Err(error) = kept {
        // The request was carried out: answer it, and say the key could not be kept.
        tracing::error!(%error, "cannot keep the answer of an idempotent request");
    }
    Response::from_parts(head, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::check_key;

    #[test]
    fn keys_are_visible_ascii_up_to_255() {
        assert!(check_key("4f1c2a3e-9b7d-4c1e-8a2b-0123456789ab").is_ok());
        assert!(check_key(&"k".repeat(255)).is_ok());
        for bad in ["", "with space", "tab\t", "ñ"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
        assert!(check_key(&"k".repeat(256)).is_err());
    }
}
