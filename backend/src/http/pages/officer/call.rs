//! A challenge's call for its department: setting it, answering its questions, the panel's
//! declarations and scores, the ranking and the result.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use factoria_frontend::dates;
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::call::{
    CallForm, CallSettingsPage, EvaluatePage, EvaluationPage, ProposalForm, RankRow,
};
use serde_json::{Value, json};

use super::super::call::document_links;
use super::super::company::number_or_text;
use super::super::{FormData, Page, error_page, form_errors, redirect_with_notice, render, show};
use super::officer_form;
use crate::domain::calls::{self, CallSettings};
use crate::domain::documents::{self, DocumentView};
use crate::domain::evaluation;
use crate::domain::{Error, Result};
use crate::http::AppState;
use crate::types::ProposalStatus;
use crate::types::validation::FieldErrors;

/// Criteria rows the form offers at least.
const CRITERIA_ROWS: usize = 4;

fn call_form(found: &calls::ForOfficer) -> CallForm {
    let mut form = CallForm {
        panel: found.panel_emails.join("\n"),
        ..CallForm::default()
    };
    if let Some(call) = &found.call {
        form.criteria = call
            .criteria
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.weight.to_string(),
                    c.guidance.clone().unwrap_or_default(),
                )
            })
            .collect();
        form.questions_deadline = dates::madrid_input(call.questions_deadline);
        form.proposals_deadline = dates::madrid_input(call.proposals_deadline);
        form.max_budget = call.max_budget.map(|b| b.to_string()).unwrap_or_default();
        form.pilot_months = call.pilot_months.map(|m| m.to_string()).unwrap_or_default();
    }
    pad(&mut form);
    form
}

fn pad(form: &mut CallForm) {
    while form.criteria.len() < CRITERIA_ROWS {
        form.criteria.push(Default::default());
    }
}

/// Every value of `key`, empty ones included, in order: the rows of the criteria.
fn column<'a>(form: &'a FormData, key: &str) -> Vec<&'a str> {
    form.0
        .iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .collect()
}

fn form_as_typed(form: &FormData) -> CallForm {
    let names = column(form, "criterion_name");
    let weights = column(form, "criterion_weight");
    let guidance = column(form, "criterion_guidance");
    let mut typed = CallForm {
        criteria: names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let at = |list: &[&str]| list.get(i).copied().unwrap_or_default().to_owned();
                ((*name).to_owned(), at(&weights), at(&guidance))
            })
            .collect(),
        questions_deadline: form.get("questions_deadline").to_owned(),
        proposals_deadline: form.get("proposals_deadline").to_owned(),
        max_budget: form.get("max_budget").to_owned(),
        pilot_months: form.get("pilot_months").to_owned(),
        panel: form.get("panel").to_owned(),
    };
    pad(&mut typed);
    typed
}

/// The form as the API's body, so that both are checked by the same reader.
fn body_of(typed: &CallForm) -> Value {
    let criteria: Vec<Value> = typed
        .criteria
        .iter()
        .filter(|(n, w, g)| !(n.is_empty() && w.is_empty() && g.is_empty()))
        .map(|(name, weight, guidance)| {
            json!({"name": name, "weight": number_or_text(weight), "guidance": (!guidance.is_empty()).then_some(guidance)})
        })
        .collect();
    let panel: Vec<&str> = typed
        .panel
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    json!({
        "criteria": criteria,
        "questions_deadline": (!typed.questions_deadline.is_empty()).then_some(&typed.questions_deadline),
        "proposals_deadline": (!typed.proposals_deadline.is_empty()).then_some(&typed.proposals_deadline),
        "max_budget": number_or_text(&typed.max_budget),
        "pilot_months": number_or_text(&typed.pilot_months),
        "panel": panel,
    })
}

fn settings_page(
    page: &Page,
    id: &str,
    (found, documents): &(calls::ForOfficer, Vec<DocumentView>),
    form: CallForm,
    errors: FormErrors,
) -> CallSettingsPage {
    CallSettingsPage {
        frame: page.frame("Convocatoria del reto", "The challenge's call"),
        challenge_id: id.to_owned(),
        challenge_title: found.challenge_title.clone(),
        form,
        errors,
        has_call: found.call.is_some(),
        questions_open: found.call.as_ref().is_some_and(|c| c.questions_open),
        questions: found
            .questions
            .iter()
            .map(|q| {
                (
                    q.id,
                    q.question.clone(),
                    q.answer.clone().unwrap_or_default(),
                )
            })
            .collect(),
        documents: document_links(page, documents),
    }
}

