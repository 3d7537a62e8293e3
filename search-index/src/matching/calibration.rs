//! Cosines on one scale whatever the languages of the pair.
//!
//! e5 gives a Spanish and an English text that say the same thing a lower cosine than two
//! Spanish texts, and the offset differs between the whole-document and the requirement
//! comparisons. Each cosine is therefore read as a standard score against the cosines of the
//! same kind between challenges and companies of the same pair of languages (challenge
//! language, company language), estimated from a fixed-size sample of the indexed corpus. The
//! estimate depends on the model and the corpus, not on which candidates a query brought nor
//! on how many companies write in each language, and it is what the ranking, the requirement
//! bands of explanations and the supply preview all read.

use crate::analysis::Lang;
use crate::catalog::{Catalog, DocVector, Entry};
use crate::documents::{ChunkField, Kind};
use crate::vectors::dot;

/// Challenges sampled to estimate the distributions.
const SAMPLE_CHALLENGES: usize = 48;
/// Companies of each language sampled against each sampled challenge.
const SAMPLE_COMPANIES: usize = 160;
/// Fewest pairs a bucket needs to trust its own estimate.
const MIN_PAIRS: usize = 200;

/// Parts of a profile a requirement is compared with.
pub(crate) const COVERING_FIELDS: [ChunkField; 2] =
    [ChunkField::Capability, ChunkField::Description];

/// Mean and spread of one kind of cosine.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Mean cosine.
    pub mean: f32,
    /// Standard deviation.
    pub spread: f32,
}

impl Moments {
    fn of(values: &[f32]) -> Option<Self> {
        if values.len() < 2 {
            return None;
        }
        let n = values.len() as f32;
        let mean = values.iter().sum::<f32>() / n;
        let spread = (values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
        (spread > 1e-6).then_some(Self { mean, spread })
    }

    /// The standard score of `cosine`.
    pub fn standard(self, cosine: f32) -> f32 {
        (cosine - self.mean) / self.spread
    }
}

/// The distributions of cosines per (challenge language, company language).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    /// Challenge need (query) against company profile (passage), indexed `[challenge][company]`.
    document: [[Moments; 2]; 2],
    /// A requirement against the best part of a profile.
    requirement: [[Moments; 2]; 2],
}

/// What a cosine compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// The challenge's need and the whole profile.
    Document,
    /// One requirement and the part of the profile that covers it best.
    Requirement,
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Es => 0,
        Lang::En => 1,
    }
}

impl Default for Calibration {
    /// The figures of multilingual-e5-small on a bilingual corpus of public-sector challenges
    /// and company profiles (30 challenges × 300 companies, Spanish and English), for a corpus
    /// too small to estimate its own.
    fn default() -> Self {
        let m = |mean: f32, spread: f32| Moments { mean, spread };
        Self {
            document: [
                [m(0.821, 0.019), m(0.789, 0.020)],
                [m(0.795, 0.021), m(0.798, 0.021)],
            ],
            requirement: [
                [m(0.828, 0.018), m(0.818, 0.020)],
                [m(0.806, 0.016), m(0.810, 0.017)],
            ],
        }
    }
}

