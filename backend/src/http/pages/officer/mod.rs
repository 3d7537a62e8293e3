//! Pages of officers, by journey: their desk of challenges (`desk`), the challenge editor with
//! the supply preview (`editor`), the ranked companies of a challenge with shortlist, feedback
//! and introductions (`matches`), the introductions' pipeline (`pipeline`), and the call with
//! its questions, evaluation and result (`call`). Who may see
//! what is decided by `domain::officers` and the other domain modules.

mod call;
mod desk;
mod documents;
mod editor;
mod matches;
mod pipeline;

use axum::Router;
use axum::response::Response;
use axum::routing::{get, post};

use super::{FormData, Page};
use crate::http::AppState;

/// A form posted by a signed-in user with the session's token; the domain decides whether they
/// are an officer who may do what it asks.
fn officer_form(page: &Page, form: &FormData) -> Result<(), Response> {
    page.signed_form(form).map(|_| ())
}

/// The officers' routes that take a file.
pub(super) fn upload_routes() -> Router<AppState> {
    Router::new().route(
        "/officer/challenges/{id}/documents",
        post(documents::add_document),
    )
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/officer", get(desk::home))
        .route(
            "/officer/challenges/new",
            get(editor::new_challenge).post(editor::create),
        )
        .route(
            "/officer/challenges/{id}/edit",
            get(editor::edit).post(editor::update),
        )
        .route(
            "/officer/challenges/{id}/status",
            post(editor::change_status),
        )
        .route(
            "/officer/challenges/{id}/documents/{document}/remove",
            post(documents::remove_document),
        )
        .route("/officer/challenges/{id}/matches", get(matches::matches))
        .route(
            "/officer/challenges/{id}/shortlist",
            post(matches::shortlist),
        )
        .route("/officer/challenges/{id}/feedback", post(matches::feedback))
        .route(
            "/officer/challenges/{id}/introduce",
            post(matches::introduce),
        )
        .route("/officer/challenges/{id}/pipeline", get(pipeline::pipeline))
        .route(
            "/officer/challenges/{id}/call",
            get(call::settings).post(call::save),
        )
        .route(
            "/officer/challenges/{id}/questions/{question}/answer",
            post(call::answer),
        )
        .route(
            "/officer/challenges/{id}/evaluation",
            get(call::evaluation_desk),
        )
        .route(
            "/officer/challenges/{id}/proposals/{proposal}",
            get(call::proposal),
        )
        .route(
            "/officer/challenges/{id}/proposals/{proposal}/declaration",
            post(call::declare),
        )
        .route(
            "/officer/challenges/{id}/proposals/{proposal}/evaluation",
            post(call::score),
        )
        .route(
            "/officer/challenges/{id}/result",
            post(call::publish_result),
        )
        .route(
            "/officer/introductions/{id}/stage",
            post(pipeline::record_stage),
        )
}
