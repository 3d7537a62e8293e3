//! The web pages: server-rendered HTML that works without JavaScript. Every form posts, then
//! redirects to a page that shows the outcome (POST → redirect → GET); a form with faults is
//! shown again with an error summary linked to the fields.

mod account;
mod admin;
mod call;
mod company;
mod conflicts;
mod cpv_form;
mod email_links;
mod feeds;
pub(crate) mod labels;
mod officer;
mod public;
mod spanish;
mod startup;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use factoria_frontend::layout::{Frame, NavUser};
use serde::Deserialize;

use super::AppState;
use super::auth::{Session, cookie, form_cookie_header, form_cookie_name};
use super::error::{ApiError, public_message, status_of};
use crate::domain::{Actor, Error};

/// Cookie holding the language chosen by someone not signed in.
const LANG_COOKIE: &str = "factoria_lang";

/// What a page handler knows about its request.
pub struct Page {
    /// Who is asking.
    pub actor: Actor,
    /// Their session's CSRF token ("" when not signed in).
    pub csrf: String,
    /// Spanish (else English).
    pub es: bool,
    /// Path and query, for the language switch.
    pub here: String,
    notice: Option<String>,
    /// The anonymous-form cookie, when the browser sent one.
    form_cookie: Option<String>,
    /// The site's public URL, which decides the cookies' names and attributes.
    public_url: url::Url,
}

/// Whether the client's `Accept-Language` puts English before Spanish.
pub(crate) fn accept_language_is_english(headers: &axum::http::HeaderMap) -> bool {
    let Some(header) = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    // The first of es/en in the client's order of preference wins.
    header
        .split(',')
        .map(|part| {
            part.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .find(|tag| tag.starts_with("es") || tag.starts_with("en"))
        .is_some_and(|tag| tag.starts_with("en"))
}

/// The page that asks before removing a document or attachment, or `None` once confirmed.
pub(super) fn confirm_removal(page: &Page, form: &FormData, back: &str) -> Option<Response> {
    (form.get("confirmed") != "1").then(|| {
        show(factoria_frontend::pages::ConfirmAction {
            frame: page.frame("¿Eliminar este documento?", "Remove this document?"),
            consequence: page.t(
                "Se eliminará y nadie podrá descargarlo ya. No se puede deshacer.",
                "It will be removed and nobody will be able to download it. This cannot be undone.",
            ),
            action: page.here.clone(),
            fields: Vec::new(),
            button: page.t("Sí, eliminarlo", "Yes, remove it"),
            back: back.to_owned(),
        })
    })
}

/// The first value of `name` among a query's pairs (repeated ones after it are ignored).
pub(super) fn first_value<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `path?query` without its `lang=` pairs.
fn without_lang(here: &str) -> String {
    let (path, query) = here.split_once('?').unwrap_or((here, ""));
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("lang="))
        .collect();
    if kept.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", kept.join("&"))
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Session(session) = Session::from_request_parts(parts, state).await?;
        let (actor, csrf) = match &session {
            Some(s) => (s.actor.clone(), s.csrf.clone()),
            None => (Actor::Anonymous, String::new()),
        };
        // `?lang=` addresses one language's version of a page (the hreflang alternates).
        let asked = parts
            .uri
            .query()
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| match pair.to_ascii_lowercase().as_str() {
                "lang=es" => Some(true),
                "lang=en" => Some(false),
                _ => None,
            });
        let es = match (asked, &actor, cookie(parts, LANG_COOKIE)) {
            (Some(es), _, _) => es,
            (None, Actor::User(user), _) => user.locale != "en",
            (None, _, Some(lang)) => lang != "en",
            (None, _, None) => !accept_language_is_english(&parts.headers),
        };
        let notice = cookie(parts, NOTICE_COOKIE).map(decode_notice);
        // Without `lang=`: where the language switch and sign-in come back to, which must not
        // pin a language over the visitor's choice.
        let here = without_lang(parts.uri.path_and_query().map_or("/", |p| p.as_str()));
        let public_url = state.ctx.config.public_url.clone();
        let form_cookie = cookie(parts, form_cookie_name(&public_url)).map(str::to_owned);
        Ok(Page {
            actor,
            csrf,
            es,
            here,
            notice,
            form_cookie,
            public_url,
        })
    }
}

