//! Sealed evaluation of a call's proposals and its result. After the proposals deadline each
//! evaluator of the panel declares, company by company, whether they have a conflict of
//! interest (a conflict removes them from that proposal), then scores every criterion from 0 to
//! 10 with a written justification, without seeing the others' scores until they have
//! submitted their own. The consolidated ranking (the weighted mean, with the spread between
//! evaluators) is what the department decides on; the result moves the selected proposals into
//! the pilot stage of the pipeline, tells every proposer their scores, and is published.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::calls::{self, CallView, Criterion, deadline_words};
use super::proposals::{self, Access, ProposalView};
use super::{Actor, Error, Result, audit, challenges, introductions};
use crate::context::Context;
use crate::db::entities::{call, challenge, company, evaluation, membership, proposal};
use crate::db::{self};
use crate::email::{self, Outgoing};
use crate::types::validation::{FieldErrors, ObjectReader, UnknownFields};
use crate::types::{ChallengeStatus, ProposalStatus};
use factoria_frontend::emails::{CallResult, EmailContent, ScoreLine};
use factoria_frontend::pages::decimal;

/// Audit actions of the evaluation.
pub mod action {
    /// An evaluator declared whether they have a conflict of interest with a company.
    pub const CONFLICT_DECLARED: &str = "conflict_declared";
    /// An evaluator submitted their scores for a proposal.
    pub const EVALUATION_SUBMITTED: &str = "evaluation_submitted";
    /// The result of a call was published.
    pub const RESULT_PUBLISHED: &str = "result_published";
}

/// One criterion scored by one evaluator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CriterionScore {
    /// The criterion, by name.
    pub criterion: String,
    /// From 0 to 10.
    pub score: f64,
    /// Why.
    pub justification: String,
}

/// Reads the scores of an evaluation from `{"scores": [...]}`, naming every field at fault.
pub fn read_scores(body: &Value) -> std::result::Result<Vec<CriterionScore>, FieldErrors> {
    let mut r = ObjectReader::new(body);
    let scores = r.object_list("scores", 20, |s| {
        let criterion = s.required_line("criterion", 120);
        let score = s.optional_number("score");
        let justification = s.required_text("justification", 5000);
        let score = match score {
            Some(n) if (0.0..=10.0).contains(&n) => Some(n),
            Some(n) => {
                s.fault("score", format!("{n} is out of range: score from 0 to 10"));
                None
            }
            None => {
                s.fault("score", "is required");
                None
            }
        };
        Some(CriterionScore {
            criterion: criterion?,
            score: score?,
            justification: justification?,
        })
    });
    let present = body.get("scores").is_some();
    if !present {
        r.fault("scores", "is required");
    }
    r.finish(UnknownFields::Reject, Some(scores))
}

/// One evaluator's evaluation of one proposal, as they see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationView {
    /// Proposal id.
    pub proposal: i64,
    /// They declared a conflict of interest: they take no part in this proposal.
    pub conflict: bool,
    /// When they submitted their scores.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Their scores.
    pub scores: Vec<CriterionScore>,
}

/// The consolidated ranking of a call's proposals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Ranking {
    /// Every evaluator has declared and, where free of conflict, scored every proposal.
    pub complete: bool,
    /// Evaluations still missing.
    pub missing: usize,
    /// Best first; proposals still sealed for the viewer last.
    pub items: Vec<RankedProposal>,
}

/// One proposal in the ranking.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RankedProposal {
    /// Proposal id.
    pub proposal: i64,
    /// Interchange id of the company.
    pub company: String,
    /// Company name.
    pub company_name: String,
    /// Where it is.
    pub status: ProposalStatus,
    /// The viewer is on the panel and has not submitted their own scores for it (or declared a
    /// conflict): the others' scores stay hidden.
    pub sealed: bool,
    /// Evaluations submitted.
    pub evaluations: usize,
    /// The mean of the evaluators' weighted scores, out of 10.
    pub total: Option<f64>,
    /// The highest evaluator's weighted score minus the lowest.
    pub spread: Option<f64>,
    /// The mean score of each criterion.
    pub criteria: Vec<CriterionMean>,
}

