//! Matchmaking in both directions, with an explanation for every match.
//!
//! Candidates come from the hybrid index (vector neighbours and BM25 on the distinctive words
//! of the other side), under the same filters; each pair is then scored from its features by
//! the rules of [`score`]. Challenge → companies serves officers; company → challenges serves
//! start-ups, with the same features, since a pair is the same pair whichever side asks.

pub mod calibration;
mod explain;
pub mod score;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

use crate::analysis::{self, Lang};
use crate::catalog::{Catalog, DocVector, Entry};
use crate::documents::{
    ChallengeDoc, ChunkField, Document, EntityKey, EntityVectors, Kind, normalise_certification,
};
use crate::error::Result;
use crate::filters::Filters;
use crate::index::SearchIndex;
use crate::vectors::dot;

use calibration::{Calibration, Measure};

pub use explain::{
    ConstraintCheck, ConstraintKind, CoverField, CoveredBy, Explanation, RequirementCoverage,
    RequirementKind,
};
pub use score::{CertificationRule, MatchConfig, Strength, Weights};

/// Distinctive words of one side searched in the other, per language.
const QUERY_TERMS: usize = 40;

/// The challenge side of a pair: what is compared against each company.
#[derive(Debug, Clone)]
pub struct Probe<'a> {
    /// The challenge.
    pub doc: &'a ChallengeDoc,
    /// Its language.
    pub lang: Lang,
    /// The whole challenge embedded as a query.
    pub query_vector: Option<&'a [f32]>,
    /// Must-have requirements by position, with their vectors when embedded.
    pub must: Vec<(usize, Option<&'a [f32]>)>,
    /// Nice-to-have requirements.
    pub should: Vec<(usize, Option<&'a [f32]>)>,
    required_certifications: Vec<String>,
}

impl<'a> Probe<'a> {
    /// A probe of a challenge that is not indexed (a draft being previewed).
    pub fn new(doc: &'a ChallengeDoc, vectors: &'a EntityVectors) -> Self {
        let find = |field: ChunkField, position: usize| {
            vectors
                .chunks
                .iter()
                .find(|c| c.field == field && c.position == position)
                .map(|c| c.vector.as_slice())
        };
        Self {
            doc,
            lang: Document::Challenge(doc.clone()).language(),
            query_vector: vectors.get(ChunkField::DocQuery),
            must: (0..doc.must.len())
                .map(|i| (i, find(ChunkField::Must, i)))
                .collect(),
            should: (0..doc.should.len())
                .map(|i| (i, find(ChunkField::Should, i)))
                .collect(),
            required_certifications: doc
                .required_certifications
                .iter()
                .map(|c| normalise_certification(c))
                .collect(),
        }
    }

    /// A probe of an indexed challenge.
    pub fn from_entry(entry: &'a Entry, catalog: &'a Catalog) -> Option<Self> {
        let Document::Challenge(doc) = &entry.doc else {
            return None;
        };
        let chunk_map = |field: ChunkField, count: usize| {
            let chunks: HashMap<usize, &'a [f32]> = entry.chunks(field).collect();
            (0..count).map(|i| (i, chunks.get(&i).copied())).collect()
        };
        Some(Self {
            doc,
            lang: entry.lang,
            query_vector: catalog.doc_vector(entry.doc.key(), DocVector::Query),
            must: chunk_map(ChunkField::Must, doc.must.len()),
            should: chunk_map(ChunkField::Should, doc.should.len()),
            required_certifications: entry.certifications.clone(),
        })
    }

    fn text(&self) -> String {
        Document::Challenge(self.doc.clone())
            .chunk_texts()
            .first()
            .map(|c| c.text.clone())
            .unwrap_or_default()
    }

    fn missing_certifications(&self, company: &Entry) -> Vec<String> {
        self.doc
            .required_certifications
            .iter()
            .zip(&self.required_certifications)
            .filter(|(_, normalised)| !company.certifications.contains(normalised))
            .map(|(name, _)| name.clone())
            .collect()
    }
}

/// The features of one pair, before normalisation over the candidates.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Features {
    /// Cosine of challenge (query) and profile (passage).
    pub document: Option<f32>,
    /// That cosine as a standard score against its language pair (see [`calibration`]).
    pub document_standard: Option<f32>,
    /// Weighted mean over requirements of their standard scores (must-haves count double).
    pub coverage: Option<f32>,
    /// Share of must-haves covered at least partly (1 when there are none).
    pub must_share: f32,
    /// BM25 of the distinctive words.
    pub bm25: f32,
    /// Depth of the deepest CPV prefix both share: 0, or 2 (division) to 5 (category or code).
    pub cpv_depth: u8,
    /// The CPV prefix shared, when any.
    pub cpv_shared: Option<String>,
    /// A sector both name.
    pub sector_shared: Option<String>,
    /// TRL levels below the minimum.
    pub trl_gap: u8,
    /// The challenge sets a minimum TRL and the company states none.
    pub trl_unknown: bool,
    /// Required certifications the company lacks, as the challenge names them.
    pub missing_certifications: Vec<String>,
    /// Micro, small or medium company.
    pub sme: bool,
    /// Company in the preferred region.
    pub region_match: bool,
    /// Both texts are written in the same language.
    pub same_language: bool,
    /// Per requirement, the best chunk and its cosine.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<RequirementScore>,
}

