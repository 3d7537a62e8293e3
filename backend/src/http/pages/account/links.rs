//! Pages of links sent by email to one person: confirming the address, signing in with a
//! link, choosing a password after a reset or an invitation. Opening a link only shows a form;
//! the action is its POST, with the anonymous form token.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use factoria_frontend::layout::{FormError, FormErrors};
use factoria_frontend::pages::account::{ChoosePassword, ConfirmLink, ResetRequest, VerifyEmail};

use super::super::{
    FormData, Page, error_page, form_errors, redirect_with_notice, render, show, with_form_cookie,
};
use super::TokenQuery;
use super::sign_in::{sign_in_from, start_session};
use crate::domain::Error;
use crate::domain::auth::{self, purpose};
use crate::http::AppState;
use crate::http::auth::Session;
use crate::http::ratelimit::{Action, ClientIp};

fn confirm(
    page: &Page,
    title: (&str, &str),
    action: &str,
    token: String,
    text: (&str, &str),
    button: (&str, &str),
) -> Response {
    let (form_token, new) = page.form_token();
    let template = ConfirmLink {
        frame: page.frame(title.0, title.1),
        form_token: form_token.clone(),
        action: action.to_owned(),
        token,
        text: page.t(text.0, text.1),
        button: page.t(button.0, button.1),
    };
    with_form_cookie(&page, show(template), &form_token, new)
}

fn verify_form(page: &Page, form_token: String, token: String, errors: FormErrors) -> VerifyEmail {
    VerifyEmail {
        frame: page.frame("Confirmar tu dirección", "Confirm your address"),
        form_token,
        token,
        errors,
    }
}

pub(super) async fn verify_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    let (form_token, new) = page.form_token();
    let template = verify_form(
        &page,
        form_token.clone(),
        q.token.unwrap_or_default(),
        FormErrors::default(),
    );
    with_form_cookie(&page, show(template), &form_token, new)
}

pub(super) async fn verify_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    // A password is guessed here as at sign-in: limited per client and per link.
    if let Err(limited) = state
        .limits
        .check(Action::Login, &ip, Some(form.get("token")))
    {
        return error_page(&page, &limited.0);
    }
    match auth::verify_email(&state.ctx, form.get("token"), form.get("password")).await {
        Ok(_) => redirect_with_notice(
            "/login",
            &page.t(
                "Dirección confirmada: ya puedes entrar.",
                "Address confirmed: you can sign in now.",
            ),
        ),
        Err(Error::Invalid(_)) => {
            let errors = FormErrors(vec![FormError {
                field: "password".into(),
                message: page.t(
                    "No es la contraseña que se eligió al registrarse con este enlace.",
                    "This is not the password chosen when signing up with this link.",
                ),
            }]);
            let template = verify_form(
                &page,
                form.get("form_token").into(),
                form.get("token").into(),
                errors,
            );
            render(template, StatusCode::UNPROCESSABLE_ENTITY, false)
        }
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn link_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    confirm(
        &page,
        ("Entrar con el enlace", "Sign in with the link"),
        "/login/link",
        q.token.unwrap_or_default(),
        (
            "Pulsa el botón para entrar en Factoría.",
            "Press the button to sign in to Factoría.",
        ),
        ("Entrar", "Sign in"),
    )
}

pub(super) async fn link_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    session: Session,
    headers: HeaderMap,
    form: FormData,
) -> Response {
    // Without the form token, a page elsewhere could post its own link token here and sign the
    // visitor into the attacker's account (login CSRF).
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    let from = sign_in_from(&ip, &headers, session);
    match auth::complete_login_link(&state.ctx, form.get("token"), from).await {
        Ok(new_session) => start_session(&state, new_session, ""),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn reset_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    match q.token {
        Some(token) => password_form(
            &page,
            ("Elegir una contraseña nueva", "Choose a new password"),
            "/password/reset/complete",
            token,
        ),
        None => {
            let (token, new) = page.form_token();
            let template = ResetRequest {
                frame: page.frame("Recuperar la contraseña", "Reset your password"),
                form_token: token.clone(),
                errors: FormErrors::default(),
            };
            with_form_cookie(&page, show(template), &token, new)
        }
    }
}

pub(super) async fn reset_request(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    if let Err(limited) = state
        .limits
        .check(Action::EmailLink, &ip, Some(form.get("email")))
    {
        return error_page(&page, &limited.0);
    }
    match auth::request_password_reset(&state.ctx, form.get("email")).await {
        Ok(()) => redirect_with_notice("/login", &page.t("Si la dirección tiene cuenta, te hemos enviado un enlace para cambiar la contraseña.", "If the address has an account, we have sent it a link to reset the password.")),
        Err(error) => error_page(&page, &error),
    }
}

/// The form that sets a password from an emailed link.
fn password_form(page: &Page, title: (&str, &str), action: &str, token: String) -> Response {
    let (form_token, new) = page.form_token();
    let template = ChoosePassword {
        frame: page.frame(title.0, title.1),
        form_token: form_token.clone(),
        action: action.into(),
        token,
        errors: FormErrors::default(),
    };
    with_form_cookie(&page, show(template), &form_token, new)
}

async fn choose_password(
    state: &AppState,
    page: &Page,
    ip: &ClientIp,
    form: &FormData,
    link_purpose: &str,
    action: &str,
) -> Response {
    if let Err(response) = page.check_form_token(form) {
        return response;
    }
    match auth::complete_password_link(
        &state.ctx,
        form.get("token"),
        form.get("password"),
        link_purpose,
        ip.text().as_deref(),
    )
    .await
    {
        Ok(_) => redirect_with_notice(
            "/login",
            &page.t(
                "Contraseña guardada: entra con ella.",
                "Password saved: sign in with it.",
            ),
        ),
        Err(Error::Invalid(errors)) => render(
            ChoosePassword {
                frame: page.frame("Elegir una contraseña", "Choose a password"),
                form_token: form.get("form_token").into(),
                action: action.into(),
                token: form.get("token").into(),
                errors: form_errors(&errors, |_| None, page.es),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        ),
        Err(error) => error_page(page, &error),
    }
}

pub(super) async fn reset_complete(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    choose_password(
        &state,
        &page,
        &ip,
        &form,
        purpose::PASSWORD_RESET,
        "/password/reset/complete",
    )
    .await
}

pub(super) async fn invitation_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    password_form(
        &page,
        ("Bienvenida a Factoría", "Welcome to Factoría"),
        "/invitation",
        q.token.unwrap_or_default(),
    )
}

pub(super) async fn invitation_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    choose_password(
        &state,
        &page,
        &ip,
        &form,
        purpose::INVITATION,
        "/invitation",
    )
    .await
}
