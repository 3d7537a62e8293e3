//! Every weight and rule of the matching score, in one place.
//!
//! A match between a challenge and a company is scored from signals of the pair, each oriented
//! so that a positive weight rewards the better pair ([`SIGNALS`], computed by
//! [`super::signals`]):
//!
//! | signal | what it measures |
//! |---|---|
//! | `document` | cosine of the challenge's need (an e5 query) and the profile (a passage), calibrated, as a standard score among the candidates |
//! | `coverage` | per requirement, the best calibrated cosine to a capability, the description or the profile; must-haves count double; standard score among the candidates |
//! | `document_level`, `coverage_level` | the same two, calibrated but not standardised among the candidates: how good the pair is, not only how it compares |
//! | `must_share` | share of must-haves covered at least partly |
//! | `bm25` | BM25 of the challenge's most distinctive words in the profile, over the best candidate |
//! | `cpv_division`, `cpv_group`, `cpv_class` | a CPV prefix of 2, 3, 4 or more digits shared (cumulative) |
//! | `sector` | a sector shared |
//! | `trl_below`, `trl_gap` | the company's TRL is below the challenge's minimum; by how many levels |
//! | `trl_unknown` | the challenge sets a minimum TRL and the company states none |
//! | `missing_certification` | required certifications the company lacks (under [`CertificationRule::Demote`]) |
//!
//! `score = Σ weight × signal (+ SME and region bonuses when asked)`.
//!
//! **Calibration.** e5 gives a Spanish text and an English one that say the same thing a
//! lower cosine than two Spanish texts. Every cosine is read as a standard score against the
//! cosines of its kind between challenges and companies of the same two languages, estimated on
//! a sample of the corpus ([`super::calibration`]): a cross-lingual supplier is neither buried
//! nor favoured, whatever the language mix of the corpus or of one query's candidates. The
//! requirement bands of explanations read the same calibrated scale.
//!
//! **Certifications.** A required certification the company lacks demotes it by default
//! ([`CertificationRule::Demote`]): the penalty (3, about three standard deviations of
//! need–profile similarity among the candidates, chosen by cross-validation) keeps it below
//! the certified companies of similar relevance, but it is still listed ("worth a
//! conversation"). Officers can filter such companies out instead.
//!
//! The weights were chosen by cross-validation that holds out whole challenges
//! (`scripts/tune_matching.py`, see `docs/MATCHING.md`); nothing in them names a sector, a word
//! or an item of any evaluation set.

use serde::{Deserialize, Serialize};

/// Names of the signals, in the order [`super::signals`] returns them.
pub const SIGNALS: [&str; 14] = [
    "document",
    "coverage",
    "document_level",
    "coverage_level",
    "must_share",
    "bm25",
    "cpv_division",
    "cpv_group",
    "cpv_class",
    "sector",
    "trl_below",
    "trl_gap",
    "trl_unknown",
    "missing_certification",
];

/// Weights of the signals, and the optional bonuses.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Weights {
    /// Need–profile similarity among the candidates.
    pub document: f32,
    /// Requirement coverage among the candidates.
    pub coverage: f32,
    /// Need–profile similarity, calibrated only.
    pub document_level: f32,
    /// Requirement coverage, calibrated only.
    pub coverage_level: f32,
    /// Share of must-haves covered.
    pub must_share: f32,
    /// Shared distinctive words.
    pub bm25: f32,
    /// A CPV division (2 digits) shared.
    pub cpv_division: f32,
    /// A CPV group (3 digits) shared, on top of the division.
    pub cpv_group: f32,
    /// A CPV class (4 digits or more) shared, on top of the group.
    pub cpv_class: f32,
    /// A sector shared.
    pub sector: f32,
    /// Penalty for a TRL below the challenge's minimum.
    pub trl_below: f32,
    /// Penalty per TRL level below the minimum.
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
    /// Fitted on the development set by `scripts/tune_matching.py --fix
    /// trl_gap=0.1,missing_certification=3` (the certification penalty chosen among 1–5 by
    /// the held-out figure; a TRL under the minimum costs at least a little whatever a set's
    /// labels say), rounded; `docs/MATCHING.md` has the cross-validated figures.
    fn default() -> Self {
        Self {
            document: 1.0,
            coverage: 0.47,
            document_level: 0.27,
            coverage_level: 0.2,
            must_share: 0.4,
            bm25: 0.84,
            cpv_division: 0.0,
            cpv_group: 0.76,
            cpv_class: 0.69,
            sector: 2.04,
            trl_below: 0.0,
            trl_gap: 0.1,
            trl_unknown: 0.09,
            missing_certification: 3.0,
            sme_bonus: 0.3,
            region_bonus: 0.3,
        }
    }
}

