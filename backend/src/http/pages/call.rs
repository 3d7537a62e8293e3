//! A challenge's call for companies: its section on the challenge page, asking a question, and
//! the company's proposal (start, save, submit, withdraw).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use factoria_frontend::dates;
use factoria_frontend::layout::FormErrors;
use factoria_frontend::pages::call::{CallSection, DocumentLink, ProposalForm, ProposalPage};
use factoria_frontend::pages::money;
use serde_json::{Value, json};

use super::company::number_or_text;
use super::{
    FormData, Page, UploadForm, confirm_removal, error_page, form_errors, redirect_with_notice,
    render, show,
};
use crate::domain::Error;
use crate::domain::calls::{self, CallView, QuestionView};
use crate::domain::documents::{self, DocumentView};
use crate::domain::proposals::{self, MyAction, ProposalView};
use crate::http::AppState;
use crate::types::ProposalStatus;
use crate::types::validation::FieldErrors;

/// The call's section of a challenge page, in the visitor's language.
pub(super) fn section(
    page: &Page,
    call: &CallView,
    questions: &[QuestionView],
    can_take_part: bool,
) -> CallSection {
    CallSection {
        criteria: call
            .criteria
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    c.weight,
                    c.guidance.clone().unwrap_or_default(),
                )
            })
            .collect(),
        questions_deadline: dates::moment(page.es, call.questions_deadline),
        proposals_deadline: dates::moment(page.es, call.proposals_deadline),
        max_budget: call.max_budget.map(|b| money(b as u64, page.es)),
        pilot_months: call.pilot_months,
        questions_open: call.questions_open,
        proposals_open: call.proposals_open,
        questions: questions
            .iter()
            .map(|q| (q.question.clone(), q.answer.clone().unwrap_or_default()))
            .collect(),
        result: call.result.as_ref().map(|r| {
            (
                dates::moment(page.es, r.published_at),
                r.selected
                    .iter()
                    .map(|s| {
                        let price = s.price.map(|p| money(p as u64, page.es));
                        (s.company_name.clone(), price.unwrap_or_default())
                    })
                    .collect(),
            )
        }),
        can_take_part,
    }
}

/// Documents as a page lists them, sizes in the reader's words.
pub(super) fn document_links(page: &Page, documents: &[DocumentView]) -> Vec<DocumentLink> {
    documents
        .iter()
        .map(|d| DocumentLink {
            id: d.id,
            name: d.name.clone(),
            url: d.url.clone(),
            size: documents::size_words(page.es, d.size_bytes),
        })
        .collect()
}

/// A proposal's status in words.
pub(super) fn status_words(page: &Page, status: ProposalStatus) -> String {
    let (es, en) = match status {
        ProposalStatus::Draft => (
            "Borrador: solo la ve vuestra empresa",
            "Draft: only your company sees it",
        ),
        ProposalStatus::Submitted => ("Enviada", "Submitted"),
        ProposalStatus::Withdrawn => ("Retirada", "Withdrawn"),
        ProposalStatus::Selected => ("Seleccionada para el piloto", "Selected for the pilot"),
        ProposalStatus::Unselected => ("No seleccionada", "Not selected"),
    };
    page.t(es, en)
}

fn form_of(view: &ProposalView) -> ProposalForm {
    let c = &view.content;
    ProposalForm {
        summary: c.summary.clone(),
        approach: c.approach.clone(),
        answers: c
            .answers
            .iter()
            .map(|a| (a.kind == "must", a.requirement.clone(), a.answer.clone()))
            .collect(),
        trl: c.trl.map(|t| t.to_string()).unwrap_or_default(),
        price: c.price.map(|p| p.to_string()).unwrap_or_default(),
        timeline: c.timeline.clone(),
        team: c.team.clone(),
        links: c.links.join("\n"),
    }
}

