//! What an officer works with: their departments' challenges, the editor, the ranked companies
//! of a challenge with the officer's own shortlist and judgements, and the introductions'
//! pipeline. Every function is for officers of a department (or administrators) and checks it.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

use super::challenges::{self, ChallengeView};
use super::interests::{self, InterestView};
use super::introductions::{self, IntroductionView};
use super::matching::{self, MatchPage, MatchQuery};
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{
    challenge, company, department, interest, introduction, match_feedback, shortlist,
};
use crate::types::{ChallengeStatus, InterestKind, IntroductionStage};

/// The officer (or administrator) acting, or why not.
fn officer(actor: &Actor) -> Result<&super::actor::UserActor> {
    let user = actor.user().ok_or(Error::Unauthenticated)?;
    if user.departments.is_empty() && !user.is_admin {
        return Err(Error::forbidden(
            "these pages are for officers of a department",
        ));
    }
    Ok(user)
}

/// Names of the departments the officer belongs to.
pub async fn departments(ctx: &Context, actor: &Actor) -> Result<Vec<String>> {
    let user = officer(actor)?;
    Ok(department::Entity::find()
        .filter(department::Column::Id.is_in(user.departments.clone()))
        .order_by_asc(department::Column::Name)
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| d.name)
        .collect())
}

/// One challenge on the officer's desk.
#[derive(Debug, Clone)]
pub struct DeskRow {
    /// Interchange id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status.
    pub status: ChallengeStatus,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Introductions sent for it.
    pub introductions: usize,
    /// Companies that declared interest in it.
    pub interested: usize,
}

/// How the desk orders its challenges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeskOrder {
    /// Most recently changed first.
    #[default]
    Changed,
    /// Closest deadline first (those without one last).
    Deadline,
    /// Most declared interest first.
    Interest,
}

impl DeskOrder {
    /// Reads `changed`, `deadline` or `interest`; anything else is the default.
    pub fn parse(text: &str) -> Self {
        match text {
            "deadline" => Self::Deadline,
            "interest" => Self::Interest,
            _ => Self::Changed,
        }
    }
}

/// The officer's departments and their challenges (every challenge for administrators), only
/// those in `status` when one is given, in `order`.
pub async fn desk(
    ctx: &Context,
    actor: &Actor,
    status: Option<ChallengeStatus>,
    order: DeskOrder,
) -> Result<(Vec<String>, Vec<DeskRow>)> {
    let user = officer(actor)?;
    let mut select = challenge::Entity::find().order_by_desc(challenge::Column::UpdatedAt);
    if !user.is_admin {
        select = select.filter(challenge::Column::DepartmentId.is_in(user.departments.clone()));
    }
    if let Some(status) = status {
        select = select.filter(challenge::Column::Status.eq(status));
    }
    let rows = select.all(&ctx.db).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let intros = introduction::Entity::find()
        .filter(introduction::Column::ChallengeId.is_in(ids.clone()))
        .all(&ctx.db)
        .await?;
    let interests = interest::Entity::find()
        .filter(interest::Column::ChallengeId.is_in(ids))
        .filter(interest::Column::Kind.eq(InterestKind::Interest))
        .all(&ctx.db)
        .await?;
    let mut desk: Vec<DeskRow> = rows
        .into_iter()
        .map(|r| DeskRow {
            introductions: intros.iter().filter(|i| i.challenge_id == r.id).count(),
            interested: interests.iter().filter(|i| i.challenge_id == r.id).count(),
            status: r.status,
            deadline: r.deadline,
            id: r.external_id,
            title: r.title,
        })
        .collect();
    // Stable sorts: ties keep the most recently changed first.
    match order {
        DeskOrder::Changed => {}
        DeskOrder::Deadline => desk.sort_by_key(|r| (r.deadline.is_none(), r.deadline)),
        DeskOrder::Interest => desk.sort_by_key(|r| std::cmp::Reverse(r.interested)),
    }
    Ok((departments(ctx, actor).await?, desk))
}

/// What the challenge editor shows besides the form.
#[derive(Debug, Clone, Default)]
pub struct Editor {
    /// The officer's departments, to choose from.
    pub departments: Vec<String>,
    /// The challenge being edited; none for a new one.
    pub challenge: Option<ChallengeView>,
    /// Companies the challenge may be awarded to (their introduction was accepted): id, name.
    pub award_candidates: Vec<(String, String)>,
}

