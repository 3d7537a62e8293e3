//! Search over challenges (for start-ups) and companies (for officers), with what each may see.

use chrono::NaiveDate;
use factoria_search::{Document, Filters, Fusion, Kind, SearchMode, SearchRequest, SortOrder};
use serde::Serialize;

use super::{Actor, Result};
use crate::context::Context;

/// A checked search.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// What the user typed.
    pub text: String,
    /// Filters.
    pub filters: Filters,
    /// Only challenges open today (published, deadline not passed).
    pub open_only: bool,
    /// Retrievers.
    pub mode: SearchMode,
    /// Order.
    pub sort: SortOrder,
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Facet counts wanted.
    pub facets: bool,
}

/// One result, summarised from the index.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchItem {
    /// Interchange id.
    pub id: String,
    /// Title or company name.
    pub title: String,
    /// Summary of a challenge, or the start of a company's description.
    pub summary: Option<String>,
    /// Relative score; only the order means something.
    pub score: f32,
    /// Which retrievers found it: `words`, `meaning` or both.
    pub matched_by: Vec<&'static str>,
    /// Passages with the searched words marked (`<mark>`), HTML-escaped.
    pub highlights: Vec<HighlightOut>,
    /// Department (challenges).
    pub department: Option<String>,
    /// Status (challenges).
    pub status: Option<String>,
    /// Deadline (challenges).
    pub deadline: Option<NaiveDate>,
    /// Budget in euros (challenges).
    #[schema(value_type = Option<f64>)]
    pub budget_eur: Option<u64>,
    /// Minimum TRL (challenges) or TRL (companies).
    pub trl: Option<u8>,
    /// Kind of company (companies).
    #[schema(value_type = Option<crate::types::CompanyKind>)]
    pub company_kind: Option<String>,
    /// EU size class (companies).
    pub size: Option<String>,
    /// Region (companies).
    pub region: Option<String>,
    /// Sectors.
    pub sectors: Vec<String>,
}

/// A passage with marked words.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HighlightOut {
    /// Where the words were found.
    #[schema(value_type = HighlightField)]
    pub field: &'static str,
    /// HTML with `<mark>`.
    pub html: String,
}

/// Where a highlight was found.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
pub enum HighlightField {
    /// The title or company name.
    Title,
    /// The summary or description.
    Body,
}

/// A facet value and its count.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetValueOut {
    /// Value.
    pub value: String,
    /// Results with it.
    pub count: usize,
}

/// Counts of one field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetOut {
    /// Field.
    pub field: &'static str,
    /// Values.
    pub values: Vec<FacetValueOut>,
}

/// A page of search results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchResponse {
    /// Results in all pages (bounded by the candidates each retriever brings).
    pub total: usize,
    /// 1-based page.
    pub page: usize,
    /// Items per page.
    pub per_page: usize,
    /// Results.
    pub items: Vec<SearchItem>,
    /// Facet counts over all results.
    pub facets: Vec<FacetOut>,
    /// Notes about the query, like a shortened query.
    pub warnings: Vec<String>,
}

fn excerpt(text: &str, chars: usize) -> String {
    let trimmed = text.trim();
    if trimmed.chars().count() <= chars {
        return trimmed.to_owned();
    }
    let cut: String = trimmed.chars().take(chars).collect();
    format!(
        "{}…",
        cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head)
    )
}

/// Searches challenges or companies. Only published, closed and awarded challenges are
/// searchable (drafts are listed to their department, not searched); hidden companies are not
/// indexed at all.
pub async fn search(
    ctx: &Context,
    _actor: &Actor,
    kind: Kind,
    query: SearchQuery,
) -> Result<SearchResponse> {
    let mut filters = query.filters.clone();
    if kind == Kind::Challenge {
        let public = ["published", "closed", "awarded"];
        filters.statuses.retain(|s| public.contains(&s.as_str()));
        if query.open_only {
            filters.statuses = vec!["published".into()];
            let today = chrono::Utc::now().date_naive();
            filters.deadline_from = Some(filters.deadline_from.map_or(today, |d| d.max(today)));
        } else if filters.statuses.is_empty() {
            filters.statuses = public.iter().map(|s| (*s).to_owned()).collect();
        }
    }
    let request = SearchRequest {
        kind: Some(kind),
        text: query.text.clone(),
        query_vector: None,
        filters,
        mode: query.mode,
        fusion: Fusion::default(),
        sort: query.sort,
        offset: (query.page - 1) * query.per_page,
        limit: query.per_page,
        facets: query.facets,
        highlight: true,
        no_semantic_floor: false,
    };
    let results = ctx.search.search(request).await?;
    let catalog = ctx.search.index.catalog();
    let items = results
        .hits
        .iter()
        .filter_map(|hit| {
            let entry = catalog.get(hit.key)?;
            let mut matched_by = Vec::new();
            if hit.bm25.is_some() {
                matched_by.push("words");
            }
            if hit.cosine.is_some() {
                matched_by.push("meaning");
            }
            let highlights = hit
                .highlights
                .iter()
                .map(|h| HighlightOut {
                    field: h.field,
                    html: h.html.clone(),
                })
                .collect();
            let mut item = SearchItem {
                id: hit.external_id.clone(),
                title: entry.doc.title().to_owned(),
                summary: None,
                score: hit.score,
                matched_by,
                highlights,
                department: None,
                status: None,
                deadline: None,
                budget_eur: None,
                trl: None,
                company_kind: None,
                size: None,
                region: None,
                sectors: entry.doc.sectors().to_vec(),
            };
            match &entry.doc {
                Document::Challenge(c) => {
                    item.summary = Some(
                        c.summary
                            .clone()
                            .unwrap_or_else(|| excerpt(&c.description, 240)),
                    );
                    item.department = Some(c.department.clone());
                    item.status = Some(c.status.clone());
                    item.deadline = c.deadline;
                    item.budget_eur = c.budget_eur;
                    item.trl = c.trl_min;
                }
                Document::Company(c) => {
                    item.summary = Some(excerpt(&c.description, 240));
                    item.company_kind = Some(c.company_kind.clone());
                    item.size = c.size.clone();
                    item.region = c.region.clone();
                    item.trl = c.trl;
                }
            }
            Some(item)
        })
        .collect();
    let facets = results
        .facets
        .into_iter()
        .map(|f| FacetOut {
            field: f.field,
            values: f
                .values
                .into_iter()
                .map(|v| FacetValueOut {
                    value: v.value,
                    count: v.count,
                })
                .collect(),
        })
        .collect();
    Ok(SearchResponse {
        total: results.total,
        page: query.page,
        per_page: query.per_page,
        items,
        facets,
        warnings: results.warnings,
    })
}

/// The challenges anyone may read (every status but draft), each with its interchange id and
/// the day it last changed: what the sitemap lists.
pub fn public_challenges(ctx: &Context) -> Vec<(String, NaiveDate)> {
    let catalog = ctx.search.index.catalog();
    let mut listed: Vec<(String, NaiveDate)> = catalog
        .iter(Kind::Challenge)
        .filter_map(|e| match &e.doc {
            Document::Challenge(c) if c.status != crate::types::ChallengeStatus::Draft.as_str() => {
                let changed = chrono::DateTime::from_timestamp(c.updated_at, 0)
                    .map_or_else(|| chrono::Utc::now().date_naive(), |t| t.date_naive());
                Some((c.external_id.clone(), changed))
            }
            _ => None,
        })
        .collect();
    listed.sort();
    listed
}