/// The best cosine of a requirement vector to a profile: its capabilities and description, or
/// the whole profile; the part (field, position) and the cosine.
pub(crate) fn best_part(
    requirement: &[f32],
    company: &Entry,
    passage: Option<&[f32]>,
) -> Option<(ChunkField, usize, f32)> {
    let chunk = company.best_chunk(requirement, &COVERING_FIELDS);
    let whole = passage.map(|p| (ChunkField::DocPassage, 0, dot(requirement, p)));
    match (chunk, whole) {
        (Some(a), Some(b)) => Some(if b.2 > a.2 { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Every `len / count`-th item, at most `count` of them: a deterministic spread sample.
fn spread_sample<T: Copy>(items: &[T], count: usize) -> Vec<T> {
    if items.len() <= count {
        return items.to_vec();
    }
    (0..count).map(|i| items[i * items.len() / count]).collect()
}

impl Calibration {
    /// Estimates the distributions from the indexed challenges and companies.
    pub fn estimate(catalog: &Catalog) -> Self {
        let mut challenges: Vec<&Entry> = catalog.iter(Kind::Challenge).collect();
        challenges.sort_by_key(|e| e.slot);
        let mut companies: [Vec<&Entry>; 2] = [Vec::new(), Vec::new()];
        for entry in catalog.iter(Kind::Company) {
            companies[lang_index(entry.lang)].push(entry);
        }
        for list in &mut companies {
            list.sort_by_key(|e| e.slot);
        }
        let challenges = spread_sample(&challenges, SAMPLE_CHALLENGES);
        let companies = companies.map(|list| spread_sample(&list, SAMPLE_COMPANIES));
        let mut document: [[Vec<f32>; 2]; 2] = Default::default();
        let mut requirement: [[Vec<f32>; 2]; 2] = Default::default();
        for challenge in &challenges {
            let q = lang_index(challenge.lang);
            let query = catalog.doc_vector(challenge.doc.key(), DocVector::Query);
            let requirements: Vec<&[f32]> = challenge
                .chunks(ChunkField::Must)
                .chain(challenge.chunks(ChunkField::Should))
                .map(|(_, v)| v)
                .collect();
            for (d, list) in companies.iter().enumerate() {
                for company in list {
                    let passage = catalog.doc_vector(company.doc.key(), DocVector::Passage);
                    if let (Some(query), Some(passage)) = (query, passage) {
                        document[q][d].push(dot(query, passage));
                    }
                    for r in &requirements {
                        if let Some((_, _, cosine)) = best_part(r, company, passage) {
                            requirement[q][d].push(cosine);
                        }
                    }
                }
            }
        }
        let fallback = Self::default();
        let calibration = Self {
            document: fill(&document, fallback.document),
            requirement: fill(&requirement, fallback.requirement),
        };
        tracing::debug!(?calibration, "cosines calibrated per language pair");
        calibration
    }

    /// The standard score of a cosine between a challenge in `challenge` language and a company
    /// in `company` language.
    pub fn standard(&self, measure: Measure, challenge: Lang, company: Lang, cosine: f32) -> f32 {
        let table = match measure {
            Measure::Document => &self.document,
            Measure::Requirement => &self.requirement,
        };
        table[lang_index(challenge)][lang_index(company)].standard(cosine)
    }
}

/// Each bucket's own moments when it has enough pairs; otherwise those of the buckets of the
/// same kind (same language or across languages) pooled, shifted by nothing; otherwise the
/// model's typical figures.
fn fill(samples: &[[Vec<f32>; 2]; 2], fallback: [[Moments; 2]; 2]) -> [[Moments; 2]; 2] {
    let pooled = |same: bool| {
        let values: Vec<f32> = (0..2)
            .flat_map(|q| {
                let d = if same { q } else { 1 - q };
                samples[q][d].iter().copied()
            })
            .collect();
        (values.len() >= MIN_PAIRS)
            .then(|| Moments::of(&values))
            .flatten()
    };
    let mut table = fallback;
    for (q, row) in table.iter_mut().enumerate() {
        for (d, cell) in row.iter_mut().enumerate() {
            let own = (samples[q][d].len() >= MIN_PAIRS)
                .then(|| Moments::of(&samples[q][d]))
                .flatten();
            if let Some(m) = own.or_else(|| pooled(q == d)) {
                *cell = m;
            }
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cosine_is_read_against_its_own_language_pair() {
        let calibration = Calibration::default();
        let same = calibration.standard(Measure::Requirement, Lang::Es, Lang::Es, 0.860);
        let cross = calibration.standard(Measure::Requirement, Lang::Es, Lang::En, 0.855);
        assert!(
            cross > same,
            "the cross-lingual cosine is lower but further above its mean"
        );
    }

    #[test]
    fn a_sample_spreads_over_the_list() {
        let items: Vec<usize> = (0..10).collect();
        assert_eq!(spread_sample(&items, 5), vec![0, 2, 4, 6, 8]);
        assert_eq!(spread_sample(&items, 20).len(), 10);
    }
}
