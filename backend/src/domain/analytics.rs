//! Figures for administrators over a period: the funnel of introductions, time to first
//! introduction, reply rates, SME share, introductions month by month and per department; and
//! today's coverage by sector.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::EntityTrait;

use super::{Actor, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, department, introduction};
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
    /// Per sector: companies and published challenges (today, whatever the period).
    pub coverage: Vec<(String, usize, usize)>,
    /// Introductions made each month of the period (the first day of the month), oldest first.
    pub trend: Vec<(NaiveDate, usize)>,
    /// Per department: challenges published, introductions made and accepted in the period,
    /// most introductions first.
    pub by_department: Vec<DepartmentFigures>,
}

/// One department's figures over the period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DepartmentFigures {
    /// Its name.
    pub name: String,
    /// Challenges it published.
    pub published: usize,
    /// Introductions it made.
    pub introductions: usize,
    /// Of those, accepted (or further on).
    pub accepted: usize,
}

/// The days the figures cover, both included; open on either side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl Period {
    fn holds(&self, at: chrono::DateTime<chrono::Utc>) -> bool {
        let day = at.date_naive();
        self.from.is_none_or(|f| day >= f) && self.to.is_none_or(|t| day <= t)
    }
}

/// Months a trend shows when the period does not say where it starts.
const TREND_MONTHS: u32 = 12;

fn month_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of every month from `first`'s month to `last`'s.
fn months(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut month = month_of(first);
    while month <= last {
        out.push(month);
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
    out
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

/// Computes the figures over `period` (introductions made in it, challenges published in it);
/// administrators only.
pub async fn compute(ctx: &Context, actor: &Actor, period: Period) -> Result<Analytics> {
    actor.check_admin()?;
    let introductions: Vec<introduction::Model> = introduction::Entity::find()
        .all(&ctx.db)
        .await?
        .into_iter()
        .filter(|i| period.holds(i.created_at))
        .collect();
    let companies = company::Entity::find().all(&ctx.db).await?;
    let challenges = challenge::Entity::find().all(&ctx.db).await?;
    let departments = department::Entity::find().all(&ctx.db).await?;

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

    let today = ctx.clock.now().date_naive();
    let last = period.to.unwrap_or(today);
    let first = period.from.unwrap_or_else(|| {
        month_of(last)
            .checked_sub_months(chrono::Months::new(TREND_MONTHS - 1))
            .unwrap_or(last)
    });
    let trend = months(first, last)
        .into_iter()
        .map(|month| {
            let made = introductions
                .iter()
                .filter(|i| month_of(i.created_at.date_naive()) == month)
                .count();
            (month, made)
        })
        .collect();

    let department_of = |challenge_id: i64| {
        challenges
            .iter()
            .find(|c| c.id == challenge_id)
            .map(|c| c.department_id)
    };
    let mut by_department: Vec<DepartmentFigures> = departments
        .iter()
        .map(|d| {
            let theirs: Vec<&introduction::Model> = introductions
                .iter()
                .filter(|i| department_of(i.challenge_id) == Some(d.id))
                .collect();
            DepartmentFigures {
                name: d.name.clone(),
                published: challenges
                    .iter()
                    .filter(|c| c.department_id == d.id)
                    .filter(|c| c.published_at.is_some_and(|at| period.holds(at)))
                    .count(),
                introductions: theirs.len(),
                accepted: theirs
                    .iter()
                    .filter(|i| i.stage.counts_as_accepted())
                    .count(),
            }
        })
        .filter(|d| d.published + d.introductions > 0)
        .collect();
    by_department.sort_by(|a, b| {
        b.introductions
            .cmp(&a.introductions)
            .then(b.published.cmp(&a.published))
            .then(a.name.cmp(&b.name))
    });

    Ok(Analytics {
        trend,
        by_department,
        funnel: FUNNEL.iter().copied().zip(funnel).collect(),
        reply_rate: ratio(answered, introductions.len()),
        acceptance_rate: ratio(accepted, answered),
        median_days_to_introduction: median,
        sme_share: ratio(smes, companies.len()),
        sme_share_of_introductions: ratio(sme_intros, introductions.len()),
        coverage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn a_trend_has_every_month_of_its_period_even_across_a_year() {
        let listed = months(day("2026-11-15"), day("2027-02-03"));
        assert_eq!(
            listed,
            [
                day("2026-11-01"),
                day("2026-12-01"),
                day("2027-01-01"),
                day("2027-02-01")
            ]
        );
        let period = Period {
            from: Some(day("2026-12-01")),
            to: Some(day("2026-12-31")),
        };
        let at = |text: &str| {
            chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        assert!(period.holds(at("2026-12-31T23:00:00Z")));
        assert!(!period.holds(at("2027-01-01T00:00:00Z")));
    }
}