/// The evaluators' mean score of one criterion.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CriterionMean {
    /// The criterion.
    pub criterion: String,
    /// Its weight, out of 100.
    pub weight: u8,
    /// The mean score, out of 10.
    pub mean: f64,
    /// What each evaluator wrote.
    pub justifications: Vec<String>,
}

fn scores_of(row: &evaluation::Model) -> Result<Vec<CriterionScore>> {
    serde_json::from_str(&row.scores).map_err(|e| Error::Internal(e.into()))
}

fn evaluation_view(row: &evaluation::Model) -> Result<EvaluationView> {
    Ok(EvaluationView {
        proposal: row.proposal_id,
        conflict: row.conflict,
        submitted_at: row.submitted_at,
        scores: scores_of(row)?,
    })
}

/// An evaluator's weighted score, out of 10.
fn weighted(criteria: &[Criterion], scores: &[CriterionScore]) -> f64 {
    criteria
        .iter()
        .map(|c| {
            let score = scores
                .iter()
                .find(|s| s.criterion == c.name)
                .map_or(0.0, |s| s.score);
            f64::from(c.weight) * score / 100.0
        })
        .sum()
}

/// The panel only, on a proposal it may reach; a company's member is refused, everyone else
/// does not learn the proposal exists.
fn check_evaluator(access: Access) -> Result<()> {
    match access {
        Access::Evaluator | Access::Undeclared => Ok(()),
        Access::Member => Err(Error::forbidden(
            "members of the proposing company do not evaluate its proposal",
        )),
        Access::Officer => Err(Error::NotFound("proposal")),
    }
}

fn check_undecided(call: &call::Model) -> Result<()> {
    match call.result_published_at {
        Some(_) => Err(Error::Conflict(
            "the result is published: the evaluation is over".into(),
        )),
        None => Ok(()),
    }
}

/// An evaluator declares whether they have a conflict of interest with the proposing company;
/// once declared it does not change.
pub async fn declare(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
    conflict: bool,
) -> Result<EvaluationView> {
    let evaluator = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let (_, call, row, access) =
        proposals::reach(&tx, actor, challenge_id, proposal_id, true, now).await?;
    check_evaluator(access)?;
    check_undecided(&call)?;
    if access == Access::Evaluator {
        return Err(Error::Conflict(
            "you have already declared that you have no conflict of interest with this company"
                .into(),
        ));
    }
    let saved = evaluation::ActiveModel {
        proposal_id: Set(row.id),
        evaluator_id: Set(Some(evaluator.id)),
        conflict: Set(conflict),
        scores: Set("[]".into()),
        declared_at: Set(now),
        submitted_at: Set(None),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(evaluator.id),
        action::CONFLICT_DECLARED,
        Some(format!("proposal:{}", row.id)),
        Some(serde_json::json!({ "conflict": conflict })),
        None,
    )
    .await?;
    tx.commit().await?;
    evaluation_view(&saved)
}

