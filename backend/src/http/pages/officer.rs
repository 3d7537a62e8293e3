//! Pages of officers: their challenges, the editor with the supply preview, ranked matches with
//! explanations, shortlist, feedback and introductions, and the pipeline board.

use std::collections::{HashMap, HashSet};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::NaiveDate;
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::company::CpvOption;
use factoria_frontend::pages::officer::{
    BoardCard, BoardColumn, ChallengeEditor, ChallengeForm, ConstraintLine, CoverageLine,
    MatchCard, Matches, OfficerHome, OfficerRow, Pipeline, PreviewView, SupplyLine, Transition,
};
use factoria_search::EntityKey;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Map, Value, json};

use super::company::{number_or_text, put, sectors_of};
use super::public::status_words;
use super::{FormData, Page, error_page, form_errors, redirect_with_notice, reflect, render, show};
use crate::db::entities::{challenge, company, department, introduction};
use crate::domain::actor::UserActor;
use crate::domain::challenges::{self, ChallengeView};
use crate::domain::introductions::{self, IntroductionView};
use crate::domain::matching::{self, MatchQuery};
use crate::domain::records::ChallengeSpec;
use crate::domain::{Actor, Error};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::ChallengeStatus;
use crate::types::validation::UnknownFields;

/// Empty CPV inputs offered below the filled ones.
const SPARE_CPV_INPUTS: usize = 3;
/// Matches shown on a page.
const MATCHES_SHOWN: usize = 20;

/// A signed-in officer (or administrator), or the response to give instead.
fn require_officer(page: &Page) -> Result<UserActor, Response> {
    let user = page.user()?;
    if user.departments.is_empty() && !user.is_admin {
        return Err(error_page(
            page,
            &Error::forbidden("these pages are for officers of a department"),
        ));
    }
    Ok(user.clone())
}

/// A form posted by an officer: signed in as one, with the session's token.
fn officer_form(page: &Page, form: &FormData) -> Result<UserActor, Response> {
    let user = require_officer(page)?;
    page.check_csrf(form)?;
    Ok(user)
}

/// Names of the departments the officer belongs to.
async fn department_names(state: &AppState, user: &UserActor) -> Result<Vec<String>, Error> {
    let rows = department::Entity::find()
        .filter(department::Column::Id.is_in(user.departments.clone()))
        .order_by_asc(department::Column::Name)
        .all(&state.ctx.db)
        .await?;
    Ok(rows.into_iter().map(|d| d.name).collect())
}

async fn home(State(state): State<AppState>, page: Page) -> Response {
    let user = match require_officer(&page) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let mut select = challenge::Entity::find().order_by_desc(challenge::Column::UpdatedAt);
    if !user.is_admin {
        select = select.filter(challenge::Column::DepartmentId.is_in(user.departments.clone()));
    }
    let loaded = async {
        let rows = select.all(&state.ctx.db).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let intros = introduction::Entity::find()
            .filter(introduction::Column::ChallengeId.is_in(ids))
            .all(&state.ctx.db)
            .await?;
        Ok::<_, Error>((rows, intros, department_names(&state, &user).await?))
    };
    let (rows, intros, departments) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&page, &error),
    };
    let rows = rows
        .into_iter()
        .map(|r| OfficerRow {
            introductions: intros.iter().filter(|i| i.challenge_id == r.id).count(),
            draft: r.status == "draft",
            status: status_words(&page, &r.status),
            deadline: r
                .deadline
                .map(|d| d.format("%d/%m/%Y").to_string())
                .unwrap_or_else(|| "—".into()),
            id: r.external_id,
            title: r.title,
        })
        .collect();
    show(OfficerHome {
        frame: page.frame("Mis retos", "My challenges"),
        departments,
        rows,
    })
}

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
        status: status_words(page, status.as_str()),
        editable: !matches!(
            status,
            ChallengeStatus::Awarded | ChallengeStatus::Cancelled
        ),
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
        cpv_options: factoria_frontend::cpv::CPV_NAMES
            .iter()
            .map(|(code, es, en)| CpvOption {
                code: (*code).to_owned(),
                name: page.t(es, en),
            })
            .collect(),
    }
}

