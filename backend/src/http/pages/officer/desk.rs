//! The officer's desk: their departments' challenges, filtered by status, sorted, with the
//! deadlines that are close.

use axum::extract::{Query, State};
use axum::response::Response;
use factoria_frontend::pages::officer::{OfficerHome, OfficerRow};

use super::super::labels;
use super::super::public::deadline_text;
use super::super::{Page, error_page, first_value, show};
use crate::domain::officers::{self, DeskOrder};
use crate::http::AppState;
use crate::types::ChallengeStatus;

/// Days before a published challenge's deadline when the desk warns about it.
const CLOSING_SOON_DAYS: i64 = 7;

/// `?status=…&sort=…` on the desk, read leniently: an unknown value shows everything, most
/// recently changed first (the first of a repeated one counts).
fn desk_query(pairs: &[(String, String)]) -> (Option<ChallengeStatus>, DeskOrder) {
    (
        first_value(pairs, "status").and_then(|s| ChallengeStatus::parse(s).ok()),
        DeskOrder::parse(first_value(pairs, "sort").unwrap_or_default()),
    )
}

pub(super) async fn home(
    State(state): State<AppState>,
    page: Page,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let (status, order) = desk_query(&pairs);
    let (departments, rows) = match officers::desk(&state.ctx, &page.actor, status, order).await {
        Ok(desk) => desk,
        Err(error) => return error_page(&page, &error),
    };
    let today = state.ctx.clock.now().date_naive();
    let rows: Vec<OfficerRow> = rows
        .into_iter()
        .map(|r| {
            let days_left = r.deadline.map(|d| (d - today).num_days());
            let published = r.status == ChallengeStatus::Published;
            OfficerRow {
                introductions: r.introductions,
                interested: r.interested,
                draft: r.status == ChallengeStatus::Draft,
                status: labels::status(&page, r.status),
                deadline: deadline_text(&page, r.deadline).unwrap_or_else(|| "—".into()),
                closing_soon: published
                    && days_left.is_some_and(|d| (0..=CLOSING_SOON_DAYS).contains(&d)),
                overdue: published && days_left.is_some_and(|d| d < 0),
                id: r.id,
                title: r.title,
            }
        })
        .collect();
    let statuses = [
        ChallengeStatus::Draft,
        ChallengeStatus::Published,
        ChallengeStatus::Closed,
        ChallengeStatus::Awarded,
        ChallengeStatus::Cancelled,
    ]
    .into_iter()
    .map(|s| (s.as_str().to_owned(), labels::status(&page, s)))
    .collect();
    show(OfficerHome {
        frame: page.frame("Mis retos", "My challenges"),
        departments,
        closing_soon: rows.iter().filter(|r| r.closing_soon).count(),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
        statuses,
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        sort: match order {
            DeskOrder::Changed => "changed",
            DeskOrder::Deadline => "deadline",
            DeskOrder::Interest => "interest",
        }
        .to_owned(),
    })
}