/// An evaluator free of conflict submits a score and a justification for every criterion;
/// submitted scores do not change.
pub async fn score(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
    scores: Vec<CriterionScore>,
) -> Result<EvaluationView> {
    let evaluator = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let (_, call, row, access) =
        proposals::reach(&tx, actor, challenge_id, proposal_id, true, now).await?;
    check_evaluator(access)?;
    check_undecided(&call)?;
    if access == Access::Undeclared {
        return Err(Error::Conflict(
            "declare whether you have a conflict of interest with this company first".into(),
        ));
    }
    let existing = evaluation::Entity::find()
        .filter(evaluation::Column::ProposalId.eq(row.id))
        .filter(evaluation::Column::EvaluatorId.eq(evaluator.id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("proposal"))?;
    if existing.submitted_at.is_some() {
        return Err(Error::Conflict(
            "you have already submitted your scores for this proposal".into(),
        ));
    }
    let criteria = calls::criteria_of(&call)?;
    let mut errors = FieldErrors::default();
    for (i, s) in scores.iter().enumerate() {
        if !criteria.iter().any(|c| c.name == s.criterion) {
            errors.push(
                format!("scores[{i}].criterion"),
                "is not a criterion of this call",
            );
        } else if scores[..i].iter().any(|t| t.criterion == s.criterion) {
            errors.push(format!("scores[{i}].criterion"), "is scored twice");
        }
    }
    let missing: Vec<&str> = criteria
        .iter()
        .filter(|c| !scores.iter().any(|s| s.criterion == c.name))
        .map(|c| c.name.as_str())
        .collect();
    if !missing.is_empty() {
        errors.push(
            "scores",
            format!("score every criterion; missing: {}", missing.join(", ")),
        );
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let mut model: evaluation::ActiveModel = existing.into();
    model.scores = Set(serde_json::to_string(&scores).map_err(|e| Error::Internal(e.into()))?);
    model.submitted_at = Set(Some(now));
    let saved = model.update(&tx).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(evaluator.id),
        action::EVALUATION_SUBMITTED,
        Some(format!("proposal:{}", row.id)),
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    evaluation_view(&saved)
}

/// The viewer's own evaluation of a proposal.
pub async fn mine(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<Option<EvaluationView>> {
    let now = ctx.clock.now();
    let (_, _, row, access) =
        proposals::reach(&ctx.db, actor, challenge_id, proposal_id, false, now).await?;
    check_evaluator(access)?;
    let Some(user_id) = actor.user_id() else {
        return Err(Error::Unauthenticated);
    };
    evaluation::Entity::find()
        .filter(evaluation::Column::ProposalId.eq(row.id))
        .filter(evaluation::Column::EvaluatorId.eq(user_id))
        .one(&ctx.db)
        .await?
        .map(|e| evaluation_view(&e))
        .transpose()
}

/// A handed-in proposal with every evaluation of it and the evaluators who judge it.
struct HandedIn {
    row: proposal::Model,
    evaluations: Vec<evaluation::Model>,
    /// The panel less the members of the proposing company, who have a conflict of interest
    /// without having to declare it.
    judges: Vec<i64>,
}

impl HandedIn {
    /// Evaluations still owed: each judge who has not declared, or declared no conflict and
    /// has not submitted.
    fn owed(&self) -> usize {
        self.judges
            .iter()
            .filter(|id| {
                !self.evaluations.iter().any(|e| {
                    e.evaluator_id == Some(**id) && (e.conflict || e.submitted_at.is_some())
                })
            })
            .count()
    }

    /// The scores that count: those of its judges (a member of the company who scored before
    /// joining it, or before this rule, does not count).
    fn scores(&self, criteria: &[Criterion]) -> Result<Consolidated> {
        let judged: Vec<evaluation::Model> = self
            .evaluations
            .iter()
            .filter(|e| e.evaluator_id.is_some_and(|id| self.judges.contains(&id)))
            .cloned()
            .collect();
        consolidate(criteria, &judged)
    }

    /// Whether `viewer`, on the panel, is kept away from this proposal: a member of the
    /// company, or an evaluator who declared a conflict.
    fn conflicted(&self, viewer: i64) -> bool {
        !self.judges.contains(&viewer)
            || self
                .evaluations
                .iter()
                .any(|e| e.evaluator_id == Some(viewer) && e.conflict)
    }
}

/// The handed-in proposals of a call, with every evaluation of them and their judges.
async fn handed_in<C: ConnectionTrait>(
    conn: &C,
    challenge_id: i64,
    panel: &[i64],
) -> Result<Vec<HandedIn>> {
    let rows = proposal::Entity::find()
        .filter(proposal::Column::ChallengeId.eq(challenge_id))
        .filter(proposal::Column::Status.is_in([
            ProposalStatus::Submitted,
            ProposalStatus::Selected,
            ProposalStatus::Unselected,
        ]))
        .all(conn)
        .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let evaluations = evaluation::Entity::find()
            .filter(evaluation::Column::ProposalId.eq(row.id))
            .all(conn)
            .await?;
        let insiders: Vec<i64> = membership::Entity::find()
            .filter(membership::Column::CompanyId.eq(row.company_id))
            .filter(membership::Column::UserId.is_in(panel.to_vec()))
            .all(conn)
            .await?
            .into_iter()
            .map(|m| m.user_id)
            .collect();
        let judges = panel
            .iter()
            .copied()
            .filter(|id| !insiders.contains(id))
            .collect();
        out.push(HandedIn {
            row,
            evaluations,
            judges,
        });
    }
    Ok(out)
}

/// One proposal's scores, consolidated over the evaluations submitted.
#[derive(Debug, Default)]
struct Consolidated {
    /// The mean of the evaluators' weighted scores.
    total: Option<f64>,
    /// The highest evaluator's weighted score minus the lowest.
    spread: Option<f64>,
    /// Per criterion.
    criteria: Vec<CriterionMean>,
    /// Evaluations submitted.
    count: usize,
}

/// One proposal's consolidated scores.
fn consolidate(criteria: &[Criterion], evaluations: &[evaluation::Model]) -> Result<Consolidated> {
    let submitted: Vec<Vec<CriterionScore>> = evaluations
        .iter()
        .filter(|e| !e.conflict && e.submitted_at.is_some())
        .map(scores_of)
        .collect::<Result<_>>()?;
    if submitted.is_empty() {
        return Ok(Consolidated::default());
    }
    let totals: Vec<f64> = submitted.iter().map(|s| weighted(criteria, s)).collect();
    let n = totals.len() as f64;
    let total = totals.iter().sum::<f64>() / n;
    let spread = totals.iter().copied().fold(f64::MIN, f64::max)
        - totals.iter().copied().fold(f64::MAX, f64::min);
    let means = criteria
        .iter()
        .map(|c| {
            let given: Vec<&CriterionScore> = submitted
                .iter()
                .filter_map(|s| s.iter().find(|x| x.criterion == c.name))
                .collect();
            CriterionMean {
                criterion: c.name.clone(),
                weight: c.weight,
                mean: given.iter().map(|s| s.score).sum::<f64>() / given.len().max(1) as f64,
                justifications: given.iter().map(|s| s.justification.clone()).collect(),
            }
        })
        .collect();
    Ok(Consolidated {
        total: Some(total),
        spread: Some(spread),
        criteria: means,
        count: submitted.len(),
    })
}

/// The consolidated ranking, for officers of the challenge's department after the proposals
/// deadline; an evaluator sees a proposal's scores once they have submitted their own for it.
pub async fn ranking(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<Ranking> {
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    if !calls::is_officer_of(actor, challenge.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department see its evaluation",
        ));
    }
    let call = calls::required_call(&ctx.db, challenge.id).await?;
    if ctx.clock.now() < call.proposals_deadline {
        return Err(Error::Conflict(format!(
            "proposals are sealed until {}",
            deadline_words(call.proposals_deadline)
        )));
    }
    let criteria = calls::criteria_of(&call)?;
    let panel = calls::panel_of(&ctx.db, challenge.id).await?;
    let viewer = actor.user_id();
    let on_panel = viewer.is_some_and(|id| panel.contains(&id));
    let mut items = Vec::new();
    let mut missing = 0;
    for proposal in handed_in(&ctx.db, challenge.id, &panel).await? {
        missing += proposal.owed();
        if let Some(viewer) = viewer.filter(|_| on_panel)
            && proposal.conflicted(viewer)
        {
            // Removed from this proposal: not even its place in the ranking.
            continue;
        }
        let done_by_viewer = proposal
            .evaluations
            .iter()
            .any(|e| e.evaluator_id == viewer && !e.conflict && e.submitted_at.is_some());
        let sealed = on_panel && !done_by_viewer;
        let company = company::Entity::find_by_id(proposal.row.company_id)
            .one(&ctx.db)
            .await?
            .ok_or(Error::NotFound("company"))?;
        let scores = if sealed {
            Consolidated::default()
        } else {
            proposal.scores(&criteria)?
        };
        let row = proposal.row;
        items.push(RankedProposal {
            proposal: row.id,
            company: company.external_id,
            company_name: company.name,
            status: row.status,
            sealed,
            evaluations: scores.count,
            total: scores.total,
            spread: scores.spread,
            criteria: scores.criteria,
        });
    }
    items.sort_by(|a, b| {
        b.total
            .unwrap_or(-1.0)
            .total_cmp(&a.total.unwrap_or(-1.0))
            .then(a.proposal.cmp(&b.proposal))
    });
    Ok(Ranking {
        complete: missing == 0,
        missing,
        items,
    })
}

/// One handed-in proposal as an evaluator of the panel stands with it.
#[derive(Debug, Clone)]
pub struct PanelItem {
    /// Proposal id.
    pub proposal: i64,
    /// Company name.
    pub company_name: String,
    /// `None` until they declare; `Some(true)` when they declared a conflict.
    pub conflict: Option<bool>,
    /// They have submitted their scores.
    pub scored: bool,
}

/// A call's evaluation as an officer of the department sees it.
pub struct Desk {
    /// The challenge's title.
    pub challenge_title: String,
    /// The call's criteria.
    pub criteria: Vec<Criterion>,
    /// Proposals stay sealed until then.
    pub proposals_deadline: DateTime<Utc>,
    /// The deadline has passed.
    pub open_for_evaluation: bool,
    /// The viewer is on the panel.
    pub on_panel: bool,
    /// For an evaluator, where they stand with each proposal.
    pub mine: Vec<PanelItem>,
    /// The consolidated ranking, after the deadline.
    pub ranking: Option<Ranking>,
    /// The result is published.
    pub decided: bool,
}

/// The evaluation desk of a call, for an officer of the challenge's department.
pub async fn desk(ctx: &Context, actor: &Actor, challenge_id: &str) -> Result<Desk> {
    let challenge = challenges::find(&ctx.db, actor, challenge_id).await?;
    if !calls::is_officer_of(actor, challenge.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department see its evaluation",
        ));
    }
    let call = calls::required_call(&ctx.db, challenge.id).await?;
    let open_for_evaluation = ctx.clock.now() >= call.proposals_deadline;
    let panel = calls::panel_of(&ctx.db, challenge.id).await?;
    let viewer = actor.user_id();
    let on_panel = viewer.is_some_and(|id| panel.contains(&id));
    let mut mine = Vec::new();
    if on_panel && open_for_evaluation {
        for HandedIn {
            row,
            evaluations,
            judges,
        } in handed_in(&ctx.db, challenge.id, &panel).await?
        {
            if !viewer.is_some_and(|id| judges.contains(&id)) {
                // Their own company's proposal: not theirs to judge.
                continue;
            }
            let own = evaluations.iter().find(|e| e.evaluator_id == viewer);
            let company_name = company::Entity::find_by_id(row.company_id)
                .one(&ctx.db)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            mine.push(PanelItem {
                proposal: row.id,
                company_name,
                conflict: own.map(|e| e.conflict),
                scored: own.is_some_and(|e| e.submitted_at.is_some()),
            });
        }
    }
    let ranking = if open_for_evaluation {
        Some(ranking(ctx, actor, challenge_id).await?)
    } else {
        None
    };
    Ok(Desk {
        challenge_title: challenge.title,
        criteria: calls::criteria_of(&call)?,
        proposals_deadline: call.proposals_deadline,
        open_for_evaluation,
        on_panel,
        mine,
        ranking,
        decided: call.result_published_at.is_some(),
    })
}

