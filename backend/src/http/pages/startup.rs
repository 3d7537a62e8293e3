//! A start-up's challenges: those recommended to its company ("Challenges for you", the weaker
//! ones on request) and those it follows or declared interest in.

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use factoria_frontend::pages::company::{ActivityRow, Following, ForYou};
use factoria_frontend::pages::{ChallengeCard, PageLink, money};
use factoria_search::{Document, Kind};

use super::company::require_company;
use super::labels;
use super::public::card_of;
use super::{Page, error_page, first_value, show};
use crate::domain::interests;
use crate::domain::introductions::{self, IntroductionView};
use crate::domain::matching::{self, MatchQuery};
use crate::domain::proposals::{self, OwnProposal};
use crate::http::AppState;
use crate::types::{IntroductionStage, ProposalStatus};

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
    let company = match require_company(&state, &page).await {
        Ok(company) => company,
        Err(response) => return response,
    };
    let (following, interested) = match interests::followed(&state.ctx, &page.actor).await {
        Ok((following, interested)) => (
            following.iter().map(|c| card_of(&page, c)).collect(),
            interested.iter().map(|c| card_of(&page, c)).collect(),
        ),
        Err(error) => return error_page(&page, &error),
    };
    let proposals = match proposals::of_my_company(&state.ctx, &page.actor).await {
        Ok(rows) => rows.iter().map(|p| proposal_row(&page, p)).collect(),
        Err(error) => return error_page(&page, &error),
    };
    let introductions =
        match introductions::for_company(&state.ctx, &page.actor, &company.record.id).await {
            Ok(rows) => rows.iter().map(|i| introduction_row(&page, i)).collect(),
            Err(error) => return error_page(&page, &error),
        };
    show(Following {
        frame: page.frame("Vuestros retos", "Your challenges"),
        following,
        interested,
        proposals,
        introductions,
    })
}

/// A proposal on the dashboard, with the step its state calls for.
fn proposal_row(page: &Page, p: &OwnProposal) -> ActivityRow {
    let deadline = factoria_frontend::dates::moment(page.es, p.deadline);
    let (next, link) = match (p.status, p.open) {
        (ProposalStatus::Draft | ProposalStatus::Withdrawn, true) => (
            page.t(
                &format!("Completadla y enviadla antes del {deadline}"),
                &format!("Complete and submit it before {deadline}"),
            ),
            true,
        ),
        (ProposalStatus::Submitted, true) => (
            page.t(
                &format!("Podéis cambiarla o retirarla hasta el {deadline}"),
                &format!("You can change or withdraw it until {deadline}"),
            ),
            true,
        ),
        (ProposalStatus::Submitted, false) => (
            page.t(
                "Nada: el tribunal la está evaluando",
                "Nothing: the panel is evaluating it",
            ),
            false,
        ),
        (ProposalStatus::Selected, _) => (
            page.t(
                "El equipo del reto os contactará para empezar el piloto",
                "The challenge's team will contact you to start the pilot",
            ),
            false,
        ),
        (ProposalStatus::Draft | ProposalStatus::Withdrawn, false)
        | (ProposalStatus::Unselected, _) => ("—".to_owned(), false),
    };
    ActivityRow {
        link: link.then(|| format!("/challenges/{}/proposal", p.challenge)),
        challenge: p.challenge.clone(),
        title: p.challenge_title.clone(),
        state: super::call::status_words(page, p.status),
        next,
    }
}

/// An introduction on the dashboard, with the step its stage calls for.
fn introduction_row(page: &Page, i: &IntroductionView) -> ActivityRow {
    let next = match i.stage {
        IntroductionStage::Introduced => page.t(
            &format!(
                "Aceptadla o rechazadla desde el correo que os enviamos, antes del {}",
                factoria_frontend::dates::moment(true, i.expires_at)
            ),
            &format!(
                "Accept or decline it from the email we sent you, before {}",
                factoria_frontend::dates::moment(false, i.expires_at)
            ),
        ),
        IntroductionStage::Accepted => page.t(
            "Escribid al equipo del reto para concertar una reunión",
            "Write to the challenge's team to arrange a meeting",
        ),
        IntroductionStage::Meeting => page.t(
            "Preparad con el equipo del reto la propuesta de piloto",
            "Prepare the pilot proposal with the challenge's team",
        ),
        IntroductionStage::Pilot => page.t("Llevad a cabo el piloto", "Run the pilot"),
        IntroductionStage::Contract | IntroductionStage::Declined | IntroductionStage::Expired => {
            "—".to_owned()
        }
    };
    ActivityRow {
        challenge: i.challenge.clone(),
        title: i.challenge_title.clone(),
        state: labels::stage(page, i.stage),
        next,
        link: None,
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/for-you", get(for_you))
        .route("/following", get(following))
}
