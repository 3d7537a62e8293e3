//! How errors become HTTP answers: client errors carry the message the user sees, in JSON;
//! a 500 reveals nothing and is logged once, here.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::domain::Error;
use crate::types::validation::{FieldError, FieldErrors};

/// The JSON body of every error answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Machine-readable code: validation_failed, not_found, conflict, forbidden,
    /// unauthenticated, precondition_failed, bad_request, too_large, rate_limited, unavailable,
    /// internal (and, for requests the
    /// API cannot read at all: method_not_allowed, unsupported_media_type, bad_request).
    pub error: &'static str,
    /// What happened, for a person.
    pub message: String,
    /// The fields at fault, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// For `precondition_failed` (412): the record as it is now, to show what changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub current: Option<serde_json::Value>,
}

/// An error answered by the API.
#[derive(Debug)]
pub struct ApiError(pub Error);

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError(error)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError(Error::Invalid(errors))
    }
}

/// Status and code of a domain error.
pub fn status_of(error: &Error) -> (StatusCode, &'static str) {
    match error {
        Error::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        Error::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
        Error::Conflict(_) | Error::Raced => (StatusCode::CONFLICT, "conflict"),
        Error::Stale { .. } => (StatusCode::PRECONDITION_FAILED, "precondition_failed"),
        Error::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
        Error::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
        Error::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        Error::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
        Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Error::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    }
}

/// The message a client may see.
pub fn public_message(error: &Error) -> String {
    match error {
        Error::Invalid(errors) => {
            let n = errors.0.len();
            format!(
                "The request has {n} invalid field{}: {errors}",
                if n == 1 { "" } else { "s" }
            )
        }
        Error::Internal(_) => "Something went wrong on our side; it has been logged.".into(),
        Error::Unavailable(_) => {
            "The service is temporarily unavailable; please try again shortly.".into()
        }
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    }
}

/// Logs server-side failures once, where they become answers.
pub fn log(error: &Error) {
    match error {
        Error::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
        Error::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
        _ => {}
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let (status, code) = status_of(&self.0);
        let fields = match &self.0 {
            Error::Invalid(errors) => errors.0.clone(),
            _ => Vec::new(),
        };
        let current = match &self.0 {
            Error::Stale { current, .. } => Some((**current).clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message: public_message(&self.0),
            fields,
            current,
        };
        let mut response = (status, axum::Json(body)).into_response();
        match &self.0 {
            Error::RateLimited {
                retry_after_seconds,
            } => {
                if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            Error::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Error::Stale { version, .. } => {
                response
                    .headers_mut()
                    .insert(header::ETAG, super::versions::etag(*version));
            }
            Error::Unauthenticated => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

/// Result of API handlers.
pub type ApiResult<T> = Result<T, ApiError>;

/// Longest path and query the API reads; longer ones are answered 414 in JSON. (Beyond 64 KiB
/// the HTTP parser itself answers 414, with no body, before any of this code runs.)
pub const URI_LIMIT: usize = 8 * 1024;

/// Keeps every answer of the API in its JSON format: an address that is too long is refused
/// here, and an error answered by a layer or extractor outside the handlers (a body over the
/// size limit, a method the route does not have) is rewritten as the API's error body.
pub async fn api_errors_as_json(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if !request.uri().path().starts_with("/api/") {
        return next.run(request).await;
    }
    let length = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if length > URI_LIMIT {
        let mut response = ApiError(Error::TooLarge(format!(
            "the address is {length} bytes long; the API reads at most {URI_LIMIT}"
        )))
        .into_response();
        *response.status_mut() = StatusCode::URI_TOO_LONG;
        return response;
    }
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (code, message) = match status {
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            "The request body is larger than the API accepts (1 MiB).".to_owned(),
        ),
        StatusCode::METHOD_NOT_ALLOWED => (
            "method_not_allowed",
            "This address does not answer that method.".to_owned(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "Send JSON with Content-Type: application/json.".to_owned(),
        ),
        other => (
            "bad_request",
            other
                .canonical_reason()
                .unwrap_or("The request cannot be answered")
                .to_owned(),
        ),
    };
    let mut rewritten = (
        status,
        axum::Json(ErrorBody {
            error: code,
            message,
            fields: Vec::new(),
            current: None,
        }),
    )
        .into_response();
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            rewritten.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rewritten
}