/// The editor's context for a stored challenge: its status and the companies it may be
/// awarded to (those whose introduction was accepted).
async fn editor_state(
    state: &AppState,
    actor: &Actor,
    id: &str,
) -> Result<(ChallengeView, EditorState), Error> {
    let view = challenges::get(&state.ctx, actor, id).await?;
    let status = ChallengeStatus::parse(view.record.status.as_str()).ok();
    let award_candidates = introductions::for_challenge(&state.ctx, actor, id)
        .await?
        .into_iter()
        .filter(|i| {
            matches!(
                i.stage.as_str(),
                "accepted" | "meeting" | "pilot" | "contract"
            )
        })
        .map(|i| (i.company, i.company_name))
        .collect();
    Ok((
        view,
        EditorState {
            challenge_id: Some(id.to_owned()),
            status,
            award_candidates,
        },
    ))
}

async fn new_challenge(State(state): State<AppState>, page: Page) -> Response {
    let user = match require_officer(&page) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let departments = match department_names(&state, &user).await {
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
    let user = match require_officer(page) {
        Ok(user) => user,
        Err(response) => return response,
    };
    if let Err(response) = page.check_csrf(form) {
        return response;
    }
    let loaded = async {
        let departments = department_names(state, &user).await?;
        let context = match id {
            Some(id) => editor_state(state, &page.actor, id).await?.1,
            None => EditorState::default(),
        };
        Ok::<_, Error>((departments, context))
    };
    let (departments, context) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(page, &error),
    };
    let refused = |departments: Vec<String>, context: EditorState, error: Error| match error {
        Error::Invalid(errors) => render(
            editor(
                page,
                departments,
                context,
                form_as_typed(form),
                form_errors(&errors, challenge_field),
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
        Some(id) => challenges::replace(&state.ctx, &page.actor, id, spec).await,
        None => challenges::create(&state.ctx, &page.actor, spec).await,
    };
    match saved {
        Ok(view) => {
            if let Ok(row) = challenges::find(&state.ctx.db, &page.actor, &view.record.id).await {
                reflect(state, EntityKey::challenge(row.id)).await;
            }
            redirect_with_notice(
                &format!("/officer/challenges/{}/edit", view.record.id),
                &page.t("Reto guardado.", "Challenge saved."),
            )
        }
        Err(error) => refused(departments, context, error),
    }
}

async fn create(State(state): State<AppState>, page: Page, form: FormData) -> Response {
    submit(&state, &page, &form, None).await
}

async fn edit(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    let user = match require_officer(&page) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let loaded = async {
        Ok::<_, Error>((
            department_names(&state, &user).await?,
            editor_state(&state, &page.actor, &id).await?,
        ))
    };
    match loaded.await {
        Ok((departments, (view, context))) => {
            let row = challenges::find(&state.ctx.db, &page.actor, &id).await;
            if row
                .as_ref()
                .is_ok_and(|r| !page.actor.belongs_to_department(r.department_id))
            {
                return error_page(
                    &page,
                    &Error::forbidden("only officers of the challenge's department edit it"),
                );
            }
            show(editor(
                &page,
                departments,
                context,
                form_of(&view),
                FormErrors::default(),
                None,
            ))
        }
        Err(error) => error_page(&page, &error),
    }
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    submit(&state, &page, &form, Some(&id)).await
}

async fn change_status(
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
    let awarded = Some(form.get("awarded_company"))
        .filter(|c| !c.is_empty() && to == ChallengeStatus::Awarded);
    match challenges::transition(&state.ctx, &page.actor, &id, to, awarded).await {
        Ok(view) => redirect_with_notice(
            &format!("/officer/challenges/{id}/edit"),
            &format!(
                "{} {}.",
                page.t("Estado del reto:", "Challenge status:"),
                status_words(&page, view.record.status.as_str()).to_lowercase()
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

/// The filters of the matches page.
#[derive(serde::Deserialize, Default)]
struct MatchFilters {
    sme: Option<String>,
    certified: Option<String>,
    shortlist: Option<String>,
    region: Option<String>,
}

fn strength_label(page: &Page, strength: &str) -> String {
    match strength {
        "strong" => page.t("Clara", "Strong"),
        "partial" => page.t("Parcial", "Partial"),
        "weak" => page.t("Débil", "Weak"),
        _ => page.t("Sin cubrir", "Not covered"),
    }
}

fn kind_label(page: &Page, kind: &str) -> String {
    match kind {
        "startup" => page.t("Startup", "Start-up"),
        "sme" => page.t("Pyme", "SME"),
        "large" => page.t("Gran empresa", "Large company"),
        other => other.to_owned(),
    }
}

/// External ids of companies among database ids.
async fn external_ids(state: &AppState, ids: Vec<i64>) -> Result<HashMap<i64, String>, Error> {
    Ok(company::Entity::find()
        .filter(company::Column::Id.is_in(ids))
        .all(&state.ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.external_id))
        .collect())
}

async fn matches(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(filters): Query<MatchFilters>,
) -> Response {
    let user = match require_officer(&page) {
        Ok(user) => user,
        Err(response) => return response,
    };
    let flag = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| matches!(v, "1" | "on" | "true"))
    };
    let (sme, certified, shortlist_only) = (
        flag(&filters.sme),
        flag(&filters.certified),
        flag(&filters.shortlist),
    );
    let region = filters.region.clone().unwrap_or_default().trim().to_owned();
    let query = MatchQuery {
        sme_only: sme,
        certified,
        regions: if region.is_empty() {
            Vec::new()
        } else {
            vec![region.clone()]
        },
        per_page: if shortlist_only { 500 } else { MATCHES_SHOWN },
        lang: Some(page.lang()),
        ..MatchQuery::default()
    };
    let loaded = async {
        let row = challenges::find(&state.ctx.db, &page.actor, &id).await?;
        let results = matching::for_challenge(&state.ctx, &page.actor, &id, &query).await?;
        let shortlisted: HashSet<String> =
            external_ids(&state, matching::shortlisted(&state.ctx, row.id).await?)
                .await?
                .into_values()
                .collect();
        let feedback_by_id = matching::feedback_of(&state.ctx, user.id, row.id).await?;
        let names = external_ids(&state, feedback_by_id.keys().copied().collect()).await?;
        let feedback: HashMap<String, bool> = feedback_by_id
            .into_iter()
            .filter_map(|(k, v)| names.get(&k).map(|n| (n.clone(), v)))
            .collect();
        let introduced: HashMap<String, String> =
            introductions::for_challenge(&state.ctx, &page.actor, &id)
                .await?
                .into_iter()
                .map(|i| (i.company, i.stage))
                .collect();
        Ok::<_, Error>((row, results, shortlisted, feedback, introduced))
    };
    let (row, results, shortlisted, feedback, introduced) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&page, &error),
    };
    let cards = results
        .items
        .into_iter()
        .filter(|item| !shortlist_only || shortlisted.contains(&item.company.id))
        .map(|item| {
            let c = &item.company;
            let mut meta = vec![kind_label(&page, &c.kind)];
            meta.extend(c.region.clone());
            meta.extend(c.trl.map(|t| format!("TRL {t}")));
            if !c.certifications.is_empty() {
                meta.push(c.certifications.join(", "));
            }
            let explanation = item.explanation.as_ref();
            MatchCard {
                rank: item.rank,
                company_id: c.id.clone(),
                name: c.name.clone(),
                meta: meta.join(" · "),
                summary: explanation.map(|e| e.summary.clone()).unwrap_or_default(),
                coverage: explanation
                    .map(|e| {
                        e.requirements
                            .iter()
                            .map(|r| {
                                let strength = serde_json::to_value(r.strength)
                                    .ok()
                                    .and_then(|v| v.as_str().map(str::to_owned))
                                    .unwrap_or_default();
                                CoverageLine {
                                    must: r.kind == "must",
                                    requirement: r.requirement.clone(),
                                    covered_by: r.covered_by.as_ref().map(|b| b.text.clone()),
                                    strength_label: strength_label(&page, &strength),
                                    strength,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                shared_terms: explanation
                    .map(|e| e.shared_terms.clone())
                    .unwrap_or_default(),
                constraints: explanation
                    .map(|e| {
                        e.constraints
                            .iter()
                            .map(|k| ConstraintLine {
                                met: k.met,
                                detail: k.detail.clone(),
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                shortlisted: shortlisted.contains(&c.id),
                introduced: introduced.get(&c.id).map(|stage| stage_label(&page, stage)),
                feedback: feedback.get(&c.id).copied(),
            }
        })
        .take(MATCHES_SHOWN)
        .collect();
    show(Matches {
        frame: page.frame("Empresas que encajan", "Companies that fit"),
        challenge_id: row.external_id,
        challenge_title: row.title,
        published: row.status == "published",
        sme,
        certified,
        region,
        shortlist_only,
        total: results.total,
        cards,
    })
}

/// Back to the company's card on the matches page.
fn back_to_match(challenge: &str, company: &str) -> String {
    format!("/officer/challenges/{challenge}/matches#match-{company}")
}

async fn shortlist(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let on = !form.flag("remove");
    match matching::set_shortlisted(&state.ctx, &page.actor, &id, form.get("company"), on).await {
        Ok(()) => redirect_with_notice(
            &back_to_match(&id, form.get("company")),
            &if on {
                page.t("Añadida a la preselección.", "Added to the shortlist.")
            } else {
                page.t("Quitada de la preselección.", "Removed from the shortlist.")
            },
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn feedback(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let reason =
        Some(form.get("reason").chars().take(500).collect::<String>()).filter(|r| !r.is_empty());
    match matching::record_feedback(
        &state.ctx,
        &page.actor,
        &id,
        form.get("company"),
        form.get("useful") == "1",
        reason,
    )
    .await
    {
        Ok(_) => redirect_with_notice(
            &back_to_match(&id, form.get("company")),
            &page.t(
                "Gracias: tu valoración mejora las recomendaciones.",
                "Thank you: your feedback improves the recommendations.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn introduce(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    if let Err(limited) = state
        .limits
        .check_actor(Action::Introduction, &page.actor, &ip)
    {
        return error_page(&page, &limited.0);
    }
    let message = Some(form.get("message").to_owned()).filter(|m| !m.is_empty());
    match introductions::introduce(
        &state.ctx,
        &page.actor,
        &id,
        form.get("company"),
        message,
        ip.text().as_deref(),
    )
    .await
    {
        Ok(view) => redirect_with_notice(
            &back_to_match(&id, &view.company),
            &format!(
                "{} {}.",
                page.t(
                    "Hemos enviado la presentación a",
                    "We have sent the introduction to"
                ),
                view.company_name.trim_end_matches('.')
            ),
        ),
        Err(Error::Conflict(message)) => {
            redirect_with_notice(&back_to_match(&id, form.get("company")), &message)
        }
        Err(error) => error_page(&page, &error),
    }
}

fn stage_label(page: &Page, stage: &str) -> String {
    match stage {
        "introduced" => page.t("Presentada, sin respuesta", "Introduced, awaiting reply"),
        "accepted" => page.t("Aceptada", "Accepted"),
        "meeting" => page.t("Reunión", "Meeting"),
        "pilot" => page.t("Piloto", "Pilot"),
        "contract" => page.t("Contrato", "Contract"),
        "declined" => page.t("Rechazada", "Declined"),
        "expired" => page.t("Caducada", "Expired"),
        other => other.to_owned(),
    }
}

/// The stage an officer records next, with the button's label.
fn next_stage(page: &Page, stage: &str) -> Option<(String, String)> {
    let (next, es, en) = match stage {
        "accepted" => ("meeting", "Anotar la reunión", "Record the meeting"),
        "meeting" => ("pilot", "Anotar el piloto", "Record the pilot"),
        "pilot" => ("contract", "Anotar el contrato", "Record the contract"),
        _ => return None,
    };
    Some((next.to_owned(), page.t(es, en)))
}

fn board(page: &Page, introductions: &[IntroductionView]) -> Vec<BoardColumn> {
    let columns: [(&str, &[&str]); 6] = [
        ("introduced", &["introduced"]),
        ("accepted", &["accepted"]),
        ("meeting", &["meeting"]),
        ("pilot", &["pilot"]),
        ("contract", &["contract"]),
        ("closed", &["declined", "expired"]),
    ];
    columns
        .iter()
        .map(|(name, stages)| BoardColumn {
            stage: (*name).to_owned(),
            title: if *name == "closed" {
                page.t("Rechazadas o caducadas", "Declined or expired")
            } else {
                stage_label(page, name)
            },
            cards: introductions
                .iter()
                .filter(|i| stages.contains(&i.stage.as_str()))
                .map(|i| BoardCard {
                    id: i.id,
                    company: i.company_name.clone(),
                    since: i
                        .events
                        .last()
                        .map(|e| e.at.format("%d/%m/%Y").to_string())
                        .unwrap_or_default(),
                    note: match i.stage.as_str() {
                        "declined" => Some(format!(
                            "{}: {}",
                            stage_label(page, "declined"),
                            i.decline_reason
                                .clone()
                                .unwrap_or_else(|| page.t("sin motivo", "no reason given"))
                        )),
                        "expired" => Some(stage_label(page, "expired")),
                        _ => None,
                    },
                    next: next_stage(page, &i.stage),
                })
                .collect(),
        })
        .collect()
}

async fn pipeline(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    if let Err(response) = require_officer(&page) {
        return response;
    }
    let loaded = async {
        let row = challenges::find(&state.ctx.db, &page.actor, &id).await?;
        Ok::<_, Error>((
            row,
            introductions::for_challenge(&state.ctx, &page.actor, &id).await?,
        ))
    };
    match loaded.await {
        Ok((row, list)) => show(Pipeline {
            frame: page.frame(
                "Seguimiento de las presentaciones",
                "Introductions pipeline",
            ),
            columns: board(&page, &list),
            challenge_id: row.external_id,
            challenge_title: row.title,
            today: chrono::Utc::now().date_naive().to_string(),
        }),
        Err(error) => error_page(&page, &error),
    }
}

async fn record_stage(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let on = match form.get("date") {
        "" => None,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) => Some(date),
            Err(_) => {
                return error_page(
                    &page,
                    &Error::Invalid(crate::types::validation::FieldErrors::one(
                        "date",
                        "must be a date, YYYY-MM-DD",
                    )),
                );
            }
        },
    };
    match introductions::record_stage(&state.ctx, &page.actor, id, form.get("stage"), None, on)
        .await
    {
        Ok(view) => redirect_with_notice(
            &format!("/officer/challenges/{}/pipeline", view.challenge),
            &format!(
                "{}: {}.",
                view.company_name.trim_end_matches('.'),
                stage_label(&page, &view.stage).to_lowercase()
            ),
        ),
        Err(Error::Conflict(message)) => match introduction::Entity::find_by_id(id)
            .one(&state.ctx.db)
            .await
            .ok()
            .flatten()
        {
            Some(row) => match challenge::Entity::find_by_id(row.challenge_id)
                .one(&state.ctx.db)
                .await
                .ok()
                .flatten()
            {
                Some(c) => redirect_with_notice(
                    &format!("/officer/challenges/{}/pipeline", c.external_id),
                    &message,
                ),
                None => Redirect::to("/officer").into_response(),
            },
            None => error_page(&page, &Error::NotFound("introduction")),
        },
        Err(error) => error_page(&page, &error),
    }
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/officer", get(home))
        .route("/officer/challenges/new", get(new_challenge).post(create))
        .route("/officer/challenges/{id}/edit", get(edit).post(update))
        .route("/officer/challenges/{id}/status", post(change_status))
        .route("/officer/challenges/{id}/matches", get(matches))
        .route("/officer/challenges/{id}/shortlist", post(shortlist))
        .route("/officer/challenges/{id}/feedback", post(feedback))
        .route("/officer/challenges/{id}/introduce", post(introduce))
        .route("/officer/challenges/{id}/pipeline", get(pipeline))
        .route("/officer/introductions/{id}/stage", post(record_stage))
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
        let shown = form_errors(&errors, challenge_field);
        for field in ["title", "description", "budget", "deadline", "cpv"] {
            assert!(shown.has(field), "{field} not reported in {shown:?}");
        }
    }
}
