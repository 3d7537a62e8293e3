//! Explanations of matches: which capability covers each requirement and how well, the
//! distinctive words both sides use, each constraint met or failed, and a one-line summary in
//! the viewer's language.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tantivy::{Searcher, Term};

use super::score::{PARTIAL, Strength};
use super::{Features, Probe};
use crate::analysis::{self, Lang};
use crate::catalog::Entry;
use crate::documents::{ChunkField, Document};
use crate::index::SearchIndex;

/// Shared words shown at most.
const SHARED_TERMS: usize = 6;

/// Which list of a challenge a requirement is on (for the API's document).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum RequirementKind {
    /// A must-have.
    Must,
    /// A nice-to-have.
    Should,
}

/// Which part of a profile covers a requirement (for the API's document).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum CoverField {
    /// One of its capability statements.
    Capability,
    /// Its description.
    Description,
    /// The profile as a whole.
    Profile,
    /// A certification the requirement names and the company holds.
    Certification,
    /// The TRL the requirement names, which the company reaches.
    Trl,
}

/// A constraint checked between a challenge and a company (for the API's document).
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum ConstraintKind {
    /// The certifications the challenge requires.
    Certification,
    /// The minimum technology readiness level.
    Trl,
    /// CPV codes in common.
    Cpv,
    /// Sectors in common.
    Sector,
    /// Small or medium enterprise.
    Sme,
    /// The preferred region.
    Region,
}

/// What in the profile covers a requirement.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoveredBy {
    /// Which part of the profile: a capability, the description, the profile as a whole, or
    /// the certification or TRL the requirement names and the company holds.
    #[schema(value_type = CoverField)]
    pub field: &'static str,
    /// Position of the capability.
    pub position: usize,
    /// The capability, or the start of the description.
    pub text: String,
}

/// How one requirement is covered.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RequirementCoverage {
    /// Which list it is on.
    #[schema(value_type = RequirementKind)]
    pub kind: &'static str,
    /// Position in its list.
    pub position: usize,
    /// The requirement.
    pub requirement: String,
    /// The best-matching part of the profile; absent when nothing relates.
    pub covered_by: Option<CoveredBy>,
    /// Cosine of requirement and that part.
    pub similarity: Option<f32>,
    /// That cosine as a standard score against its language pair: the scale of the bands.
    pub standard: Option<f32>,
    /// Band of the calibrated cosine.
    pub strength: Strength,
}

/// One constraint and whether the pair meets it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ConstraintCheck {
    /// Which constraint.
    #[schema(value_type = ConstraintKind)]
    pub constraint: &'static str,
    /// Met or not.
    pub met: bool,
    /// In the viewer's language.
    pub detail: String,
}

/// Why a company and a challenge match.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Explanation {
    /// One line, in the viewer's language.
    pub summary: String,
    /// Every requirement, in order: must-haves first.
    pub requirements: Vec<RequirementCoverage>,
    /// Distinctive words both texts use, as the challenge writes them.
    pub shared_terms: Vec<String>,
    /// Constraints met and failed.
    pub constraints: Vec<ConstraintCheck>,
}

fn t(lang: Lang, es: String, en: String) -> String {
    match lang {
        Lang::Es => es,
        Lang::En => en,
    }
}

fn excerpt(text: &str, chars: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= chars {
        return trimmed.to_owned();
    }
    let cut: String = trimmed.chars().take(chars).collect();
    match cut.rfind(' ') {
        Some(space) => format!("{}…", &cut[..space]),
        None => format!("{cut}…"),
    }
}

fn list(lang: Lang, items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!(
            "{} {} {last}",
            init.join(", "),
            if lang == Lang::Es { "y" } else { "and" }
        ),
    }
}

