//! Matches for officers, recommendations for companies, the supply preview of a draft and
//! feedback on matches.

use chrono::{DateTime, NaiveDate, Utc};
use factoria_search::matching::{
    CertificationRule, Explanation, Match, MatchConfig, MatchOptions, Preview, Probe,
};
use factoria_search::{ChallengeDoc, Document, EntityKey, EntityVectors, Filters, Lang};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;

use super::records::ChallengeSpec;
use super::{Actor, Error, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, match_feedback};
use crate::db::{self};
use crate::indexing;

/// How one company meets one indexed challenge, explained in `lang`; `None` when either is not
/// in this process's index.
pub async fn explain_pair(
    ctx: &Context,
    challenge: i64,
    company: i64,
    lang: Lang,
) -> Result<Option<Explanation>> {
    let options = MatchOptions {
        limit: 1,
        explain: true,
        lang,
        focus: Some(EntityKey::company(company)),
        ..MatchOptions::default()
    };
    let results = ctx
        .search
        .with_index(move |index| {
            index.match_indexed_challenge(EntityKey::challenge(challenge), &options)
        })
        .await?;
    Ok(results
        .and_then(|r| r.matches.into_iter().next())
        .and_then(|m| m.explanation))
}

/// What an officer or a company asks of matching.
#[derive(Debug, Clone)]
pub struct MatchQuery {
    /// Micro, small and medium companies only.
    pub sme_only: bool,
    /// Companies holding at least one certification.
    pub certified: bool,
    /// Certifications the companies must hold.
    pub certifications: Vec<String>,
    /// Regions of the companies.
    pub regions: Vec<String>,
    /// Favour start-ups and SMEs in the order.
    pub favour_smes: bool,
    /// What a missing required certification does.
    pub certification_rule: CertificationRule,
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Language of explanations; the viewer's by default.
    pub lang: Option<Lang>,
    /// Recommendations: also the challenges the company covers less than partly.
    pub include_weaker: bool,
}

impl Default for MatchQuery {
    fn default() -> Self {
        Self {
            sme_only: false,
            certified: false,
            certifications: Vec::new(),
            regions: Vec::new(),
            favour_smes: false,
            certification_rule: CertificationRule::Demote,
            page: 1,
            per_page: 20,
            lang: None,
            include_weaker: false,
        }
    }
}

/// A company in a list of matches.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompanySummary {
    /// Interchange id.
    pub id: String,
    /// Name.
    pub name: String,
    /// startup, sme or large.
    #[schema(value_type = crate::types::CompanyKind)]
    pub kind: String,
    /// EU size class.
    pub size: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Sectors.
    pub sectors: Vec<String>,
    /// Certifications.
    pub certifications: Vec<String>,
    /// TRL.
    pub trl: Option<u8>,
}

/// A challenge in a list of recommendations.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ChallengeSummary {
    /// Interchange id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Department.
    pub department: String,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
    /// Budget in euros.
    #[schema(value_type = Option<f64>)]
    pub budget_eur: Option<u64>,
    /// Status.
    pub status: String,
}

/// One ranked match with its explanation.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchItem {
    /// 1-based rank.
    pub rank: usize,
    /// Score; only the order means something.
    pub score: f32,
    /// The company.
    pub company: CompanySummary,
    /// The challenge.
    pub challenge: ChallengeSummary,
    /// The features behind the score.
    pub features: factoria_search::matching::Features,
    /// Why: requirements covered, shared words, constraints met or failed, and a summary.
    pub explanation: Option<Explanation>,
}

/// A page of matches.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MatchPage {
    /// Candidates scored (for recommendations: those the company covers at least partly,
    /// unless weaker ones were asked for).
    pub total: usize,
    /// Recommendations left out because the company covers them less than partly.
    pub weaker: usize,
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Matches.
    pub items: Vec<MatchItem>,
}

fn options(query: &MatchQuery, actor: &Actor, filters: Filters) -> MatchOptions {
    let config = MatchConfig {
        certification_rule: query.certification_rule,
        favour_smes: query.favour_smes,
        ..MatchConfig::default()
    };
    MatchOptions {
        filters,
        config,
        offset: (query.page.max(1) - 1) * query.per_page,
        limit: query.per_page,
        explain: true,
        lang: query.lang.unwrap_or_else(|| actor.lang()),
        focus: None,
        include_weaker: query.include_weaker,
    }
}

