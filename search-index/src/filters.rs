//! Structured filters, applied the same way to the text search (as a tantivy query) and to the
//! vector search and browsing (as a predicate over catalog entries). A test checks that both
//! agree.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::catalog::Entry;
use crate::documents::{Document, Kind, normalise_certification};
use crate::schema::{Fields, NO_DEADLINE, cpv_levels, cpv_prefix, days};

/// Constraints on the documents a search or match may return. Lists mean "any of", except
/// certifications, which must all be held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filters {
    /// Sectors (any).
    pub sectors: Vec<String>,
    /// CPV codes or prefixes; a code matches every code below it in the hierarchy.
    pub cpv: Vec<String>,
    /// Departments (challenges).
    pub departments: Vec<String>,
    /// Statuses (challenges).
    pub statuses: Vec<String>,
    /// EU size classes (companies).
    pub sizes: Vec<String>,
    /// startup, sme, large (companies).
    pub company_kinds: Vec<String>,
    /// Regions (companies), compared case-insensitively.
    pub regions: Vec<String>,
    /// Certifications a company must hold, or a challenge must require (all).
    pub certifications: Vec<String>,
    /// Companies with at least this TRL.
    pub trl_at_least: Option<u8>,
    /// Challenges whose minimum TRL is at most this (what a company of this TRL can address).
    pub trl_min_at_most: Option<u8>,
    /// Budget at least, in euros.
    pub budget_min: Option<u64>,
    /// Budget at most, in euros.
    pub budget_max: Option<u64>,
    /// Deadline on or after.
    pub deadline_from: Option<NaiveDate>,
    /// Deadline on or before.
    pub deadline_to: Option<NaiveDate>,
    /// Micro, small and medium companies only.
    pub sme_only: bool,
}

fn any_of(values: &[String], candidates: &[String]) -> bool {
    values.is_empty()
        || values
            .iter()
            .any(|v| candidates.iter().any(|c| c.eq_ignore_ascii_case(v.trim())))
}

impl Filters {
    /// Whether no filter is set: every document passes.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }

    /// Whether `entry` passes every filter.
    pub fn matches(&self, entry: &Entry) -> bool {
        self.passes(entry, false)
    }