pub(super) fn explain(
    index: &SearchIndex,
    searcher: &Searcher,
    probe: &Probe<'_>,
    company: &Entry,
    f: &Features,
    lang: Lang,
) -> Explanation {
    let Document::Company(c) = &company.doc else {
        return Explanation {
            summary: String::new(),
            requirements: Vec::new(),
            shared_terms: Vec::new(),
            constraints: Vec::new(),
        };
    };
    let requirements: Vec<RequirementCoverage> = f
        .requirements
        .iter()
        .map(|r| {
            let (kind, text) = match r.field {
                ChunkField::Must => ("must", probe.doc.must.get(r.position)),
                _ => ("should", probe.doc.should.get(r.position)),
            };
            let similarity = r.best.map(|(_, _, s)| s);
            let strength = r.strength();
            let held = r.met_by.as_ref().map(|held| CoveredBy {
                field: if held.starts_with("TRL") {
                    "trl"
                } else {
                    "certification"
                },
                position: 0,
                text: held.clone(),
            });
            let covered_by = held.or_else(|| {
                r.best
                    .filter(|_| strength > Strength::None)
                    .map(|(field, position, _)| match field {
                        ChunkField::Capability => CoveredBy {
                            field: "capability",
                            position,
                            text: c.capabilities.get(position).cloned().unwrap_or_default(),
                        },
                        ChunkField::Description => CoveredBy {
                            field: "description",
                            position: 0,
                            text: excerpt(&c.description, 160),
                        },
                        _ => CoveredBy {
                            field: "profile",
                            position: 0,
                            text: excerpt(&c.description, 160),
                        },
                    })
            });
            RequirementCoverage {
                kind,
                position: r.position,
                requirement: text.cloned().unwrap_or_default(),
                covered_by,
                similarity,
                standard: r.standard,
                strength,
            }
        })
        .collect();

    let mut constraints = Vec::new();
    if !probe.doc.required_certifications.is_empty() {
        let met = f.missing_certifications.is_empty();
        let detail = if met {
            t(
                lang,
                format!("Tiene {}", list(lang, &probe.doc.required_certifications)),
                format!(
                    "Holds {}",
                    list(Lang::En, &probe.doc.required_certifications)
                ),
            )
        } else {
            t(
                lang,
                format!("Le falta {}", list(lang, &f.missing_certifications)),
                format!("Lacks {}", list(Lang::En, &f.missing_certifications)),
            )
        };
        constraints.push(ConstraintCheck {
            constraint: "certification",
            met,
            detail,
        });
    }
    if let Some(min) = probe.doc.trl_min {
        let (met, detail) = match c.trl {
            Some(trl) if trl >= min => (
                true,
                t(
                    lang,
                    format!("TRL {trl}, mínimo {min}"),
                    format!("TRL {trl}, minimum {min}"),
                ),
            ),
            Some(trl) => (
                false,
                t(
                    lang,
                    format!("TRL {trl}, por debajo del mínimo {min}"),
                    format!("TRL {trl}, below the minimum of {min}"),
                ),
            ),
            None => (
                false,
                t(
                    lang,
                    format!("No indica su TRL; se pide al menos {min}"),
                    format!("States no TRL; at least {min} is asked"),
                ),
            ),
        };
        constraints.push(ConstraintCheck {
            constraint: "trl",
            met,
            detail,
        });
    }
    if !probe.doc.cpv.is_empty() {
        let detail = match (&f.cpv_shared, f.cpv_depth) {
            (Some(prefix), 2) => t(
                lang,
                format!("Comparte solo la división CPV {prefix}"),
                format!("Shares only the CPV division {prefix}"),
            ),
            (Some(prefix), 3) => t(
                lang,
                format!("Comparte el grupo CPV {prefix}"),
                format!("Shares the CPV group {prefix}"),
            ),
            (Some(prefix), 4) => t(
                lang,
                format!("Comparte la clase CPV {prefix}"),
                format!("Shares the CPV class {prefix}"),
            ),
            (Some(prefix), _) => t(
                lang,
                format!("Comparte la categoría CPV {prefix}"),
                format!("Shares the CPV category {prefix}"),
            ),
            (None, _) => t(
                lang,
                "Ningún código CPV en común".into(),
                "No CPV code in common".into(),
            ),
        };
        constraints.push(ConstraintCheck {
            constraint: "cpv",
            // A division alone (two digits) is a whole industry: not agreement.
            met: f.cpv_depth >= 3,
            detail,
        });
    }
    if !probe.doc.sectors.is_empty() {
        let detail = match &f.sector_shared {
            Some(sector) => t(
                lang,
                format!("Sector común: {sector}"),
                format!("Shared sector: {sector}"),
            ),
            None => t(
                lang,
                "Ningún sector en común".into(),
                "No sector in common".into(),
            ),
        };
        constraints.push(ConstraintCheck {
            constraint: "sector",
            met: f.sector_shared.is_some(),
            detail,
        });
    }
    if let Some(size) = &c.size {
        let detail = t(lang, format!("Tamaño: {size}"), format!("Size: {size}"));
        constraints.push(ConstraintCheck {
            constraint: "sme",
            met: f.sme,
            detail,
        });
    }

    let shared_terms = shared_terms(index, searcher, probe, company);
    let summary = summary(probe, f, &requirements, lang);
    Explanation {
        summary,
        requirements,
        shared_terms,
        constraints,
    }
}