fn company_summary(doc: Option<&Document>, fallback: &Match) -> CompanySummary {
    match doc {
        Some(Document::Company(c)) => CompanySummary {
            id: c.external_id.clone(),
            name: c.name.clone(),
            kind: c.company_kind.clone(),
            size: c.size.clone(),
            region: c.region.clone(),
            sectors: c.sectors.clone(),
            certifications: c.certifications.clone(),
            trl: c.trl,
        },
        _ => CompanySummary {
            id: fallback.company_id.clone(),
            name: fallback.company_name.clone(),
            kind: String::new(),
            size: None,
            region: None,
            sectors: Vec::new(),
            certifications: Vec::new(),
            trl: None,
        },
    }
}

fn challenge_summary(doc: &ChallengeDoc) -> ChallengeSummary {
    ChallengeSummary {
        id: doc.external_id.clone(),
        title: doc.title.clone(),
        department: doc.department.clone(),
        deadline: doc.deadline,
        budget_eur: doc.budget_eur,
        status: doc.status.clone(),
    }
}

fn page(
    ctx: &Context,
    results: factoria_search::matching::MatchResults,
    query: &MatchQuery,
    lang: Lang,
    challenges: &dyn Fn(&Match) -> Option<ChallengeDoc>,
) -> MatchPage {
    let catalog = ctx.search.index.catalog();
    let items = results
        .matches
        .iter()
        .filter_map(|m| {
            let challenge = challenges(m)?;
            let company = catalog.get(m.company).map(|e| &e.doc);
            let mut explanation = m.explanation.clone();
            if let (Some(explanation), Some(Document::Company(c))) = (&mut explanation, company) {
                label_cpv_agreement(explanation, &challenge.cpv, &c.cpv, lang);
            }
            Some(MatchItem {
                rank: m.rank,
                score: m.score,
                company: company_summary(company, m),
                challenge: challenge_summary(&challenge),
                features: m.features.clone(),
                explanation,
            })
        })
        .collect();
    MatchPage {
        total: results.total,
        weaker: results.weaker,
        page: query.page,
        per_page: query.per_page,
        items,
    }
}

/// Names the CPV agreement at its real depth with its label in the viewer's language ("same
/// group: 723 Data services").
fn label_cpv_agreement(
    explanation: &mut factoria_search::matching::Explanation,
    challenge: &[String],
    company: &[String],
    lang: Lang,
) {
    let Some(words) = super::cpv::agreement(challenge, company, lang) else {
        return;
    };
    for check in &mut explanation.constraints {
        if check.constraint == "cpv" && check.met {
            let mut chars = words.chars();
            check.detail = chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default();
        }
    }
}

/// Ranked suppliers for a challenge; officers of its department and admins only.
pub async fn for_challenge(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    query: &MatchQuery,
) -> Result<MatchPage> {
    let row = super::challenges::find(&ctx.db, actor, challenge_id).await?;
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    if !actor.belongs_to_department(row.department_id) {
        return Err(Error::forbidden(
            "only officers of the challenge's department see its matches",
        ));
    }
    let key = EntityKey::challenge(row.id);
    let loaded = indexing::documents_with_vectors(&ctx.db, &[key]).await?;
    let Some((_, Some((Document::Challenge(doc), vectors)))) = loaded.into_iter().next() else {
        return Err(Error::NotFound("challenge"));
    };
    // A challenge saved a moment ago may not be embedded yet: embed it now rather than rank
    // on words alone.
    let document = Document::Challenge(doc.clone());
    let vectors = if vectors.chunks.len() < document.chunk_texts().len() {
        embed_now(ctx, &document).await?
    } else {
        vectors
    };
    let filters = Filters {
        sme_only: query.sme_only,
        certifications: query.certifications.clone(),
        regions: query.regions.clone(),
        ..Filters::default()
    };
    let mut options = options(query, actor, filters);
    let lang = options.lang;
    // "Certified": at least one certification; applied after retrieval, on the catalog.
    let certified = query.certified;
    if certified {
        options.limit = usize::MAX;
        options.offset = 0;
    }
    let (doc_for_probe, vectors_for_probe) = (doc.clone(), vectors.clone());
    let results = ctx
        .search
        .with_index(move |index| {
            let probe = Probe::new(&doc_for_probe, &vectors_for_probe);
            index.match_companies(&probe, &options)
        })
        .await?;
    let results = if certified {
        keep_certified(ctx, results, query)
    } else {
        results
    };
    Ok(page(ctx, results, query, lang, &|_| Some(doc.clone())))
}