/// How well one requirement is met by its best chunk of the profile.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequirementScore {
    /// `must` or `should`.
    pub field: ChunkField,
    /// Position in its list.
    pub position: usize,
    /// Best chunk and its cosine, as `[field, position, cosine]`.
    #[schema(value_type = Option<Vec<Object>>)]
    pub best: Option<(ChunkField, usize, f32)>,
    /// The cosine as a standard score against its language pair, raised to the strong band
    /// when the company holds what the requirement names.
    pub standard: Option<f32>,
    /// A certification or TRL the requirement names and the company holds.
    pub met_by: Option<String>,
}

impl RequirementScore {
    /// Band of the requirement on the calibrated scale.
    pub fn strength(&self) -> Strength {
        self.standard.map_or(Strength::None, Strength::of)
    }
}

/// What the company holds that a requirement names: one of its certifications, or its TRL when
/// the requirement is about the TRL and the company reaches the challenge's minimum.
fn named_and_held(
    requirement: &str,
    probe: &Probe<'_>,
    company: &Entry,
    trl: Option<u8>,
) -> Option<String> {
    let normalised = normalise_certification(requirement);
    let Document::Company(c) = &company.doc else {
        return None;
    };
    if let Some(held) = c
        .certifications
        .iter()
        .zip(&company.certifications)
        .find(|(_, n)| n.chars().count() >= 4 && normalised.contains(n.as_str()))
    {
        return Some(held.0.clone());
    }
    let names_trl = requirement
        .split(|ch: char| !ch.is_alphanumeric())
        .any(|w| w.eq_ignore_ascii_case("trl"));
    match (names_trl, probe.doc.trl_min, trl) {
        (true, Some(min), Some(trl)) if trl >= min => Some(format!("TRL {trl}")),
        _ => None,
    }
}