/// One proposal as an evaluator (or, after the result, an officer) opens it.
pub struct ToEvaluate {
    /// The challenge's title.
    pub challenge_title: String,
    /// The proposing company.
    pub company_name: String,
    /// The viewer is on the panel and may still score it.
    pub evaluator: bool,
    /// The proposal; `None` until the evaluator declares no conflict of interest.
    pub proposal: Option<ProposalView>,
    /// The call's criteria.
    pub criteria: Vec<Criterion>,
    /// The viewer's own evaluation.
    pub mine: Option<EvaluationView>,
    /// The proposal's attachments, once it may be read.
    pub attachments: Vec<super::documents::DocumentView>,
}

/// One proposal for its evaluation page; 404 for whoever may not reach it.
pub async fn to_evaluate(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    proposal_id: i64,
) -> Result<ToEvaluate> {
    let now = ctx.clock.now();
    let (challenge, call, row, access) =
        proposals::reach(&ctx.db, actor, challenge_id, proposal_id, false, now).await?;
    if access == Access::Member {
        return Err(Error::NotFound("proposal"));
    }
    let company_name = company::Entity::find_by_id(row.company_id)
        .one(&ctx.db)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let proposal = match access {
        Access::Undeclared => None,
        _ => Some(proposals::get(ctx, actor, challenge_id, proposal_id).await?),
    };
    let mine = match (access, actor.user_id()) {
        (Access::Evaluator, Some(user_id)) => evaluation::Entity::find()
            .filter(evaluation::Column::ProposalId.eq(row.id))
            .filter(evaluation::Column::EvaluatorId.eq(user_id))
            .one(&ctx.db)
            .await?
            .map(|e| evaluation_view(&e))
            .transpose()?,
        _ => None,
    };
    let attachments = match proposal {
        Some(_) => super::documents::of_proposal(ctx, actor, challenge_id, proposal_id).await?,
        None => Vec::new(),
    };
    Ok(ToEvaluate {
        attachments,
        challenge_title: challenge.title,
        company_name,
        evaluator: matches!(access, Access::Evaluator | Access::Undeclared)
            && call.result_published_at.is_none(),
        proposal,
        criteria: calls::criteria_of(&call)?,
        mine,
    })
}