impl Weights {
    /// The weights in the order of [`SIGNALS`]; missing certifications weigh nothing when they
    /// filter instead (no such pair is scored).
    pub fn signal_weights(&self, rule: CertificationRule) -> [f32; SIGNALS.len()] {
        [
            self.document,
            self.coverage,
            self.document_level,
            self.coverage_level,
            self.must_share,
            self.bm25,
            self.cpv_division,
            self.cpv_group,
            self.cpv_class,
            self.sector,
            self.trl_below,
            self.trl_gap,
            self.trl_unknown,
            match rule {
                CertificationRule::Demote => self.missing_certification,
                CertificationRule::Filter => 0.0,
            },
        ]
    }
}

/// What happens to a company that lacks a certification the challenge requires.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CertificationRule {
    /// It is not a match (an officer's choice).
    Filter,
    /// It stays, below the certified companies of similar relevance.
    #[default]
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
            certification_rule: CertificationRule::Demote,
            favour_smes: false,
            preferred_region: None,
            candidates: 300,
        }
    }
}

/// How well a requirement is covered, from the calibrated cosine of the requirement (as a
/// query) and its best part of the profile (as a passage): a standard score against the
/// cosines of requirements and profiles of the same two languages, so a requirement met in the
/// other language reads as met.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema,
)]
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

// The bands are percentiles of the cosines of random requirement–profile pairs of the same
// two languages (standard scores of a normal distribution): what a requirement's best part of
// a profile beats.

/// Strongly covered: better than 99% of random pairs.
pub const STRONG: f32 = 2.33;
/// Partly covered: better than 90% of random pairs.
pub const PARTIAL: f32 = 1.28;
/// Something related: better than 75% of random pairs.
pub const WEAK: f32 = 0.67;

impl Strength {
    /// The band of a calibrated cosine.
    pub fn of(standard: f32) -> Strength {
        if standard >= STRONG {
            Strength::Strong
        } else if standard >= PARTIAL {
            Strength::Partial
        } else if standard >= WEAK {
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

/// Deepest shared level of two lists of CPV codes: the number of significant digits both
/// share (0, or 2 for the division, 3 the group, 4 the class, 5 and more the category or the
/// code), with the shared prefix.
pub fn cpv_overlap(a: &[String], b: &[String]) -> (u8, Option<String>) {
    let mut best = (0u8, None);
    for x in a {
        for y in b {
            let shared = x.bytes().zip(y.bytes()).take_while(|(p, q)| p == q).count();
            // A code's trailing zeros are not digits it shares: "72000000" and "72300000" share
            // the division only.
            let depth = shared.min(significant_len(x)).min(significant_len(y));
            if depth < 2 {
                continue;
            }
            let depth = depth.min(8) as u8;
            if depth > best.0 {
                best = (depth, Some(x[..usize::from(depth).min(x.len())].to_owned()));
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
            5
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72310000"])).0,
            4
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72322000"])).0,
            3
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["72000000"])).0,
            2
        );
        assert_eq!(
            cpv_overlap(&codes(&["72000000"]), &codes(&["72300000"])).0,
            2
        );
        assert_eq!(
            cpv_overlap(&codes(&["72316000"]), &codes(&["48000000"])).0,
            0
        );
    }

    #[test]
    fn strength_bands_are_ordered() {
        assert_eq!(Strength::of(3.0), Strength::Strong);
        assert_eq!(Strength::of(PARTIAL), Strength::Partial);
        assert_eq!(Strength::of(0.2), Strength::None);
        assert!(Strength::Partial.covers() && !Strength::Weak.covers());
    }
}