    /// A predicate for many entries: certifications are normalised once, not per entry.
    pub fn predicate(&self) -> impl Fn(&Entry) -> bool + '_ {
        let mut prepared = self.clone();
        prepared.certifications = self
            .certifications
            .iter()
            .map(|c| normalise_certification(c))
            .collect();
        move |entry| prepared.passes(entry, true)
    }

    fn passes(&self, entry: &Entry, normalised: bool) -> bool {
        let doc = &entry.doc;
        if !any_of(&self.sectors, &entry.sectors) {
            return false;
        }
        if !self.cpv.is_empty() {
            let prefixes: Vec<&str> = self.cpv.iter().map(|c| cpv_prefix(c)).collect();
            let levels: Vec<&str> = doc.cpv().iter().flat_map(|c| cpv_levels(c)).collect();
            if !prefixes.iter().any(|p| levels.contains(p)) {
                return false;
            }
        }
        let holds = |c: &String| {
            if normalised {
                entry.certifications.contains(c)
            } else {
                entry.certifications.contains(&normalise_certification(c))
            }
        };
        if !self.certifications.iter().all(holds) {
            return false;
        }
        match doc {
            Document::Company(c) => {
                any_of(&self.sizes, c.size.as_slice())
                    && any_of(&self.company_kinds, std::slice::from_ref(&c.company_kind))
                    && any_of(&self.regions, c.region.as_slice())
                    && self
                        .trl_at_least
                        .is_none_or(|min| c.trl.is_some_and(|t| t >= min))
                    && (!self.sme_only || c.size.as_deref().is_some_and(|s| s != "large"))
                    && self.departments.is_empty()
                    && self.statuses.is_empty()
            }
            Document::Challenge(c) => {
                let deadline = c.deadline.map_or(NO_DEADLINE, days);
                any_of(&self.departments, std::slice::from_ref(&c.department))
                    && any_of(&self.statuses, std::slice::from_ref(&c.status))
                    && self
                        .trl_min_at_most
                        .is_none_or(|max| c.trl_min.is_none_or(|t| t <= max))
                    && self
                        .budget_min
                        .is_none_or(|min| c.budget_eur.is_some_and(|b| b >= min))
                    && self
                        .budget_max
                        .is_none_or(|max| c.budget_eur.is_some_and(|b| b <= max))
                    && self.deadline_from.is_none_or(|d| deadline >= days(d))
                    && self.deadline_to.is_none_or(|d| deadline <= days(d))
                    && self.sizes.is_empty()
                    && self.company_kinds.is_empty()
                    && self.regions.is_empty()
            }
        }
    }

    /// The same constraints as a tantivy query that scores nothing, restricted to `kind`.
    pub fn to_query(&self, fields: &Fields, kind: Kind) -> Box<dyn Query> {
        let mut must: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, term(fields.kind, kind.as_str()))];
        let lower = |v: &str| v.trim().to_lowercase();
        let exact = |v: &str| v.trim().to_owned();
        let smes = ["micro", "small", "medium"].map(String::from);
        let sme_sizes: &[String] = if self.sme_only { &smes } else { &[] };
        let any_clauses = [
            any_term(fields.sector, &self.sectors, &lower),
            any_term(fields.cpv, &self.cpv, &|v| cpv_prefix(v).to_owned()),
            any_term(fields.department, &self.departments, &exact),
            any_term(fields.status, &self.statuses, &lower),
            any_term(fields.size, &self.sizes, &lower),
            any_term(fields.company_kind, &self.company_kinds, &lower),
            any_term(fields.region, &self.regions, &lower),
            any_term(fields.size, sme_sizes, &exact),
        ];
        must.extend(any_clauses.into_iter().flatten().map(|q| (Occur::Must, q)));
        for cert in &self.certifications {
            must.push((
                Occur::Must,
                term(fields.certification, &normalise_certification(cert)),
            ));
        }
        let u64_range = |field: Field, lower: Option<u64>, upper: Option<u64>| -> Box<dyn Query> {
            use std::ops::Bound::{Included, Unbounded};
            let bound =
                |v: Option<u64>| v.map_or(Unbounded, |v| Included(Term::from_field_u64(field, v)));
            Box::new(RangeQuery::new(bound(lower), bound(upper)))
        };
        if let Some(min) = self.trl_at_least {
            must.push((
                Occur::Must,
                u64_range(fields.trl, Some(u64::from(min)), None),
            ));
        }
        if let Some(max) = self.trl_min_at_most {
            // A challenge without a minimum TRL has no `trl` value: it passes.
            let too_high = u64_range(fields.trl, Some(u64::from(max) + 1), None);
            must.push((Occur::MustNot, too_high));
        }
        if self.budget_min.is_some() || self.budget_max.is_some() {
            must.push((
                Occur::Must,
                u64_range(fields.budget, self.budget_min, self.budget_max),
            ));
        }
        if self.deadline_from.is_some() || self.deadline_to.is_some() {
            use std::ops::Bound::{Included, Unbounded};
            let bound = |d: Option<NaiveDate>| {
                d.map_or(Unbounded, |d| {
                    Included(Term::from_field_i64(fields.deadline, days(d)))
                })
            };
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(
                    bound(self.deadline_from),
                    bound(self.deadline_to),
                )),
            ));
        }
        if kind == Kind::Company && (!self.departments.is_empty() || !self.statuses.is_empty()) {
            must.push((Occur::MustNot, Box::new(AllQuery)));
        }
        if kind == Kind::Challenge
            && (!self.sizes.is_empty()
                || !self.company_kinds.is_empty()
                || !self.regions.is_empty()
                || self.sme_only)
        {
            must.push((Occur::MustNot, Box::new(AllQuery)));
        }
        Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(must)), 0.0))
    }
}

/// A query matching documents with any of `values` in `field`; `None` when there are none.
fn any_term(
    field: Field,
    values: &[String],
    normalise: &dyn Fn(&str) -> String,
) -> Option<Box<dyn Query>> {
    if values.is_empty() {
        return None;
    }
    let options: Vec<(Occur, Box<dyn Query>)> = values
        .iter()
        .map(|v| (Occur::Should, term(field, &normalise(v))))
        .collect();
    Some(Box::new(BooleanQuery::new(options)))
}

fn term(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}
