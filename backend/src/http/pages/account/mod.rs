//! Accounts in the pages, by journey: signing up and in (`sign_in`), the links sent by email
//! (`links`), and the account page with tokens, erasure and alerts (`settings`).

mod links;
mod settings;
mod sign_in;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::http::AppState;

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/signup",
            get(sign_in::signup_page).post(sign_in::signup_submit),
        )
        .route(
            "/login",
            get(sign_in::login_page).post(sign_in::login_submit),
        )
        .route("/logout", post(sign_in::logout))
        .route(
            "/verify",
            get(links::verify_page).post(links::verify_submit),
        )
        .route(
            "/login/link",
            get(links::link_page).post(links::link_submit),
        )
        .route(
            "/password/reset",
            get(links::reset_page).post(links::reset_request),
        )
        .route("/password/reset/complete", post(links::reset_complete))
        .route(
            "/invitation",
            get(links::invitation_page).post(links::invitation_submit),
        )
        .route("/account", get(settings::account))
        .route("/account/tokens", post(settings::create_token))
        .route("/account/tokens/{id}/revoke", post(settings::revoke_token))
        .route("/account/erase", post(settings::erase))
        .route(
            "/account/alerts",
            get(settings::alerts_page).post(settings::alerts_submit),
        )
}