/// An officer of the department publishes the result once the panel has finished: the
/// selected proposals move into the pilot stage of the pipeline, the others are not selected,
/// the challenge is awarded (or closed when nobody was selected), and every proposer gets their
/// scores per criterion with the panel's justifications.
pub async fn publish_result(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    selected: Vec<i64>,
) -> Result<CallView> {
    let officer = actor.writer()?;
    let tx = db::begin_write(&ctx.db).await?;
    let now = ctx.clock.now();
    let challenge = challenges::find(&tx, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge.department_id,
        "only officers of the challenge's department publish its result",
    )?;
    calls::lock(&tx, &challenge).await?;
    let call = calls::required_call(&tx, challenge.id).await?;
    check_undecided(&call)?;
    if now < call.proposals_deadline {
        return Err(Error::Conflict(format!(
            "proposals are sealed until {}",
            deadline_words(call.proposals_deadline)
        )));
    }
    if !matches!(
        challenge.status,
        ChallengeStatus::Published | ChallengeStatus::Closed
    ) {
        return Err(Error::Conflict(format!(
            "the challenge is {}: its call has no result to publish",
            challenge.status
        )));
    }
    let panel = calls::panel_of(&tx, challenge.id).await?;
    let proposals = handed_in(&tx, challenge.id, &panel).await?;
    let missing: usize = proposals.iter().map(HandedIn::owed).sum();
    if missing > 0 {
        return Err(Error::Conflict(format!(
            "the panel has not finished: {missing} evaluations are missing"
        )));
    }
    let mut errors = FieldErrors::default();
    for (i, id) in selected.iter().enumerate() {
        if !proposals.iter().any(|p| p.row.id == *id) {
            errors.push(
                format!("selected[{i}]"),
                "is not a submitted proposal of this call",
            );
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let criteria = calls::criteria_of(&call)?;
    let mut awarded = None;
    for proposal in &proposals {
        let row = &proposal.row;
        let chosen = selected.contains(&row.id);
        let mut model: proposal::ActiveModel = row.clone().into();
        model.status = Set(if chosen {
            ProposalStatus::Selected
        } else {
            ProposalStatus::Unselected
        });
        model.updated_at = Set(now);
        model.update(&tx).await?;
        if chosen {
            awarded.get_or_insert(row.company_id);
            introductions::start_pilot(
                &tx,
                challenge.id,
                row.company_id,
                Some(officer.id),
                "selected by the call's panel".into(),
                now,
            )
            .await?;
        }
        let scores = proposal.scores(&criteria)?;
        tell_proposer(ctx, &tx, &challenge, row, &scores, chosen).await?;
    }
    let mut model: call::ActiveModel = call.into();
    model.result_published_at = Set(Some(now));
    model.updated_at = Set(now);
    model.update(&tx).await?;
    challenges::conclude(&tx, &challenge, awarded, now).await?;
    audit::record(
        &tx,
        &ctx.config.secret,
        Some(officer.id),
        action::RESULT_PUBLISHED,
        Some(format!("challenge:{}", challenge.id)),
        Some(serde_json::json!({ "selected": selected })),
        None,
    )
    .await?;
    tx.commit().await?;
    calls::get(ctx, actor, challenge_id).await
}

/// Every member of a proposing company gets the result with the panel's scores, in their
/// language.
async fn tell_proposer<C: ConnectionTrait>(
    ctx: &Context,
    conn: &C,
    challenge: &challenge::Model,
    row: &proposal::Model,
    scores: &Consolidated,
    selected: bool,
) -> Result<()> {
    let company = company::Entity::find_by_id(row.company_id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound("company"))?;
    for person in calls::members_of(conn, vec![row.company_id]).await? {
        let es = factoria_search::Lang::from_code(&person.locale) == factoria_search::Lang::Es;
        let content = EmailContent::CallResult(CallResult {
            name: person.name.clone(),
            company_name: company.name.clone(),
            challenge_title: challenge.title.clone(),
            selected,
            total: scores.total.map(|total| decimal(total, es)),
            scores: scores
                .criteria
                .iter()
                .map(|m| ScoreLine {
                    criterion: m.criterion.clone(),
                    weight: m.weight,
                    score: decimal(m.mean, es),
                    justifications: m.justifications.clone(),
                })
                .collect(),
            url: ctx.url(&format!("/challenges/{}#result", challenge.external_id)),
        });
        let Ok(outgoing) = Outgoing::to_person(&person, content, None) else {
            tracing::warn!(
                user = person.id,
                "a stored address does not parse; not told of a result"
            );
            continue;
        };
        email::enqueue(conn, ctx.mailer.domain(), outgoing).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(name: &str, weight: u8) -> Criterion {
        Criterion {
            name: name.into(),
            weight,
            guidance: None,
        }
    }

    fn scored(name: &str, score: f64) -> CriterionScore {
        CriterionScore {
            criterion: name.into(),
            score,
            justification: "por qué".into(),
        }
    }

    #[test]
    fn the_weighted_score_follows_the_weights() {
        let criteria = [criterion("calidad", 70), criterion("precio", 30)];
        let total = weighted(&criteria, &[scored("calidad", 8.0), scored("precio", 5.0)]);
        assert!((total - 7.1).abs() < 1e-9, "{total}");
        assert_eq!(decimal(total, true), "7,10");
        assert_eq!(decimal(total, false), "7.10");
    }

    #[test]
    fn scores_outside_the_scale_or_without_a_reason_name_their_field() {
        let body = serde_json::json!({"scores": [
            {"criterion": "calidad", "score": 11, "justification": "x"},
            {"criterion": "precio", "score": 5}
        ]});
        let errors = read_scores(&body).err().unwrap_or_default();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["scores[0].score", "scores[1].justification"]);
    }
}
