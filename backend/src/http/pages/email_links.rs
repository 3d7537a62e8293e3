//! Pages of email links: accept or decline an introduction, unsubscribe. They need no session:
//! the signed token is the authority. Opening a link only shows a confirmation; the action is a
//! POST, so mail scanners that open links change nothing.

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use factoria_frontend::email_pages::{Message, Respond, Unsubscribe};
use serde::Deserialize;

use super::{Page, error_page, labels, render, show};
use crate::domain::introductions::{self, Response as Answer};
use crate::domain::{Error, alerts};
use crate::email::Topic;
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::links::LinkError;
use crate::types::IntroductionStage;

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
struct RespondForm {
    token: String,
    reason: Option<String>,
}

fn link_problem(page: &Page, error: LinkError) -> Response {
    let (es, en) = match error {
        LinkError::Expired => ("Este enlace ha caducado", "This link has expired"),
        LinkError::Invalid => ("Este enlace no es válido", "This link is not valid"),
    };
    let paragraph = page.t(
        "Comprueba que lo has copiado entero. Si ha caducado, pide que te lo envíen de nuevo.",
        "Check that you copied all of it. If it has expired, ask for a new one.",
    );
    render(
        Message {
            frame: page.frame(es, en),
            paragraphs: vec![paragraph],
        },
        StatusCode::BAD_REQUEST,
        false,
    )
}

async fn respond_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    match introductions::for_link(&state.ctx, &token).await {
        Err(error) => error_page(&page, &error),
        Ok(Err(refused)) => link_problem(&page, refused),
        Ok(Ok((_, intro))) if intro.stage != IntroductionStage::Introduced => {
            let stage = labels::stage(&page, intro.stage).to_lowercase();
            let text = page.t(
                &format!("Esta presentación ya se respondió: está {stage}."),
                &format!("This introduction was already answered: it is {stage}."),
            );
            show(Message {
                frame: page.frame(
                    "Presentación ya respondida",
                    "Introduction already answered",
                ),
                paragraphs: vec![text],
            })
        }
        Ok(Ok((answer, intro))) => {
            let accept = answer == Answer::Accept;
            let frame = if accept {
                page.frame("Aceptar la presentación", "Accept the introduction")
            } else {
                page.frame("Rechazar la presentación", "Decline the introduction")
            };
            show(Respond {
                frame,
                accept,
                token,
                department: intro.department,
                company: intro.company_name,
                challenge_id: intro.challenge,
                challenge_title: intro.challenge_title,
            })
        }
    }
}

async fn respond_submit(
    State(state): State<AppState>,
    page: Page,
    Form(form): Form<RespondForm>,
) -> Response {
    let reason = form
        .reason
        .map(|r| r.trim().chars().take(2000).collect::<String>())
        .filter(|r| !r.is_empty());
    match introductions::respond(&state.ctx, &form.token, reason).await {
        Ok(intro) if intro.stage == IntroductionStage::Accepted => show(Message {
            frame: page.frame("Presentación aceptada", "Introduction accepted"),
            paragraphs: vec![page.t(
                "Gracias. Os hemos enviado a ambos un correo con los datos de contacto del otro; respondiendo a ese correo os escribís directamente.",
                "Thank you. We have sent you both an email with each other's contact details; reply to it to write to each other directly.",
            )],
        }),
        Ok(_) => show(Message {
            frame: page.frame("Presentación rechazada", "Introduction declined"),
            paragraphs: vec![page.t("Gracias por responder. Se lo hemos comunicado al equipo del reto.", "Thank you for answering. We have told the challenge team.")],
        }),
        Err(Error::Forbidden(message)) if message.contains("expired") => link_problem(&page, LinkError::Expired),
        Err(Error::Forbidden(_)) => link_problem(&page, LinkError::Invalid),
        Err(Error::Conflict(message)) => render(
            Message { frame: page.frame("Presentación ya respondida", "Introduction already answered"), paragraphs: vec![message] },
            StatusCode::CONFLICT,
            false,
        ),
        Err(error) => error_page(&page, &error),
    }
}

fn topic_words(page: &Page, topic: Topic) -> String {
    match topic {
        Topic::NewChallenges => page.t(
            "los avisos de retos nuevos para tu empresa",
            "alerts of new challenges for your company",
        ),
        Topic::FollowedChallenges => page.t(
            "los avisos de los retos que sigues",
            "alerts about the challenges you follow",
        ),
    }
}

async fn unsubscribe_page(
    State(state): State<AppState>,
    page: Page,
    Query(q): Query<TokenQuery>,
) -> Response {
    let token = q.token.unwrap_or_default();
    match alerts::unsubscribe_target(&state.ctx, &token).await {
        Err(error) => error_page(&page, &error),
        Ok(Err(refused)) => link_problem(&page, refused),
        Ok(Ok(target)) => show(Unsubscribe {
            frame: page.frame("Darse de baja", "Unsubscribe"),
            topic: topic_words(&page, target.topic),
            address: crate::email::mask(&target.address),
            token,
        }),
    }
}

/// RFC 8058 one-click unsubscribe: works without cookie or login, and never redirects.
async fn unsubscribe_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    Query(q): Query<TokenQuery>,
) -> Response {
    if let Err(limited) = state.limits.check(Action::Unsubscribe, &ip, None) {
        return error_page(&page, &limited.0);
    }
    let token = q.token.unwrap_or_default();
    let target = match alerts::unsubscribe_target(&state.ctx, &token).await {
        Ok(Ok(target)) => target,
        Ok(Err(refused)) => return link_problem(&page, refused),
        Err(error) => return error_page(&page, &error),
    };
    match alerts::unsubscribe(&state.ctx, &target).await {
        Ok(()) => show(Message {
            frame: page.frame("Baja confirmada", "Unsubscribed"),
            paragraphs: vec![page.t(
                &format!(
                    "No enviaremos más {} a {}.",
                    topic_words(&page, target.topic),
                    crate::email::mask(&target.address)
                ),
                &format!(
                    "We will send no more {} to {}.",
                    topic_words(&page, target.topic),
                    crate::email::mask(&target.address)
                ),
            )],
        }),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/introductions/respond",
            get(respond_page).post(respond_submit),
        )
        .route(
            "/email/unsubscribe",
            get(unsubscribe_page).post(unsubscribe_submit),
        )
}
