//! Proposals: a company answers a challenge's call. A draft only its members see; submitted
//! with a receipt (the time and a SHA-256 of the content); changed or withdrawn until the
//! proposals deadline; sealed until then for everyone in the administration.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::calls::{self, deadline_words, is_member};
use super::{Actor, Error, Result, audit, challenges, matching};
use crate::context::Context;
use crate::db::entities::{call, challenge, company, evaluation, proposal, user};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields};
use crate::types::{ChallengeStatus, Email, Money, ProposalStatus, WebUrl};
use factoria_frontend::dates;
use factoria_frontend::emails::{EmailContent, ProposalReceipt};

/// Audit actions of proposals.
pub mod action {
    /// A company started its proposal (a draft).
    pub const PROPOSAL_STARTED: &str = "proposal_started";
    /// A draft or a submitted proposal was changed (with the SHA-256 of its new content).
    pub const PROPOSAL_SAVED: &str = "proposal_saved";
    /// A proposal was submitted (or resubmitted with changes).
    pub const PROPOSAL_SUBMITTED: &str = "proposal_submitted";
    /// A proposal was withdrawn.
    pub const PROPOSAL_WITHDRAWN: &str = "proposal_withdrawn";
}

/// How a proposal meets one requirement of the challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RequirementAnswer {
    /// `must` or `should`.
    pub kind: String,
    /// The requirement, as the challenge states it.
    pub requirement: String,
    /// How the proposal meets it.
    pub answer: String,
}

/// What a proposal says. Stored as this JSON; its SHA-256 is the receipt's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProposalContent {
    /// The proposal in a few lines.
    pub summary: String,
    /// How the company would solve the challenge.
    pub approach: String,
    /// One answer per must-have and should-have requirement, in the challenge's order.
    pub answers: Vec<RequirementAnswer>,
    /// Technology readiness level of what is proposed.
    pub trl: Option<u8>,
    /// Price in euros.
    pub price: Option<f64>,
    /// Timeline of the pilot.
    pub timeline: String,
    /// Who would do the work.
    pub team: String,
    /// Links to material (demonstrations, papers, repositories).
    pub links: Vec<String>,
}

/// A change to a proposal's content, as read from the client: what it sends replaces the
/// stored field; answers are matched to requirements by their text.
#[derive(Debug, Clone, Default)]
pub struct ProposalEdit {
    summary: Option<String>,
    approach: Option<String>,
    answers: Option<Vec<(String, String)>>,
    trl: Option<u8>,
    price: Option<Money>,
    timeline: Option<String>,
    team: Option<String>,
    links: Option<Vec<WebUrl>>,
}

impl ProposalEdit {
    /// Reads an edit from a JSON object, naming every field at fault.
    pub fn read(body: &Value) -> std::result::Result<Self, FieldErrors> {
        let mut r = ObjectReader::new(body);
        let summary = r.optional_text("summary", 2000);
        let approach = r.optional_text("approach", 20_000);
        let has_answers = body.get("answers").is_some();
        let answers = r.object_list("answers", 60, |a| {
            let requirement = a.required_text("requirement", 2000);
            let answer = a.optional_text("answer", 5000).unwrap_or_default();
            Some((requirement?, answer))
        });
        let trl = r.optional_integer("trl", 1..=9);
        let price = r
            .optional_number("price")
            .and_then(|euros| match Money::from_euros(euros) {
                Ok(money) => Some(money),
                Err(message) => {
                    r.fault("price", message);
                    None
                }
            });
        let timeline = r.optional_text("timeline", 5000);
        let team = r.optional_text("team", 5000);
        let has_links = body.get("links").is_some();
        let links = r.list("links", 10, WebUrl::parse);
        let edit = ProposalEdit {
            summary,
            approach,
            answers: has_answers.then_some(answers),
            trl: trl.and_then(|t| u8::try_from(t).ok()),
            price,
            timeline,
            team,
            links: has_links.then_some(links),
        };
        r.finish(UnknownFields::Reject, Some(edit))
    }