/// The editor of a new challenge (`None`) or of one of the officer's department's challenges.
pub async fn editor(ctx: &Context, actor: &Actor, id: Option<&str>) -> Result<Editor> {
    let departments = departments(ctx, actor).await?;
    let Some(id) = id else {
        return Ok(Editor {
            departments,
            ..Editor::default()
        });
    };
    let row = challenges::find(&ctx.db, actor, id).await?;
    if !actor.belongs_to_department(row.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department edit it",
        ));
    }
    let award_candidates = introductions::for_challenge(ctx, actor, id)
        .await?
        .into_iter()
        .filter(|i| i.stage.counts_as_accepted())
        .map(|i| (i.company, i.company_name))
        .collect();
    Ok(Editor {
        departments,
        challenge: Some(challenges::view(&ctx.db, &row).await?),
        award_candidates,
    })
}

/// The ranked companies of a challenge as its officer sees them.
pub struct OfficerMatches {
    /// The challenge.
    pub challenge: ChallengeView,
    /// The ranked companies with explanations.
    pub results: MatchPage,
    /// Interchange ids of the shortlisted companies.
    pub shortlisted: HashSet<String>,
    /// The officer's own judgements, by company id: useful or not.
    pub judged: HashMap<String, bool>,
    /// The stage of each company's introduction, by company id.
    pub introduced: HashMap<String, IntroductionStage>,
    /// Companies that declared interest, first come first.
    pub interested: Vec<InterestView>,
}

/// Matches of a challenge with the officer's shortlist, judgements and introductions.
pub async fn matches(
    ctx: &Context,
    actor: &Actor,
    id: &str,
    query: &MatchQuery,
) -> Result<OfficerMatches> {
    let user = officer(actor)?;
    let row = challenges::find(&ctx.db, actor, id).await?;
    let results = matching::for_challenge(ctx, actor, id, query).await?;
    let shortlisted_ids: Vec<i64> = shortlist::Entity::find()
        .filter(shortlist::Column::ChallengeId.eq(row.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| s.company_id)
        .collect();
    let judgements = match_feedback::Entity::find()
        .filter(match_feedback::Column::ChallengeId.eq(row.id))
        .filter(match_feedback::Column::UserId.eq(user.id))
        .all(&ctx.db)
        .await?;
    let mentioned: Vec<i64> = shortlisted_ids
        .iter()
        .copied()
        .chain(judgements.iter().map(|j| j.company_id))
        .collect();
    let external: HashMap<i64, String> = company::Entity::find()
        .filter(company::Column::Id.is_in(mentioned))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.external_id))
        .collect();
    let introduced = introductions::for_challenge(ctx, actor, id)
        .await?
        .into_iter()
        .map(|i| (i.company, i.stage))
        .collect();
    let interested = interests::for_challenge(ctx, actor, id)
        .await?
        .into_iter()
        .filter(|i| i.kind == InterestKind::Interest)
        .collect();
    Ok(OfficerMatches {
        interested,
        challenge: challenges::view(&ctx.db, &row).await?,
        results,
        shortlisted: shortlisted_ids
            .iter()
            .filter_map(|id| external.get(id).cloned())
            .collect(),
        judged: judgements
            .iter()
            .filter_map(|j| external.get(&j.company_id).map(|id| (id.clone(), j.useful)))
            .collect(),
        introduced,
    })
}

/// A challenge and its introductions, for the pipeline board.
pub async fn pipeline(
    ctx: &Context,
    actor: &Actor,
    id: &str,
) -> Result<(ChallengeView, Vec<IntroductionView>)> {
    officer(actor)?;
    let challenge = challenges::get(ctx, actor, id).await?;
    let list = introductions::for_challenge(ctx, actor, id).await?;
    Ok((challenge, list))
}

/// The interchange id of the challenge of an introduction the officer may see.
pub async fn challenge_of_introduction(
    ctx: &Context,
    actor: &Actor,
    introduction_id: i64,
) -> Result<String> {
    officer(actor)?;
    let intro = introduction::Entity::find_by_id(introduction_id)
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("introduction"))?;
    let row = challenge::Entity::find_by_id(intro.challenge_id)
        .one(&ctx.db)
        .await?
        .ok_or(Error::NotFound("introduction"))?;
    if !actor.belongs_to_department(row.department_id) {
        return Err(Error::NotFound("introduction"));
    }
    Ok(row.external_id)
}
