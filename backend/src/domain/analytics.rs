//! Figures for administrators: the funnel of introductions, time to first introduction,
//! coverage by sector, SME share and reply rates.

use std::collections::BTreeMap;

use sea_orm::EntityTrait;

use super::{Actor, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, introduction};
use crate::db::from_json_text;
use crate::types::{ChallengeStatus, IntroductionStage};

/// What the analytics page shows.
#[derive(Debug, Clone, Default)]
pub struct Analytics {
    /// Introductions that reached each stage (a contract also reached pilot, meeting, accepted).
    pub funnel: Vec<(IntroductionStage, usize)>,
    /// Answered (accepted or declined) over sent, when any were sent.
    pub reply_rate: Option<f64>,
    /// Accepted over answered.
    pub acceptance_rate: Option<f64>,
    /// Median days from publication to a challenge's first introduction.
    pub median_days_to_introduction: Option<f64>,
    /// Share of companies that are micro, small or medium.
    pub sme_share: Option<f64>,
    /// Share of introductions made to SMEs.
    pub sme_share_of_introductions: Option<f64>,
    /// Per sector: companies and published challenges.
    pub coverage: Vec<(String, usize, usize)>,
}

/// The stages of the funnel, in order: an introduction at depth `n` reached the first `n + 1`.
const FUNNEL: [IntroductionStage; 5] = [
    IntroductionStage::Introduced,
    IntroductionStage::Accepted,
    IntroductionStage::Meeting,
    IntroductionStage::Pilot,
    IntroductionStage::Contract,
];

fn ratio(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// Computes the figures; administrators only.
pub async fn compute(ctx: &Context, actor: &Actor) -> Result<Analytics> {
    actor.check_admin()?;
    let introductions = introduction::Entity::find().all(&ctx.db).await?;
    let companies = company::Entity::find().all(&ctx.db).await?;
    let challenges = challenge::Entity::find().all(&ctx.db).await?;

    let mut funnel = vec![0usize; FUNNEL.len()];
    for intro in &introductions {
        for count in funnel.iter_mut().take(intro.stage.depth() + 1) {
            *count += 1;
        }
    }
    let answered = introductions.iter().filter(|i| i.stage.answered()).count();
    let accepted = introductions
        .iter()
        .filter(|i| i.stage.counts_as_accepted())
        .count();

    let mut first: BTreeMap<i64, chrono::DateTime<chrono::Utc>> = BTreeMap::new();
    for intro in &introductions {
        let entry = first.entry(intro.challenge_id).or_insert(intro.created_at);
        if intro.created_at < *entry {
            *entry = intro.created_at;
        }
    }
    let mut days: Vec<f64> = first
        .iter()
        .filter_map(|(id, at)| {
            challenges
                .iter()
                .find(|c| c.id == *id)
                .and_then(|c| c.published_at)
                .map(|p| (*at - p).num_minutes() as f64 / 1440.0)
        })
        .map(|d| d.max(0.0))
        .collect();
    days.sort_by(f64::total_cmp);
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => Some(days[n / 2]),
        n => Some((days[n / 2 - 1] + days[n / 2]) / 2.0),
    };

    let is_sme = |c: &company::Model| c.size.as_deref().is_some_and(|s| s != "large");
    let smes = companies.iter().filter(|c| is_sme(c)).count();
    let sme_intros = introductions
        .iter()
        .filter(|i| {
            companies
                .iter()
                .find(|c| c.id == i.company_id)
                .is_some_and(is_sme)
        })
        .count();

    let mut coverage: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for c in &companies {
        for sector in from_json_text("sectors", &c.sectors)? {
            coverage.entry(sector.to_lowercase()).or_default().0 += 1;
        }
    }
    for c in challenges
        .iter()
        .filter(|c| c.status == ChallengeStatus::Published)
    {
        for sector in from_json_text("sectors", &c.sectors)? {
            coverage.entry(sector.to_lowercase()).or_default().1 += 1;
        }
    }
    let mut coverage: Vec<(String, usize, usize)> =
        coverage.into_iter().map(|(s, (a, b))| (s, a, b)).collect();
    coverage.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)).then(a.0.cmp(&b.0)));

    Ok(Analytics {
        funnel: FUNNEL.iter().copied().zip(funnel).collect(),
        reply_rate: ratio(answered, introductions.len()),
        acceptance_rate: ratio(accepted, answered),
        median_days_to_introduction: median,
        sme_share: ratio(smes, companies.len()),
        sme_share_of_introductions: ratio(sme_intros, introductions.len()),
        coverage,
    })
}
