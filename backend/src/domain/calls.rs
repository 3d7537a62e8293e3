//! The call of a challenge: how proposals will be judged (criteria and their weights), until
//! when questions and proposals are accepted, the budget and length of the pilot, and who judges
//! (the panel); the public questions and their answers, published to everyone at once.
//!
//! Deadlines are moments in UTC, judged by the server's clock (`Context::clock`) and shown in
//! Madrid time.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Actor, Error, Result, alerts, audit, challenges, interests};
use crate::context::Context;
use crate::db::entities::{
    call, call_evaluator, call_question, challenge, company, membership, proposal, user,
};
use crate::db::{self};
use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields};
use crate::types::{ChallengeStatus, Email, Money, ProposalStatus};
use factoria_frontend::dates;
use factoria_frontend::emails::{Answered, CallNotice, EmailContent};

/// Audit actions of calls.
pub mod action {
    /// The call's settings were set or changed.
    pub const CALL_SET: &str = "call_set";
    /// A company asked a question.
    pub const QUESTION_ASKED: &str = "question_asked";
    /// An officer published an answer.
    pub const QUESTION_ANSWERED: &str = "question_answered";
}

/// One evaluation criterion, published with the call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Criterion {
    /// What is judged, in one line.
    pub name: String,
    /// Its weight; the weights of a call sum to 100.
    pub weight: u8,
    /// What earns points.
    pub guidance: Option<String>,
}

/// The settings of a call, checked.
#[derive(Debug, Clone)]
pub struct CallSettings {
    /// How proposals are judged.
    pub criteria: Vec<Criterion>,
    /// Questions are accepted, and answered, until then.
    pub questions_deadline: DateTime<Utc>,
    /// Proposals are accepted, changed and withdrawn until then; nobody opens them before.
    pub proposals_deadline: DateTime<Utc>,
    /// The most a proposal may cost.
    pub max_budget: Option<Money>,
    /// Months the pilot lasts.
    pub pilot_months: Option<u16>,
    /// The addresses of the officers who evaluate the proposals.
    pub panel: Vec<Email>,
}

impl CallSettings {
    /// Reads the settings from a JSON object, naming every field at fault.
    pub fn read(body: &Value) -> std::result::Result<Self, FieldErrors> {
        let mut r = ObjectReader::new(body);
        let criteria = r.object_list("criteria", 10, |c| {
            let name = c.required_line("name", 120);
            let weight = c.required_integer("weight", 1..=100);
            let guidance = c.optional_text("guidance", 1000);
            Some(Criterion {
                name: name?,
                weight: u8::try_from(weight?).ok()?,
                guidance,
            })
        });
        let questions_deadline = r.required("questions_deadline", dates::parse_moment);
        let proposals_deadline = r.required("proposals_deadline", dates::parse_moment);
        let max_budget = r
            .optional_number("max_budget")
            .and_then(|euros| match Money::from_euros(euros) {
                Ok(money) => Some(money),
                Err(message) => {
                    r.fault("max_budget", message);
                    None
                }
            });
        let pilot_months = r.optional_integer("pilot_months", 1..=48);
        let panel = r.list("panel", 10, |text| {
            Email::parse(text).map_err(|e| e.to_string())
        });
        let total: u32 = criteria.iter().map(|c| u32::from(c.weight)).sum();
        if criteria.is_empty() {
            r.fault("criteria", "publish at least one evaluation criterion");
        } else if total != 100 {
            r.fault(
                "criteria",
                format!("the weights sum to {total}; they must sum to 100"),
            );
        }
        if let (Some(q), Some(p)) = (questions_deadline, proposals_deadline)
            && q > p
        {
            r.fault(
                "questions_deadline",
                "must not be after the proposals deadline",
            );
        }
        if panel.is_empty() {
            r.fault(
                "panel",
                "name at least one officer to evaluate the proposals",
            );
        }
        let settings = match (questions_deadline, proposals_deadline) {
            (Some(questions_deadline), Some(proposals_deadline)) => Some(CallSettings {
                criteria,
                questions_deadline,
                proposals_deadline,
                max_budget,
                pilot_months: pilot_months.and_then(|m| u16::try_from(m).ok()),
                panel,
            }),
            _ => None,
        };
        r.finish(UnknownFields::Reject, settings)
    }
}

