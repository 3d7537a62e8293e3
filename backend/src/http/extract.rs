//! Extractors that answer bad input in the API's own format (422 with the fields at fault),
//! never axum's default plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::ApiError;
use crate::domain::Error;
use crate::types::validation::FieldErrors;

/// `application/json` or `application/<something>+json`, parameters aside: the media type's
/// essence, so that a form a browser may send across sites (`text/plain; x=+json`) is not JSON.
fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json") && !subtype.contains('/'))
}

/// A JSON body, read as a value; fields are then parsed by the domain's readers.
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(is_json_media_type);
        if !is_json {
            return Err(FieldErrors::one(
                "(body)",
                "send JSON with Content-Type: application/json",
            )
            .into());
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(Error::TooLarge(
                    "the request body is larger than the API accepts (1 MiB)".into(),
                ))
            } else {
                ApiError::from(FieldErrors::one(
                    "(body)",
                    format!("could not be read: {}", e.body_text()),
                ))
            }
        })?;
        let value = serde_json::from_slice(&bytes)
            .map_err(|e| FieldErrors::one("(body)", format!("is not valid JSON: {e}")))?;
        Ok(JsonBody(value))
    }
}

/// Query parameters deserialised into a struct of optional strings (which cannot fail on
/// values), then checked by the handler with full field errors.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(Params)
            .map_err(|e| FieldErrors::one("(query)", format!("could not be read: {e}")).into())
    }
}

/// Collects faults of query parameters.
#[derive(Default)]
pub struct ParamReader {
    /// Faults so far.
    pub errors: FieldErrors,
}

impl ParamReader {
    /// Parses an optional value.
    pub fn parse<T>(
        &mut self,
        name: &str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = value.map(str::trim).filter(|v| !v.is_empty())?;
        parse(value)
            .map_err(|message| self.errors.push(name, message))
            .ok()
    }

    /// A whole number within `range`.
    pub fn number(
        &mut self,
        name: &str,
        value: Option<&str>,
        range: std::ops::RangeInclusive<u64>,
    ) -> Option<u64> {
        self.parse(name, value, |v| match v.parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(format!(
                "`{v}` is not a whole number from {} to {}",
                range.start(),
                range.end()
            )),
        })
    }

    /// A comma-separated list, each item parsed.
    pub fn list<T>(
        &mut self,
        name: &str,
        value: Option<&str>,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Vec<T> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match parse(item) {
                Ok(v) => out.push(v),
                Err(message) => self.errors.push(name, message),
            }
        }
        out
    }

    /// A boolean (`true`/`false`/`1`/`0`).
    pub fn flag(&mut self, name: &str, value: Option<&str>) -> bool {
        self.parse(name, value, |v| match v {
            "true" | "1" | "yes" => Ok(true),
            "false" | "0" | "no" => Ok(false),
            other => Err(format!("`{other}` is not true or false")),
        })
        .unwrap_or(false)
    }

    /// Ends reading: the faults, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(self.errors.into())
        }
    }
}

/// A free-text parameter of at most `max` characters.
pub fn text(max: usize) -> impl Fn(&str) -> Result<String, String> {
    move |v: &str| {
        if v.chars().count() > max {
            Err(format!("is longer than {max} characters"))
        } else {
            Ok(v.to_owned())
        }
    }
}

/// A numeric id in the path. One that is not a number (or is out of range) names nothing, so
/// it is answered like an unknown id: 404 in the API's format, not axum's plain-text 400.
pub struct IdPath(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || ApiError(Error::NotFound("record"));
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        raw.parse().map(IdPath).map_err(|_| not_found())
    }
}

/// A record's id and the numeric id of one of its children in the path
/// (`/challenges/{id}/proposals/{proposal}`); a child id that is not a number names nothing
/// and is answered like an unknown id (404).
pub struct ChildPath(pub String, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ChildPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let not_found = || ApiError(Error::NotFound("record"));
        let Path((parent, raw)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_found())?;
        let child = raw.parse().map_err(|_| not_found())?;
        Ok(ChildPath(parent, child))
    }
}

#[cfg(test)]
mod media_type_tests {
    use super::is_json_media_type;

    #[test]
    fn only_json_media_types_are_json() {
        assert!(is_json_media_type("application/json"));
        assert!(is_json_media_type("application/json; charset=utf-8"));
        assert!(is_json_media_type("Application/Merge-Patch+JSON"));
        assert!(!is_json_media_type("text/plain; x=+json"));
        assert!(!is_json_media_type("text/plain+json"));
        assert!(!is_json_media_type("application/jsonp"));
        assert!(!is_json_media_type("multipart/form-data; boundary=+json"));
    }
}
