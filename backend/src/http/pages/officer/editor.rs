//! The challenge editor: a new challenge or one of the department's, the supply preview, and
//! the status changes (publish, close, award, cancel).
//!
//! The form is turned into the interchange record and read by the same parser as the API and
//! the importer, so a form and a JSON body are checked by one set of rules.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::ConfirmAction;
use factoria_frontend::pages::officer::{
    ChallengeEditor, ChallengeForm, PreviewView, SupplyLine, Transition,
};
use serde_json::{Map, Value, json};

use super::super::company::{number_or_text, put, sectors_of};
use super::super::conflicts::{conflict_between, form_version};
use super::super::{
    FormData, Page, error_page, form_errors, redirect_with_notice, reflect, render, show,
};
use super::super::{cpv_form, labels};
use super::officer_form;
use crate::domain::challenges::{self, ChallengeView};
use crate::domain::records::ChallengeSpec;
use crate::domain::{Error, matching, officers};
use crate::http::AppState;
use crate::types::ChallengeStatus;
use crate::types::validation::UnknownFields;

/// Empty CPV inputs offered below the filled ones.
const SPARE_CPV_INPUTS: usize = 3;

/// The interchange record of a submitted challenge form.
fn record_of(form: &FormData) -> Value {
    let lines = |field: &str| -> Vec<Value> {
        form.get(field)
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| json!(l))
            .collect()
    };
    let commas = |field: &str| -> Vec<Value> {
        form.get(field)
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| json!(s))
            .collect()
    };
    let mut record = Map::new();
    put(&mut record, "title", json!(form.get("title")));
    put(&mut record, "department", json!(form.get("department")));
    put(&mut record, "language", json!(form.get("language")));
    put(&mut record, "summary", json!(form.get("summary")));
    put(&mut record, "description", json!(form.get("description")));
    put(&mut record, "outcomes", Value::Array(lines("outcomes")));
    let mut requirements = Map::new();
    put(&mut requirements, "must", Value::Array(lines("must")));
    put(&mut requirements, "should", Value::Array(lines("should")));
    if !requirements.is_empty() {
        record.insert("requirements".into(), Value::Object(requirements));
    }
    put(&mut record, "sectors", Value::Array(sectors_of(form)));
    put(&mut record, "cpv", json!(form.all("cpv")));
    put(
        &mut record,
        "trl_min",
        number_or_text(form.get("trl_min")).unwrap_or(Value::Null),
    );
    put(
        &mut record,
        "budget_eur",
        number_or_text(form.get("budget").trim_end_matches('€')).unwrap_or(Value::Null),
    );
    put(&mut record, "deadline", json!(form.get("deadline")));
    put(
        &mut record,
        "required_certifications",
        Value::Array(commas("certifications")),
    );
    Value::Object(record)
}

fn form_as_typed(form: &FormData) -> ChallengeForm {
    let mut cpv = form.all("cpv");
    cpv.extend(std::iter::repeat_n(String::new(), SPARE_CPV_INPUTS));
    ChallengeForm {
        version: form.get("version").into(),
        title: form.get("title").into(),
        language: form.get("language").into(),
        summary: form.get("summary").into(),
        description: form.get("description").into(),
        outcomes: form.get("outcomes").into(),
        must: form.get("must").into(),
        should: form.get("should").into(),
        sectors: form.all("sector"),
        other_sectors: form.get("other_sectors").into(),
        cpv,
        trl_min: form.get("trl_min").into(),
        budget: form.get("budget").into(),
        deadline: form.get("deadline").into(),
        certifications: form.get("certifications").into(),
        department: form.get("department").into(),
    }
}

fn form_of(view: &ChallengeView) -> ChallengeForm {
    let r = &view.record;
    let mut cpv = r.cpv.clone();
    cpv.extend(std::iter::repeat_n(String::new(), SPARE_CPV_INPUTS));
    let (sectors, other_sectors) = factoria_frontend::sectors::split(&r.sectors);
    ChallengeForm {
        version: view.version.to_string(),
        title: r.title.clone(),
        language: r.language.clone().unwrap_or_else(|| "es".into()),
        summary: r.summary.clone().unwrap_or_default(),
        description: r.description.clone(),
        outcomes: r.outcomes.join("\n"),
        must: r.requirements.must.join("\n"),
        should: r.requirements.should.join("\n"),
        sectors,
        other_sectors,
        cpv,
        trl_min: r.trl_min.map(|t| t.to_string()).unwrap_or_default(),
        budget: r
            .budget_eur
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default(),
        deadline: r.deadline.map(|d| d.to_string()).unwrap_or_default(),
        certifications: r.required_certifications.join(", "),
        department: r.department.clone(),
    }
}

