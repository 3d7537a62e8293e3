//! Pages of company members: the profile editor, challenges for you, followed challenges.
//!
//! The profile form is turned into the interchange record and read by the same parser as the
//! API and the importer, so a form and a JSON body are checked by one set of rules.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::company::{CpvOption, Profile, ProfileForm};
use serde_json::{Map, Value, json};

use super::conflicts::{conflict_between, form_version};
use super::{FormData, Page, error_page, form_errors, redirect_with_notice, reflect, render, show};
use super::{cpv_form, labels};
use crate::domain::Error;
use crate::domain::companies::{self, CompanyView};
use crate::domain::records::{CompanyProfile, CompanyRecord};
use crate::http::AppState;
use crate::types::validation::UnknownFields;

/// Empty CPV inputs offered below the filled ones.
const SPARE_CPV_INPUTS: usize = 3;

/// Splits a comma-separated field into its non-empty items.
fn comma_list(text: &str) -> Vec<Value> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| json!(s))
        .collect()
}

/// Splits a multi-line field into its non-empty lines.
fn line_list(text: &str) -> Vec<Value> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| json!(s))
        .collect()
}

/// The ticked sectors and the other ones typed.
pub(super) fn sectors_of(form: &FormData) -> Vec<Value> {
    let mut sectors: Vec<Value> = form.all("sector").into_iter().map(Value::String).collect();
    sectors.extend(comma_list(form.get("other_sectors")));
    sectors
}

/// A number typed in a form: a JSON number when it is one, else the text, so the parser names
/// the field in its error instead of the value vanishing.
pub(super) fn number_or_text(text: &str) -> Option<Value> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let plain = text.replace(['.', ' '], "").replace(',', ".");
    Some(match plain.parse::<f64>() {
        Ok(n) if n.fract() == 0.0 && n.abs() < 1e15 => json!(n as i64),
        Ok(n) => json!(n),
        Err(_) => json!(text),
    })
}

/// Puts `value` under `key` when it is not empty.
pub(super) fn put(record: &mut Map<String, Value>, key: &str, value: Value) {
    let empty = match &value {
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Null => true,
        _ => false,
    };
    if !empty {
        record.insert(key.to_owned(), value);
    }
}

/// The interchange record of a submitted profile form.
fn record_of(form: &FormData) -> Value {
    let mut record = Map::new();
    put(&mut record, "name", json!(form.get("name")));
    put(&mut record, "kind", json!(form.get("kind")));
    put(&mut record, "size", json!(form.get("size")));
    put(
        &mut record,
        "founded",
        number_or_text(form.get("founded")).unwrap_or(Value::Null),
    );
    put(&mut record, "region", json!(form.get("region")));
    put(&mut record, "municipality", json!(form.get("municipality")));
    put(&mut record, "website", json!(form.get("website")));
    let mut contact = Map::new();
    put(&mut contact, "name", json!(form.get("contact_name")));
    put(&mut contact, "email", json!(form.get("contact_email")));
    if !contact.is_empty() {
        record.insert("contact".into(), Value::Object(contact));
    }
    put(&mut record, "tax_id", json!(form.get("tax_id")));
    let languages: Vec<&str> = [("lang_es", "es"), ("lang_en", "en")]
        .into_iter()
        .filter(|(field, _)| form.flag(field))
        .map(|(_, code)| code)
        .collect();
    put(&mut record, "languages", json!(languages));
    put(&mut record, "description", json!(form.get("description")));
    put(
        &mut record,
        "capabilities",
        Value::Array(line_list(form.get("capabilities"))),
    );
    put(
        &mut record,
        "technologies",
        Value::Array(comma_list(form.get("technologies"))),
    );
    put(&mut record, "sectors", Value::Array(sectors_of(form)));
    put(&mut record, "cpv", json!(form.all("cpv")));
    put(
        &mut record,
        "trl",
        number_or_text(form.get("trl")).unwrap_or(Value::Null),
    );
    put(
        &mut record,
        "certifications",
        Value::Array(comma_list(form.get("certifications"))),
    );
    let references: Vec<Value> = form
        .get("references")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut parts = line.split('|').map(str::trim);
            let mut reference = Map::new();
            put(
                &mut reference,
                "title",
                json!(parts.next().unwrap_or_default()),
            );
            put(
                &mut reference,
                "client",
                json!(parts.next().unwrap_or_default()),
            );
            if let Some(year) = parts.next().and_then(number_or_text) {
                reference.insert("year".into(), year);
            }
            Value::Object(reference)
        })
        .collect();
    put(&mut record, "references", Value::Array(references));
    Value::Object(record)
}

