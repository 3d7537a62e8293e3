//! Closed vocabularies in the viewer's language: statuses, stages, strengths, kinds.

use factoria_frontend::pages::{ConstraintLine, CoverageLine};

use super::Page;
use crate::types::{ChallengeStatus, CompanyKind, IntroductionStage};

/// A date as people write it: «21 de diciembre de 2026», "21 December 2026".
pub fn date(page: &Page, date: chrono::NaiveDate) -> String {
    long_date(page.es, date)
}

pub use factoria_frontend::dates::long_date;

/// A challenge status in words.
pub fn status(page: &Page, status: ChallengeStatus) -> String {
    status_in(page.es, status)
}

/// [`status`] in Spanish or English.
pub fn status_in(es: bool, status: ChallengeStatus) -> String {
    let (s, e) = match status {
        ChallengeStatus::Draft => ("Borrador", "Draft"),
        ChallengeStatus::Published => ("Abierto", "Open"),
        ChallengeStatus::Closed => ("Cerrado", "Closed"),
        ChallengeStatus::Awarded => ("Adjudicado", "Awarded"),
        ChallengeStatus::Cancelled => ("Cancelado", "Cancelled"),
    };
    if es { s } else { e }.to_owned()
}

/// A challenge status as the search index stores it, in words.
pub fn status_text(page: &Page, text: &str) -> String {
    status_text_in(page.es, text)
}

/// [`status_text`] in Spanish or English.
pub fn status_text_in(es: bool, text: &str) -> String {
    ChallengeStatus::parse(text).map_or_else(|_| text.to_owned(), |s| status_in(es, s))
}

/// An introduction stage in words, as the pipeline and the matches show it.
pub fn stage(page: &Page, stage: IntroductionStage) -> String {
    match stage {
        IntroductionStage::Introduced => {
            page.t("Presentada, sin respuesta", "Introduced, awaiting reply")
        }
        IntroductionStage::Accepted => page.t("Aceptada", "Accepted"),
        IntroductionStage::Meeting => page.t("Reunión", "Meeting"),
        IntroductionStage::Pilot => page.t("Piloto", "Pilot"),
        IntroductionStage::Contract => page.t("Contrato", "Contract"),
        IntroductionStage::Declined => page.t("Rechazada", "Declined"),
        IntroductionStage::Expired => page.t("Caducada", "Expired"),
    }
}

/// An introduction stage as a step of the funnel ("how many reached it").
pub fn funnel_step(page: &Page, stage: IntroductionStage) -> String {
    match stage {
        IntroductionStage::Introduced => page.t("Presentadas", "Introduced"),
        IntroductionStage::Accepted => page.t("Aceptadas", "Accepted"),
        IntroductionStage::Meeting => page.t("Reunión", "Meeting"),
        IntroductionStage::Pilot => page.t("Piloto", "Pilot"),
        IntroductionStage::Contract => page.t("Contrato", "Contract"),
        IntroductionStage::Declined => page.t("Rechazadas", "Declined"),
        IntroductionStage::Expired => page.t("Caducadas", "Expired"),
    }
}

/// How strongly a capability covers a requirement, in words.
pub fn strength(page: &Page, strength: &str) -> String {
    match strength {
        "strong" => page.t("Clara", "Strong"),
        "partial" => page.t("Parcial", "Partial"),
        "weak" => page.t("Débil", "Weak"),
        _ => page.t("Sin cubrir", "Not covered"),
    }
}

/// A kind of company in words.
pub fn company_kind(page: &Page, kind: &str) -> String {
    match CompanyKind::parse(kind) {
        Ok(CompanyKind::Startup) => page.t("Startup", "Start-up"),
        Ok(CompanyKind::Sme) => page.t("Pyme", "SME"),
        Ok(CompanyKind::Large) => page.t("Gran empresa", "Large company"),
        Err(_) => kind.to_owned(),
    }
}

/// The label of a field of the company record, for a conflict.
pub fn company_field(path: &str) -> Option<(&'static str, &'static str)> {
    Some(match path {
        "name" => ("Nombre", "Name"),
        "kind" => ("Tipo", "Kind"),
        "size" => ("Tamaño", "Size"),
        "founded" => ("Año de fundación", "Year founded"),
        "region" => ("Región", "Region"),
        "municipality" => ("Municipio", "Municipality"),
        "website" => ("Web", "Website"),
        "contact.name" => ("Persona de contacto", "Contact person"),
        "contact.email" => ("Correo de contacto", "Contact email"),
        "tax_id" => ("NIF", "Tax id"),
        "languages" => ("Idiomas", "Languages"),
        "description" => ("Descripción", "Description"),
        "capabilities" => ("Capacidades", "Capabilities"),
        "technologies" => ("Tecnologías", "Technologies"),
        "sectors" => ("Sectores", "Sectors"),
        "cpv" => ("Códigos CPV", "CPV codes"),
        "trl" => ("TRL", "TRL"),
        "certifications" => ("Certificaciones", "Certifications"),
        "references" => ("Referencias", "References"),
        _ => return None,
    })
}

/// The label of a field of the challenge record, for a conflict.
pub fn challenge_field(path: &str) -> Option<(&'static str, &'static str)> {
    Some(match path {
        "title" => ("Título", "Title"),
        "department" => ("Departamento", "Department"),
        "language" => ("Idioma", "Language"),
        "summary" => ("Resumen", "Summary"),
        "description" => ("Problema", "Problem"),
        "outcomes" => ("Resultados esperados", "Expected outcomes"),
        "requirements.must" => ("Requisitos obligatorios", "Must-have requirements"),
        "requirements.should" => ("Requisitos deseables", "Nice-to-have requirements"),
        "sectors" => ("Sectores", "Sectors"),
        "cpv" => ("Códigos CPV", "CPV codes"),
        "trl_min" => ("TRL mínimo", "Minimum TRL"),
        "budget_eur" => ("Presupuesto (€)", "Budget (€)"),
        "deadline" => ("Fecha límite", "Deadline"),
        "required_certifications" => ("Certificaciones exigidas", "Required certifications"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn month_names_follow_each_language() {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 21).unwrap_or_default();
        assert_eq!(super::long_date(true, date), "21 de diciembre de 2026");
        assert_eq!(super::long_date(false, date), "21 December 2026");
    }
}

/// An explanation's requirements (what covers each, and how clearly) and constraints, as the
/// pages show them in the viewer's language.
pub fn explained(
    page: &Page,
    explanation: Option<&factoria_search::matching::Explanation>,
) -> (Vec<CoverageLine>, Vec<ConstraintLine>) {
    let Some(explanation) = explanation else {
        return (Vec::new(), Vec::new());
    };
    let coverage = explanation
        .requirements
        .iter()
        .map(|r| {
            let key = serde_json::to_value(r.strength)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            CoverageLine {
                must: r.kind == "must",
                requirement: r.requirement.clone(),
                covered_by: r.covered_by.as_ref().map(|b| b.text.clone()),
                strength_label: strength(page, &key),
                strength: key,
            }
        })
        .collect();
    let constraints = explanation
        .constraints
        .iter()
        .map(|k| ConstraintLine {
            met: k.met,
            detail: k.detail.clone(),
        })
        .collect();
    (coverage, constraints)
}
