//! Every weight and rule of the matching score, in one place.
//!
//! A match between a challenge and a company is scored from features of the pair:
//!
//! | feature | what it measures | scale |
//! |---|---|---|
//! | `document` | cosine of the challenge's need (title, summary, must-haves, as an e5 query) and the whole profile (as a passage) | standard score among the candidates written in the same language group |
//! | `coverage` | for each requirement, the best cosine to a capability, the description or the profile; must-haves count double | standard score, as `document` |
//! | `bm25` | BM25 of the challenge's most distinctive words in the profile | over the best candidate, 0–1 |
//! | `cpv` | deepest shared CPV level: full code or category 1, class 0.75, group 0.5, division 0.25 | 0–1 |
//! | `sector` | whether a sector is shared | 0 or 1 |
//!
//! `score = Σ weight × feature − trl_gap × levels missing − trl_unknown − missing certifications
//! (when demoting) + SME and region bonuses (when asked)`.
//!
//! **Language groups.** e5 gives a Spanish text and an English one that say the same thing a
//! lower cosine than two Spanish texts (on the development set, 0.79 against 0.81 on average),
//! so raw cosines would rank every cross-lingual supplier too low. Similarities are therefore
//! turned into standard scores separately among the candidates written in the challenge's
//! language and among the others; a group too small to estimate its spread uses the whole pool.
//! Candidates are retrieved per language group too, for the same reason.
//!
//! A required certification the company lacks removes the pair by default
//! ([`CertificationRule::Filter`]); the rule can demote instead. The weights were chosen on the
//! development set by cross-validated grid search over few, general signals (see
//! `docs/MATCHING.md`); nothing in them names a sector, a word or an item of that set.

use serde::{Deserialize, Serialize};

/// Weights of the features and penalties.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Whole-document similarity.
    pub document: f32,
    /// Requirement coverage.
    pub coverage: f32,
    /// Shared distinctive words.
    pub bm25: f32,
    /// CPV overlap.
    pub cpv: f32,
    /// Shared sector.
    pub sector: f32,
    /// Penalty per TRL level below the challenge's minimum.
    pub trl_gap: f32,
    /// Penalty when the challenge sets a minimum TRL and the company states none.
    pub trl_unknown: f32,
    /// Penalty per missing required certification, under [`CertificationRule::Demote`].
    pub missing_certification: f32,
    /// Bonus for micro, small and medium companies, when asked to favour them.
    pub sme_bonus: f32,
    /// Bonus for companies of the preferred region.
    pub region_bonus: f32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            document: 1.0,
            coverage: 0.5,
            bm25: 0.2,
            cpv: 0.25,
            sector: 0.75,
            trl_gap: 0.25,
            trl_unknown: 0.1,
            missing_certification: 3.0,
            sme_bonus: 0.3,
            region_bonus: 0.3,
        }
    }
}

/// What happens to a company that lacks a certification the challenge requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificationRule {
    /// It is not a match.
    #[default]
    Filter,
    /// It stays, below those that hold it.
    Demote,
}

/// Configuration of matching.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchConfig {
    /// Weights.
    pub weights: Weights,
    /// Missing required certifications.
    pub certification_rule: CertificationRule,
    /// Add [`Weights::sme_bonus`] to micro, small and medium companies.
    pub favour_smes: bool,
    /// Add [`Weights::region_bonus`] to companies of this region.
    pub preferred_region: Option<String>,
    /// Candidates each retriever brings before scoring.
    pub candidates: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        Self {
            weights: Weights::default(),
            certification_rule: CertificationRule::Filter,
            favour_smes: false,
            preferred_region: None,
            candidates: 300,
        }
    }
}

/// How well a requirement is covered, from the cosine of the requirement (as a query) and its
/// best chunk (as a passage). e5 squeezes cosines into 0.75–0.95, so the bands are narrow;
/// they were read off the development set's labelled pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Strength {
    /// Nothing in the profile says it.
    None,
    /// Something related.
    Weak,
    /// Most of it.
    Partial,
    /// Clearly.
    Strong,
}

/// Cosine at or above which a requirement counts as strongly covered.
pub const STRONG: f32 = 0.875;
/// Cosine at or above which a requirement counts as partly covered.
pub const PARTIAL: f32 = 0.845;
/// Cosine at or above which something related is there.
pub const WEAK: f32 = 0.82;

impl Strength {
    /// The band of a cosine.
    pub fn of(cosine: f32) -> Strength {
        if cosine >= STRONG {
            Strength::Strong
        } else if cosine >= PARTIAL {
            Strength::Partial
        } else if cosine >= WEAK {
            Strength::Weak
        } else {
            Strength::None
        }
    }

    /// Whether the requirement counts as covered in summaries and previews.
    pub fn covers(self) -> bool {
        self >= Strength::Partial
    }
}

/// Deepest shared level of two lists of CPV codes: 1 for the same category or code, 0.75 for the
/// class, 0.5 for the group, 0.25 for the division; with the shared prefix.
pub fn cpv_overlap(a: &[String], b: &[String]) -> (f32, Option<String>) {
    let mut best = (0.0, None);
    for x in a {
        for y in b {
            let shared = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            // A code's trailing zeros are not digits it shares: "72000000" and "72300000" share
            // the division only.
            let depth = shared.min(significant_len(x)).min(significant_len(y));
            let score = match depth {
                0 | 1 => 0.0,
                2 => 0.25,
                3 => 0.5,
                4 => 0.75,
                _ => 1.0,
            };
            if score > best.0 {
                best = (score, Some(x[..depth.min(x.len())].to_owned()));
            }
        }
    }
    best
}

fn significant_len(code: &str) -> usize {
    code.trim_end_matches('0').len().max(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn cpv_overlap_follows_the_hierarchy() {
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72316000"])).0,
            1.0
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72310000"])).0,
            0.75
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72322000"])).0,
            0.5
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72000000"])).0,
            0.25
        );
        assert_eq!(
            cpv_overlap(&codes(&["72000000"]), &codes(&["72300000"])).0,
            0.25
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["48000000"])).0,
            0.0
        );
    }

    #[test]
    fn strength_bands_are_ordered() {
        assert_eq!(Strength::of(0.9), Strength::Strong);
        assert_eq!(Strength::of(PARTIAL), Strength::Partial);
        assert_eq!(Strength::of(0.5), Strength::None);
        assert!(Strength::Partial.covers() && !Strength::Weak.covers());
    }
}
