//! The ranked companies of a challenge, with their explanations, the shortlist, the officer's
//! judgements, and introductions.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use factoria_frontend::pages::PageLink;
use factoria_frontend::pages::officer::{Interested, MatchCard, Matches};
use factoria_search::matching::CertificationRule;

use super::super::labels;
use super::super::{FormData, Page, error_page, redirect_with_notice, show};
use super::officer_form;
use crate::domain::matching::{self, MatchQuery};
use crate::domain::{Error, introductions, officers};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::ChallengeStatus;

/// Companies shown at most.
const MATCHES_SHOWN: usize = 20;

/// The filters of the matches page.
#[derive(serde::Deserialize, Default)]
pub(super) struct MatchFilters {
    sme: Option<String>,
    certified: Option<String>,
    required_certifications: Option<String>,
    shortlist: Option<String>,
    region: Option<String>,
    /// `csv` for a download of the ranking.
    format: Option<String>,
    /// 1-based page of the ranking.
    page: Option<String>,
}

/// Companies in a download of the ranking.
const CSV_ROWS: usize = 100;

pub(super) async fn matches(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    Query(filters): Query<MatchFilters>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let flag = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|v| matches!(v, "1" | "on" | "true"))
    };
    let (sme, certified, shortlist_only) = (
        flag(&filters.sme),
        flag(&filters.certified),
        flag(&filters.shortlist),
    );
    let required_only = flag(&filters.required_certifications);
    let download = filters.format.as_deref() == Some("csv");
    let region = filters.region.clone().unwrap_or_default().trim().to_owned();
    let paged = !shortlist_only && !download;
    let current = filters
        .page
        .as_deref()
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p >= 1 && paged)
        .unwrap_or(1);
    let query = MatchQuery {
        page: current,
        sme_only: sme,
        certified,
        certification_rule: if required_only {
            CertificationRule::Filter
        } else {
            CertificationRule::Demote
        },
        regions: if region.is_empty() {
            Vec::new()
        } else {
            vec![region.clone()]
        },
        per_page: if shortlist_only {
            500
        } else if download {
            CSV_ROWS
        } else {
            MATCHES_SHOWN
        },
        lang: Some(page.lang()),
        ..MatchQuery::default()
    };
    let officers::OfficerMatches {
        challenge,
        results,
        shortlisted,
        judged,
        introduced,
        interested,
    } = match officers::matches(&state.ctx, &page.actor, &id, &query).await {
        Ok(found) => found,
        Err(error) => return error_page(&page, &error),
    };
    if download {
        let table = ranking_table(&page, &results, &shortlisted, &introduced, shortlist_only);
        return crate::http::csv::response(
            &format!(
                "{}-{}.csv",
                page.t("empresas", "companies"),
                challenge.record.id
            ),
            &table,
        );
    }
    let cards: Vec<MatchCard> = results
        .items
        .into_iter()
        .filter(|item| !shortlist_only || shortlisted.contains(&item.company.id))
        .map(|item| {
            let c = &item.company;
            let mut meta = vec![labels::company_kind(&page, &c.kind)];
            meta.extend(c.region.clone());
            meta.extend(c.trl.map(|t| format!("TRL {t}")));
            if !c.certifications.is_empty() {
                meta.push(c.certifications.join(", "));
            }
            let explanation = item.explanation.as_ref();
            let (coverage, constraints) = labels::explained(&page, explanation);
            MatchCard {
                rank: item.rank,
                company_id: c.id.clone(),
                name: c.name.clone(),
                meta: meta.join(" · "),
                summary: explanation.map(|e| e.summary.clone()).unwrap_or_default(),
                coverage,
                shared_terms: explanation
                    .map(|e| e.shared_terms.clone())
                    .unwrap_or_default(),
                constraints,
                shortlisted: shortlisted.contains(&c.id),
                introduced: introduced
                    .get(&c.id)
                    .map(|stage| labels::stage(&page, *stage)),
                feedback: judged.get(&c.id).copied(),
            }
        })
        .take(MATCHES_SHOWN)
        .collect();
    let pages = match paged {
        false => Vec::new(),
        true => {
            let mut kept: Vec<(&str, String)> = Vec::new();
            for (name, on) in [
                ("sme", sme),
                ("certified", certified),
                ("required_certifications", required_only),
            ] {
                if on {
                    kept.push((name, "1".into()));
                }
            }
            if !region.is_empty() {
                kept.push(("region", region.clone()));
            }
            (1..=results.total.div_ceil(MATCHES_SHOWN).min(10))
                .map(|n| {
                    let mut params = kept.clone();
                    params.push(("page", n.to_string()));
                    PageLink {
                        label: n.to_string(),
                        url: format!(
                            "/officer/challenges/{}/matches?{}",
                            challenge.record.id,
                            serde_urlencoded::to_string(&params).unwrap_or_default()
                        ),
                        current: n == current,
                    }
                })
                .collect()
        }
    };
    show(Matches {
        pages,
        frame: page.frame("Empresas que encajan", "Companies that fit"),
        challenge_id: challenge.record.id,
        challenge_title: challenge.record.title,
        published: challenge.record.status == ChallengeStatus::Published,
        sme,
        certified,
        required_only,
        region,
        shortlist_only,
        total: results.total,
        interested: interested
            .into_iter()
            .map(|i| Interested {
                listed: cards.iter().any(|c| c.company_id == i.company),
                company_id: i.company,
                name: i.company_name,
                date: labels::date(&page, i.created_at.date_naive()),
                note: i.note,
            })
            .collect(),
        cards,
    })
}

