//! A start-up's challenges: those recommended to its company ("Challenges for you", the weaker
//! ones on request) and those it follows or declared interest in.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use factoria_frontend::pages::company::{Following, ForYou};
use factoria_frontend::pages::{ChallengeCard, PageLink, money};
use factoria_search::{Document, Kind};

use super::company::require_company;
use super::labels;
use super::public::card_of;
use super::{Page, error_page, first_value, show};
use crate::domain::interests;
use crate::domain::matching::{self, MatchQuery};
use crate::http::AppState;

/// Recommendations shown per page.
const PER_PAGE: usize = 20;

async fn for_you(
    State(state): State<AppState>,
    page: Page,
    // `?weaker=1`: also the challenges the company covers less than partly; `?page=N`.
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let showing_weaker = matches!(first_value(&pairs, "weaker"), Some("1" | "true" | "yes"));
    let company = match require_company(&state, &page).await {
        Ok(company) => company,
        Err(response) => return response,
    };
    let current = first_value(&pairs, "page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let query = MatchQuery {
        page: current,
        per_page: PER_PAGE,
        lang: Some(page.lang()),
        include_weaker: showing_weaker,
        ..MatchQuery::default()
    };
    let results = match matching::recommendations(
        &state.ctx,
        &page.actor,
        &company.record.id,
        &query,
    )
    .await
    {
        Ok(results) => results,
        Err(error) => return error_page(&page, &error),
    };
    let cards: Vec<ChallengeCard> = {
        let catalog = state.ctx.search.index.catalog();
        let by_id: std::collections::HashMap<&str, &factoria_search::ChallengeDoc> = catalog
            .iter(Kind::Challenge)
            .filter_map(|e| match &e.doc {
                Document::Challenge(c) => Some((c.external_id.as_str(), c)),
                Document::Company(_) => None,
            })
            .collect();
        results
            .items
            .iter()
            .map(|item| {
                let mut card = match by_id.get(item.challenge.id.as_str()) {
                    Some(doc) => card_of(&page, doc),
                    None => ChallengeCard {
                        id: item.challenge.id.clone(),
                        title: item.challenge.title.clone(),
                        department: item.challenge.department.clone(),
                        deadline: super::public::deadline_text(&page, item.challenge.deadline),
                        budget: item.challenge.budget_eur.map(|b| money(b, page.es)),
                        status: labels::status_text(&page, &item.challenge.status),
                        ..ChallengeCard::default()
                    },
                };
                card.reason = item.explanation.as_ref().map(|e| e.summary.clone());
                (card.coverage, card.constraints) =
                    labels::explained(&page, item.explanation.as_ref());
                card
            })
            .collect()
    };
    let profile_incomplete = company.record.capabilities.is_empty();
    let pages = (1..=results.total.div_ceil(PER_PAGE).min(50))
        .map(|n| PageLink {
            label: n.to_string(),
            url: match showing_weaker {
                true => format!("/for-you?weaker=1&page={n}"),
                false => format!("/for-you?page={n}"),
            },
            current: n == current,
        })
        .collect();
    show(ForYou {
        frame: page.frame("Retos para ti", "Challenges for you"),
        company: company.record.name,
        cards,
        profile_incomplete,
        weaker: results.weaker,
        showing_weaker,
        pages,
    })
}

async fn following(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = require_company(&state, &page).await {
        return response;
    }
    let (following, interested) = match interests::followed(&state.ctx, &page.actor).await {
        Ok((following, interested)) => (
            following.iter().map(|c| card_of(&page, c)).collect(),
            interested.iter().map(|c| card_of(&page, c)).collect(),
        ),
        Err(error) => return error_page(&page, &error),
    };
    show(Following {
        frame: page.frame("Retos que seguís", "Challenges you follow"),
        following,
        interested,
    })
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/for-you", get(for_you))
        .route("/following", get(following))
}