/// The form as typed, to show again with its faults.
fn form_as_typed(form: &FormData, answers: &[(bool, String, String)]) -> ProposalForm {
    ProposalForm {
        summary: form.get("summary").to_owned(),
        approach: form.get("approach").to_owned(),
        answers: answers
            .iter()
            .enumerate()
            .map(|(i, (must, requirement, _))| {
                (
                    *must,
                    requirement.clone(),
                    form.get(&format!("answer_{i}")).to_owned(),
                )
            })
            .collect(),
        trl: form.get("trl").to_owned(),
        price: form.get("price").to_owned(),
        timeline: form.get("timeline").to_owned(),
        team: form.get("team").to_owned(),
        links: form.get("links").to_owned(),
    }
}

/// The form as the API's body, so that both are checked by the same reader.
fn body_of(form: &FormData) -> Value {
    let mut answers = Vec::new();
    for i in 0.. {
        let requirement = form.get(&format!("requirement_{i}"));
        if requirement.is_empty() {
            break;
        }
        answers
            .push(json!({"requirement": requirement, "answer": form.get(&format!("answer_{i}"))}));
    }
    let links: Vec<&str> = form
        .get("links")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    json!({
        "summary": form.get("summary"),
        "approach": form.get("approach"),
        "answers": answers,
        "trl": number_or_text(form.get("trl")),
        "price": number_or_text(form.get("price")),
        "timeline": form.get("timeline"),
        "team": form.get("team"),
        "links": links,
    })
}

/// The inputs the proposal's field errors belong to: `answers[2].answer` → `answer_2`.
fn by_input(errors: &FieldErrors) -> FieldErrors {
    let mut out = FieldErrors::default();
    for e in &errors.0 {
        let field = match e.field.strip_prefix("answers[") {
            Some(rest) => format!("answer_{}", rest.split(']').next().unwrap_or_default()),
            None => e.field.clone(),
        };
        out.push(field, e.message.clone());
    }
    out
}

fn proposal_page(
    page: &Page,
    id: &str,
    (mine, attached): &(proposals::Mine, Vec<DocumentView>),
    form: Option<ProposalForm>,
    errors: FormErrors,
) -> ProposalPage {
    let view = mine.proposal.as_ref();
    ProposalPage {
        frame: page.frame("Vuestra propuesta", "Your proposal"),
        challenge_id: id.to_owned(),
        challenge_title: mine.challenge_title.clone(),
        deadline: dates::moment(page.es, mine.deadline),
        started: view.is_some(),
        status: view
            .map(|v| status_words(page, v.status))
            .unwrap_or_default(),
        editable: mine.open,
        submitted: view.is_some_and(|v| v.status == ProposalStatus::Submitted),
        receipt: view
            .and_then(|v| Some((dates::moment(page.es, v.submitted_at?), v.digest.clone()?))),
        form: form.or_else(|| view.map(form_of)).unwrap_or_default(),
        errors,
        attachments: document_links(page, attached),
    }
}

async fn proposal(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    match documents::my_proposal(&state.ctx, &page.actor, &id).await {
        Ok(found) => show(proposal_page(
            &page,
            &id,
            &found,
            None,
            FormErrors::default(),
        )),
        Err(error) => error_page(&page, &error),
    }
}