/// Renames of interchange paths to the ids of the form's inputs.

fn challenge_field(path: &str) -> Option<&'static str> {
    match path {
        "requirements_must" => Some("must"),
        "requirements_should" => Some("should"),
        "requirements" => Some("must"),
        "budget_eur" => Some("budget"),
        "required_certifications" => Some("certifications"),
        "(body)" => Some("title"),
        _ => None,
    }
}

/// The status changes an officer can make from `status`, with their labels.
fn transitions(page: &Page, status: ChallengeStatus) -> Vec<Transition> {
    let labels: [(ChallengeStatus, &str, &str); 4] = [
        (ChallengeStatus::Published, "Publicar", "Publish"),
        (
            ChallengeStatus::Closed,
            "Cerrar la convocatoria",
            "Close the call",
        ),
        (ChallengeStatus::Awarded, "Adjudicar", "Award"),
        (
            ChallengeStatus::Cancelled,
            "Cancelar el reto",
            "Cancel the challenge",
        ),
    ];
    labels
        .into_iter()
        .filter(|(to, _, _)| status.check_transition(*to).is_ok())
        .map(|(to, es, en)| Transition {
            to: to.as_str().into(),
            label: page.t(es, en),
        })
        .collect()
}

/// What the editor shows besides the form.
#[derive(Default)]
struct EditorState {
    challenge_id: Option<String>,
    status: Option<ChallengeStatus>,
    award_candidates: Vec<(String, String)>,
}

impl EditorState {
    fn of(editor: &officers::Editor) -> Self {
        EditorState {
            challenge_id: editor.challenge.as_ref().map(|c| c.record.id.clone()),
            status: editor.challenge.as_ref().map(|c| c.record.status),
            award_candidates: editor.award_candidates.clone(),
        }
    }
}

fn editor(
    page: &Page,
    departments: Vec<String>,
    context: EditorState,
    form: ChallengeForm,
    errors: FormErrors,
    preview: Option<PreviewView>,
) -> ChallengeEditor {
    let status = context.status.unwrap_or(ChallengeStatus::Draft);
    let (title_es, title_en) = if context.challenge_id.is_some() {
        ("Editar el reto", "Edit the challenge")
    } else {
        ("Nuevo reto", "New challenge")
    };
    ChallengeEditor {
        frame: page.frame(title_es, title_en),
        action: match &context.challenge_id {
            Some(id) => format!("/officer/challenges/{id}/edit"),
            None => "/officer/challenges/new".into(),
        },
        status: labels::status(page, status),
        editable: !matches!(
            status,
            ChallengeStatus::Awarded | ChallengeStatus::Cancelled
        ),
        conflict: None,
        transitions: if context.challenge_id.is_some() {
            transitions(page, status)
        } else {
            Vec::new()
        },
        challenge_id: context.challenge_id,
        form,
        errors,
        preview,
        departments,
        award_candidates: context.award_candidates,
        sector_choices: factoria_frontend::sectors::choices(page.es),
        cpv_options: factoria_frontend::cpv::options(page.es),
        cpv_suggestions: None,
    }
}

/// The text CPV codes are suggested from: what the form says of the need.
fn text_of(form: &FormData) -> String {
    [
        "title",
        "summary",
        "description",
        "outcomes",
        "must",
        "should",
    ]
    .iter()
    .map(|f| form.get(f))
    .filter(|t| !t.is_empty())
    .collect::<Vec<_>>()
    .join(".\n")
}