/// The form as the visitor typed it, to show again with its faults.
fn form_as_typed(form: &FormData) -> ProfileForm {
    let mut cpv = form.all("cpv");
    cpv.extend(std::iter::repeat_n(String::new(), SPARE_CPV_INPUTS));
    ProfileForm {
        version: form.get("version").into(),
        name: form.get("name").into(),
        kind: form.get("kind").into(),
        size: form.get("size").into(),
        founded: form.get("founded").into(),
        region: form.get("region").into(),
        municipality: form.get("municipality").into(),
        website: form.get("website").into(),
        contact_name: form.get("contact_name").into(),
        contact_email: form.get("contact_email").into(),
        tax_id: form.get("tax_id").into(),
        lang_es: form.flag("lang_es"),
        lang_en: form.flag("lang_en"),
        description: form.get("description").into(),
        capabilities: form.get("capabilities").into(),
        technologies: form.get("technologies").into(),
        sectors: form.all("sector"),
        other_sectors: form.get("other_sectors").into(),
        cpv,
        trl: form.get("trl").into(),
        certifications: form.get("certifications").into(),
        references: form.get("references").into(),
    }
}

/// The form filled from a stored profile.
fn form_of(record: &CompanyRecord) -> ProfileForm {
    let mut cpv = record.cpv.clone();
    cpv.extend(std::iter::repeat_n(String::new(), SPARE_CPV_INPUTS));
    let contact = record.contact.as_ref();
    let (sectors, other_sectors) = factoria_frontend::sectors::split(&record.sectors);
    ProfileForm {
        name: record.name.clone(),
        kind: record.kind.as_str().into(),
        size: record
            .size
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        founded: record.founded.map(|y| y.to_string()).unwrap_or_default(),
        region: record.region.clone().unwrap_or_default(),
        municipality: record.municipality.clone().unwrap_or_default(),
        website: record.website.clone().unwrap_or_default(),
        contact_name: contact.and_then(|c| c.name.clone()).unwrap_or_default(),
        contact_email: contact.and_then(|c| c.email.clone()).unwrap_or_default(),
        tax_id: record.tax_id.clone().unwrap_or_default(),
        lang_es: record.languages.iter().any(|l| l == "es"),
        lang_en: record.languages.iter().any(|l| l == "en"),
        description: record.description.clone(),
        capabilities: record.capabilities.join("\n"),
        technologies: record.technologies.join(", "),
        sectors,
        other_sectors,
        cpv,
        trl: record.trl.map(|t| t.to_string()).unwrap_or_default(),
        certifications: record.certifications.join(", "),
        version: String::new(),
        references: record
            .references
            .iter()
            .map(|r| {
                let year = r.year.map(|y| y.to_string()).unwrap_or_default();
                format!(
                    "{} | {} | {}",
                    r.title,
                    r.client.clone().unwrap_or_default(),
                    year
                )
                .trim_end_matches([' ', '|'])
                .to_owned()
            })
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Renames of interchange paths to the ids of the form's inputs.
fn profile_field(path: &str) -> Option<&'static str> {
    match path {
        "contact" => Some("contact_email"),
        "(body)" => Some("name"),
        _ => None,
    }
}

fn cpv_options(page: &Page) -> Vec<CpvOption> {
    factoria_frontend::cpv::options(page.es)
}

fn editor(
    page: &Page,
    company_id: Option<String>,
    form: ProfileForm,
    errors: FormErrors,
) -> Profile {
    let (title_es, title_en) = if company_id.is_some() {
        ("Perfil de la empresa", "Company profile")
    } else {
        ("Registrar tu empresa", "Register your company")
    };
    Profile {
        frame: page.frame(title_es, title_en),
        action: if company_id.is_some() {
            "/company/profile".into()
        } else {
            "/company/new".into()
        },
        company_id,
        form,
        errors,
        cpv_options: cpv_options(page),
        cpv_suggestions: None,
        sector_choices: factoria_frontend::sectors::choices(page.es),
        conflict: None,
    }
}

/// A signed-in user's company, or the response to give instead: the sign-in page for a
/// visitor, the new-company form for someone without one.
pub(super) async fn require_company(
    state: &AppState,
    page: &Page,
) -> Result<CompanyView, Response> {
    page.user()?;
    match companies::of_member(&state.ctx, &page.actor).await {
        Ok(Some(company)) => Ok(company),
        Ok(None) => Err(Redirect::to("/company/new").into_response()),
        Err(error) => Err(error_page(page, &error)),
    }
}

async fn new_company(page: Page) -> Response {
    let user = match page.user() {
        Ok(user) => user.clone(),
        Err(response) => return response,
    };
    if !user.companies.is_empty() {
        return Redirect::to("/company/profile").into_response();
    }
    let form = ProfileForm {
        kind: "startup".into(),
        lang_es: true,
        contact_name: user.name.clone(),
        contact_email: user.email.clone(),
        cpv: vec![String::new(); SPARE_CPV_INPUTS],
        ..ProfileForm::default()
    };
    show(editor(&page, None, form, FormErrors::default()))
}

/// Shows the form again with its faults (422), or the error page for anything else.
fn refused(page: &Page, company_id: Option<String>, form: &FormData, error: &Error) -> Response {
    match error {
        Error::Invalid(errors) => render(
            editor(
                page,
                company_id,
                form_as_typed(form),
                form_errors(errors, profile_field, page.es),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        ),
        Error::Stale {
            version, current, ..
        } => {
            let mut typed = form_as_typed(form);
            typed.version = version.to_string();
            let mut shown = editor(page, company_id, typed, FormErrors::default());
            shown.conflict = Some(conflict_between(
                page,
                *version,
                current,
                &record_of(form),
                labels::company_field,
            ));
            render(shown, StatusCode::CONFLICT, false)
        }
        other => error_page(page, other),
    }
}

async fn create_company(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    if let Some(response) = suggest_cpv(&state, &page, None, &form).await {
        return response;
    }
    let profile = match CompanyProfile::parse(&record_of(&form), UnknownFields::Reject) {
        Ok((profile, _)) => profile,
        Err(errors) => return refused(&page, None, &form, &Error::Invalid(errors)),
    };
    match companies::create(&state.ctx, &page.actor, profile).await {
        Ok(view) => {
            reflect(&state, view.key).await;
            redirect_with_notice(
                "/for-you",
                &page.t(
                    "Perfil guardado. Estos son los retos que mejor encajan.",
                    "Profile saved. These are the challenges that fit best.",
                ),
            )
        }
        Err(error) => refused(&page, None, &form, &error),
    }
}

/// The form again with CPV codes suggested from its text, when it asks for them.
async fn suggest_cpv(
    state: &AppState,
    page: &Page,
    company_id: Option<String>,
    form: &FormData,
) -> Option<Response> {
    let accepted = match cpv_form::intent(form) {
        cpv_form::Intent::Other => return None,
        cpv_form::Intent::Suggest => None,
        cpv_form::Intent::Accept(code) => Some(code),
    };
    let mut typed = form_as_typed(form);
    typed.cpv = cpv_form::inputs(form, accepted.as_deref(), SPARE_CPV_INPUTS);
    let text = ["description", "capabilities", "technologies", "references"]
        .iter()
        .map(|f| form.get(f))
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(".\n");
    Some(
        match cpv_form::suggestions(state, page, &text, &typed.cpv).await {
            Ok(found) => {
                let mut view = editor(page, company_id, typed, FormErrors::default());
                view.cpv_suggestions = Some(found);
                show(view)
            }
            Err(error) => error_page(page, &error),
        },
    )
}

async fn profile_page(State(state): State<AppState>, page: Page) -> Response {
    let company = match require_company(&state, &page).await {
        Ok(company) => company,
        Err(response) => return response,
    };
    let form = ProfileForm {
        version: company.version.to_string(),
        ..form_of(&company.record)
    };
    show(editor(
        &page,
        Some(company.record.id.clone()),
        form,
        FormErrors::default(),
    ))
}

async fn save_profile(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    let company = match require_company(&state, &page).await {
        Ok(company) => company,
        Err(response) => return response,
    };
    if let Err(response) = page.check_csrf(&form) {
        return response;
    }
    let id = Some(company.record.id.clone());
    if let Some(response) = suggest_cpv(&state, &page, id.clone(), &form).await {
        return response;
    }
    let profile = match CompanyProfile::parse(&record_of(&form), UnknownFields::Reject) {
        Ok((profile, _)) => profile,
        Err(errors) => return refused(&page, id, &form, &Error::Invalid(errors)),
    };
    let expected = form_version(&form);
    match companies::replace(
        &state.ctx,
        &page.actor,
        &company.record.id,
        profile,
        expected,
    )
    .await
    {
        Ok(_) => {
            reflect(&state, company.key).await;
            redirect_with_notice(
                "/company/profile",
                &page.t("Perfil guardado.", "Profile saved."),
            )
        }
        Err(error) => refused(&page, id, &form, &error),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/company/new", get(new_company).post(create_company))
        .route("/company/profile", get(profile_page).post(save_profile))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_form_reads_as_a_valid_profile() {
        let submitted = FormData::of(&[
            ("name", "Datos Abiertos SL"),
            ("kind", "startup"),
            ("size", "micro"),
            ("founded", "2019"),
            ("contact_email", "hola@datos.example"),
            ("lang_es", "1"),
            (
                "description",
                "Plataformas de datos abiertos para ayuntamientos.",
            ),
            (
                "capabilities",
                "Portales CKAN\n\nAPIs de datos en tiempo real\n",
            ),
            ("sector", "public administration"),
            ("other_sectors", "datos abiertos, Salud"),
            ("cpv", "72000000"),
            ("cpv", ""),
            ("trl", "7"),
            (
                "references",
                "Portal de datos | Ayuntamiento de Getafe | 2023\nVisor de tráfico",
            ),
        ]);
        let (profile, _) =
            CompanyProfile::parse(&record_of(&submitted), UnknownFields::Reject).expect("valid");
        assert_eq!(
            profile.capabilities,
            ["Portales CKAN", "APIs de datos en tiempo real"]
        );
        assert_eq!(
            profile.sectors,
            ["public administration", "datos abiertos", "health"]
        );
        assert_eq!(profile.cpv.len(), 1);
        assert_eq!(profile.references.len(), 2);
        assert_eq!(profile.references[0].year, Some(2023));
        assert_eq!(profile.founded, Some(2019));
        // Read back into the form, the profile shows what was typed.
        let again = form_of(&profile.to_record("co-x"));
        assert_eq!(
            again.references,
            "Portal de datos | Ayuntamiento de Getafe | 2023\nVisor de tráfico"
        );
        assert_eq!(again.sectors, ["public administration", "health"]);
        assert_eq!(again.other_sectors, "datos abiertos");
    }

    #[test]
    fn faults_name_the_inputs_of_the_form() {
        let submitted = FormData::of(&[
            ("name", ""),
            ("kind", "startup"),
            ("founded", "hace años"),
            ("contact_email", "no-es-correo"),
            ("cpv", "123"),
            ("description", "x"),
        ]);
        let errors = CompanyProfile::parse(&record_of(&submitted), UnknownFields::Reject)
            .expect_err("invalid");
        let shown = form_errors(&errors, profile_field, false);
        for field in ["name", "founded", "contact_email", "cpv"] {
            assert!(shown.has(field), "{field} not reported in {shown:?}");
        }
    }
}