    /// The content with this edit applied; an answer to no requirement of the challenge is a
    /// fault of `answers[i].requirement`.
    fn apply(
        self,
        mut content: ProposalContent,
    ) -> std::result::Result<ProposalContent, FieldErrors> {
        let mut errors = FieldErrors::default();
        if let Some(summary) = self.summary {
            content.summary = summary;
        }
        if let Some(approach) = self.approach {
            content.approach = approach;
        }
        if let Some(answers) = self.answers {
            for (i, (requirement, answer)) in answers.into_iter().enumerate() {
                match content
                    .answers
                    .iter_mut()
                    .find(|a| a.requirement.trim() == requirement.trim())
                {
                    Some(slot) => slot.answer = answer,
                    None => errors.push(
                        format!("answers[{i}].requirement"),
                        "is not a requirement of this challenge",
                    ),
                }
            }
        }
        if self.trl.is_some() {
            content.trl = self.trl;
        }
        if let Some(price) = self.price {
            content.price = Some(price.cents() as f64 / 100.0);
        }
        if let Some(timeline) = self.timeline {
            content.timeline = timeline;
        }
        if let Some(team) = self.team {
            content.team = team;
        }
        if let Some(links) = self.links {
            content.links = links.into_iter().map(|l| l.to_string()).collect();
        }
        if errors.is_empty() {
            Ok(content)
        } else {
            Err(errors)
        }
    }
}

/// A proposal as the API shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalView {
    /// Proposal id.
    pub id: i64,
    /// Interchange id of the challenge.
    pub challenge: String,
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Where it is.
    pub status: ProposalStatus,
    /// What it says.
    pub content: ProposalContent,
    /// When it was last submitted.
    pub submitted_at: Option<DateTime<Utc>>,
    /// SHA-256 of the submitted content (its stored JSON), as in the receipt.
    pub digest: Option<String>,
    /// Proposals are accepted, changed and withdrawn until then.
    pub deadline: DateTime<Utc>,
    /// The company may still change it.
    pub editable: bool,
}

/// The proposals of a call that the viewer may see.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalList {
    /// Nobody in the administration opens a proposal before this moment.
    pub sealed_until: DateTime<Utc>,
    /// The proposals.
    pub items: Vec<ProposalSummary>,
}

/// One proposal in a list.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProposalSummary {
    /// Proposal id.
    pub id: i64,
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Where it is.
    pub status: ProposalStatus,
    /// When it was submitted.
    pub submitted_at: Option<DateTime<Utc>>,
}

fn content_of(row: &proposal::Model) -> Result<ProposalContent> {
    serde_json::from_str(&row.content).map_err(|e| Error::Internal(e.into()))
}

fn content_text(content: &ProposalContent) -> Result<String> {
    serde_json::to_string(content).map_err(|e| Error::Internal(e.into()))
}

/// SHA-256 of a proposal's stored content, hexadecimal.
pub fn digest_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn view<C: ConnectionTrait>(
    conn: &C,
    challenge: &challenge::Model,
    call: &call::Model,
    row: &proposal::Model,
    now: DateTime<Utc>,
) -> Result<ProposalView> {
    let company = company::Entity::find_by_id(row.company_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("proposal"))?;
    Ok(ProposalView {
        id: row.id,
        challenge: challenge.external_id.clone(),
        company: company.external_id,
        company_name: company.name,
        status: row.status,
        content: content_of(row)?,
        submitted_at: row.submitted_at,
        digest: row.digest.clone(),
        deadline: call.proposals_deadline,
        editable: is_open(challenge, call, now)
            && matches!(
                row.status,
                ProposalStatus::Draft | ProposalStatus::Submitted | ProposalStatus::Withdrawn
            ),
    })
}

