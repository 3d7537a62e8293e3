//! Introductions: an officer proposes a company for a challenge; the company accepts or declines
//! from its inbox (double opt-in), and only on acceptance do both sides get each other's
//! contact. The officer then records the collaboration's stages with their dates.

use chrono::{DateTime, NaiveDate, Utc};
use factoria_frontend::emails::{
    EmailContent, IntroductionAcceptedCompany, IntroductionAcceptedOfficer, IntroductionDeclined,
    IntroductionExpired, IntroductionRequest,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::audit::{self, action};
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, department, introduction, introduction_event, user};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::links::LinkError;
use crate::types::validation::FieldErrors;
use crate::types::{ChallengeStatus, Email, IntroductionStage};

/// One recorded stage.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EventView {
    /// Stage reached.
    pub stage: IntroductionStage,
    /// A note.
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// An introduction and its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IntroductionView {
    /// Id.
    pub id: i64,
    /// Challenge id.
    pub challenge: String,
    /// Challenge title.
    pub challenge_title: String,
    /// The challenge's department.
    pub department: String,
    /// Company id.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Current stage.
    pub stage: IntroductionStage,
    /// The company's reason, when it declined.
    pub decline_reason: Option<String>,
    /// When the proposal expires while unanswered.
    pub expires_at: DateTime<Utc>,
    /// Stages with their dates.
    pub events: Vec<EventView>,
}