impl Page {
    /// The frame of a page titled `title` (Spanish, English).
    pub fn frame(&self, es: &str, en: &str) -> Frame {
        let user = self.actor.user().map(|u| NavUser {
            name: u.name.clone(),
            company: (!u.companies.is_empty()).then(String::new),
            officer: !u.departments.is_empty(),
            admin: u.is_admin,
        });
        Frame {
            es: self.es,
            title: if self.es { es } else { en }.to_owned(),
            user,
            csrf: self.csrf.clone(),
            here: self.here.clone(),
            notice: self.notice.clone(),
            feed: None,
            alternates: self.alternates(),
        }
    }

    /// This page in each language (`?lang=`), and as the visitor's own choice (`x-default`):
    /// absolute addresses for `<link rel="alternate" hreflang>`.
    fn alternates(&self) -> Vec<(&'static str, String)> {
        let base = self.public_url.as_str().trim_end_matches('/');
        let with = |lang: Option<&str>| match (lang, self.here.contains('?')) {
            (None, _) => format!("{base}{}", self.here),
            (Some(lang), true) => format!("{base}{}&lang={lang}", self.here),
            (Some(lang), false) => format!("{base}{}?lang={lang}", self.here),
        };
        vec![
            ("es", with(Some("es"))),
            ("en", with(Some("en"))),
            ("x-default", with(None)),
        ]
    }

    /// Text in the page's language.
    pub fn t(&self, es: &str, en: &str) -> String {
        if self.es { es } else { en }.to_owned()
    }

    /// The language for explanations.
    pub fn lang(&self) -> factoria_search::Lang {
        if self.es {
            factoria_search::Lang::Es
        } else {
            factoria_search::Lang::En
        }
    }

    /// The signed-in user, or a redirect to the sign-in page that comes back here.
    pub fn user(&self) -> Result<&crate::domain::actor::UserActor, Response> {
        self.actor.user().ok_or_else(|| {
            Redirect::to(&format!(
                "/login?next={}",
                factoria_frontend::layout::encode(&self.here)
            ))
            .into_response()
        })
    }

    /// A form posted by a signed-in user with the session's token: the user, or the answer to
    /// give instead (the sign-in page, or the expired-form page).
    pub fn signed_form(
        &self,
        form: &FormData,
    ) -> Result<&crate::domain::actor::UserActor, Response> {
        let user = self.user()?;
        self.check_csrf(form)?;
        Ok(user)
    }

    /// Checks the CSRF token of a signed-in form.
    pub fn check_csrf(&self, form: &FormData) -> Result<(), Response> {
        if self.csrf.is_empty() || form.get("csrf") != self.csrf {
            return Err(error_page(
                self,
                &Error::forbidden(self.t(
                    "El formulario ha caducado: recarga la página y vuelve a intentarlo.",
                    "The form has expired: reload the page and try again.",
                )),
            ));
        }
        Ok(())
    }

    /// The token of an anonymous form (sign-up, sign-in): the browser's form cookie, or a new one
    /// to set. Cross-site pages can neither read the cookie nor, with SameSite, send it.
    pub fn form_token(&self) -> (String, bool) {
        match &self.form_cookie {
            Some(token) if token.len() >= 20 => (token.clone(), false),
            _ => (crate::domain::accounts::random_token(), true),
        }
    }