/// Distinctive words of the challenge that the profile also uses (compared after analysis in
/// the challenge's language), rarest first, as the challenge writes them.
fn shared_terms(
    index: &SearchIndex,
    searcher: &Searcher,
    probe: &Probe<'_>,
    company: &Entry,
) -> Vec<String> {
    let lang = probe.lang;
    let challenge_text = format!(
        "{}\n{}",
        probe.doc.title,
        Document::Challenge(probe.doc.clone()).body()
    );
    let company_text = format!("{}\n{}", company.doc.title(), company.doc.body());
    let company_terms: HashSet<String> = analysis::terms(lang, &company_text).into_iter().collect();
    let mut surface: HashMap<String, String> = HashMap::new();
    for word in challenge_text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() > 2)
    {
        if let [term] = analysis::terms(lang, word).as_slice()
            && company_terms.contains(term)
            && !term.chars().all(|c| c.is_ascii_digit())
        {
            surface
                .entry(term.clone())
                .or_insert_with(|| word.to_lowercase());
        }
    }
    let (_, body) = index.fields.text_fields(lang);
    let mut ranked: Vec<(u64, String)> = surface
        .into_iter()
        .map(|(term, word)| {
            (
                searcher
                    .doc_freq(&Term::from_field_text(body, &term))
                    .unwrap_or(u64::MAX),
                word,
            )
        })
        .collect();
    ranked.sort();
    ranked
        .into_iter()
        .take(SHARED_TERMS)
        .map(|(_, word)| word)
        .collect()
}

fn summary(
    probe: &Probe<'_>,
    f: &Features,
    requirements: &[RequirementCoverage],
    lang: Lang,
) -> String {
    let count = |kind: &str| {
        let of_kind: Vec<&RequirementCoverage> =
            requirements.iter().filter(|r| r.kind == kind).collect();
        (
            of_kind.iter().filter(|r| r.strength.covers()).count(),
            of_kind.len(),
        )
    };
    let (must_met, must_total) = count("must");
    let (should_met, should_total) = count("should");
    let mut parts = Vec::new();
    if must_total > 0 {
        let mut part = t(
            lang,
            format!("Cubre {must_met} de {must_total} requisitos obligatorios"),
            format!("Covers {must_met} of {must_total} must-have requirements"),
        );
        if should_total > 0 {
            part.push_str(&t(
                lang,
                format!(" y {should_met} de {should_total} deseables"),
                format!(" and {should_met} of {should_total} nice-to-haves"),
            ));
        }
        parts.push(part);
    } else {
        let close = f.document_standard.is_some_and(|d| d >= PARTIAL);
        parts.push(match (lang, close) {
            (Lang::Es, true) => "Su perfil se ajusta a la descripción del reto".to_owned(),
            (Lang::Es, false) => "Su perfil se relaciona en parte con el reto".to_owned(),
            (Lang::En, true) => "Its profile fits the challenge description".to_owned(),
            (Lang::En, false) => "Its profile relates in part to the challenge".to_owned(),
        });
    }
    match f.missing_certifications.as_slice() {
        [] => {}
        [one] => parts.push(t(
            lang,
            format!("le falta la certificación {one}"),
            format!("lacks the {one} certification"),
        )),
        many => parts.push(t(
            lang,
            format!("le faltan las certificaciones {}", list(lang, many)),
            format!("lacks the {} certifications", list(Lang::En, many)),
        )),
    }
    if f.trl_gap > 0 {
        let min = probe.doc.trl_min.unwrap_or(0);
        let gap = f.trl_gap;
        let (es, en) = if gap == 1 {
            ("nivel", "level")
        } else {
            ("niveles", "levels")
        };
        parts.push(t(
            lang,
            format!("su TRL está {gap} {es} por debajo del mínimo ({min})"),
            format!("its TRL is {gap} {en} below the minimum ({min})"),
        ));
    } else if f.trl_unknown {
        parts.push(t(lang, "no indica su TRL".into(), "states no TRL".into()));
    }
    parts.join("; ")
}