async fn view<C: ConnectionTrait>(conn: &C, row: &introduction::Model) -> Result<IntroductionView> {
    let challenge = challenge::Entity::find_by_id(row.challenge_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("challenge"))?;
    let company = company::Entity::find_by_id(row.company_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let department = department::Entity::find_by_id(challenge.department_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("department"))?;
    let events = introduction_event::Entity::find()
        .filter(introduction_event::Column::IntroductionId.eq(row.id))
        .order_by_asc(introduction_event::Column::CreatedAt)
        .order_by_asc(introduction_event::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| EventView {
            stage: e.stage,
            note: e.note,
            at: e.created_at,
        })
        .collect();
    Ok(IntroductionView {
        id: row.id,
        challenge: challenge.external_id,
        challenge_title: challenge.title,
        department: department.name,
        company: company.external_id,
        company_name: company.name,
        stage: row.stage,
        decline_reason: row.decline_reason.clone(),
        expires_at: row.expires_at,
        events,
    })
}

async fn add_event<C: ConnectionTrait>(
    conn: &C,
    introduction_id: i64,
    stage: IntroductionStage,
    note: Option<String>,
    actor: Option<i64>,
    at: DateTime<Utc>,
) -> Result<()> {
    introduction_event::ActiveModel {
        introduction_id: Set(introduction_id),
        stage: Set(stage),
        note: Set(note),
        actor_user_id: Set(actor),
        created_at: Set(at),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

fn lang_of(code: &str) -> factoria_search::Lang {
    factoria_search::Lang::from_code(code)
}

/// The language a company reads: Spanish when it works in Spanish, else English.
fn company_lang(row: &company::Model) -> Result<factoria_search::Lang> {
    let languages = db::from_json_text("languages", &row.languages)?;
    Ok(
        if languages.is_empty() || languages.iter().any(|l| l == "es") {
            factoria_search::Lang::Es
        } else {
            factoria_search::Lang::En
        },
    )
}

/// An officer introduces a company to one of their department's published challenges. The
/// company's contact receives the proposal with the reasons of the match and signed links to
/// accept or decline; the email is enqueued in the same transaction. The reasons are computed
/// before the transaction opens, so a write lock is never held across a match computation.
pub async fn introduce(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    company_id: &str,
    message: Option<String>,
    ip: Option<&str>,
) -> Result<IntroductionView> {
    let officer = actor.writer()?;
    let challenge_row = super::challenges::find(&ctx.db, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge_row.department_id,
        "only officers of the challenge's department introduce companies",
    )?;
    if challenge_row.status != ChallengeStatus::Published {
        return Err(Error::Conflict(
            "introductions are for published challenges".into(),
        ));
    }
    let company_row = super::companies::find(&ctx.db, actor, company_id).await?;
    let Some(contact) = company_row
        .contact_email
        .as_deref()
        .map(Email::parse)
        .transpose()
        .map_err(|e| Error::Internal(anyhow::anyhow!(e)))?
    else {
        return Err(
            FieldErrors::one("company", "this company has no contact address to write to").into(),
        );
    };
    let lang = company_lang(&company_row)?;
    let (summary, reasons) = explanation(ctx, challenge_row.id, company_row.id, lang).await?;
    let department_name = department::Entity::find_by_id(challenge_row.department_id)
        .one(&ctx.db)
        .await?
        .map(|d| d.name)
        .ok_or(Error::NotFound("department"))?;

    let tx = db::begin_write(&ctx.db).await?;
    if let Some(existing) = introduction::Entity::find()
        .filter(introduction::Column::ChallengeId.eq(challenge_row.id))
        .filter(introduction::Column::CompanyId.eq(company_row.id))
        .one(&tx)
        .await?
    {
        return Err(Error::Conflict(format!(
            "this company was already introduced to this challenge (now {})",
            existing.stage
        )));
    }
    let now = db::now();
    let expires_at = now + chrono::Duration::days(i64::from(ctx.config.introduction_expiry_days));
    let row = introduction::ActiveModel {
        challenge_id: Set(challenge_row.id),
        company_id: Set(company_row.id),
        introduced_by: Set(Some(officer.id)),
        stage: Set(IntroductionStage::Introduced),
        message: Set(message.clone()),
        expires_at: Set(expires_at),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    add_event(
        &tx,
        row.id,
        IntroductionStage::Introduced,
        message.clone(),
        Some(officer.id),
        now,
    )
    .await?;
    let signer = ctx.signer();
    let accept = signer.sign("introduction_accept", &row.id.to_string(), expires_at);
    let decline = signer.sign("introduction_decline", &row.id.to_string(), expires_at);
    let content = EmailContent::IntroductionRequest(IntroductionRequest {
        contact_name: company_row
            .contact_name
            .clone()
            .unwrap_or_else(|| company_row.name.clone()),
        company_name: company_row.name.clone(),
        officer_name: officer.name.clone(),
        department: department_name,
        challenge_title: challenge_row.title.clone(),
        challenge_summary: challenge_row.summary.clone().unwrap_or_default(),
        challenge_url: ctx.url(&format!("/challenges/{}", challenge_row.external_id)),
        summary,
        reasons,
        message,
        accept_url: ctx.url(&format!("/introductions/respond?token={accept}")),
        decline_url: ctx.url(&format!("/introductions/respond?token={decline}")),
        expires_on: expires_at.date_naive().format("%Y-%m-%d").to_string(),
    });
    let outgoing = Outgoing {
        to: contact,
        to_name: company_row.contact_name.clone(),
        user_id: None,
        lang,
        content,
        topic: None,
        reply_to: None,
    };
    email::enqueue(&tx, ctx.mailer.domain(), outgoing).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(officer.id),
        action::INTRODUCTION_SENT,
        Some(format!("introduction:{}", row.id)),
        None,
        ip,
    )
    .await?;
    let out = view(&tx, &row).await?;
    tx.commit().await?;
    Ok(out)
}

/// The one-line summary and the covered requirements of a pair, in `lang`.
async fn explanation(
    ctx: &Context,
    challenge: i64,
    company: i64,
    lang: factoria_search::Lang,
) -> Result<(String, Vec<String>)> {
    let Some(found) = super::matching::explain_pair(ctx, challenge, company, lang).await? else {
        return Ok((String::new(), Vec::new()));
    };
    let reasons = found
        .requirements
        .iter()
        .filter(|r| r.strength.covers())
        .filter_map(|r| {
            r.covered_by
                .as_ref()
                .map(|c| format!("{} — {}", r.requirement, c.text))
        })
        .take(5)
        .collect();
    Ok((found.summary, reasons))
}

/// What a response link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// Accept the introduction.
    Accept,
    /// Decline it.
    Decline,
}

/// The introduction behind a response link, checked; the link pages show its state before the
/// person confirms (opening a link never acts by itself: mail scanners open links too).
pub async fn for_link(
    ctx: &Context,
    token: &str,
) -> Result<std::result::Result<(Response, IntroductionView), LinkError>> {
    let signer = ctx.signer();
    let (response, subject) = match signer.verify(token, "introduction_accept") {
        Ok(subject) => (Response::Accept, subject),
        Err(LinkError::Expired) => return Ok(Err(LinkError::Expired)),
        Err(LinkError::Invalid) => match signer.verify(token, "introduction_decline") {
            Ok(subject) => (Response::Decline, subject),
            Err(refused) => return Ok(Err(refused)),
        },
    };
    let Ok(id) = subject.parse::<i64>() else {
        return Ok(Err(LinkError::Invalid));
    };
    let Some(row) = introduction::Entity::find_by_id(id).one(&ctx.db).await? else {
        return Ok(Err(LinkError::Invalid));
    };
    Ok(Ok((response, view(&ctx.db, &row).await?)))
}

/// Accepts or declines from a link. Answering twice is a conflict with the first answer;
/// after acceptance both sides receive each other's contact, after a decline the officer
/// receives the reason.
pub async fn respond(
    ctx: &Context,
    token: &str,
    reason: Option<String>,
) -> Result<IntroductionView> {
    let (response, found) = for_link(ctx, token)
        .await?
        .map_err(|e| Error::Forbidden(e.to_string()))?;
    let tx = db::begin_write(&ctx.db).await?;
    let row = answer_once(&tx, found.id, response, reason.clone()).await?;
    let parties = Parties::of(&tx, &row).await?;
    if let Some(officer) = &parties.officer {
        match response {
            Response::Accept => tell_of_acceptance(ctx, &tx, &parties, officer).await?,
            Response::Decline => tell_of_decline(ctx, &tx, &parties, officer, reason).await?,
        }
    }
    let out = view(&tx, &row).await?;
    tx.commit().await?;
    Ok(out)
}

/// Records the company's answer, once: one conditional update, so of two answers racing (a
/// double click, two devices) exactly one moves the introduction on.
async fn answer_once<C: ConnectionTrait>(
    conn: &C,
    id: i64,
    response: Response,
    reason: Option<String>,
) -> Result<introduction::Model> {
    let row = introduction::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("introduction"))?;
    if row.stage != IntroductionStage::Introduced {
        return Err(Error::Conflict(format!(
            "this introduction was already answered: it is {}",
            row.stage
        )));
    }
    let now = db::now();
    if row.expires_at <= now {
        return Err(Error::Conflict("this introduction has expired".into()));
    }
    let stage = match response {
        Response::Accept => IntroductionStage::Accepted,
        Response::Decline => IntroductionStage::Declined,
    };
    let mut answer = introduction::Entity::update_many()
        .col_expr(introduction::Column::Stage, Expr::value(stage))
        .col_expr(introduction::Column::UpdatedAt, Expr::value(now))
        .filter(introduction::Column::Id.eq(id))
        .filter(introduction::Column::Stage.eq(IntroductionStage::Introduced));
    if response == Response::Decline {
        answer = answer.col_expr(
            introduction::Column::DeclineReason,
            Expr::value(reason.clone()),
        );
    }
    if answer.exec(conn).await?.rows_affected != 1 {
        return Err(Error::Conflict(
            "this introduction was already answered".into(),
        ));
    }
    add_event(conn, id, stage, reason, None, now).await?;
    introduction::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("introduction"))
}