fn is_open(challenge: &challenge::Model, call: &call::Model, now: DateTime<Utc>) -> bool {
    challenge.status == ChallengeStatus::Published && now < call.proposals_deadline
}

/// Refuses a change once proposals are closed (409 naming the deadline).
pub fn check_open(
    challenge: &challenge::Model,
    call: &call::Model,
    now: DateTime<Utc>,
) -> Result<()> {
    if now >= call.proposals_deadline {
        return Err(Error::Conflict(format!(
            "proposals closed on {}",
            deadline_words(call.proposals_deadline)
        )));
    }
    if challenge.status != ChallengeStatus::Published {
        return Err(Error::Conflict(format!(
            "the challenge is {}: it takes no proposals",
            challenge.status
        )));
    }
    Ok(())
}

/// What the challenge asks, as empty answers pre-filled with what the match explanation maps to
/// each requirement from the company's profile.
async fn first_draft(
    ctx: &Context,
    challenge: &challenge::Model,
    company: &company::Model,
    lang: factoria_search::Lang,
) -> Result<ProposalContent> {
    let spec = challenges::spec_from_row(challenge)?;
    let explained = matching::explain_pair(ctx, challenge.id, company.id, lang).await?;
    let suggestion = |kind: &str, position: usize| -> String {
        explained
            .as_ref()
            .and_then(|e| {
                e.requirements
                    .iter()
                    .find(|r| r.kind == kind && r.position == position && r.strength.covers())
            })
            .and_then(|r| r.covered_by.as_ref())
            .map(|c| c.text.clone())
            .unwrap_or_default()
    };
    let mut answers = Vec::new();
    for (kind, list) in [("must", &spec.must), ("should", &spec.should)] {
        for (position, requirement) in list.iter().enumerate() {
            answers.push(RequirementAnswer {
                kind: kind.into(),
                requirement: requirement.clone(),
                answer: suggestion(kind, position),
            });
        }
    }
    Ok(ProposalContent {
        trl: company.trl.and_then(|t| u8::try_from(t).ok()),
        answers,
        ..ProposalContent::default()
    })
}

/// A member starts their company's proposal to a published call (or gets the one they have):
/// a draft with an answer slot per requirement, pre-filled from the match explanation.
pub async fn start(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    company: Option<&str>,
) -> Result<ProposalView> {
    actor.check_write()?;
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let call = calls::required_call(&ctx.db, challenge.id).await?;
    let company = calls::own_company(&ctx.db, actor, company, true).await?;
    let now = ctx.clock.now();
    if let Some(row) = find_of(&ctx.db, challenge.id, company.id).await? {
        return view(&ctx.db, &challenge, &call, &row, now).await;
    }
    check_open(&challenge, &call, now)?;
    // The explanation is computed before the write transaction opens, so no write lock is held
    // across a match computation.
    let content = first_draft(ctx, &challenge, &company, actor.lang()).await?;
    let tx = db::begin_write(&ctx.db).await?;
    calls::lock(&tx, &challenge).await?;
    let row = match find_of(&tx, challenge.id, company.id).await? {
        Some(row) => row,
        None => {
            let row = proposal::ActiveModel {
                challenge_id: Set(challenge.id),
                company_id: Set(company.id),
                status: Set(ProposalStatus::Draft),
                content: Set(content_text(&content)?),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
            audit::record(
                &tx,
                &ctx.config.secret,
                actor.user_id(),
                action::PROPOSAL_STARTED,
                Some(format!("proposal:{}", row.id)),
                None,
                None,
            )
            .await?;
            row
        }
    };
    let out = view(&tx, &challenge, &call, &row, now).await?;
    tx.commit().await?;
    Ok(out)
}

async fn find_of<C: ConnectionTrait>(
    conn: &C,
    challenge: i64,
    company: i64,
) -> Result<Option<proposal::Model>> {
    Ok(proposal::Entity::find()
        .filter(proposal::Column::ChallengeId.eq(challenge))
        .filter(proposal::Column::CompanyId.eq(company))
        .one(conn)
        .await?)
}

/// What a viewer may do with a proposal, decided in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// A member of the proposing company.
    Member,
    /// An evaluator of the panel who declared no conflict of interest with the company.
    Evaluator,
    /// An evaluator of the panel who has not yet declared whether they have a conflict.
    Undeclared,
    /// An officer of the challenge's department, after the result was published.
    Officer,
}