fn keep_certified(
    ctx: &Context,
    mut results: factoria_search::matching::MatchResults,
    query: &MatchQuery,
) -> factoria_search::matching::MatchResults {
    let catalog = ctx.search.index.catalog();
    results.matches.retain(|m| {
        catalog
            .get(m.company)
            .is_some_and(|e| !e.certifications.is_empty())
    });
    results.total = results.matches.len();
    let offset = (query.page.max(1) - 1) * query.per_page;
    results.matches = results
        .matches
        .into_iter()
        .skip(offset)
        .take(query.per_page)
        .enumerate()
        .map(|(i, mut m)| {
            m.rank = offset + i + 1;
            m
        })
        .collect();
    results
}

/// Published challenges open today, ranked for a company; its members and admins only.
pub async fn recommendations(
    ctx: &Context,
    actor: &Actor,
    company_id: &str,
    query: &MatchQuery,
) -> Result<MatchPage> {
    let row = super::companies::find(&ctx.db, actor, company_id).await?;
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    if !actor.belongs_to_company(row.id) {
        return Err(Error::forbidden(
            "only members of the company see its recommendations",
        ));
    }
    let filters = Filters {
        statuses: vec!["published".into()],
        deadline_from: Some(Utc::now().date_naive()),
        ..Filters::default()
    };
    let options = options(query, actor, filters);
    let lang = options.lang;
    let key = EntityKey::company(row.id);
    let results = ctx
        .search
        .with_index(move |index| index.recommend_challenges(key, &options))
        .await?;
    let Some(results) = results else {
        return Ok(MatchPage {
            total: 0,
            weaker: 0,
            page: query.page,
            per_page: query.per_page,
            items: Vec::new(),
        });
    };
    let catalog_challenge = |m: &Match| match ctx
        .search
        .index
        .catalog()
        .get(m.challenge)
        .map(|e| e.doc.clone())
    {
        Some(Document::Challenge(c)) => Some(c),
        _ => None,
    };
    Ok(page(ctx, results, query, lang, &catalog_challenge))
}

/// Every vector of a document, computed now (at query priority).
async fn embed_now(ctx: &Context, document: &Document) -> Result<EntityVectors> {
    let chunks = document.chunk_texts();
    let vectors = ctx
        .search
        .embedder
        .embed_texts_now(chunks.iter().map(|c| c.text.clone()).collect())
        .await?;
    Ok(EntityVectors {
        chunks: chunks
            .iter()
            .zip(vectors)
            .map(|(c, vector)| factoria_search::VectorChunk {
                field: c.field,
                position: c.position,
                vector,
            })
            .collect(),
    })
}

/// The challenge document of a spec that is not stored.
fn draft_doc(spec: &ChallengeSpec) -> ChallengeDoc {
    ChallengeDoc {
        id: 0,
        external_id: spec.external_id.clone().unwrap_or_else(|| "preview".into()),
        title: spec.title.clone(),
        language: spec.language.map(|l| Lang::from_code(l.as_str())),
        department: spec.department.clone().unwrap_or_default(),
        summary: spec.summary.clone(),
        description: spec.description.clone(),
        outcomes: spec.outcomes.clone(),
        must: spec.must.clone(),
        should: spec.should.clone(),
        sectors: spec.sectors.clone(),
        cpv: spec.cpv.iter().map(|c| c.to_string()).collect(),
        trl_min: spec.trl_min.map(|t| t.get()),
        budget_eur: spec.budget.map(|b| b.whole_euros().max(0) as u64),
        deadline: spec.deadline,
        required_certifications: spec.required_certifications.clone(),
        status: "draft".into(),
        updated_at: 0,
    }
}

/// How many companies could address a draft, and which requirements nobody covers yet;
/// officers and admins only.
pub async fn preview(ctx: &Context, actor: &Actor, spec: &ChallengeSpec) -> Result<Preview> {
    if matches!(actor, Actor::Anonymous) {
        return Err(Error::Unauthenticated);
    }
    if !actor.is_officer() && !actor.is_admin() {
        return Err(Error::forbidden(
            "only officers preview the supply for a challenge",
        ));
    }
    let doc = draft_doc(spec);
    let vectors = embed_now(ctx, &Document::Challenge(doc.clone())).await?;
    ctx.search
        .with_index(move |index| {
            let probe = Probe::new(&doc, &vectors);
            index.preview(&probe, &MatchConfig::default())
        })
        .await
}

/// Feedback as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FeedbackView {
    /// Challenge id.
    pub challenge: String,
    /// Company id.
    pub company: String,
    /// Useful or not.
    pub useful: bool,
    /// Why.
    pub reason: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Records an officer's judgement of a match; a second judgement replaces the first.
