//! `factoria match` and `factoria recommend`: both directions of matching from the command
//! line, for evaluation sets and scripts, without a running server.

use std::io::Write;

use anyhow::bail;
use chrono::NaiveDate;
use clap::{Args, ValueEnum};
use factoria_search::matching::{self, CertificationRule, Features, MatchOptions, score};
use factoria_search::{Filters, Lang};

use crate::context::Context;
use crate::domain::bulk;

/// Output of `match` and `recommend`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per line, with explanations.
    Json,
    /// Tab-separated ids, rank and score.
    Tsv,
    /// Every candidate with the signals the score weighs (JSON Lines), for tuning the weights:
    /// `scripts/tune_matching.py`.
    Features,
}

/// `factoria match`.
#[derive(Debug, Args)]
pub struct MatchArgs {
    /// Interchange id of one challenge.
    #[arg(long, conflicts_with = "all")]
    challenge: Option<String>,
    /// Every challenge.
    #[arg(long)]
    all: bool,
    /// Companies per challenge (every candidate with --format features).
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// json (with explanations), tsv (challenge_id, company_id, rank, score) or features.
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// What a missing required certification does: demote (default) or filter.
    #[arg(long, value_enum, default_value = "demote")]
    certifications: Rule,
    /// Language of explanations: es or en (default: each challenge's own).
    #[arg(long, value_enum)]
    lang: Option<Language>,
}

/// `factoria recommend`.
#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// Interchange id of one company.
    #[arg(long, conflicts_with = "all")]
    company: Option<String>,
    /// Every company.
    #[arg(long)]
    all: bool,
    /// Challenges per company.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Published challenges whose deadline is on or after this day (YYYY-MM-DD; default today):
    /// replays what a company saw on that day.
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// Also the challenges the company covers less than partly.
    #[arg(long)]
    weaker: bool,
    /// json (with explanations) or tsv (company_id, challenge_id, rank, score).
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// Language of explanations: es or en (default: the company's profile's).
    #[arg(long, value_enum)]
    lang: Option<Language>,
}

/// What a missing required certification does.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Rule {
    /// Ranked below the certified companies of similar relevance.
    Demote,
    /// Left out.
    Filter,
}

/// A language of explanations.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Language {
    /// Spanish.
    Es,
    /// English.
    En,
}

impl From<Language> for Lang {
    fn from(value: Language) -> Self {
        match value {
            Language::Es => Lang::Es,
            Language::En => Lang::En,
        }
    }
}

/// Ranks companies for one challenge or every one, and writes them to standard output.
pub async fn run_match(ctx: &Context, args: &MatchArgs) -> anyhow::Result<()> {
    let challenges = match (&args.challenge, args.all) {
        (Some(id), _) => {
            let found = bulk::challenges_named(&ctx.db, Some(id)).await?;
            if found.is_empty() {
                bail!("no challenge has id {id}");
            }
            found
        }
        (None, true) => bulk::challenges_named(&ctx.db, None).await?,
        (None, false) => bail!("name a challenge with --challenge ID, or use --all"),
    };
    let mut options = MatchOptions {
        limit: if args.format == Format::Features {
            usize::MAX
        } else {
            args.top
        },
        explain: args.format == Format::Json,
        ..Default::default()
    };
    options.config.certification_rule = match args.certifications {
        Rule::Demote => CertificationRule::Demote,
        Rule::Filter => CertificationRule::Filter,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in &challenges {
        let mut options = options.clone();
        options.lang = args
            .lang
            .map_or_else(|| Lang::from_code(&row.language), Lang::from);
        let key = row.key;
        let results = ctx
            .search
            .with_index(move |index| index.match_indexed_challenge(key, &options))
            .await?;
        let Some(results) = results else {
            eprintln!("warning: challenge {} is not indexed", row.external_id);
            continue;
        };
        match args.format {
            Format::Tsv => {
                for m in &results.matches {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{:.6}",
                        m.challenge_id, m.company_id, m.rank, m.score
                    )?;
                }
            }
            Format::Json => {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(
                        &serde_json::json!({"challenge": row.external_id, "total": results.total, "matches": results.matches})
                    )?
                )?;
            }
            Format::Features => {
                let features: Vec<Features> =
                    results.matches.iter().map(|m| m.features.clone()).collect();
                for (m, signals) in results.matches.iter().zip(matching::signals(&features)) {
                    let named: serde_json::Map<String, serde_json::Value> = score::SIGNALS
                        .iter()
                        .zip(signals)
                        .map(|(name, value)| ((*name).to_owned(), value.into()))
                        .collect();
                    writeln!(
                        out,
                        "{}",
                        serde_json::json!({
                            "challenge": m.challenge_id,
                            "company": m.company_id,
                            "same_language": m.features.same_language,
                            "signals": named,
                            "requirements": m.features.requirements.iter().map(|r| (r.field == factoria_search::ChunkField::Must, r.standard)).collect::<Vec<_>>(),
                        })
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Ranks open challenges for one company or every one, and writes them to standard output.
pub async fn run_recommend(ctx: &Context, args: &RecommendArgs) -> anyhow::Result<()> {
    if args.format == Format::Features {
        bail!("--format: recommend writes json or tsv");
    }
    let companies = match (&args.company, args.all) {
        (Some(id), _) => {
            let found = bulk::companies_named(&ctx.db, Some(id)).await?;
            if found.is_empty() {
                bail!("no company has id {id}");
            }
            found
        }
        (None, true) => bulk::companies_named(&ctx.db, None).await?,
        (None, false) => bail!("name a company with --company ID, or use --all"),
    };
    let as_of = args
        .as_of
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let options = MatchOptions {
        filters: Filters {
            statuses: vec!["published".into()],
            deadline_from: Some(as_of),
            ..Filters::default()
        },
        limit: args.top,
        explain: args.format == Format::Json,
        include_weaker: args.weaker,
        ..Default::default()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for row in &companies {
        let key = row.key;
        let mut options = options.clone();
        let lang = args.lang.map(Lang::from);
        let results = ctx
            .search
            .with_index(move |index| {
                options.lang = lang.unwrap_or_else(|| {
                    index
                        .catalog()
                        .get(key)
                        .map_or(Lang::Es, |entry| entry.lang)
                });
                index.recommend_challenges(key, &options)
            })
            .await?;
        let Some(results) = results else {
            eprintln!("warning: company {} is not indexed", row.external_id);
            continue;
        };
        match args.format {
            Format::Tsv => {
                for m in &results.matches {
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{:.6}",
                        m.company_id, m.challenge_id, m.rank, m.score
                    )?;
                }
            }
            _ => {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string(&serde_json::json!({
                        "company": row.external_id,
                        "total": results.total,
                        "weaker": results.weaker,
                        "matches": results.matches,
                    }))?
                )?;
            }
        }
    }
    out.flush()?;
    Ok(())
}
