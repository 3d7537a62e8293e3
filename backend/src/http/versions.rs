//! Optimistic concurrency for the API: a record's version is its `ETag` (`"v7"`), and a
//! `PUT`/`PATCH` sent with `If-Match` is applied only if the record is still at that version
//! (otherwise 412 with the current record). `If-Match` is optional, so clients that never read
//! tags keep working; `If-Match: *` means "whatever the version".

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::domain::Error;

/// The entity tag of a version: a strong tag, `"v<version>"`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).unwrap_or(HeaderValue::from_static("\"v0\""))
}

/// Headers carrying a record's tag.
pub fn tagged(version: i64) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, etag(version));
    headers
}

/// A record in JSON with its `ETag`.
pub struct Tagged<T>(pub T, pub i64);

impl<T: serde::Serialize> IntoResponse for Tagged<T> {
    fn into_response(self) -> Response {
        (tagged(self.1), axum::Json(self.0)).into_response()
    }
}

/// The version a client expects to change, from its `If-Match` header: `None` when absent or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IfMatch(pub Option<i64>);

/// Reads an `If-Match` value: one tag `"v<n>"` (weak `W/` tags are accepted as the same
/// version) or `*`.
pub fn parse_if_match(value: &str) -> Result<Option<i64>, String> {
    let value = value.trim();
    if value == "*" {
        return Ok(None);
    }
    let tag = value.strip_prefix("W/").unwrap_or(value);
    tag.strip_prefix("\"v")
        .and_then(|rest| rest.strip_suffix('"'))
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|version| *version > 0)
        .map(Some)
        .ok_or_else(|| {
            format!(
                "If-Match must be one entity tag as served in ETag (like \"v3\") or *, not {value}"
            )
        })
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut values = parts.headers.get_all(header::IF_MATCH).iter();
        let Some(value) = values.next() else {
            return Ok(IfMatch(None));
        };
        if values.next().is_some() {
            return Err(ApiError(Error::BadRequest(
                "send one If-Match header with one entity tag".into(),
            )));
        }
        let text = value
            .to_str()
            .map_err(|_| ApiError(Error::BadRequest("If-Match is not readable text".into())))?;
        parse_if_match(text)
            .map(IfMatch)
            .map_err(|message| ApiError(Error::BadRequest(message)))
    }
}

#[cfg(test)]
mod tests {
    use super::parse_if_match;

    #[test]
    fn reads_tags_and_refuses_anything_else() {
        assert_eq!(parse_if_match("\"v3\""), Ok(Some(3)));
        assert_eq!(parse_if_match("W/\"v12\""), Ok(Some(12)));
        assert_eq!(parse_if_match(" * "), Ok(None));
        for bad in [
            "v3",
            "\"3\"",
            "\"v\"",
            "\"v-1\"",
            "\"v0\"",
            "\"v3\", \"v4\"",
            "",
        ] {
            assert!(parse_if_match(bad).is_err(), "{bad} should be refused");
        }
    }
}