/// The two sides of an introduction: the challenge and its department, the company, and the
/// officer who introduced it (gone when they erased their account).
struct Parties {
    challenge: challenge::Model,
    department: String,
    company: company::Model,
    officer: Option<user::Model>,
}

impl Parties {
    async fn of<C: ConnectionTrait>(conn: &C, row: &introduction::Model) -> Result<Parties> {
        let challenge = challenge::Entity::find_by_id(row.challenge_id)
            .one(conn)
            .await?
            .ok_or(Error::NotFound("challenge"))?;
        let company = company::Entity::find_by_id(row.company_id)
            .one(conn)
            .await?
            .ok_or(Error::NotFound("company"))?;
        let officer = match row.introduced_by {
            Some(id) => user::Entity::find_by_id(id).one(conn).await?,
            None => None,
        };
        let department = department::Entity::find_by_id(challenge.department_id)
            .one(conn)
            .await?
            .map(|d| d.name)
            .ok_or(Error::NotFound("department"))?;
        Ok(Parties {
            challenge,
            department,
            company,
            officer,
        })
    }

    fn pipeline_url(&self, ctx: &Context) -> String {
        ctx.url(&format!(
            "/officer/challenges/{}/pipeline",
            self.challenge.external_id
        ))
    }
}

/// After an acceptance: the officer gets the company's contact, the company the officer's;
/// each email's Reply-To is the other side, so replying writes to them directly.
async fn tell_of_acceptance<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    parties: &Parties,
    officer: &user::Model,
) -> Result<()> {
    let company = &parties.company;
    let officer_email =
        Email::parse(&officer.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
    let company_contact = company
        .contact_email
        .as_deref()
        .and_then(|e| Email::parse(e).ok());
    let contact_name = company
        .contact_name
        .clone()
        .unwrap_or_else(|| company.name.clone());
    let to_officer = EmailContent::IntroductionAcceptedOfficer(IntroductionAcceptedOfficer {
        officer_name: officer.name.clone(),
        company_name: company.name.clone(),
        contact_name: contact_name.clone(),
        contact_email: company_contact
            .as_ref()
            .map(|e| e.to_string())
            .unwrap_or_default(),
        challenge_title: parties.challenge.title.clone(),
        pipeline_url: parties.pipeline_url(ctx),
    });
    let outgoing = Outgoing {
        to: officer_email.clone(),
        to_name: Some(officer.name.clone()),
        user_id: Some(officer.id),
        lang: lang_of(&officer.locale),
        content: to_officer,
        topic: None,
        reply_to: company_contact.clone(),
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    let Some(contact) = company_contact else {
        return Ok(());
    };
    let to_company = EmailContent::IntroductionAcceptedCompany(IntroductionAcceptedCompany {
        contact_name,
        officer_name: officer.name.clone(),
        officer_email: officer_email.to_string(),
        department: parties.department.clone(),
        challenge_title: parties.challenge.title.clone(),
        challenge_url: ctx.url(&format!("/challenges/{}", parties.challenge.external_id)),
    });
    let outgoing = Outgoing {
        to: contact,
        to_name: company.contact_name.clone(),
        user_id: None,
        lang: company_lang(company)?,
        content: to_company,
        topic: None,
        reply_to: Some(officer_email),
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// After a decline: the officer gets the company's reason, if it gave one.
async fn tell_of_decline<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    parties: &Parties,
    officer: &user::Model,
    reason: Option<String>,
) -> Result<()> {
    let content = EmailContent::IntroductionDeclined(IntroductionDeclined {
        officer_name: officer.name.clone(),
        company_name: parties.company.name.clone(),
        challenge_title: parties.challenge.title.clone(),
        reason,
        pipeline_url: parties.pipeline_url(ctx),
    });
    let outgoing = Outgoing {
        to: Email::parse(&officer.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?,
        to_name: Some(officer.name.clone()),
        user_id: Some(officer.id),
        lang: lang_of(&officer.locale),
        content,
        topic: None,
        reply_to: None,
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// Marks unanswered introductions past their expiry as expired and tells their officers;
/// returns how many expired. Idempotent.
pub async fn expire_due(ctx: &Context) -> Result<usize> {
    let tx = db::begin_write(&ctx.db).await?;
    let now = db::now();
    let due = introduction::Entity::find()
        .filter(introduction::Column::Stage.eq(IntroductionStage::Introduced))
        .filter(introduction::Column::ExpiresAt.lte(now))
        .all(&tx)
        .await?;
    for row in &due {
        let challenge_row = challenge::Entity::find_by_id(row.challenge_id)
            .one(&tx)
            .await?
            .ok_or(Error::NotFound("challenge"))?;
        let company_row = company::Entity::find_by_id(row.company_id)
            .one(&tx)
            .await?
            .ok_or(Error::NotFound("company"))?;
        let mut model: introduction::ActiveModel = row.clone().into();
        model.stage = Set(IntroductionStage::Expired);
        model.updated_at = Set(now);
        model.update(&tx).await?;
        add_event(&tx, row.id, IntroductionStage::Expired, None, None, now).await?;
        if let Some(officer) = match row.introduced_by {
            Some(id) => user::Entity::find_by_id(id).one(&tx).await?,
            None => None,
        } {
            let content = EmailContent::IntroductionExpired(IntroductionExpired {
                officer_name: officer.name.clone(),
                company_name: company_row.name.clone(),
                challenge_title: challenge_row.title.clone(),
                pipeline_url: ctx.url(&format!(
                    "/officer/challenges/{}/pipeline",
                    challenge_row.external_id
                )),
            });
            let to =
                Email::parse(&officer.email).map_err(|e| Error::Internal(anyhow::anyhow!(e)))?;
            email::enqueue(
                &tx,
                ctx.mailer.domain(),
                Outgoing {
                    to,
                    to_name: Some(officer.name.clone()),
                    user_id: Some(officer.id),
                    lang: lang_of(&officer.locale),
                    content,
                    topic: None,
                    reply_to: None,
                },
            )
            .await?;
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// A company selected by a call's panel enters the pilot stage of the collaboration pipeline,
/// at `now`, in the caller's transaction: its introduction moves there, or one is recorded there.
pub async fn start_pilot<C: ConnectionTrait>(
    conn: &C,
    challenge_id: i64,
    company_id: i64,
    actor: Option<i64>,
    note: String,
    now: DateTime<Utc>,
) -> Result<()> {
    let existing = introduction::Entity::find()
        .filter(introduction::Column::ChallengeId.eq(challenge_id))
        .filter(introduction::Column::CompanyId.eq(company_id))
        .one(conn)
        .await?;
    let id = match existing {
        // Already further on (a contract): the pilot is behind it.
        Some(row) if row.stage == IntroductionStage::Contract => return Ok(()),
        Some(row) => {
            let id = row.id;
            let mut model: introduction::ActiveModel = row.into();
            model.stage = Set(IntroductionStage::Pilot);
            model.updated_at = Set(now);
            model.update(conn).await?;
            id
        }
        None => {
            introduction::ActiveModel {
                challenge_id: Set(challenge_id),
                company_id: Set(company_id),
                introduced_by: Set(actor),
                stage: Set(IntroductionStage::Pilot),
                message: Set(None),
                expires_at: Set(now),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(conn)
            .await?
            .id
        }
    };
    add_event(conn, id, IntroductionStage::Pilot, Some(note), actor, now).await
}

/// An officer records a later stage (meeting, pilot, contract) with its date.
pub async fn record_stage(
    ctx: &Context,
    actor: &Actor,
    id: i64,
    stage: &str,
    note: Option<String>,
    on: Option<NaiveDate>,
) -> Result<IntroductionView> {
    let tx = db::begin_write(&ctx.db).await?;
    let row = introduction::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("introduction"))?;
    let challenge_row = challenge::Entity::find_by_id(row.challenge_id)
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("introduction"))?;
    if !actor.belongs_to_department(challenge_row.department_id) {
        return Err(Error::NotFound("introduction"));
    }
    actor.check_manages_department(
        challenge_row.department_id,
        "only officers of the challenge's department record stages",
    )?;
    let later = IntroductionStage::LATER;
    let Some(target) = later.iter().position(|s| s.as_str() == stage) else {
        return Err(FieldErrors::one("stage", "use meeting, pilot or contract").into());
    };
    let current = later.iter().position(|s| *s == row.stage);
    let allowed = match (row.stage, current) {
        (IntroductionStage::Accepted, _) => true,
        (_, Some(current)) => target > current,
        _ => false,
    };
    let stage = later[target];
    if !allowed {
        return Err(Error::Conflict(format!(
            "an introduction that is {} cannot move to {stage}",
            row.stage
        )));
    }
    let at = on
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|d| d.and_utc())
        .unwrap_or_else(db::now);
    let mut model: introduction::ActiveModel = row.into();
    model.stage = Set(stage);
    model.updated_at = Set(db::now());
    let row = model.update(&tx).await?;
    add_event(&tx, id, stage, note, actor.user_id(), at).await?;
    let out = view(&tx, &row).await?;
    tx.commit().await?;
    Ok(out)
}

/// The introductions of a challenge, for its officers.
pub async fn for_challenge(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<Vec<IntroductionView>> {
    let challenge_row = super::challenges::find(&ctx.db, actor, challenge_id).await?;
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    if !actor.belongs_to_department(challenge_row.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department see its introductions",
        ));
    }
    let rows = introduction::Entity::find()
        .filter(introduction::Column::ChallengeId.eq(challenge_row.id))
        .order_by_asc(introduction::Column::Id)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(view(&ctx.db, row).await?);
    }
    Ok(out)
}

/// The introductions of a company, for its members.
pub async fn for_company(
    ctx: &Context,
    actor: &Actor,
    company_id: &str,
) -> Result<Vec<IntroductionView>> {
    let company_row = super::companies::find(&ctx.db, actor, company_id).await?;
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    if !actor.belongs_to_company(company_row.id) {
        return Err(Error::forbidden(
            "only members of the company see its introductions",
        ));
    }
    let rows = introduction::Entity::find()
        .filter(introduction::Column::CompanyId.eq(company_row.id))
        .order_by_asc(introduction::Column::Id)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(view(&ctx.db, row).await?);
    }
    Ok(out)
}