pub(super) async fn new_challenge(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let departments = match officers::departments(&state.ctx, &page.actor).await {
        Ok(names) => names,
        Err(error) => return error_page(&page, &error),
    };
    let form = ChallengeForm {
        language: if page.es { "es" } else { "en" }.into(),
        cpv: vec![String::new(); SPARE_CPV_INPUTS],
        ..ChallengeForm::default()
    };
    show(editor(
        &page,
        departments,
        EditorState::default(),
        form,
        FormErrors::default(),
        None,
    ))
}

/// Saves or previews a submitted challenge form; `id` is the challenge being edited.
async fn submit(state: &AppState, page: &Page, form: &FormData, id: Option<&str>) -> Response {
    if let Err(response) = officer_form(page, form) {
        return response;
    }
    let (departments, context) = match officers::editor(&state.ctx, &page.actor, id).await {
        Ok(editor) => (editor.departments.clone(), EditorState::of(&editor)),
        Err(error) => return error_page(page, &error),
    };
    let accepted = match cpv_form::intent(form) {
        cpv_form::Intent::Other => None,
        cpv_form::Intent::Suggest => Some(None),
        cpv_form::Intent::Accept(code) => Some(Some(code)),
    };
    if let Some(accepted) = accepted {
        let mut typed = form_as_typed(form);
        typed.cpv = cpv_form::inputs(form, accepted.as_deref(), SPARE_CPV_INPUTS);
        return match cpv_form::suggestions(state, page, &text_of(form), &typed.cpv).await {
            Ok(found) => {
                let mut view = editor(
                    page,
                    departments,
                    context,
                    typed,
                    FormErrors::default(),
                    None,
                );
                view.cpv_suggestions = Some(found);
                show(view)
            }
            Err(error) => error_page(page, &error),
        };
    }
    let refused = |departments: Vec<String>, context: EditorState, error: Error| match error {
        Error::Invalid(errors) => render(
            editor(
                page,
                departments,
                context,
                form_as_typed(form),
                form_errors(&errors, challenge_field, page.es),
                None,
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
        ),
        other => error_page(page, &other),
    };
    let spec = match ChallengeSpec::parse(&record_of(form), UnknownFields::Reject) {
        Ok((spec, _)) => spec,
        Err(errors) => return refused(departments, context, Error::Invalid(errors)),
    };
    if form.get("intent") == "preview" {
        return match matching::preview(&state.ctx, &page.actor, &spec).await {
            Ok(preview) => {
                let view = PreviewView {
                    addressable: preview.addressable,
                    considered: preview.considered,
                    published: preview.published,
                    without_certifications: preview.without_required_certifications,
                    certifications: preview.required_certifications.join(", "),
                    lines: preview
                        .requirements
                        .into_iter()
                        .map(|r| SupplyLine {
                            must: r.kind == "must",
                            requirement: r.requirement,
                            covered_by: r.covered_by,
                            best: r.best_company.map(|(_, name)| name),
                        })
                        .collect(),
                };
                show(editor(
                    page,
                    departments,
                    context,
                    form_as_typed(form),
                    FormErrors::default(),
                    Some(view),
                ))
            }
            Err(error) => refused(departments, context, error),
        };
    }
    let saved = match id {
        Some(id) => {
            challenges::replace(&state.ctx, &page.actor, id, spec, form_version(form)).await
        }
        None => challenges::create(&state.ctx, &page.actor, spec).await,
    };
    match saved {
        Ok(view) => {
            reflect(state, view.key).await;
            redirect_with_notice(
                &format!("/officer/challenges/{}/edit", view.record.id),
                &page.t("Reto guardado.", "Challenge saved."),
            )
        }
        Err(Error::Stale {
            version, current, ..
        }) => {
            let mut typed = form_as_typed(form);
            typed.version = version.to_string();
            let mut shown = editor(
                page,
                departments,
                context,
                typed,
                FormErrors::default(),
                None,
            );
            shown.conflict = Some(conflict_between(
                page,
                version,
                &current,
                &record_of(form),
                labels::challenge_field,
            ));
            render(shown, StatusCode::CONFLICT, false)
        }
        Err(error) => refused(departments, context, error),
    }
}

pub(super) async fn create(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    submit(&state, &page, &form, None).await
}

pub(super) async fn edit(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    match officers::editor(&state.ctx, &page.actor, Some(&id)).await {
        Ok(editor) => {
            let context = EditorState::of(&editor);
            let Some(view) = editor.challenge else {
                return error_page(&page, &Error::NotFound("challenge"));
            };
            show(self::editor(
                &page,
                editor.departments,
                context,
                form_of(&view),
                FormErrors::default(),
                None,
            ))
        }
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    submit(&state, &page, &form, Some(&id)).await
}

pub(super) async fn change_status(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let to = match ChallengeStatus::parse(form.get("status")) {
        Ok(to) => to,
        Err(message) => {
            return error_page(
                &page,
                &Error::Invalid(crate::types::validation::FieldErrors::one(
                    "status", message,
                )),
            );
        }
    };
    if to == ChallengeStatus::Cancelled && form.get("confirmed") != "1" {
        return show(ConfirmAction {
            frame: page.frame("¿Cancelar este reto?", "Cancel this challenge?"),
            consequence: page.t(
                "El reto dejará de admitir propuestas y quienes lo siguen recibirán un aviso. No se puede deshacer.",
                "The challenge will take no more proposals and its followers will be told. This cannot be undone.",
            ),
            action: format!("/officer/challenges/{id}/status"),
            fields: vec![("status".into(), to.as_str().into())],
            button: page.t("Sí, cancelar el reto", "Yes, cancel the challenge"),
            back: format!("/officer/challenges/{id}/edit"),
        });
    }
    let awarded = Some(form.get("awarded_company"))
        .filter(|c| !c.is_empty() && to == ChallengeStatus::Awarded);
    match challenges::transition(&state.ctx, &page.actor, &id, to, awarded).await {
        Ok(view) => redirect_with_notice(
            &format!("/officer/challenges/{id}/edit"),
            &format!(
                "{} {}.",
                page.t("Estado del reto:", "Challenge status:"),
                labels::status(&page, view.record.status).to_lowercase()
            ),
        ),
        Err(Error::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            redirect_with_notice(&format!("/officer/challenges/{id}/edit"), &message)
        }
        Err(Error::Conflict(message)) => {
            redirect_with_notice(&format!("/officer/challenges/{id}/edit"), &message)
        }
        Err(error) => error_page(&page, &error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_complete_form_reads_as_a_valid_challenge() {
        let submitted = FormData::of(&[
            ("title", "Detección temprana de incendios forestales"),
            ("language", "es"),
            (
                "description",
                "Sensores y visión artificial para la sierra.",
            ),
            (
                "must",
                "Alertas en menos de 5 minutos\n\nFuncionar sin cobertura móvil",
            ),
            ("should", "Integración con el 112"),
            ("other_sectors", "emergencias, Medio Ambiente"),
            ("cpv", "35000000"),
            ("cpv", ""),
            ("trl_min", "6"),
            ("budget", "180.000 €"),
            ("deadline", "2031-03-01"),
            ("certifications", "ENS-media"),
        ]);
        let (spec, _) =
            ChallengeSpec::parse(&record_of(&submitted), UnknownFields::Reject).expect("valid");
        assert_eq!(
            spec.must,
            [
                "Alertas en menos de 5 minutos",
                "Funcionar sin cobertura móvil"
            ]
        );
        assert_eq!(spec.budget.map(|b| b.whole_euros()), Some(180_000));
        assert_eq!(spec.trl_min.map(|t| t.get()), Some(6));
        assert_eq!(spec.required_certifications, ["ENS-media"]);
        assert_eq!(
            spec.sectors,
            ["emergencies", "environment"],
            "sectors typed in Spanish are stored by key"
        );
    }

    #[test]
    fn faults_name_the_inputs_of_the_form() {
        let submitted = FormData::of(&[
            ("title", ""),
            ("description", ""),
            ("budget", "mucho"),
            ("deadline", "1 de marzo"),
            ("cpv", "99"),
        ]);
        let errors = ChallengeSpec::parse(&record_of(&submitted), UnknownFields::Reject)
            .expect_err("invalid");
        let shown = form_errors(&errors, challenge_field, false);
        for field in ["title", "description", "budget", "deadline", "cpv"] {
            assert!(shown.has(field), "{field} not reported in {shown:?}");
        }
    }
}