async fn start(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    match proposals::start(&state.ctx, &page.actor, &id, None).await {
        Ok(_) => redirect_with_notice(
            &format!("/challenges/{id}/proposal"),
            &page.t(
                "Borrador creado: completadlo y enviadlo antes del plazo.",
                "Draft started: complete it and submit it before the deadline.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn save(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    let submit = form.get("action") == "submit";
    let body = body_of(&form);
    let action = if submit {
        MyAction::Submit(body)
    } else {
        MyAction::Save(body)
    };
    let outcome = proposals::act_on_mine(&state.ctx, &page.actor, &id, action).await;
    match outcome {
        Ok(view) => {
            let notice = match (submit, view.status) {
                (true, _) => page.t(
                    "Propuesta enviada: os hemos mandado el recibo por correo.",
                    "Proposal submitted: we have emailed you the receipt.",
                ),
                (false, ProposalStatus::Submitted) => page.t(
                    "Cambios guardados y propuesta enviada de nuevo, con un recibo nuevo.",
                    "Changes saved and the proposal submitted again, with a new receipt.",
                ),
                (false, _) => page.t("Borrador guardado.", "Draft saved."),
            };
            redirect_with_notice(&format!("/challenges/{id}/proposal"), &notice)
        }
        Err(Error::Invalid(errors)) => {
            let found = match documents::my_proposal(&state.ctx, &page.actor, &id).await {
                Ok(found) => found,
                Err(error) => return error_page(&page, &error),
            };
            let answers = found
                .0
                .proposal
                .as_ref()
                .map(|v| form_of(v).answers)
                .unwrap_or_default();
            let shown = proposal_page(
                &page,
                &id,
                &found,
                Some(form_as_typed(&form, &answers)),
                form_errors(&by_input(&errors), |_| None, page.es),
            );
            render(shown, StatusCode::UNPROCESSABLE_ENTITY, false)
        }
        Err(error) => error_page(&page, &error),
    }
}

async fn withdraw(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    match proposals::act_on_mine(&state.ctx, &page.actor, &id, MyAction::Withdraw).await {
        Ok(_) => redirect_with_notice(
            &format!("/challenges/{id}/proposal"),
            &page.t(
                "Propuesta retirada. Podéis cambiarla y enviarla de nuevo antes del plazo.",
                "Proposal withdrawn. You can change it and submit it again before the deadline.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn detach(
    State(state): State<AppState>,
    page: Page,
    Path((id, document)): Path<(String, i64)>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    if let Some(asking) = confirm_removal(
        &page,
        &form,
        &format!("/challenges/{id}/proposal#attachments"),
    ) {
        return asking;
    }
    match documents::remove(&state.ctx, &page.actor, &id, document).await {
        Ok(()) => redirect_with_notice(
            &format!("/challenges/{id}/proposal#attachments"),
            &page.t("Anexo eliminado.", "Attachment removed."),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn ask(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    let text = form.get("text");
    let outcome = if text.is_empty() {
        Err(FieldErrors::one("text", "is required").into())
    } else if text.chars().count() > 4000 {
        Err(FieldErrors::one("text", "is longer than 4000 characters").into())
    } else {
        calls::ask(&state.ctx, &page.actor, &id, None, text.to_owned()).await
    };
    match outcome {
        Ok(_) => redirect_with_notice(
            &format!("/challenges/{id}#questions"),
            &page.t(
                "Pregunta enviada: la respuesta se publicará aquí para todos.",
                "Question sent: the answer will be published here for everyone.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn attach(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: UploadForm,
) -> Response {
    if let Err(response) = page.signed_form(&form.fields) {
        return response;
    }
    let upload = match form.required_file() {
        Ok(upload) => upload,
        Err(error) => return error_page(&page, &error),
    };
    match documents::attach_to_mine(&state.ctx, &page.actor, &id, upload).await {
        Ok(view) => redirect_with_notice(
            &format!("/challenges/{id}/proposal#attachments"),
            &page.t(
                &format!("Anexo añadido: {}.", view.name),
                &format!("Attachment added: {}.", view.name),
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

/// The routes that take a file.
pub(super) fn upload_routes() -> Router<AppState> {
    Router::new().route("/challenges/{id}/proposal/documents", post(attach))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/challenges/{id}/proposal", get(proposal).post(save))
        .route("/challenges/{id}/proposal/start", post(start))
        .route("/challenges/{id}/proposal/withdraw", post(withdraw))
        .route(
            "/challenges/{id}/proposal/documents/{document}/remove",
            post(detach),
        )
        .route("/challenges/{id}/questions", post(ask))
}