fn features(
    probe: &Probe<'_>,
    company: &Entry,
    company_passage: Option<&[f32]>,
    bm25: f32,
    config: &MatchConfig,
    calibration: &Calibration,
) -> Features {
    let Document::Company(c) = &company.doc else {
        return Features::empty();
    };
    let document = probe
        .query_vector
        .zip(company_passage)
        .map(|(q, p)| dot(q, p));
    let document_standard =
        document.map(|d| calibration.standard(Measure::Document, probe.lang, company.lang, d));
    let mut requirements = Vec::new();
    let (mut weighted, mut weight) = (0.0f32, 0.0f32);
    let mut musts_covered = 0;
    for (field, list, texts, w) in [
        (ChunkField::Must, &probe.must, &probe.doc.must, 2.0f32),
        (ChunkField::Should, &probe.should, &probe.doc.should, 1.0),
    ] {
        for (position, vector) in list {
            let best = vector.and_then(|v| calibration::best_part(v, company, company_passage));
            let met_by = texts
                .get(*position)
                .and_then(|text| named_and_held(text, probe, company, c.trl));
            let mut standard = best.map(|(_, _, cosine)| {
                calibration.standard(Measure::Requirement, probe.lang, company.lang, cosine)
            });
            if met_by.is_some() {
                standard = Some(standard.unwrap_or(score::STRONG).max(score::STRONG));
            }
            if let Some(z) = standard {
                weighted += w * z;
                weight += w;
                if field == ChunkField::Must && Strength::of(z).covers() {
                    musts_covered += 1;
                }
            }
            requirements.push(RequirementScore {
                field,
                position: *position,
                best,
                standard,
                met_by,
            });
        }
    }
    let coverage = (weight > 0.0).then(|| weighted / weight);
    let must_share = if probe.must.is_empty() {
        1.0
    } else {
        musts_covered as f32 / probe.must.len() as f32
    };
    let (cpv_depth, cpv_shared) = score::cpv_overlap(&probe.doc.cpv, &c.cpv);
    let probe_sectors: Vec<String> = probe
        .doc
        .sectors
        .iter()
        .map(|s| s.trim().to_lowercase())
        .collect();
    let sector_shared = company
        .sectors
        .iter()
        .find(|s| probe_sectors.contains(s))
        .cloned();
    let (trl_gap, trl_unknown) = match (probe.doc.trl_min, c.trl) {
        (Some(min), Some(trl)) => (min.saturating_sub(trl), false),
        (Some(_), None) => (0, true),
        _ => (0, false),
    };
    let region_match = config.preferred_region.as_deref().is_some_and(|wanted| {
        c.region
            .as_deref()
            .is_some_and(|r| r.eq_ignore_ascii_case(wanted.trim()))
    });
    Features {
        document,
        document_standard,
        coverage,
        must_share,
        bm25,
        cpv_depth,
        cpv_shared,
        sector_shared,
        trl_gap,
        trl_unknown,
        missing_certifications: probe.missing_certifications(company),
        sme: c.size.as_deref().is_some_and(|s| s != "large"),
        region_match,
        same_language: company.lang == probe.lang,
        requirements,
    }
}

impl Features {
    /// Whether the company covers the challenge at least partly: a must-have covered at least
    /// partly; for a challenge without must-haves, any requirement, or a profile close to the
    /// need. What a company is shown by default among its recommendations.
    pub fn covers_partly(&self) -> bool {
        let musts: Vec<&RequirementScore> = self
            .requirements
            .iter()
            .filter(|r| r.field == ChunkField::Must)
            .collect();
        if musts.is_empty() {
            self.requirements.iter().any(|r| r.strength().covers())
                || self
                    .document_standard
                    .is_some_and(|d| Strength::of(d).covers())
        } else {
            musts.iter().any(|r| r.strength().covers())
        }
    }

    fn empty() -> Self {
        Self {
            document: None,
            document_standard: None,
            coverage: None,
            must_share: 0.0,
            bm25: 0.0,
            cpv_depth: 0,
            cpv_shared: None,
            sector_shared: None,
            trl_gap: 0,
            trl_unknown: false,
            missing_certifications: Vec::new(),
            sme: false,
            region_match: false,
            same_language: true,
            requirements: Vec::new(),
        }
    }
}

/// Standard scores of `values` among the pool (missing values score 0, the mean): every query
/// on the same spread, whatever its cosines.
fn standardise(values: &[Option<f32>]) -> Vec<f32> {
    let present: Vec<f32> = values.iter().filter_map(|v| *v).collect();
    let n = present.len() as f32;
    let mean = present.iter().sum::<f32>() / n.max(1.0);
    let spread = (present.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n.max(1.0)).sqrt();
    let spread = if spread > 1e-6 { spread } else { 1.0 };
    values
        .iter()
        .map(|v| v.map_or(0.0, |v| (v - mean) / spread))
        .collect()
}

/// The signals of every pair of the pool, in the order of [`score::SIGNALS`], each oriented so
/// that a positive weight rewards a better pair.
pub fn signals(pool: &[Features]) -> Vec<[f32; score::SIGNALS.len()]> {
    let document = standardise(&pool.iter().map(|f| f.document_standard).collect::<Vec<_>>());
    let coverage = standardise(&pool.iter().map(|f| f.coverage).collect::<Vec<_>>());
    let best_bm25 = pool.iter().map(|f| f.bm25).fold(0.0f32, f32::max);
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    pool.iter()
        .enumerate()
        .map(|(i, f)| {
            [
                document[i],
                coverage[i],
                f.document_standard.unwrap_or(0.0),
                f.coverage.unwrap_or(0.0),
                f.must_share,
                if best_bm25 > 0.0 {
                    f.bm25 / best_bm25
                } else {
                    0.0
                },
                flag(f.cpv_depth >= 2),
                flag(f.cpv_depth >= 3),
                flag(f.cpv_depth >= 4),
                flag(f.sector_shared.is_some()),
                -flag(f.trl_gap > 0),
                -f32::from(f.trl_gap),
                -flag(f.trl_unknown),
                -(f.missing_certifications.len() as f32),
            ]
        })
        .collect()
}