/// A call as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallView {
    /// Interchange id of the challenge.
    pub challenge: String,
    /// How proposals are judged.
    pub criteria: Vec<Criterion>,
    /// Questions are accepted until then.
    pub questions_deadline: DateTime<Utc>,
    /// Proposals are accepted until then.
    pub proposals_deadline: DateTime<Utc>,
    /// The most a proposal may cost, in euros.
    pub max_budget: Option<f64>,
    /// Months the pilot lasts.
    pub pilot_months: Option<i32>,
    /// Questions are accepted now.
    pub questions_open: bool,
    /// Proposals are accepted now.
    pub proposals_open: bool,
    /// The evaluators' names (officers of the challenge's department only).
    pub panel: Option<Vec<String>>,
    /// The result, once published.
    pub result: Option<CallOutcome>,
}

/// The published result of a call.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CallOutcome {
    /// When it was published.
    pub published_at: DateTime<Utc>,
    /// The proposals selected for the pilot (none when the call was left unawarded).
    pub selected: Vec<SelectedProposal>,
}

/// A proposal selected for the pilot, as published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SelectedProposal {
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// The price it proposed, in euros.
    pub price: Option<f64>,
}

/// A public question and its answer. The company that asked is never shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    /// Question id.
    pub id: i64,
    /// The question.
    pub question: String,
    /// The published answer.
    pub answer: Option<String>,
    /// When it was asked.
    pub asked_at: DateTime<Utc>,
    /// When the answer was published.
    pub answered_at: Option<DateTime<Utc>>,
    /// Asked by the viewer's company.
    pub yours: bool,
}

/// A challenge's public page: the challenge as the visitor sees it, its call and the questions
/// they may read.
pub struct ForPage {
    /// The challenge, and the visitor's relation to it.
    pub visitor: interests::ForVisitor,
    /// Its call, when it has one.
    pub call: Option<CallView>,
    /// The questions the visitor may read.
    pub questions: Vec<QuestionView>,
}