/// How `actor` may reach proposal `row` of a call; `None` when its existence must not even be
/// revealed (another company, another department, a conflicted evaluator, or anyone in the
/// administration before the deadline).
pub async fn access<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    challenge: &challenge::Model,
    call: &call::Model,
    row: &proposal::Model,
    now: DateTime<Utc>,
) -> Result<Option<Access>> {
    if is_member(actor, row.company_id) {
        return Ok(Some(Access::Member));
    }
    let sealed = now < call.proposals_deadline;
    let handed_in = matches!(
        row.status,
        ProposalStatus::Submitted | ProposalStatus::Selected | ProposalStatus::Unselected
    );
    let Some(user_id) = actor.user_id() else {
        return Ok(None);
    };
    if sealed || !handed_in {
        return Ok(None);
    }
    if calls::panel_of(conn, challenge.id)
        .await?
        .contains(&user_id)
    {
        let declared = evaluation::Entity::find()
            .filter(evaluation::Column::ProposalId.eq(row.id))
            .filter(evaluation::Column::EvaluatorId.eq(user_id))
            .one(conn)
            .await?;
        return Ok(match declared {
            Some(e) if e.conflict => None,
            Some(_) => Some(Access::Evaluator),
            None => Some(Access::Undeclared),
        });
    }
    let decided = call.result_published_at.is_some();
    Ok(
        (decided && actor.belongs_to_department(challenge.department_id))
            .then_some(Access::Officer),
    )
}

/// The challenge, its call and one of its proposals as `actor` may reach it (404 otherwise).
///
/// For a write (`conn` is its transaction), the call's writes are serialised first
/// ([`calls::lock`]), so that everything read here is what the write changes.
pub async fn reach<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
    write: bool,
    now: DateTime<Utc>,
) -> Result<(challenge::Model, call::Model, proposal::Model, Access)> {
    let challenge = challenges::find(conn, actor, challenge_id).await?;
    if write {
        calls::lock(conn, &challenge).await?;
    }
    let call = calls::required_call(conn, challenge.id).await?;
    let row = proposal::Entity::find_by_id(proposal_id)
        .filter(proposal::Column::ChallengeId.eq(challenge.id))
        .one(conn)
        .await?
        .ok_or(Error::NotFound("proposal"))?;
    match access(conn, actor, &challenge, &call, &row, now).await? {
        Some(access) => Ok((challenge, call, row, access)),
        None => Err(Error::NotFound("proposal")),
    }
}