/// Scores every pair of the pool with [`score`]'s rules; returns the scores in pool order.
fn score_pool(pool: &[Features], config: &MatchConfig) -> Vec<f32> {
    let w = config.weights.signal_weights(config.certification_rule);
    signals(pool)
        .iter()
        .zip(pool)
        .map(|(x, f)| {
            let mut score: f32 = x.iter().zip(&w).map(|(x, w)| x * w).sum();
            if config.favour_smes && f.sme {
                score += config.weights.sme_bonus;
            }
            if f.region_match {
                score += config.weights.region_bonus;
            }
            score
        })
        .collect()
}

/// What to match and how to present it.
#[derive(Debug, Clone)]
pub struct MatchOptions {
    /// Constraints on the other side (SMEs only, certified, region; open challenges).
    pub filters: Filters,
    /// Weights and rules.
    pub config: MatchConfig,
    /// Matches skipped.
    pub offset: usize,
    /// Matches returned.
    pub limit: usize,
    /// Whether to explain each returned match.
    pub explain: bool,
    /// Language of the explanations.
    pub lang: Lang,
    /// Return only the match of this company (ranked among the candidates, which it joins):
    /// how an introduction explains one pair.
    pub focus: Option<EntityKey>,
    /// Recommendations: also the challenges the company covers less than partly ("show weaker
    /// matches"); by default they are left out and only counted.
    pub include_weaker: bool,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            filters: Filters::default(),
            config: MatchConfig::default(),
            offset: 0,
            limit: 20,
            explain: true,
            lang: Lang::Es,
            focus: None,
            include_weaker: false,
        }
    }
}

/// One ranked match.
#[derive(Debug, Clone, Serialize)]
pub struct Match {
    /// The challenge.
    pub challenge: EntityKey,
    /// The company.
    pub company: EntityKey,
    /// Interchange id of the challenge.
    pub challenge_id: String,
    /// Interchange id of the company.
    pub company_id: String,
    /// Company name.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// 1-based rank.
    pub rank: usize,
    /// Score; only its order means something.
    pub score: f32,
    /// The features behind the score.
    pub features: Features,
    /// Why, in the viewer's language.
    pub explanation: Option<Explanation>,
}

/// A page of matches.
#[derive(Debug, Clone, Serialize)]
pub struct MatchResults {
    /// Candidates that passed the filters and were scored (and, for recommendations, that the
    /// company covers at least partly unless weaker ones were asked for).
    pub total: usize,
    /// Recommendations left out because the company covers them less than partly.
    pub weaker: usize,
    /// The page.
    pub matches: Vec<Match>,
}

/// Supply for a challenge before it is published.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Preview {
    /// Companies that pass the hard constraints and cover at least half of the must-haves.
    pub addressable: usize,
    /// Companies examined: the nearest to the challenge and its requirements, by meaning and
    /// by words, among those the hard constraints leave.
    pub considered: usize,
    /// Companies in the index.
    pub published: usize,
    /// Companies not counted as able to address it because they lack a required
    /// certification: left out before examining (when certifications filter) or examined and
    /// set aside (when they demote).
    pub without_required_certifications: usize,
    /// The certifications required, as the challenge names them.
    pub required_certifications: Vec<String>,
    /// Per requirement, how many of those companies cover it.
    pub requirements: Vec<RequirementSupply>,
}

/// Supply for one requirement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequirementSupply {
    /// Which list it is on.
    #[schema(value_type = explain::RequirementKind)]
    pub kind: &'static str,
    /// Position in its list.
    pub position: usize,
    /// The requirement.
    pub requirement: String,
    /// Companies covering it at least partly.
    pub covered_by: usize,
    /// The company that covers it best: `[interchange id, name]`.
    #[schema(value_type = Option<Vec<String>>)]
    pub best_company: Option<(String, String)>,
}