pub(super) async fn settings(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    match documents::officer_page(&state.ctx, &page.actor, &id).await {
        Ok(found) => show(settings_page(
            &page,
            &id,
            &found,
            call_form(&found.0),
            FormErrors::default(),
        )),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let typed = form_as_typed(&form);
    let outcome = match CallSettings::read(&body_of(&typed)) {
        Ok(settings) => calls::set(&state.ctx, &page.actor, &id, settings).await,
        Err(errors) => Err(errors.into()),
    };
    match outcome {
        Ok(_) => redirect_with_notice(
            &format!("/officer/challenges/{id}/call"),
            &page.t("Convocatoria guardada.", "Call saved."),
        ),
        Err(Error::Invalid(errors)) => {
            match documents::officer_page(&state.ctx, &page.actor, &id).await {
                Ok(found) => render(
                    settings_page(
                        &page,
                        &id,
                        &found,
                        typed,
                        form_errors(&errors, |_| None, page.es),
                    ),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                ),
                Err(error) => error_page(&page, &error),
            }
        }
        Err(error) => error_page(&page, &error),
    }
}

/// `/…/{id}/…/{n}`: the challenge and a numeric id; anything else names nothing.
fn child(page: &Page, path: (String, String)) -> std::result::Result<(String, i64), Response> {
    let (id, raw) = path;
    raw.parse()
        .map(|n| (id, n))
        .map_err(|_| error_page(page, &Error::NotFound("record")))
}

pub(super) async fn answer(
    State(state): State<AppState>,
    page: Page,
    Path(path): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let (id, question) = match child(&page, path) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let text = form.get("text");
    let outcome: Result<_> = if text.is_empty() {
        Err(FieldErrors::one("text", "is required").into())
    } else {
        calls::answer(&state.ctx, &page.actor, &id, question, text.to_owned()).await
    };
    match outcome {
        Ok(_) => redirect_with_notice(
            &format!("/officer/challenges/{id}/call#questions"),
            &page.t(
                "Respuesta publicada y enviada a quienes participan.",
                "Answer published and sent to those taking part.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

fn status_words(page: &Page, status: ProposalStatus) -> String {
    let (es, en) = match status {
        ProposalStatus::Draft => ("Borrador", "Draft"),
        ProposalStatus::Submitted => ("Presentada", "Submitted"),
        ProposalStatus::Withdrawn => ("Retirada", "Withdrawn"),
        ProposalStatus::Selected => ("Seleccionada", "Selected"),
        ProposalStatus::Unselected => ("No seleccionada", "Not selected"),
    };
    page.t(es, en)
}

/// An optional score written the reader's way; empty when there is none.
fn decimal(page: &Page, value: Option<f64>) -> String {
    value.map_or_else(String::new, |v| {
        factoria_frontend::pages::decimal(v, page.es)
    })
}

pub(super) async fn evaluation_desk(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let desk = match evaluation::desk(&state.ctx, &page.actor, &id).await {
        Ok(desk) => desk,
        Err(error) => return error_page(&page, &error),
    };
    let mine = desk
        .mine
        .iter()
        .map(|item| {
            let (state, todo) = match (item.conflict, item.scored) {
                (None, _) => (
                    page.t(
                        "declara si tienes conflicto de interés",
                        "declare whether you have a conflict of interest",
                    ),
                    true,
                ),
                (Some(true), _) => (
                    page.t(
                        "declaraste un conflicto: no participas",
                        "you declared a conflict: you take no part",
                    ),
                    false,
                ),
                (Some(false), false) => (page.t("pendiente de puntuar", "to be scored"), true),
                (Some(false), true) => (page.t("puntuada", "scored"), false),
            };
            (item.proposal, item.company_name.clone(), state, todo)
        })
        .collect();
    let (ranking, missing) = match &desk.ranking {
        Some(r) => (
            r.items
                .iter()
                .map(|i| RankRow {
                    proposal: i.proposal,
                    company: i.company_name.clone(),
                    total: decimal(&page, i.total),
                    spread: decimal(&page, i.spread),
                    evaluations: i.evaluations,
                    sealed: i.sealed,
                    status: status_words(&page, i.status),
                })
                .collect(),
            r.missing,
        ),
        None => (Vec::new(), 0),
    };
    show(EvaluationPage {
        frame: page.frame(
            "Evaluación de las propuestas",
            "Evaluation of the proposals",
        ),
        challenge_id: id,
        challenge_title: desk.challenge_title,
        sealed_until: dates::moment(page.es, desk.proposals_deadline),
        open: desk.open_for_evaluation,
        on_panel: desk.on_panel,
        mine,
        ranking,
        missing,
        decided: desk.decided,
    })
}

fn evaluate_page(
    page: &Page,
    id: &str,
    proposal_id: i64,
    found: &evaluation::ToEvaluate,
    typed: Option<&FormData>,
    errors: FormErrors,
) -> EvaluatePage {
    let scores = found
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let own = found
                .mine
                .as_ref()
                .and_then(|m| m.scores.iter().find(|s| s.criterion == c.name));
            let (score, why) = match (typed, own) {
                (Some(form), _) => (
                    form.get(&format!("score_{i}")).to_owned(),
                    form.get(&format!("justification_{i}")).to_owned(),
                ),
                (None, Some(s)) => (decimal(page, Some(s.score)), s.justification.clone()),
                (None, None) => (String::new(), String::new()),
            };
            (
                c.name.clone(),
                c.weight,
                c.guidance.clone().unwrap_or_default(),
                score,
                why,
            )
        })
        .collect();
    EvaluatePage {
        frame: page.frame(&found.company_name, &found.company_name),
        challenge_id: id.to_owned(),
        proposal_id,
        company_name: found.company_name.clone(),
        evaluator: found.evaluator,
        proposal: found.proposal.as_ref().map(|p| {
            let c = &p.content;
            ProposalForm {
                summary: c.summary.clone(),
                approach: c.approach.clone(),
                answers: c
                    .answers
                    .iter()
                    .map(|a| (a.kind == "must", a.requirement.clone(), a.answer.clone()))
                    .collect(),
                trl: c.trl.map(|t| t.to_string()).unwrap_or_default(),
                price: c
                    .price
                    .map(|p| factoria_frontend::pages::money(p as u64, page.es))
                    .unwrap_or_default(),
                timeline: c.timeline.clone(),
                team: c.team.clone(),
                links: c.links.join(" · "),
            }
        }),
        scores,
        scored: found
            .mine
            .as_ref()
            .is_some_and(|m| m.submitted_at.is_some()),
        errors,
        attachments: document_links(page, &found.attachments),
    }
}

pub(super) async fn proposal(
    State(state): State<AppState>,
    page: Page,
    Path(path): Path<(String, String)>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let (id, proposal_id) = match child(&page, path) {
        Ok(found) => found,
        Err(response) => return response,
    };
    match evaluation::to_evaluate(&state.ctx, &page.actor, &id, proposal_id).await {
        Ok(found) => show(evaluate_page(
            &page,
            &id,
            proposal_id,
            &found,
            None,
            FormErrors::default(),
        )),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn declare(
    State(state): State<AppState>,
    page: Page,
    Path(path): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let (id, proposal_id) = match child(&page, path) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let conflict = form.flag("conflict");
    match evaluation::declare(&state.ctx, &page.actor, &id, proposal_id, conflict).await {
        Ok(_) if conflict => redirect_with_notice(
            &format!("/officer/challenges/{id}/evaluation"),
            &page.t(
                "Conflicto declarado: no participas en la evaluación de esta propuesta.",
                "Conflict declared: you take no part in evaluating this proposal.",
            ),
        ),
        Ok(_) => redirect_with_notice(
            &format!("/officer/challenges/{id}/proposals/{proposal_id}"),
            &page.t(
                "Sin conflicto declarado: ya puedes leerla.",
                "No conflict declared: you may read it now.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

/// The score fields' errors on their inputs: `scores[1].score` → `score_1`.
fn by_input(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::default();
    for e in &errors.0 {
        let field = match e
            .field
            .strip_prefix("scores[")
            .and_then(|r| r.split_once("]."))
        {
            Some((i, key)) if key == "score" || key == "justification" => format!("{key}_{i}"),
            _ => e.field.clone(),
        };
        out.push(field, e.message.clone());
    }
    out
}

pub(super) async fn score(
    State(state): State<AppState>,
    page: Page,
    Path(path): Path<(String, String)>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let (id, proposal_id) = match child(&page, path) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let mut scores = Vec::new();
    for i in 0.. {
        let criterion = form.get(&format!("criterion_{i}"));
        if criterion.is_empty() {
            break;
        }
        let justification = form.get(&format!("justification_{i}"));
        scores.push(json!({
            "criterion": criterion,
            "score": number_or_text(form.get(&format!("score_{i}"))),
            "justification": (!justification.is_empty()).then_some(justification),
        }));
    }
    let outcome = match evaluation::read_scores(&json!({ "scores": scores })) {
        Ok(scores) => evaluation::score(&state.ctx, &page.actor, &id, proposal_id, scores).await,
        Err(errors) => Err(errors.into()),
    };
    match outcome {
        Ok(_) => redirect_with_notice(
            &format!("/officer/challenges/{id}/evaluation"),
            &page.t("Puntuación enviada.", "Scores submitted."),
        ),
        Err(Error::Invalid(errors)) => {
            match evaluation::to_evaluate(&state.ctx, &page.actor, &id, proposal_id).await {
                Ok(found) => render(
                    evaluate_page(
                        &page,
                        &id,
                        proposal_id,
                        &found,
                        Some(&form),
                        form_errors(&by_input(&errors), |_| None, page.es),
                    ),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    false,
                ),
                Err(error) => error_page(&page, &error),
            }
        }
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn publish_result(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let selected: Vec<i64> = form
        .all("selected")
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect();
    match evaluation::publish_result(&state.ctx, &page.actor, &id, selected).await {
        Ok(_) => redirect_with_notice(
            &format!("/officer/challenges/{id}/evaluation"),
            &page.t(
                "Resultado publicado: cada empresa ha recibido sus puntuaciones.",
                "Result published: every company has been sent its scores.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}
