//! A challenge's documents for its department: adding and removing them from the call page.

use axum::extract::{Path, State};
use axum::response::Response;

use super::super::{FormData, Page, UploadForm, confirm_removal, error_page, redirect_with_notice};
use super::officer_form;
use crate::domain::documents;
use crate::http::AppState;

pub(super) async fn add_document(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: UploadForm,
) -> Response {
    if let Err(response) = officer_form(&page, &form.fields) {
        return response;
    }
    let upload = match form.required_file() {
        Ok(upload) => upload,
        Err(error) => return error_page(&page, &error),
    };
    match documents::add_to_challenge(&state.ctx, &page.actor, &id, upload).await {
        Ok(view) => redirect_with_notice(
            &format!("/officer/challenges/{id}/call#documents"),
            &page.t(
                &format!("Documento añadido: {}.", view.name),
                &format!("Document added: {}.", view.name),
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn remove_document(
    State(state): State<AppState>,
    page: Page,
    Path((id, document)): Path<(String, i64)>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    if let Some(asking) = confirm_removal(
        &page,
        &form,
        &format!("/officer/challenges/{id}/call#documents"),
    ) {
        return asking;
    }
    match documents::remove(&state.ctx, &page.actor, &id, document).await {
        Ok(()) => redirect_with_notice(
            &format!("/officer/challenges/{id}/call#documents"),
            &page.t("Documento eliminado.", "Document removed."),
        ),
        Err(error) => error_page(&page, &error),
    }
}