impl SearchIndex {
    /// The distinctive words of `text` as a BM25 query on the other side's fields, in both
    /// languages: the words are analysed by each language's analyser and weighted by tf·idf.
    fn distinctive_query(&self, searcher: &Searcher, text: &str) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for lang in Lang::ALL {
            let (title, body) = self.fields.text_fields(lang);
            let mut tf: HashMap<String, usize> = HashMap::new();
            for term in analysis::terms(lang, text) {
                if term.chars().count() > 2 && !term.chars().all(|c| c.is_ascii_digit()) {
                    *tf.entry(term).or_default() += 1;
                }
            }
            let total = searcher.num_docs().max(1) as f32;
            let mut weighted: Vec<(String, f32)> = tf
                .into_iter()
                .filter_map(|(term, count)| {
                    let df = searcher
                        .doc_freq(&Term::from_field_text(body, &term))
                        .ok()? as f32;
                    (df > 0.0).then(|| (term, (count as f32).sqrt() * (total / df).ln_1p()))
                })
                .collect();
            weighted.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            for (term, _) in weighted.into_iter().take(QUERY_TERMS) {
                for field in [title, body] {
                    let query = TermQuery::new(
                        Term::from_field_text(field, &term),
                        IndexRecordOption::WithFreqs,
                    );
                    clauses.push((Occur::Should, Box::new(query)));
                }
            }
        }
        (!clauses.is_empty()).then(|| Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
    }

    /// Ranked companies for a challenge, indexed or not.
    pub fn match_companies(
        &self,
        probe: &Probe<'_>,
        options: &MatchOptions,
    ) -> Result<MatchResults> {
        let catalog = self.catalog();
        self.rank_companies(&catalog, probe, options)
    }