pub async fn record_feedback(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    company_id: &str,
    useful: bool,
    reason: Option<String>,
) -> Result<FeedbackView> {
    let Some(user_id) = actor.user_id() else {
        return Err(Error::Unauthenticated);
    };
    let tx = db::begin_write(&ctx.db).await?;
    let challenge_row = super::challenges::find(&tx, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge_row.department_id,
        "only officers of the challenge's department judge its matches",
    )?;
    let company_row = company::Entity::find()
        .filter(company::Column::ExternalId.eq(company_id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    match_feedback::Entity::delete_many()
        .filter(match_feedback::Column::ChallengeId.eq(challenge_row.id))
        .filter(match_feedback::Column::CompanyId.eq(company_row.id))
        .filter(match_feedback::Column::UserId.eq(user_id))
        .exec(&tx)
        .await?;
    let row = match_feedback::ActiveModel {
        challenge_id: Set(challenge_row.id),
        company_id: Set(company_row.id),
        user_id: Set(user_id),
        useful: Set(useful),
        reason: Set(reason),
        created_at: Set(db::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    tx.commit().await?;
    Ok(FeedbackView {
        challenge: challenge_row.external_id,
        company: company_row.external_id,
        useful: row.useful,
        reason: row.reason,
        created_at: row.created_at,
    })
}

/// All feedback as relevance labels for the evaluation: `challenge_id, company_id, grade`, where
/// a pair judged useful by most officers is grade 2 and otherwise 0.
pub async fn feedback_qrels(db_conn: &db::Db) -> Result<Vec<(String, String, u8)>> {
    use std::collections::BTreeMap;
    let rows = match_feedback::Entity::find().all(db_conn).await?;
    let challenges: std::collections::HashMap<i64, String> = challenge::Entity::find()
        .all(db_conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.external_id))
        .collect();
    let companies: std::collections::HashMap<i64, String> = company::Entity::find()
        .all(db_conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c.external_id))
        .collect();
    let mut votes: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for row in rows {
        let (Some(ch), Some(co)) = (
            challenges.get(&row.challenge_id),
            companies.get(&row.company_id),
        ) else {
            continue;
        };
        let entry = votes.entry((ch.clone(), co.clone())).or_default();
        if row.useful {
            entry.0 += 1
        } else {
            entry.1 += 1
        }
    }
    Ok(votes
        .into_iter()
        .map(|((ch, co), (yes, no))| (ch, co, if yes > no { 2 } else { 0 }))
        .collect())
}

/// Adds a company to a challenge's shortlist, or removes it; officers of its department only.
pub async fn set_shortlisted(
    ctx: &Context,
    actor: &Actor,
    challenge_id: &str,
    company_id: &str,
    on: bool,
) -> Result<()> {
    use crate::db::entities::shortlist;
    let tx = db::begin_write(&ctx.db).await?;
    let challenge_row = super::challenges::find(&tx, actor, challenge_id).await?;
    actor.check_manages_department(
        challenge_row.department_id,
        "only officers of the challenge's department keep its shortlist",
    )?;
    let company_row = company::Entity::find()
        .filter(company::Column::ExternalId.eq(company_id))
        .one(&tx)
        .await?
        .ok_or(Error::NotFound("company"))?;
    shortlist::Entity::delete_many()
        .filter(shortlist::Column::ChallengeId.eq(challenge_row.id))
        .filter(shortlist::Column::CompanyId.eq(company_row.id))
        .exec(&tx)
        .await?;
    if on {
        shortlist::ActiveModel {
            challenge_id: Set(challenge_row.id),
            company_id: Set(company_row.id),
            added_by: Set(actor.user_id()),
            created_at: Set(db::now()),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Interchange ids of the shortlisted companies of a challenge (by database id).
pub async fn shortlisted(ctx: &Context, challenge: i64) -> Result<Vec<i64>> {
    use crate::db::entities::shortlist;
    Ok(shortlist::Entity::find()
        .filter(shortlist::Column::ChallengeId.eq(challenge))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|s| s.company_id)
        .collect())
}

/// The officer's latest judgement of each company for a challenge.
pub async fn feedback_of(
    ctx: &Context,
    user_id: i64,
    challenge: i64,
) -> Result<std::collections::HashMap<i64, bool>> {
    Ok(match_feedback::Entity::find()
        .filter(match_feedback::Column::ChallengeId.eq(challenge))
        .filter(match_feedback::Column::UserId.eq(user_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|f| (f.company_id, f.useful))
        .collect())
}
