//! The account page: API tokens, erasure, and email alerts.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;
use factoria_frontend::pages::account::{Account, AlertTopic, Alerts, TokenRow};

use super::super::{FormData, Page, error_page, redirect_with_notice, show};
use crate::domain::accounts::{self};
use crate::domain::actor::Scope;
use crate::domain::alerts::{self, CONSENT_TEXT_VERSION, Frequency};
use crate::domain::{Error, privacy};
use crate::email::Topic;
use crate::http::AppState;
use crate::http::auth::clear_session_cookie_header;
use crate::http::ratelimit::ClientIp;
use crate::types::validation::FieldErrors;

pub(super) async fn account(State(state): State<AppState>, page: Page) -> Response {
    account_view(&state, &page, None).await
}

/// The account page; `new_token` is a key just created, shown this once.
async fn account_view(state: &AppState, page: &Page, new_token: Option<String>) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let (me, tokens) = match accounts::overview(&state.ctx, &page.actor).await {
        Ok(overview) => overview,
        Err(error) => return error_page(page, &error),
    };
    let tokens = tokens
        .into_iter()
        .map(|t| TokenRow {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            scopes: t
                .scopes
                .iter()
                .map(|s| match s {
                    Scope::Read => page.t("leer", "read"),
                    Scope::Write => page.t("escribir", "write"),
                })
                .collect::<Vec<_>>()
                .join(", "),
            last_used: t
                .last_used_at
                .map(|d| d.format("%d/%m/%Y %H:%M").to_string())
                .unwrap_or_else(|| page.t("nunca", "never")),
            revoked: t.revoked_at.is_some(),
        })
        .collect();
    show(Account {
        frame: page.frame("Mi cuenta", "My account"),
        name: me.name,
        email: me.email,
        tokens,
        new_token,
    })
}

pub(super) async fn create_token(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    let mut scopes = Vec::new();
    if form.flag("read") {
        scopes.push(Scope::Read);
    }
    if form.flag("write") {
        scopes.push(Scope::Write);
    }
    let name = form.get("name");
    if name.is_empty() || scopes.is_empty() {
        return error_page(
            &page,
            &Error::Invalid(FieldErrors::one(
                "name",
                page.t(
                    "Pon un nombre y elige al menos un permiso",
                    "Give a name and choose at least one scope",
                ),
            )),
        );
    }
    match accounts::issue_api_token(&state.ctx, &page.actor, name, &scopes, ip.text().as_deref())
        .await
    {
        Ok((token, _)) => {
            // Shown once, in the answer to this POST: never in an address, never stored in clear.
            account_view(&state, &page, Some(token)).await
        }
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn revoke_token(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    match accounts::revoke_api_token(&state.ctx, &page.actor, id, ip.text().as_deref()).await {
        Ok(()) => redirect_with_notice("/account", &page.t("Clave revocada.", "Token revoked.")),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn erase(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    if !form.flag("confirm") {
        return redirect_with_notice(
            "/account",
            &page.t(
                "Marca la casilla para confirmar el borrado.",
                "Tick the box to confirm the erasure.",
            ),
        );
    }
    match privacy::erase(&state.ctx, &page.actor, ip.text().as_deref()).await {
        Ok(()) => {
            let mut response = redirect_with_notice(
                "/",
                &page.t(
                    "Hemos borrado tu cuenta y tus datos personales.",
                    "We have erased your account and your personal data.",
                ),
            );
            if let Ok(value) =
                HeaderValue::from_str(&clear_session_cookie_header(&state.ctx.config.public_url))
            {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            response
        }
        Err(error) => error_page(&page, &error),
    }
}

fn topic_label(page: &Page, topic: &str) -> String {
    match topic {
        "new_challenges" => page.t(
            "Retos nuevos que encajan con mi empresa",
            "New challenges that fit my company",
        ),
        _ => page.t(
            "Cambios, respuestas a preguntas y plazos de los retos que sigo",
            "Changes, answered questions and deadlines of the challenges I follow",
        ),
    }
}

pub(super) async fn alerts_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    match alerts::list(&state.ctx, &page.actor).await {
        Ok(list) => show(Alerts {
            frame: page.frame("Avisos por correo", "Email alerts"),
            topics: list
                .into_iter()
                .map(|s| AlertTopic {
                    label: topic_label(&page, &s.topic),
                    topic: s.topic,
                    frequency: s.frequency,
                    consented: s.consented_at.map(|d| d.format("%d/%m/%Y").to_string()),
                })
                .collect(),
            consent_version: CONSENT_TEXT_VERSION.into(),
        }),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn alerts_submit(
    State(state): State<AppState>,
    page: Page,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    let mut faults = FieldErrors::default();
    let choices: Vec<(Topic, Frequency)> = Topic::ALL
        .into_iter()
        .filter(|topic| !form.get(topic.as_str()).is_empty())
        .filter_map(|topic| {
            Frequency::parse(form.get(topic.as_str()))
                .map(|frequency| (topic, frequency))
                .map_err(|message| faults.push(topic.as_str(), message))
                .ok()
        })
        .collect();
    if !faults.is_empty() {
        return error_page(&page, &Error::Invalid(faults));
    }
    if let Err(error) = alerts::choose(
        &state.ctx,
        &page.actor,
        &choices,
        Some(form.get("consent_version")),
    )
    .await
    {
        return error_page(&page, &error);
    }
    redirect_with_notice(
        "/account/alerts",
        &page.t("Avisos guardados.", "Alerts saved."),
    )
}