    fn rank_companies(
        &self,
        catalog: &Catalog,
        probe: &Probe<'_>,
        options: &MatchOptions,
    ) -> Result<MatchResults> {
        let searcher = self.reader.searcher();
        let calibration = self.calibration(catalog);
        let mut filters = options.filters.clone();
        if options.config.certification_rule == CertificationRule::Filter {
            filters
                .certifications
                .extend(probe.doc.required_certifications.iter().cloned());
        }
        let k = options.config.candidates;
        let allowed = catalog.allowed(Kind::Company, &filters);
        let mut pool: HashMap<EntityKey, f32> = HashMap::new();
        if let Some(query) = probe.query_vector {
            for (key, _) in
                catalog.nearest_by_language(Kind::Company, DocVector::Passage, query, &allowed, k)
            {
                pool.entry(key).or_insert(0.0);
            }
        }
        if let Some(query) = self.distinctive_query(&searcher, &probe.text()) {
            for (key, score, _) in self.bm25(&searcher, query, Kind::Company, &filters, k)?.0 {
                pool.insert(key, score);
            }
        }
        if let Some(focus) = options.focus
            && catalog.get(focus).is_some_and(|e| allowed.contains(e.slot))
        {
            pool.entry(focus).or_insert(0.0);
        }
        let candidates: Vec<(&Entry, f32)> = pool
            .into_iter()
            .filter_map(|(key, bm25)| catalog.get(key).map(|e| (e, bm25)))
            .collect();
        // Features of a few hundred candidates and the explanations of a page: independent
        // pieces of work, spread over the cores.
        let scored: Vec<Features> = candidates
            .par_iter()
            .map(|(entry, bm25)| {
                features(
                    probe,
                    entry,
                    catalog.doc_vector(entry.doc.key(), DocVector::Passage),
                    *bm25,
                    &options.config,
                    &calibration,
                )
            })
            .collect();
        let scores = score_pool(&scored, &options.config);
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&a, &b| {
            scores[b].total_cmp(&scores[a]).then_with(|| {
                candidates[a]
                    .0
                    .doc
                    .external_id()
                    .cmp(candidates[b].0.doc.external_id())
            })
        });
        let challenge_key = EntityKey::challenge(probe.doc.id);
        let (offset, limit) = match options.focus {
            Some(focus) => (
                order
                    .iter()
                    .position(|&i| candidates[i].0.doc.key() == focus)
                    .unwrap_or(order.len()),
                1,
            ),
            None => (options.offset, options.limit),
        };
        let page: Vec<(usize, usize)> = order
            .iter()
            .copied()
            .enumerate()
            .skip(offset)
            .take(limit)
            .collect();
        let matches = page
            .par_iter()
            .map(|&(rank, i)| {
                let (company, _) = candidates[i];
                let explanation = options.explain.then(|| {
                    explain::explain(self, &searcher, probe, company, &scored[i], options.lang)
                });
                Match {
                    challenge: challenge_key,
                    company: company.doc.key(),
                    challenge_id: probe.doc.external_id.clone(),
                    company_id: company.doc.external_id().to_owned(),
                    company_name: company.doc.title().to_owned(),
                    challenge_title: probe.doc.title.clone(),
                    rank: rank + 1,
                    score: scores[i],
                    features: scored[i].clone(),
                    explanation,
                }
            })
            .collect();
        Ok(MatchResults {
            total: candidates.len(),
            weaker: 0,
            matches,
        })
    }

    /// Ranked companies for an indexed challenge; `None` when it is not indexed.
    pub fn match_indexed_challenge(
        &self,
        challenge: EntityKey,
        options: &MatchOptions,
    ) -> Result<Option<MatchResults>> {
        let catalog = self.catalog();
        let Some(entry) = catalog.get(challenge) else {
            return Ok(None);
        };
        let Some(probe) = Probe::from_entry(entry, &catalog) else {
            return Ok(None);
        };
        self.rank_companies(&catalog, &probe, options).map(Some)
    }

    /// Ranked challenges for an indexed company; `None` when it is not indexed.
    pub fn recommend_challenges(
        &self,
        company: EntityKey,
        options: &MatchOptions,
    ) -> Result<Option<MatchResults>> {
        let searcher = self.reader.searcher();
        let catalog = self.catalog();
        let Some(company_entry) = catalog.get(company) else {
            return Ok(None);
        };
        let calibration = self.calibration(&catalog);
        let company_passage = catalog.doc_vector(company, DocVector::Passage);
        let rule = options.config.certification_rule;
        let passes = options.filters.predicate();
        let allowed = catalog.select(Kind::Challenge, |e| {
            passes(e)
                && (rule == CertificationRule::Demote
                    || e.certifications
                        .iter()
                        .all(|c| company_entry.certifications.contains(c)))
        });
        let k = options.config.candidates;
        let mut pool: HashMap<EntityKey, f32> = HashMap::new();
        if let Some(passage) = company_passage {
            for (key, _) in
                catalog.nearest_by_language(Kind::Challenge, DocVector::Query, passage, &allowed, k)
            {
                pool.entry(key).or_insert(0.0);
            }
        }
        let company_text = format!(
            "{}\n{}",
            company_entry.doc.title(),
            company_entry.doc.body()
        );
        if let Some(query) = self.distinctive_query(&searcher, &company_text) {
            for (key, score, _) in self
                .bm25(&searcher, query, Kind::Challenge, &options.filters, k)?
                .0
            {
                if catalog.get(key).is_some_and(|e| allowed.contains(e.slot)) {
                    pool.insert(key, score);
                }
            }
        }
        let probes: Vec<(Probe<'_>, f32)> = pool
            .iter()
            .filter_map(|(key, bm25)| {
                catalog
                    .get(*key)
                    .and_then(|e| Probe::from_entry(e, &catalog))
                    .map(|p| (p, *bm25))
            })
            .collect();
        let scored: Vec<Features> = probes
            .par_iter()
            .map(|(probe, bm25)| {
                features(
                    probe,
                    company_entry,
                    company_passage,
                    *bm25,
                    &options.config,
                    &calibration,
                )
            })
            .collect();
        let scores = score_pool(&scored, &options.config);
        let mut order: Vec<usize> = (0..probes.len()).collect();
        order.sort_by(|&a, &b| {
            scores[b].total_cmp(&scores[a]).then_with(|| {
                probes[a]
                    .0
                    .doc
                    .external_id
                    .cmp(&probes[b].0.doc.external_id)
            })
        });
        let before = order.len();
        if !options.include_weaker {
            order.retain(|&i| scored[i].covers_partly());
        }
        let weaker = before - order.len();
        let page: Vec<(usize, usize)> = order
            .iter()
            .copied()
            .enumerate()
            .skip(options.offset)
            .take(options.limit)
            .collect();
        let matches = page
            .par_iter()
            .map(|&(rank, i)| {
                let probe = &probes[i].0;
                let explanation = options.explain.then(|| {
                    explain::explain(
                        self,
                        &searcher,
                        probe,
                        company_entry,
                        &scored[i],
                        options.lang,
                    )
                });
                Match {
                    challenge: EntityKey::challenge(probe.doc.id),
                    company,
                    challenge_id: probe.doc.external_id.clone(),
                    company_id: company_entry.doc.external_id().to_owned(),
                    company_name: company_entry.doc.title().to_owned(),
                    challenge_title: probe.doc.title.clone(),
                    rank: rank + 1,
                    score: scores[i],
                    features: scored[i].clone(),
                    explanation,
                }
            })
            .collect();
        Ok(Some(MatchResults {
            total: order.len(),
            weaker,
            matches,
        }))
    }

    /// How many companies could address a challenge and which requirements nobody covers.
    ///
    /// The companies examined are the union of the challenge's candidates and, for each
    /// requirement, the profiles nearest to it, so a requirement covered by a company that is
    /// otherwise far from the challenge is still found.
    pub fn preview(&self, probe: &Probe<'_>, config: &MatchConfig) -> Result<Preview> {
        let searcher = self.reader.searcher();
        let catalog = self.catalog();
        let calibration = self.calibration(&catalog);
        let mut filters = Filters::default();
        if config.certification_rule == CertificationRule::Filter {
            filters.certifications = probe.doc.required_certifications.clone();
        }
        let allowed = catalog.allowed(Kind::Company, &filters);
        let published = catalog
            .allowed(Kind::Company, &Filters::default())
            .count_ones(..);
        let mut without_required_certifications = published.saturating_sub(allowed.count_ones(..));
        let k = config.candidates;
        let mut pool: HashSet<EntityKey> = HashSet::new();
        let requirement_vectors = probe
            .must
            .iter()
            .chain(&probe.should)
            .filter_map(|(_, v)| *v);
        for query in probe.query_vector.into_iter().chain(requirement_vectors) {
            pool.extend(
                catalog
                    .nearest_by_language(Kind::Company, DocVector::Passage, query, &allowed, k)
                    .into_iter()
                    .map(|(key, _)| key),
            );
        }
        if let Some(query) = self.distinctive_query(&searcher, &probe.text()) {
            pool.extend(
                self.bm25(&searcher, query, Kind::Company, &filters, k)?
                    .0
                    .into_iter()
                    .map(|(key, _, _)| key),
            );
        }
        let requirement_count = probe.must.len() + probe.should.len();
        let mut covered = vec![0usize; requirement_count];
        let mut best: Vec<Option<(f32, EntityKey)>> = vec![None; requirement_count];
        let mut addressable = 0;
        for key in &pool {
            let Some(entry) = catalog.get(*key) else {
                continue;
            };
            let f = features(
                probe,
                entry,
                catalog.doc_vector(*key, DocVector::Passage),
                0.0,
                config,
                &calibration,
            );
            let mut must_covered = 0;
            for (i, requirement) in f.requirements.iter().enumerate() {
                let Some(similarity) = requirement.standard else {
                    continue;
                };
                if Strength::of(similarity).covers() {
                    covered[i] += 1;
                    if requirement.field == ChunkField::Must {
                        must_covered += 1;
                    }
                }
                if best[i].is_none_or(|(s, _)| similarity > s) {
                    best[i] = Some((similarity, *key));
                }
            }
            if !f.missing_certifications.is_empty() {
                without_required_certifications += 1;
            }
            let meets_trl = f.trl_gap == 0;
            if meets_trl
                && f.missing_certifications.is_empty()
                && must_covered * 2 >= probe.must.len()
                && f.document.is_some()
            {
                addressable += 1;
            }
        }
        let requirements = probe
            .must
            .iter()
            .map(|(p, _)| ("must", *p, &probe.doc.must[*p]))
            .chain(
                probe
                    .should
                    .iter()
                    .map(|(p, _)| ("should", *p, &probe.doc.should[*p])),
            )
            .enumerate()
            .map(|(i, (kind, position, text))| RequirementSupply {
                kind,
                position,
                requirement: text.clone(),
                covered_by: covered[i],
                best_company: best[i]
                    .filter(|(s, _)| Strength::of(*s).covers())
                    .and_then(|(_, key)| catalog.get(key))
                    .map(|e| (e.doc.external_id().to_owned(), e.doc.title().to_owned())),
            })
            .collect();
        Ok(Preview {
            addressable,
            considered: pool.len(),
            published,
            without_required_certifications,
            required_certifications: probe.doc.required_certifications.clone(),
            requirements,
        })
    }
}