/// One proposal, for its company's members; after the deadline, for the panel's evaluators who
/// declared no conflict; after the result, for the department's officers.
pub async fn get(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<ProposalView> {
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        reach(&ctx.db, actor, challenge_id, proposal_id, false, now).await?;
    if access == Access::Undeclared {
        return Err(Error::Conflict(
            "declare whether you have a conflict of interest with this company before opening its proposal"
                .into(),
        ));
    }
    view(&ctx.db, &challenge, &call, &row, now).await
}

/// The proposals of a call the viewer may see: their own company's; after the deadline, for the
/// panel, every handed-in proposal except those they declared a conflict with; after the result,
/// every handed-in proposal for the department's officers.
pub async fn list(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<ProposalList> {
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let call = calls::required_call(&ctx.db, challenge.id).await?;
    let now = ctx.clock.now();
    let rows = proposal::Entity::find()
        .filter(proposal::Column::ChallengeId.eq(challenge.id))
        .order_by_asc(proposal::Column::Id)
        .all(&ctx.db)
        .await?;
    let mut items = Vec::new();
    for row in rows {
        if access(&ctx.db, actor, &challenge, &call, &row, now)
            .await?
            .is_none()
        {
            continue;
        }
        let company = company::Entity::find_by_id(row.company_id)
            .one(&ctx.db)
            .await?
            .ok_or(Error::NotFound("company"))?;
        items.push(ProposalSummary {
            id: row.id,
            company: company.external_id,
            company_name: company.name,
            status: row.status,
            submitted_at: row.submitted_at,
        });
    }
    Ok(ProposalList {
        sealed_until: call.proposals_deadline,
        items,
    })
}

/// A member changes their company's proposal before the deadline. A submitted proposal stays
/// submitted: the change must be complete, and a new receipt is sent; a withdrawn one becomes a
/// draft again.
pub async fn save(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
    body: &Value,
) -> Result<ProposalView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        reach(&tx, actor, challenge_id, proposal_id, true, now).await?;
    check_member(access)?;
    // After the deadline the answer is the deadline, whatever the body says.
    check_open(&challenge, &call, now)?;
    let content = ProposalEdit::read(body)?.apply(content_of(&row)?)?;
    // A submitted proposal is handed in again, with a new receipt, only when it changed.
    let resubmit = row.status == ProposalStatus::Submitted
        && row.digest.as_deref() != Some(digest_of(&content_text(&content)?).as_str());
    let status = match row.status {
        ProposalStatus::Withdrawn => ProposalStatus::Draft,
        other => other,
    };
    let text = content_text(&content)?;
    let changed = text != row.content;
    let mut model: proposal::ActiveModel = row.into();
    model.status = Set(status);
    model.content = Set(text.clone());
    model.updated_at = Set(now);
    let row = model.update(&tx).await?;
    if changed {
        audit::record(
            &tx,
            &ctx.config.secret,
            actor.user_id(),
            action::PROPOSAL_SAVED,
            Some(format!("proposal:{}", row.id)),
            Some(serde_json::json!({ "sha256": digest_of(&text) })),
            None,
        )
        .await?;
    }
    let row = if resubmit {
        hand_in(ctx, &tx, actor, &challenge, &call, row, &content, now).await?
    } else {
        row
    };
    let out = view(&tx, &challenge, &call, &row, now).await?;
    tx.commit().await?;
    Ok(out)
}

fn check_member(access: Access) -> Result<()> {
    match access {
        Access::Member => Ok(()),
        _ => Err(Error::forbidden(
            "only members of the proposing company change a proposal",
        )),
    }
}

/// A member submits their company's proposal before the deadline; every missing required
/// answer is named (422), and the submitter gets a receipt.
pub async fn submit(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<ProposalView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        reach(&tx, actor, challenge_id, proposal_id, true, now).await?;
    check_member(access)?;
    check_open(&challenge, &call, now)?;
    let content = content_of(&row)?;
    let row = hand_in(ctx, &tx, actor, &challenge, &call, row, &content, now).await?;
    let out = view(&tx, &challenge, &call, &row, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// Every field a submitted proposal must have.
fn check_complete(
    content: &ProposalContent,
    call: &call::Model,
) -> std::result::Result<(), FieldErrors> {
    let mut errors = FieldErrors::default();
    let blank = |text: &str| text.trim().is_empty();
    if blank(&content.summary) {
        errors.push("summary", "is required to submit");
    }
    if blank(&content.approach) {
        errors.push("approach", "is required to submit");
    }
    for (i, answer) in content.answers.iter().enumerate() {
        if answer.kind == "must" && blank(&answer.answer) {
            errors.push(
                format!("answers[{i}].answer"),
                format!(
                    "say how the proposal meets this must-have requirement: {}",
                    answer.requirement
                ),
            );
        }
    }
    match (content.price, call.max_budget_cents) {
        (None, _) => errors.push("price", "is required to submit"),
        (Some(price), Some(max)) if (price * 100.0).round() as i64 > max => errors.push(
            "price",
            format!(
                "is above the call's maximum budget of {} euros",
                Money::from_cents(max).whole_euros()
            ),
        ),
        _ => {}
    }
    if blank(&content.timeline) {
        errors.push("timeline", "is required to submit");
    }
    if blank(&content.team) {
        errors.push("team", "is required to submit");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Marks a complete proposal submitted with the digest of its content, sends the receipt and
/// records it, in the caller's transaction.
#[expect(
    clippy::too_many_arguments,
    reason = "one step of save and submit, sharing their transaction"
)]
async fn hand_in<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    actor: &Actor,
    challenge: &challenge::Model,
    call: &call::Model,
    row: proposal::Model,
    content: &ProposalContent,
    now: DateTime<Utc>,
) -> Result<proposal::Model> {
    check_complete(content, call)?;
    let text = content_text(content)?;
    let digest = digest_of(&text);
    let company_id = row.company_id;
    let mut model: proposal::ActiveModel = row.into();
    model.status = Set(ProposalStatus::Submitted);
    model.content = Set(text);
    model.digest = Set(Some(digest.clone()));
    model.submitted_at = Set(Some(now));
    model.submitted_by = Set(actor.user_id());
    model.updated_at = Set(now);
    let row = model.update(conn).await?;
    if let Some(submitter) = match actor.user_id() {
        Some(id) => user::Entity::find_by_id(id).one(conn).await?,
        None => None,
    } {
        send_receipt(ctx, conn, challenge, call, &row, &submitter, company_id).await?;
    }
    audit::record(
        conn,
        &ctx.config.secret,
        actor.user_id(),
        action::PROPOSAL_SUBMITTED,
        Some(format!("proposal:{}", row.id)),
        Some(serde_json::json!({ "sha256": digest })),
        None,
    )
    .await?;
    Ok(row)
}

async fn send_receipt<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    challenge: &challenge::Model,
    call: &call::Model,
    row: &proposal::Model,
    submitter: &user::Model,
    company_id: i64,
) -> Result<()> {
    let company = company::Entity::find_by_id(company_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("company"))?;
    let Ok(to) = Email::parse(&submitter.email) else {
        tracing::warn!(
            user = submitter.id,
            "a stored address does not parse; no receipt sent"
        );
        return Ok(());
    };
    let lang = factoria_search::Lang::from_code(&submitter.locale);
    let es = lang == factoria_search::Lang::Es;
    let content = EmailContent::ProposalReceipt(ProposalReceipt {
        name: submitter.name.clone(),
        company_name: company.name,
        challenge_title: challenge.title.clone(),
        submitted_at: dates::moment(es, row.submitted_at.unwrap_or(row.updated_at)),
        digest: row.digest.clone().unwrap_or_default(),
        deadline: dates::moment(es, call.proposals_deadline),
        proposal_url: ctx.url(&format!("/challenges/{}/proposal", challenge.external_id)),
    });
    let outgoing = Outgoing {
        to,
        to_name: Some(submitter.name.clone()),
        user_id: Some(submitter.id),
        lang,
        content,
        topic: None,
        reply_to: None,
    };
    email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    Ok(())
}

/// A member withdraws their company's proposal before the deadline; it is no longer evaluated.
pub async fn withdraw(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<ProposalView> {
    actor.check_write()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        reach(&tx, actor, challenge_id, proposal_id, true, now).await?;
    check_member(access)?;
    check_open(&challenge, &call, now)?;
    if row.status == ProposalStatus::Withdrawn {
        return Err(Error::Conflict("this proposal is already withdrawn".into()));
    }
    let mut model: proposal::ActiveModel = row.into();
    model.status = Set(ProposalStatus::Withdrawn);
    model.updated_at = Set(now);
    let row = model.update(&tx).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        actor.user_id(),
        action::PROPOSAL_WITHDRAWN,
        Some(format!("proposal:{}", row.id)),
        None,
        None,
    )
    .await?;
    let out = view(&tx, &challenge, &call, &row, now).await?;
    tx.commit().await?;
    Ok(out)
}

/// A member's view of their company's proposal to a challenge, for its page.
pub struct Mine {
    /// The challenge's title.
    pub challenge_title: String,
    /// Proposals are accepted until then.
    pub deadline: DateTime<Utc>,
    /// Proposals are accepted now.
    pub open: bool,
    /// The proposal, once started.
    pub proposal: Option<ProposalView>,
}

/// What a member does to their company's proposal from its page.
pub enum MyAction {
    /// Save the changes in this body (read as [`ProposalEdit::read`] reads it).
    Save(Value),
    /// Save the changes, then submit (the changes are kept when the submission is refused).
    Submit(Value),
    /// Withdraw it.
    Withdraw,
}

/// Their company's proposal to a challenge, for a member.
pub async fn mine(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<Mine> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    let call = calls::required_call(&ctx.db, challenge.id).await?;
    let company = calls::own_company(&ctx.db, actor, None, false).await?;
    let now = ctx.clock.now();
    let proposal = match find_of(&ctx.db, challenge.id, company.id).await? {
        Some(row) => Some(view(&ctx.db, &challenge, &call, &row, now).await?),
        None => None,
    };
    let open = proposal
        .as_ref()
        .map_or(is_open(&challenge, &call, now), |p| p.editable);
    Ok(Mine {
        challenge_title: challenge.title,
        deadline: call.proposals_deadline,
        open,
        proposal,
    })
}

/// A member acts on their company's proposal from its page.
pub async fn act_on_mine(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    action: MyAction,
) -> Result<ProposalView> {
    let id = mine(ctx, actor, challenge_id)
        .await?
        .proposal
        .ok_or(Error::NotFound("proposal"))?
        .id;
    match action {
        MyAction::Save(body) => save(ctx, actor, challenge_id, id, &body).await,
        MyAction::Submit(body) => {
            // Saving a submitted proposal submits it again, with its receipt.
            let saved = save(ctx, actor, challenge_id, id, &body).await?;
            if saved.status == ProposalStatus::Submitted {
                return Ok(saved);
            }
            submit(ctx, actor, challenge_id, id).await
        }
        MyAction::Withdraw => withdraw(ctx, actor, challenge_id, id).await,
    }
}

/// One of a company's proposals, as its members' dashboard lists it.
#[derive(Debug, Clone)]
pub struct OwnProposal {
    /// The challenge's interchange id.
    pub challenge: String,
    /// The challenge's title.
    pub challenge_title: String,
    /// Where the proposal stands.
    pub status: ProposalStatus,
    /// The proposals deadline.
    pub deadline: DateTime<Utc>,
    /// It can still be changed, submitted or withdrawn.
    pub open: bool,
}

/// The proposals of the actor's company, most recently changed first, for its members.
pub async fn of_my_company(ctx: &Context, actor: &Actor) -> Result<Vec<OwnProposal>> {
    let company = calls::own_company(&ctx.db, actor, None, false).await?;
    let now = ctx.clock.now();
    let rows = proposal::Entity::find()
        .filter(proposal::Column::CompanyId.eq(company.id))
        .order_by_desc(proposal::Column::UpdatedAt)
        .all(&ctx.db)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let challenge = challenge::Entity::find_by_id(row.challenge_id)
            .one(&ctx.db)
            .await?
            .ok_or(Error::NotFound("challenge"))?;
        let call = calls::required_call(&ctx.db, challenge.id).await?;
        out.push(OwnProposal {
            open: is_open(&challenge, &call, now),
            challenge: challenge.external_id,
            challenge_title: challenge.title,
            status: row.status,
            deadline: call.proposals_deadline,
        });
    }
    Ok(out)
}
