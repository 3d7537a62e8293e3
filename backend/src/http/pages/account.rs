//! Sign-up, sign-in, links from emails, and the account page.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::account::{
    Account, AlertTopic, Alerts, ChoosePassword, ConfirmLink, Login, ResetRequest,
    SignUp as SignUpPage, TokenRow,
};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::{
    FormData, Page, error_page, form_errors, redirect_with_notice, render, show, with_form_cookie,
};
use crate::db::entities::user;
use crate::domain::accounts::{self, NewSession};
use crate::domain::actor::Scope;
use crate::domain::alerts::{self, CONSENT_TEXT_VERSION, Frequency};
use crate::domain::auth::{self, SignUp, purpose};
use crate::domain::{Actor, Error, privacy};
use crate::email::Topic;
use crate::http::AppState;
use crate::http::auth::{Session, clear_session_cookie_header, session_cookie_header};
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::FieldErrors;

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
struct NextQuery {
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

async fn start_session(
    state: &AppState,
    session: NewSession,
    user_id: i64,
    previous: Option<String>,
    next: &str,
) -> Response {
    if let Some(old) = previous {
        let _ = accounts::revoke_session(&state.ctx, &old).await;
    }
    let actor = accounts::actor_for_user(&state.ctx.db, user_id, None)
        .await
        .ok()
        .flatten()
        .unwrap_or(Actor::Anonymous);
    let mut response = Redirect::to(&landing(&actor, next)).into_response();
    if let Ok(value) = HeaderValue::from_str(&session_cookie_header(
        &state.ctx.config.public_url,
        &session.token,
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn signup_page(page: Page) -> Response {
    let (token, new) = page.form_token();
    let template = SignUpPage {
        frame: page.frame("Registrar una empresa", "Register a company"),
        form_token: token.clone(),
        errors: FormErrors::default(),
        email: String::new(),
        name: String::new(),
    };
    with_form_cookie(show(template), &token, new)
}

async fn signup_submit(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    if let Err(limited) = state.limits.check(Action::SignUp, &ip, None) {
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
                errors: form_errors(&errors, |_| None),
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

async fn login_page(page: Page) -> Response {
    let (token, new) = page.form_token();
    let template = Login {
        frame: page.frame("Entrar", "Sign in"),
        form_token: token.clone(),
        errors: FormErrors::default(),
        email: String::new(),
    };
    with_form_cookie(show(template), &token, new)
}

async fn login_submit(
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
            errors: form_errors(&errors, |_| None),
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
    match auth::log_in(
        &state.ctx,
        email,
        form.get("password"),
        ip.text().as_deref(),
        user_agent(&headers),
    )
    .await
    {
        Ok((new_session, user_id)) => {
            start_session(
                &state,
                new_session,
                user_id,
                session.0.map(|s| s.id),
                next.next.as_deref().unwrap_or(""),
            )
            .await
        }
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

async fn logout(
    State(state): State<AppState>,
    page: Page,
    session: Session,
    form: FormData,
) -> Response {
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    if let Some(s) = session.0 {
        let _ = accounts::revoke_session(&state.ctx, &s.id).await;
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
    with_form_cookie(show(template), &form_token, new)
}

async fn verify_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    confirm(
        &page,
        ("Confirmar tu dirección", "Confirm your address"),
        "/verify",
        q.token.unwrap_or_default(),
        (
            "Pulsa el botón para confirmar tu dirección de correo.",
            "Press the button to confirm your email address.",
        ),
        ("Confirmar mi dirección", "Confirm my address"),
    )
}

async fn verify_submit(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    if let Err(response) = page.check_form_token(&form) {
        return response;
    }
    match auth::verify_email(&state.ctx, form.get("token")).await {
        Ok(_) => redirect_with_notice(
            "/login",
            &page.t(
                "Dirección confirmada: ya puedes entrar.",
                "Address confirmed: you can sign in now.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn link_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
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

async fn link_submit(
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
    match auth::complete_login_link(
        &state.ctx,
        form.get("token"),
        ip.text().as_deref(),
        user_agent(&headers),
    )
    .await
    {
        Ok((new_session, user_id)) => {
            start_session(&state, new_session, user_id, session.0.map(|s| s.id), "").await
        }
        Err(error) => error_page(&page, &error),
    }
}

async fn reset_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
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
            with_form_cookie(show(template), &token, new)
        }
    }
}

async fn reset_request(
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
    with_form_cookie(show(template), &form_token, new)
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
                errors: form_errors(&errors, |_| None),
            },
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        ),
        Err(error) => error_page(page, &error),
    }
}

async fn reset_complete(
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

async fn invitation_page(page: Page, Query(q): Query<TokenQuery>) -> Response {
    password_form(
        &page,
        ("Bienvenida a Factoría", "Welcome to Factoría"),
        "/invitation",
        q.token.unwrap_or_default(),
    )
}

async fn invitation_submit(
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

async fn account(State(state): State<AppState>, page: Page) -> Response {
    account_view(&state, &page, None).await
}

/// The account page; `new_token` is a key just created, shown this once.
async fn account_view(state: &AppState, page: &Page, new_token: Option<String>) -> Response {
    let user = match page.user() {
        Ok(u) => u.clone(),
        Err(response) => return response,
    };
    let row = match user::Entity::find_by_id(user.id).one(&state.ctx.db).await {
        Ok(Some(row)) => row,
        Ok(None) => return error_page(page, &Error::Unauthenticated),
        Err(error) => return error_page(page, &error.into()),
    };
    let tokens = accounts::list_api_tokens(&state.ctx, user.id)
        .await
        .unwrap_or_default();
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
        name: row.name,
        email: row.email,
        tokens,
        new_token,
    })
}

async fn create_token(
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

async fn revoke_token(
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

async fn erase(
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
            "Cambios y plazos de los retos que sigo",
            "Changes and deadlines of the challenges I follow",
        ),
    }
}

async fn alerts_page(State(state): State<AppState>, page: Page) -> Response {
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

async fn alerts_submit(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    for topic in Topic::ALL {
        let Ok(frequency) = Frequency::parse(form.get(topic.as_str())) else {
            continue;
        };
        let current = alerts::list(&state.ctx, &page.actor)
            .await
            .unwrap_or_default();
        if current
            .iter()
            .any(|s| s.topic == topic.as_str() && s.frequency == form.get(topic.as_str()))
        {
            continue;
        }
        if let Err(error) = alerts::set(
            &state.ctx,
            &page.actor,
            topic,
            frequency,
            Some(form.get("consent_version")),
        )
        .await
        {
            return error_page(&page, &error);
        }
    }
    redirect_with_notice(
        "/account/alerts",
        &page.t("Avisos guardados.", "Alerts saved."),
    )
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/verify", get(verify_page).post(verify_submit))
        .route("/login/link", get(link_page).post(link_submit))
        .route("/password/reset", get(reset_page).post(reset_request))
        .route("/password/reset/complete", post(reset_complete))
        .route("/invitation", get(invitation_page).post(invitation_submit))
        .route("/account", get(account))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{id}/revoke", post(revoke_token))
        .route("/account/erase", post(erase))
        .route("/account/alerts", get(alerts_page).post(alerts_submit))
}