/// Everything a challenge's public page shows.
pub async fn for_page(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<ForPage> {
    let visitor = interests::for_visitor(ctx, actor, challenge_id).await?;
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let call = find_for(ctx, actor, &challenge).await?;
    let questions = match call {
        Some(_) => questions(ctx, actor, challenge_id).await?,
        None => Vec::new(),
    };
    Ok(ForPage {
        visitor,
        call,
        questions,
    })
}

/// The stored call of a challenge, if it has one.
pub async fn call_of<C: ConnectionTrait>(
    conn: &C,
    challenge_id: i64,
) -> Result<Option<call::Model>> {
    Ok(call::Entity::find_by_id(challenge_id).one(conn).await?)
}

/// The stored call of a challenge, or 404.
pub async fn required_call<C: ConnectionTrait>(conn: &C, challenge_id: i64) -> Result<call::Model> {
    call_of(conn, challenge_id)
        .await?
        .ok_or(Error::NotFound("call"))
}

/// The criteria of a stored call.
pub fn criteria_of(row: &call::Model) -> Result<Vec<Criterion>> {
    serde_json::from_str(&row.criteria).map_err(|e| Error::Internal(e.into()))
}

/// The user ids of a call's panel: those still active officers of the challenge's department
/// (one disabled or moved elsewhere no longer evaluates, nor holds up the result).
pub async fn panel_of<C: ConnectionTrait>(conn: &C, challenge_id: i64) -> Result<Vec<i64>> {
    let named: Vec<i64> = call_evaluator::Entity::find()
        .filter(call_evaluator::Column::ChallengeId.eq(challenge_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .collect();
    let Some(challenge) = challenge::Entity::find_by_id(challenge_id)
        .one(conn)
        .await?
    else {
        return Ok(Vec::new());
    };
    let officers: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::DepartmentId.eq(challenge.department_id))
        .filter(membership::Column::UserId.is_in(named))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(officers))
        .filter(user::Column::DisabledAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// A member of `company` in their own right (an administrator is not a member of every
/// company here: nobody outside a company reads its proposals or questions).
pub fn is_member(actor: &Actor, company: i64) -> bool {
    actor.user().is_some_and(|u| u.companies.contains(&company))
}

/// An officer of `department` in their own right (an administrator of the platform is not a
/// member of every panel or department here: nobody outside the department reads its call's
/// proposals, scores or unanswered questions).
pub fn is_officer_of(actor: &Actor, department: i64) -> bool {
    actor
        .user()
        .is_some_and(|u| u.departments.contains(&department))
}

/// The company a member acts for in a call (`write`) or reads for: theirs in their own right.
pub async fn own_company<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    named: Option<&str>,
    write: bool,
) -> Result<company::Model> {
    let company = if write {
        interests::acting_company(conn, actor, named).await?
    } else {
        interests::member_company(conn, actor, named).await?
    };
    if is_member(actor, company.id) {
        Ok(company)
    } else {
        Err(Error::forbidden("you may act only for your own company"))
    }
}

/// Serialises the writes to one challenge's call, in the caller's write transaction: on
/// PostgreSQL the challenge's row stays locked until the transaction ends, so what is read next
/// (a question, a proposal, an evaluation, the result) is what this write changes.
pub async fn lock<C: ConnectionTrait>(conn: &C, challenge: &challenge::Model) -> Result<()> {
    Ok(db::lock_row(conn, "challenges", challenge.id).await?)
}

/// "31 January 2027, 14:00 (Madrid time)": how refusals name a deadline.
pub fn deadline_words(at: DateTime<Utc>) -> String {
    dates::moment(false, at)
}

/// One call for the viewer: everyone sees criteria, deadlines and the result; officers of the
/// department also see the panel.
pub async fn get(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<CallView> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let row = required_call(&ctx.db, challenge.id).await?;
    view(ctx, actor, &challenge, &row).await
}

/// The call of a challenge the viewer may see, if it has one.
pub async fn find_for(
    ctx: &Context,
    actor: &Actor,
    challenge: &challenge::Model,
) -> Result<Option<CallView>> {
    match call_of(&ctx.db, challenge.id).await? {
        Some(row) => Ok(Some(view(ctx, actor, challenge, &row).await?)),
        None => Ok(None),
    }
}

async fn view(
    ctx: &Context,
    actor: &Actor,
    challenge: &challenge::Model,
    row: &call::Model,
) -> Result<CallView> {
    let now = ctx.clock.now();
    let panel = if is_officer_of(actor, challenge.department_id) || actor.is_admin() {
        let ids = panel_of(&ctx.db, challenge.id).await?;
        let names = user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .order_by_asc(user::Column::Name)
            .all(&ctx.db)
            .await?
            .into_iter()
            .map(|u| u.name)
            .collect();
        Some(names)
    } else {
        None
    };
    let result = match row.result_published_at {
        Some(published_at) => {
            let selected = proposal::Entity::find()
                .filter(proposal::Column::ChallengeId.eq(challenge.id))
                .filter(proposal::Column::Status.eq(ProposalStatus::Selected))
                .all(&ctx.db)
                .await?;
            let mut out = Vec::with_capacity(selected.len());
            for p in selected {
                let company = company::Entity::find_by_id(p.company_id)
                    .one(&ctx.db)
                    .await?
                    .ok_or(Error::NotFound("company"))?;
                let price = serde_json::from_str::<Value>(&p.content)
                    .ok()
                    .and_then(|c| c.get("price").and_then(Value::as_f64));
                out.push(SelectedProposal {
                    company: company.external_id,
                    company_name: company.name,
                    price,
                });
            }
            Some(CallOutcome {
                published_at,
                selected: out,
            })
        }
        None => None,
    };
    let open = challenge.status == ChallengeStatus::Published;
    Ok(CallView {
        challenge: challenge.external_id.clone(),
        criteria: criteria_of(row)?,
        questions_deadline: row.questions_deadline,
        proposals_deadline: row.proposals_deadline,
        max_budget: row
            .max_budget_cents
            .map(|c| Money::from_cents(c).cents() as f64 / 100.0),
        pilot_months: row.pilot_months,
        questions_open: open && now < row.questions_deadline,
        proposals_open: open && now < row.proposals_deadline,
        panel,
        result,
    })
}

/// An officer of the challenge's department sets the call: criteria, deadlines, budget, pilot
/// length and panel. Once proposals are closed nothing changes; once the challenge is
/// published a deadline only moves later, and participants are told at once.
pub async fn set(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    settings: CallSettings,
) -> Result<CallView> {
    let officer = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge.department_id,
        "only officers of the challenge's department set its call",
    )?;
    lock(&tx, &challenge).await?;
    if !matches!(
        challenge.status,
        ChallengeStatus::Draft | ChallengeStatus::Published
    ) {
        return Err(Error::Conflict(format!(
            "the challenge is {}: its call can no longer change",
            challenge.status
        )));
    }
    let now = ctx.clock.now();
    let existing = call_of(&tx, challenge.id).await?;
    let mut errors = FieldErrors::default();
    if let Some(old) = &existing
        && old.proposals_deadline <= now
    {
        return Err(Error::Conflict(format!(
            "proposals closed on {}: the call can no longer change",
            deadline_words(old.proposals_deadline)
        )));
    }
    if settings.proposals_deadline <= now {
        errors.push("proposals_deadline", "must be in the future");
    }
    let published = challenge.status == ChallengeStatus::Published;
    if let (Some(old), true) = (&existing, published) {
        if settings.questions_deadline < old.questions_deadline {
            errors.push(
                "questions_deadline",
                "a published call's deadlines may only move later",
            );
        }
        if settings.proposals_deadline < old.proposals_deadline {
            errors.push(
                "proposals_deadline",
                "a published call's deadlines may only move later",
            );
        }
        // Proposals are written against the published rules: they do not change under them.
        if settings.criteria != criteria_of(old)? {
            errors.push("criteria", "a published call's criteria do not change");
        }
        if settings.max_budget.map(Money::cents) != old.max_budget_cents {
            errors.push("max_budget", "a published call's budget does not change");
        }
    }
    let mut panel = Vec::with_capacity(settings.panel.len());
    for (i, address) in settings.panel.iter().enumerate() {
        match officer_of(&tx, challenge.department_id, address).await? {
            Some(id) if panel.contains(&id) => {}
            Some(id) => panel.push(id),
            None => errors.push(
                format!("panel[{i}]"),
                "is not an active officer of the challenge's department",
            ),
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let criteria =
        serde_json::to_string(&settings.criteria).map_err(|e| Error::Internal(e.into()))?;
    let mut model = call::ActiveModel {
        challenge_id: Set(challenge.id),
        criteria: Set(criteria),
        questions_deadline: Set(settings.questions_deadline),
        proposals_deadline: Set(settings.proposals_deadline),
        max_budget_cents: Set(settings.max_budget.map(Money::cents)),
        pilot_months: Set(settings.pilot_months.map(i32::from)),
        result_published_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match &existing {
        Some(old) => {
            model.created_at = Set(old.created_at);
            model.update(&tx).await?;
        }
        None => {
            model.insert(&tx).await?;
        }
    }
    call_evaluator::Entity::delete_many()
        .filter(call_evaluator::Column::ChallengeId.eq(challenge.id))
        .exec(&tx)
        .await?;
    for user_id in panel {
        call_evaluator::ActiveModel {
            challenge_id: Set(challenge.id),
            user_id: Set(user_id),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
    }
    challenges::set_deadline(&tx, &challenge, settings.proposals_deadline).await?;
    if let (Some(old), true) = (&existing, published) {
        let moved = |old: DateTime<Utc>, new: DateTime<Utc>| (old != new).then_some(new);
        let questions = moved(old.questions_deadline, settings.questions_deadline);
        let proposals = moved(old.proposals_deadline, settings.proposals_deadline);
        if questions.is_some() || proposals.is_some() {
            announce(ctx, &tx, &challenge, None, None, questions, proposals).await?;
        }
    }
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(officer.id),
        action::CALL_SET,
        Some(format!("challenge:{}", challenge.id)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    get(ctx, actor, challenge_id).await
}

/// The id of the active officer of `department` with `address`.
async fn officer_of<C: ConnectionTrait>(
    conn: &C,
    department: i64,
    address: &Email,
) -> Result<Option<i64>> {
    let Some(person) = user::Entity::find()
        .filter(user::Column::Email.eq(address.as_str().to_lowercase()))
        .filter(user::Column::DisabledAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let officer = membership::Entity::find()
        .filter(membership::Column::UserId.eq(person.id))
        .filter(membership::Column::DepartmentId.eq(department))
        .one(conn)
        .await?;
    Ok(officer.map(|_| person.id))
}

/// Everyone a call's news must reach: the members of the companies that follow the challenge
/// or declared interest in it (those subscribed to news of followed challenges), every member
/// of a company with a proposal in it, whatever its state, and of the company that asked.
async fn participants<C: ConnectionTrait>(
    conn: &C,
    challenge_id: i64,
    asker: Option<i64>,
) -> Result<Vec<user::Model>> {
    let mut people = super::alerts::followers(conn, challenge_id).await?;
    let mut proposers: Vec<i64> = proposal::Entity::find()
        .filter(proposal::Column::ChallengeId.eq(challenge_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| p.company_id)
        .collect();
    proposers.extend(asker);
    for person in members_of(conn, proposers).await? {
        if !people.iter().any(|p| p.id == person.id) {
            people.push(person);
        }
    }
    Ok(people)
}

/// The verified, active members of `companies`.
pub async fn members_of<C: ConnectionTrait>(
    conn: &C,
    companies: Vec<i64>,
) -> Result<Vec<user::Model>> {
    let ids: Vec<i64> = membership::Entity::find()
        .filter(membership::Column::CompanyId.is_in(companies))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    super::accounts::reachable(conn, ids).await
}

/// Tells every participant, once each, of an answer or of moved deadlines, in their language:
/// at once, or in the digest of followed challenges they chose ([`alerts::tell`]).
async fn announce<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    challenge: &challenge::Model,
    asker: Option<i64>,
    answered: Option<Answered>,
    questions_deadline: Option<DateTime<Utc>>,
    proposals_deadline: Option<DateTime<Utc>>,
) -> Result<usize> {
    let mut queued = 0;
    for person in participants(conn, challenge.id, asker).await? {
        let es = factoria_search::Lang::from_code(&person.locale) == factoria_search::Lang::Es;
        let content = EmailContent::CallNotice(CallNotice {
            name: person.name.clone(),
            challenge_title: challenge.title.clone(),
            answered: answered.clone(),
            questions_deadline: questions_deadline.map(|at| dates::moment(es, at)),
            proposals_deadline: proposals_deadline.map(|at| dates::moment(es, at)),
            url: ctx.url(&format!("/challenges/{}#questions", challenge.external_id)),
        });
        if alerts::tell(ctx, conn, &person, content).await? {
            queued += 1;
        }
    }
    Ok(queued)
}

/// A member of a company asks a question about a published call, before its questions deadline.
pub async fn ask(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    company: Option<&str>,
    question: String,
) -> Result<QuestionView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    let call = required_call(&tx, challenge.id).await?;
    let company = interests::acting_company(&tx, actor, company).await?;
    if challenge.status != ChallengeStatus::Published {
        return Err(Error::Conflict(
            "questions are for published challenges".into(),
        ));
    }
    if ctx.clock.now() >= call.questions_deadline {
        return Err(Error::Conflict(format!(
            "questions closed on {}",
            deadline_words(call.questions_deadline)
        )));
    }
    let row = call_question::ActiveModel {
        challenge_id: Set(challenge.id),
        company_id: Set(company.id),
        asked_by: Set(actor.user_id()),
        question: Set(question),
        created_at: Set(ctx.clock.now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        actor.user_id(),
        action::QUESTION_ASKED,
        Some(format!("question:{}", row.id)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(question_view(&row, true))
}

fn question_view(row: &call_question::Model, yours: bool) -> QuestionView {
    QuestionView {
        id: row.id,
        question: row.question.clone(),
        answer: row.answer.clone(),
        asked_at: row.created_at,
        answered_at: row.answered_at,
        yours,
    }
}

/// An officer of the challenge's department answers a question: the answer is published on the
/// challenge's page and sent to every participant at once. Answers stop at the questions
/// deadline; the officer extends it to answer later.
pub async fn answer(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    question_id: i64,
    answer: String,
) -> Result<QuestionView> {
    let officer = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge.department_id,
        "only officers of the challenge's department answer its questions",
    )?;
    lock(&tx, &challenge).await?;
    let call = required_call(&tx, challenge.id).await?;
    let row = call_question::Entity::find_by_id(question_id)
        .filter(call_question::Column::ChallengeId.eq(challenge.id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("question"))?;
    if row.answer.is_some() {
        return Err(Error::Conflict("this question is already answered".into()));
    }
    let now = ctx.clock.now();
    if now >= call.questions_deadline {
        return Err(Error::Conflict(format!(
            "questions closed on {}: extend the questions deadline to answer",
            deadline_words(call.questions_deadline)
        )));
    }
    let question = row.question.clone();
    let asker = row.company_id;
    let mut model: call_question::ActiveModel = row.into();
    model.answer = Set(Some(answer.clone()));
    model.answered_by = Set(Some(officer.id));
    model.answered_at = Set(Some(now));
    let row = model.update(&tx).await?;
    announce(
        ctx,
        &tx,
        &challenge,
        Some(asker),
        Some(Answered { question, answer }),
        None,
        None,
    )
    .await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(officer.id),
        action::QUESTION_ANSWERED,
        Some(format!("question:{}", row.id)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(question_view(&row, false))
}

/// The questions of a call: everyone sees the answered ones; officers of the department see
/// every question; a company's members also see their own unanswered ones.
pub async fn questions(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
) -> Result<Vec<QuestionView>> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    required_call(&ctx.db, challenge.id).await?;
    let rows = call_question::Entity::find()
        .filter(call_question::Column::ChallengeId.eq(challenge.id))
        .order_by_asc(call_question::Column::CreatedAt)
        .order_by_asc(call_question::Column::Id)
        .all(&ctx.db)
        .await?;
    let officer = is_officer_of(actor, challenge.department_id);
    Ok(rows
        .iter()
        .filter_map(|row| {
            let yours = is_member(actor, row.company_id);
            (row.answer.is_some() || officer || yours).then(|| question_view(row, yours))
        })
        .collect())
}

/// A challenge's call as its department's officers manage it.
pub struct ForOfficer {
    /// The challenge's title.
    pub challenge_title: String,
    /// Its status.
    pub status: ChallengeStatus,
    /// The call, once set.
    pub call: Option<CallView>,
    /// The panel's addresses, to edit them.
    pub panel_emails: Vec<String>,
    /// Every question, answered or not.
    pub questions: Vec<QuestionView>,
}

/// The call of a challenge for an officer of its department.
pub async fn for_officer(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<ForOfficer> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    if !actor.belongs_to_department(challenge.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department set its call",
        ));
    }
    let call = find_for(ctx, actor, &challenge).await?;
    let ids: Vec<i64> = call_evaluator::Entity::find()
        .filter(call_evaluator::Column::ChallengeId.eq(challenge.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|e| e.user_id)
        .collect();
    let panel_emails = user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .order_by_asc(user::Column::Email)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|u| u.email)
        .collect();
    let questions = match call {
        Some(_) => questions(ctx, actor, challenge_id).await?,
        None => Vec::new(),
    };
    Ok(ForOfficer {
        challenge_title: challenge.title,
        status: challenge.status,
        call,
        panel_emails,
        questions,
    })
}
