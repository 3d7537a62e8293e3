//! Signing up, signing in and out.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::account::{Login, SignUp as SignUpPage};

use super::super::{
    FormData, Page, error_page, form_errors, redirect_with_notice, render, show, with_form_cookie,
};
use crate::domain::accounts::{self, NewSession, SignInFrom};
use crate::domain::auth::{self, SignUp};
use crate::domain::{Actor, Error};
use crate::http::AppState;
use crate::http::auth::{Session, clear_session_cookie_header, session_cookie_header};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::FieldErrors;
use serde::Deserialize;

#[derive(Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Where a freshly signed-in user goes: where they were going, else their role's home.
fn landing(actor: &Actor, next: &str) -> String {
    if let Some(target) = crate::http::redirect::local_target(next) {
        return target;
    }
    match actor.user() {
        Some(u) if u.is_admin => "/admin".into(),
        Some(u) if !u.departments.is_empty() => "/officer".into(),
        Some(u) if !u.companies.is_empty() => "/for-you".into(),
        Some(_) => "/company/new".into(),
        None => "/".into(),
    }
}

/// Sets the cookie of a session just started and sends its user on.
pub(super) fn start_session(state: &AppState, session: NewSession, next: &str) -> Response {
    let mut response = Redirect::to(&landing(&session.actor, next)).into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie_header(
        &state.ctx.config.public_url,
        &session.token,
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// The client of a sign-in and the session it replaces.
pub(super) fn sign_in_from(ip: &ClientIp, headers: &HeaderMap, previous: Session) -> SignInFrom {
    SignInFrom {
        ip: ip.text(),
        user_agent: user_agent(headers),
        replacing: previous.0.map(|s| s.id),
    }
}

pub(super) async fn signup_page(page: Page) -> Response {
    let (token, new) = page.form_token();
    let template = SignUpPage {
        frame: page.frame("Registrar una empresa", "Register a company"),
        form_token: token.clone(),
        errors: FormErrors::default(),
        email: String::new(),
        name: String::new(),
    };
    with_form_cookie(&page, show(template), &token, new)
}

pub(super) async fn signup_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    // Every sign-up emails its address: limited per client and per address.
    if let Err(limited) = state
        .limits
        .check(Action::SignUp, &ip, Some(form.get("email")))
    {
        return error_page(&page, &limited.0);
    }
    let locale = if page.es { "es" } else { "en" };
    match SignUp::parse(
        form.get("email"),
        form.get("name"),
        form.get("password"),
        locale,
    ) {
        Err(errors) => {
            let (token, _) = page.form_token();
            let template = SignUpPage {
                frame: page.frame("Registrar una empresa", "Register a company"),
                form_token: token,
                errors: form_errors(&errors, |_| None, page.es),
                email: form.get("email").to_owned(),
                name: form.get("name").to_owned(),
            };
            render(template, StatusCode::UNPROCESSABLE_ENTITY, false)
        }
        Ok(signup) => match auth::sign_up(&state.ctx, signup, ip.text().as_deref()).await {
            Ok(()) => redirect_with_notice(
                "/login",
                &page.t(
                    "Te hemos enviado un enlace para confirmar tu dirección. Ábrelo y entra.",
                    "We have sent you a link to confirm your address. Open it, then sign in.",
                ),
            ),
            Err(error) => error_page(&page, &error),
        },
    }
}

pub(super) async fn login_page(page: Page) -> Response {
    let (token, new) = page.form_token();
    let template = Login {
        frame: page.frame("Entrar", "Sign in"),
        form_token: token.clone(),
        errors: FormErrors::default(),
        email: String::new(),
    };
    with_form_cookie(&page, show(template), &token, new)
}

pub(super) async fn login_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    session: Session,
    headers: HeaderMap,
    Query(next): Query<NextQuery>,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    let email = form.get("email");
    let failed = |page: &Page, errors: FieldErrors| {
        let (token, _) = page.form_token();
        let template = Login {
            frame: page.frame("Entrar", "Sign in"),
            form_token: token,
            errors: form_errors(&errors, |_| None, page.es),
            email: email.to_owned(),
        };
        render(template, StatusCode::UNPROCESSABLE_ENTITY, false)
    };
    if email.is_empty() {
        return failed(
            &page,
            FieldErrors::one(
                "email",
                page.t("Escribe tu correo electrónico", "Enter your email address"),
            ),
        );
    }
    if let Err(limited) = state.limits.check(
        if form.get("method") == "link" {
            Action::EmailLink
        } else {
            Action::Login
        },
        &ip,
        Some(email),
    ) {
        return error_page(&page, &limited.0);
    }
    if form.get("method") == "link" {
        return match auth::request_login_link(&state.ctx, email).await {
            Ok(()) => redirect_with_notice(
                "/login",
                &page.t(
                    "Si la dirección tiene cuenta, te hemos enviado un enlace para entrar.",
                    "If the address has an account, we have sent it a sign-in link.",
                ),
            ),
            Err(error) => error_page(&page, &error),
        };
    }
    let from = sign_in_from(&ip, &headers, session);
    match auth::log_in(&state.ctx, email, form.get("password"), from).await {
        Ok(new_session) => start_session(&state, new_session, next.next.as_deref().unwrap_or("")),
        Err(Error::Forbidden(message)) => failed(
            &page,
            FieldErrors::one(
                "password",
                if message.contains("confirm") {
                    page.t(
                        "Confirma tu dirección primero: te hemos enviado un enlace nuevo.",
                        "Confirm your address first: we have sent you a new link.",
                    )
                } else {
                    page.t(
                        "El correo o la contraseña no son correctos",
                        "Wrong email address or password",
                    )
                },
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn logout(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    if let Some(s) = session.0
        && let Err(error) = accounts::revoke_session(&state.ctx, &s.id).await
    {
        return error_page(&page, &error);
    }
    let mut response = redirect_with_notice(
        "/",
        &page.t("Has salido de Factoría.", "You have signed out."),
    );
    if let Ok(value) =
        HeaderValue::from_str(&clear_session_cookie_header(&state.ctx.config.public_url))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
