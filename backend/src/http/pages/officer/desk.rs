//! The officer's desk: their departments' challenges.

use axum::extract::State;
use axum::response::Response;
use factoria_frontend::pages::officer::{OfficerHome, OfficerRow};

use super::super::labels;
use super::super::{Page, error_page, show};
use crate::domain::officers;
use crate::http::AppState;
use crate::types::ChallengeStatus;

pub(super) async fn home(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let (departments, rows) = match officers::desk(&state.ctx, &page.actor).await {
        Ok(desk) => desk,
        Err(error) => return error_page(&page, &error),
    };
    let rows = rows
        .into_iter()
        .map(|r| OfficerRow {
            introductions: r.introductions,
            interested: r.interested,
            draft: r.status == ChallengeStatus::Draft,
            status: labels::status(&page, r.status),
            deadline: r
                .deadline
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "—".into()),
            id: r.id,
            title: r.title,
        })
        .collect();
    show(OfficerHome {
        frame: page.frame("Mis retos", "My challenges"),
        departments,
        rows,
    })
}
