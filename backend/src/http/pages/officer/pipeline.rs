//! The introductions' pipeline of a challenge: a board by stage, and recording the next stage
//! with its date.

use axum::extract::{Path, State};
use axum::response::Response;
use chrono::NaiveDate;
use factoria_frontend::pages::officer::{BoardCard, BoardColumn, Pipeline};

use super::super::labels;
use super::super::{FormData, Page, error_page, redirect_with_notice, show};
use super::officer_form;
use crate::domain::introductions::{self, IntroductionView};
use crate::domain::{Error, officers};
use crate::http::AppState;
use crate::types::IntroductionStage;

/// The stage an officer records next, with the button's label.
fn next_stage(page: &Page, stage: IntroductionStage) -> Option<(String, String)> {
    let next = stage.next_recorded()?;
    let (es, en) = match next {
        IntroductionStage::Meeting => ("Anotar la reunión", "Record the meeting"),
        IntroductionStage::Pilot => ("Anotar el piloto", "Record the pilot"),
        _ => ("Anotar el contrato", "Record the contract"),
    };
    Some((next.as_str().to_owned(), page.t(es, en)))
}

/// The board's columns: one per stage, and the declined and expired together.
fn board(page: &Page, introductions: &[IntroductionView]) -> Vec<BoardColumn> {
    use IntroductionStage as S;
    let columns: [(&str, &[IntroductionStage]); 6] = [
        ("introduced", &[S::Introduced]),
        ("accepted", &[S::Accepted]),
        ("meeting", &[S::Meeting]),
        ("pilot", &[S::Pilot]),
        ("contract", &[S::Contract]),
        ("closed", &[S::Declined, S::Expired]),
    ];
    columns
        .iter()
        .map(|(name, stages)| BoardColumn {
            stage: (*name).to_owned(),
            title: match stages {
                [only] => labels::stage(page, *only),
                _ => page.t("Rechazadas o caducadas", "Declined or expired"),
            },
            cards: introductions
                .iter()
                .filter(|i| stages.contains(&i.stage))
                .map(|i| BoardCard {
                    id: i.id,
                    company: i.company_name.clone(),
                    since: i
                        .events
                        .last()
                        .map(|e| e.at.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    note: match i.stage {
                        S::Declined => Some(format!(
                            "{}: {}",
                            labels::stage(page, S::Declined),
                            i.decline_reason
                                .clone()
                                .unwrap_or_else(|| page.t("sin motivo", "no reason given"))
                        )),
                        S::Expired => Some(labels::stage(page, S::Expired)),
                        _ => None,
                    },
                    next: next_stage(page, i.stage),
                })
                .collect(),
        })
        .collect()
}

pub(super) async fn pipeline(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    match officers::pipeline(&state.ctx, &page.actor, &id).await {
        Ok((challenge, list)) => show(Pipeline {
            frame: page.frame(
                "Seguimiento de las presentaciones",
                "Introductions pipeline",
            ),
            columns: board(&page, &list),
            challenge_id: challenge.record.id,
            challenge_title: challenge.record.title,
            today: chrono::Utc::now().date_naive().to_string(),
        }),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn record_stage(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let on = match form.get("date") {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                return error_page(
                    &page,
                    &Error::Invalid(crate::types::validation::FieldErrors::one(
                        "date",
                        "must be a date, YYYY-MM-DD",
                    )),
                );
            }
        },
    };
    match introductions::record_stage(&state.ctx, &page.actor, id, form.get("stage"), None, on)
        .await
    {
        Ok(view) => redirect_with_notice(
            &format!("/officer/challenges/{}/pipeline", view.challenge),
            &format!(
                "{}: {}.",
                view.company_name.trim_end_matches('.'),
                labels::stage(&page, view.stage).to_lowercase()
            ),
        ),
        Err(Error::Conflict(message)) => {
            match officers::challenge_of_introduction(&state.ctx, &page.actor, id).await {
                Ok(challenge) => redirect_with_notice(
                    &format!("/officer/challenges/{challenge}/pipeline"),
                    &message,
                ),
                Err(error) => error_page(&page, &error),
            }
        }
        Err(error) => error_page(&page, &error),
    }
}