/// The ranking as a table in the page's language, with each explanation's summary.
fn ranking_table(
    page: &Page,
    results: &matching::MatchPage,
    shortlisted: &std::collections::HashSet<String>,
    introduced: &std::collections::HashMap<String, crate::types::IntroductionStage>,
    shortlist_only: bool,
) -> crate::http::csv::Table {
    let header = [
        ("Puesto", "Rank"),
        ("Empresa", "Company"),
        ("Id", "Id"),
        ("Tipo", "Kind"),
        ("Tamaño", "Size"),
        ("Región", "Region"),
        ("TRL", "TRL"),
        ("Certificaciones", "Certifications"),
        ("Por qué encaja", "Why it fits"),
        ("Preseleccionada", "Shortlisted"),
        ("Presentación", "Introduction"),
    ];
    let yes_no = |b: bool| {
        if b {
            page.t("sí", "yes")
        } else {
            page.t("no", "no")
        }
    };
    crate::http::csv::Table {
        header: header.iter().map(|(es, en)| page.t(es, en)).collect(),
        rows: results
            .items
            .iter()
            .filter(|item| !shortlist_only || shortlisted.contains(&item.company.id))
            .map(|item| {
                let c = &item.company;
                vec![
                    item.rank.to_string(),
                    c.name.clone(),
                    c.id.clone(),
                    labels::company_kind(page, &c.kind),
                    c.size.clone().unwrap_or_default(),
                    c.region.clone().unwrap_or_default(),
                    c.trl.map(|t| t.to_string()).unwrap_or_default(),
                    c.certifications.join("; "),
                    item.explanation
                        .as_ref()
                        .map(|e| e.summary.clone())
                        .unwrap_or_default(),
                    yes_no(shortlisted.contains(&c.id)),
                    introduced
                        .get(&c.id)
                        .map(|stage| labels::stage(page, *stage))
                        .unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// Back to the company's card on the matches page.
fn back_to_match(challenge: &str, company: &str) -> String {
    format!("/officer/challenges/{challenge}/matches#match-{company}")
}

pub(super) async fn shortlist(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let on = !form.flag("remove");
    match matching::set_shortlisted(&state.ctx, &page.actor, &id, form.get("company"), on).await {
        Ok(()) => redirect_with_notice(
            &back_to_match(&id, form.get("company")),
            &if on {
                page.t("Añadida a la preselección.", "Added to the shortlist.")
            } else {
                page.t("Quitada de la preselección.", "Removed from the shortlist.")
            },
        ),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn feedback(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    let reason =
        Some(form.get("reason").chars().take(500).collect::<String>()).filter(|r| !r.is_empty());
    match matching::record_feedback(
        &state.ctx,
        &page.actor,
        &id,
        form.get("company"),
        form.get("useful") == "1",
        reason,
    )
    .await
    {
        Ok(_) => redirect_with_notice(
            &back_to_match(&id, form.get("company")),
            &page.t(
                "Gracias: tu valoración mejora las recomendaciones.",
                "Thank you: your feedback improves the recommendations.",
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

pub(super) async fn introduce(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(response) = officer_form(&page, &form) {
        return response;
    }
    if let Err(limited) = state
        .limits
        .check_actor(Action::Introduction, &page.actor, &ip)
    {
        return error_page(&page, &limited.0);
    }
    let message = Some(form.get("message").to_owned()).filter(|m| !m.is_empty());
    match introductions::introduce(
        &state.ctx,
        &page.actor,
        &id,
        form.get("company"),
        message,
        ip.text().as_deref(),
    )
    .await
    {
        Ok(view) => redirect_with_notice(
            &back_to_match(&id, &view.company),
            &format!(
                "{} {}.",
                page.t(
                    "Hemos enviado la presentación a",
                    "We have sent the introduction to"
                ),
                view.company_name.trim_end_matches('.')
            ),
        ),
        Err(Error::Conflict(message)) => {
            redirect_with_notice(&back_to_match(&id, form.get("company")), &message)
        }
        Err(error) => error_page(&page, &error),
    }
}