    /// Checks the token of an anonymous form.
    pub fn check_form_token(&self, form: &FormData) -> Result<(), Response> {
        match &self.form_cookie {
            Some(token) if !token.is_empty() && form.get("form_token") == token.as_str() => Ok(()),
            _ => Err(error_page(
                self,
                &Error::forbidden(self.t(
                    "El formulario ha caducado: recarga la página y vuelve a intentarlo.",
                    "The form has expired: reload the page and try again.",
                )),
            )),
        }
    }
}

/// Adds the anonymous-form cookie to a response when it is new.
pub fn with_form_cookie(page: &Page, mut response: Response, token: &str, new: bool) -> Response {
    if new && let Ok(value) = HeaderValue::from_str(&form_cookie_header(&page.public_url, token)) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A submitted form, with repeated fields kept (the CPV inputs).
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    /// A form from literal pairs, for tests.
    #[cfg(test)]
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    /// The first value of `key`, trimmed ("" when absent).
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.trim())
    }

    /// Every non-empty value of `key`.
    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == key && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
            .collect()
    }

    /// Whether a checkbox `key` is ticked.
    pub fn flag(&self, key: &str) -> bool {
        matches!(self.get(key), "1" | "on" | "true")
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::Form(pairs) = axum::Form::<Vec<(String, String)>>::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(FormData(pairs))
    }
}

/// Field errors of the domain as form errors, in Spanish when `es`. A path becomes the id of
/// its input: list positions are dropped (`cpv[2]` → `cpv`), nesting becomes `_`
/// (`contact.email` → `contact_email`), and `rename` maps what the form calls differently.
pub fn form_errors(
    errors: &crate::types::validation::FieldErrors,
    rename: impl Fn(&str) -> Option<&'static str>,
    es: bool,
) -> factoria_frontend::layout::FormErrors {
    let mut out: Vec<factoria_frontend::layout::FormError> = Vec::new();
    for e in &errors.0 {
        let path = e
            .field
            .split('[')
            .next()
            .unwrap_or(&e.field)
            .replace('.', "_");
        let id = rename(&path).map_or(path, str::to_owned);
        if out.iter().any(|o| o.field == id) {
            continue;
        }
        out.push(factoria_frontend::layout::FormError {
            field: id,
            message: es
                .then(|| spanish::field_message(&e.message))
                .flatten()
                .map_or_else(|| e.message.clone(), |m| capitalised(&m)),
        });
    }
    factoria_frontend::layout::FormErrors(out)
}

/// How long a save waits for the index, so the page after it shows the change.
const READ_YOUR_WRITE: std::time::Duration = std::time::Duration::from_secs(5);

/// Waits until this process's index reflects a change the visitor just saved, so the page
/// after it shows the change.
pub async fn reflect(state: &AppState, key: factoria_search::EntityKey) {
    state.ctx.reflect(key, READ_YOUR_WRITE).await;
}

/// Cookie carrying a one-line notice from a POST to the page it redirects to.
const NOTICE_COOKIE: &str = "factoria_notice";

fn decode_notice(value: &str) -> String {
    let bytes: Vec<u8> = value
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        })
        .collect();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Redirects (303) to `to`, leaving `notice` for the next page.
pub fn redirect_with_notice(to: &str, notice: &str) -> Response {
    let encoded: String = notice.bytes().map(|b| format!("{b:02x}")).collect();
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{NOTICE_COOKIE}={encoded}; Path=/; HttpOnly; SameSite=Lax; Max-Age=30"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// Renders a template as the answer; a rendering failure is logged and shows a plain error.
pub fn render(template: impl Template, status: StatusCode, clear_notice: bool) -> Response {
    match template.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            if clear_notice {
                response.headers_mut().append(
                    header::SET_COOKIE,
                    HeaderValue::from_static("factoria_notice=; Path=/; Max-Age=0"),
                );
            }
            response
        }
        Err(error) => {
            ApiError(Error::Internal(anyhow::anyhow!("template: {error}"))).into_response()
        }
    }
}

