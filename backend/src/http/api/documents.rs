//! Documents of a challenge and attachments of a proposal: uploaded as `multipart/form-data`
//! (one `file` field), downloaded as attachments.

use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::domain::documents::{self, DocumentView, Upload};
use crate::domain::{Actor, Error};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ChildPath;
use crate::types::validation::FieldErrors;

/// A file upload.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "documents the multipart body read by read_upload")]
pub struct UploadBody {
    /// PDF or an office document (Word, Excel, PowerPoint, OpenDocument, RTF), at most 20 MB.
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
}

/// A multipart body that could not be read: too large (413, also when it was sent in chunks
/// with no announced length), else a fault of `file`.
fn unreadable(error: &axum::extract::multipart::MultipartError) -> ApiError {
    // The body limit's error (http-body-util's "length limit exceeded") arrives wrapped in the
    // multipart parser's, where `status()` does not always find it.
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut over_limit = error.status() == StatusCode::PAYLOAD_TOO_LARGE;
    while let Some(e) = cause {
        over_limit |= e.to_string().contains("length limit exceeded");
        cause = e.source();
    }
    if over_limit {
        ApiError(Error::TooLarge("the file is larger than 20 MB".into()))
    } else {
        ApiError(
            FieldErrors::one("file", format!("could not be read: {}", error.body_text())).into(),
        )
    }
}

/// The `file` field of a multipart body.
async fn read_upload(mut multipart: Multipart) -> Result<Upload, ApiError> {
    let bad = |message: &str| ApiError(FieldErrors::one("file", message).into());
    while let Some(field) = multipart.next_field().await.map_err(|e| unreadable(&e))? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or_default().to_owned();
        let bytes = field.bytes().await.map_err(|e| unreadable(&e))?;
        return Ok(Upload { name, bytes });
    }
    Err(bad(
        "is required: send the document as the multipart field `file`",
    ))
}

/// Adds a document to a challenge (officers of its department).
#[utoipa::path(post, path = "/api/v1/challenges/{id}/documents", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    request_body(content = UploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_to_challenge(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let upload = read_upload(multipart).await?;
    let view = documents::add_to_challenge(&state.ctx, &actor, &id, upload).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The documents of a challenge.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/documents", tag = "calls", params(("id" = String, Path, description = "Challenge id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = ErrorBody)))]
pub async fn of_challenge(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<DocumentView>>> {
    Ok(Json(
        documents::of_challenge(&state.ctx, &actor, &id).await?,
    ))
}

/// Attaches a file to your company's proposal, before the deadline.
#[utoipa::path(post, path = "/api/v1/challenges/{id}/proposals/{proposal}/documents", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    request_body(content = UploadBody, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_to_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
    multipart: Multipart,
) -> ApiResult<(StatusCode, Json<DocumentView>)> {
    let upload = read_upload(multipart).await?;
    let view = documents::add_to_proposal(&state.ctx, &actor, &id, proposal, upload).await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// The attachments of a proposal, for those who may read it.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/proposals/{proposal}/documents", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("proposal" = i64, Path, description = "Proposal id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn of_proposal(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, proposal): ChildPath,
) -> ApiResult<Json<Vec<DocumentView>>> {
    Ok(Json(
        documents::of_proposal(&state.ctx, &actor, &id, proposal).await?,
    ))
}

/// Downloads a document, as an attachment, for those who may read what it belongs to.
#[utoipa::path(get, path = "/api/v1/challenges/{id}/documents/{document}", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("document" = i64, Path, description = "Document id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn download(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, document): ChildPath,
) -> ApiResult<Response> {
    let (view, bytes) = documents::download(&state.ctx, &actor, &id, document).await?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    let content_type = HeaderValue::from_str(&view.content_type)
        .map_err(|e| ApiError(Error::Internal(e.into())))?;
    headers.insert(header::CONTENT_TYPE, content_type);
    let disposition = HeaderValue::from_str(&attachment(&view.name))
        .map_err(|e| ApiError(Error::Internal(e.into())))?;
    headers.insert(header::CONTENT_DISPOSITION, disposition);
    Ok(response)
}

/// Removes a document: a challenge's (officers of its department), or a proposal's attachment
/// (members of its company, until the proposals deadline).
#[utoipa::path(delete, path = "/api/v1/challenges/{id}/documents/{document}", tag = "calls",
    params(("id" = String, Path, description = "Challenge id"), ("document" = i64, Path, description = "Document id")),
    responses((status = 204, description = "Removed"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    actor: Actor,
    ChildPath(id, document): ChildPath,
) -> ApiResult<StatusCode> {
    documents::remove(&state.ctx, &actor, &id, document).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `attachment` with an ASCII name and the exact one encoded (RFC 6266, RFC 8187).
fn attachment(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._- ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_download_is_an_attachment_under_its_own_name() {
        assert_eq!(
            super::attachment("Pliego técnico \"v2\".pdf"),
            "attachment; filename=\"Pliego t_cnico _v2_.pdf\"; filename*=UTF-8''Pliego%20t%C3%A9cnico%20%22v2%22.pdf"
        );
    }
}