/// Shows a page with its notice consumed.
pub fn show(template: impl Template) -> Response {
    render(template, StatusCode::OK, true)
}

/// An error as a page in the visitor's language.
pub fn error_page(page: &Page, error: &Error) -> Response {
    super::error::log(error);
    let (status, _) = status_of(error);
    let (title_es, title_en) = match status {
        StatusCode::NOT_FOUND => ("Página no encontrada", "Page not found"),
        StatusCode::FORBIDDEN => ("No puedes hacer esto", "You cannot do this"),
        StatusCode::UNAUTHORIZED => ("Entra para continuar", "Sign in to continue"),
        StatusCode::TOO_MANY_REQUESTS => ("Demasiados intentos", "Too many attempts"),
        _ => ("Algo ha fallado", "Something went wrong"),
    };
    let message = public_message(error);
    let template = factoria_frontend::email_pages::Message {
        frame: page.frame(title_es, title_en),
        paragraphs: vec![if page.es {
            spanish::error(error).unwrap_or(message)
        } else {
            message
        }],
    };
    render(template, status, false)
}

#[derive(Deserialize)]
struct LangQuery {
    to: Option<String>,
    back: Option<String>,
}

/// Switches the language (a link on every page) and goes back where the visitor was.
async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    page: Page,
    headers: axum::http::HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let lang = if q.to.as_deref() == Some("en") {
        "en"
    } else {
        "es"
    };
    let back = q
        .back
        .as_deref()
        .and_then(crate::http::redirect::local_target)
        .unwrap_or_else(|| "/".into());
    // The language of the account (its emails) follows only a click on this site: a page
    // elsewhere that embeds this address (an image, a link) changes at most this browser's
    // cookie. Browsers say where a request comes from in `Sec-Fetch-Site`.
    let from_this_site = matches!(
        headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()),
        Some("same-origin" | "none")
    );
    if from_this_site
        && let Err(error) = crate::domain::accounts::set_locale(&state.ctx, &page.actor, lang).await
    {
        return error_page(&page, &error);
    }
    let mut response = Redirect::to(&back).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
    )) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A `multipart/form-data` form: its text fields, and its `file` when one was chosen.
pub struct UploadForm {
    /// The text fields (the CSRF token among them).
    pub fields: FormData,
    /// The file.
    pub file: Option<crate::domain::documents::Upload>,
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for UploadForm {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let mut multipart = axum::extract::Multipart::from_request(request, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let mut fields = Vec::new();
        let mut file = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(error) => return Err(error.into_response()),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field.bytes().await.map_err(IntoResponse::into_response)?;
            match file_name {
                Some(file_name) if name == "file" && !bytes.is_empty() => {
                    file = Some(crate::domain::documents::Upload {
                        name: file_name,
                        bytes,
                    });
                }
                Some(_) => {}
                None => fields.push((name, String::from_utf8_lossy(&bytes).into_owned())),
            }
        }
        Ok(UploadForm {
            fields: FormData(fields),
            file,
        })
    }
}

impl UploadForm {
    /// The file, or the fault of a form sent without one.
    pub fn required_file(self) -> Result<crate::domain::documents::Upload, Error> {
        self.file.ok_or_else(|| {
            crate::types::validation::FieldErrors::one("file", "choose a file").into()
        })
    }
}

/// The routes of pages that take files, which need a larger body limit than the others.
pub fn upload_routes() -> Router<AppState> {
    Router::new()
        .merge(call::upload_routes())
        .merge(officer::upload_routes())
}

/// The pages' routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/lang", get(switch_language))
        .merge(email_links::routes())
        .merge(feeds::routes())
        .merge(public::routes())
        .merge(call::routes())
        .merge(account::routes())
        .merge(company::routes())
        .merge(startup::routes())
        .merge(officer::routes())
        .merge(admin::routes())
}

/// `text` with its first letter in capitals.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}
