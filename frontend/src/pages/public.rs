//! Pages anyone can see: home, challenge search, challenge detail, accessibility statement.

use askama::Template;

use super::{ChallengeCard, PageLink};
use crate::layout::Frame;

/// The home page.
#[derive(Template)]
#[template(path = "pages/home.html")]
pub struct Home {
    /// Frame.
    pub frame: Frame,
    /// Open challenges.
    pub open_count: usize,
    /// Registered companies.
    pub company_count: usize,
    /// Challenges closing soonest.
    pub closing: Vec<ChallengeCard>,
}

/// One value of a facet, as a checkbox.
#[derive(Debug, Clone)]
pub struct FacetOption {
    /// Value sent.
    pub value: String,
    /// Label shown.
    pub label: String,
    /// Results with it.
    pub count: usize,
    /// Checked.
    pub checked: bool,
}

/// A facet as a group of checkboxes.
#[derive(Debug, Clone)]
pub struct FacetGroup {
    /// Query parameter.
    pub name: String,
    /// Legend.
    pub legend: String,
    /// Options.
    pub options: Vec<FacetOption>,
}

/// Search results (the part that search-as-you-type replaces).
#[derive(Debug, Clone, Default)]
pub struct Results {
    /// Spanish.
    pub es: bool,
    /// Results in all pages.
    pub total: usize,
    /// This page.
    pub cards: Vec<ChallengeCard>,
    /// Pagination.
    pub pages: Vec<PageLink>,
    /// Notes on the query.
    pub warnings: Vec<String>,
    /// When nothing matched: sectors to browse instead (address, name).
    pub browse: Vec<(String, String)>,
    /// These results as a CSV download.
    pub download: String,
    /// The Atom feed of new challenges like these.
    pub feed: String,
}

impl Results {
    /// "12 challenges" in the page language.
    pub fn count_text(&self) -> String {
        match (self.es, self.total) {
            (true, 1) => "1 reto".into(),
            (true, n) => format!("{n} retos"),
            (false, 1) => "1 challenge".into(),
            (false, n) => format!("{n} challenges"),
        }
    }
}

/// The challenge search page.
#[derive(Template)]
#[template(path = "pages/search.html")]
pub struct Search {
    /// Frame.
    pub frame: Frame,
    /// Query.
    pub q: String,
    /// Include closed and awarded challenges.
    pub all: bool,
    /// Sort key.
    pub sort: String,
    /// Facets.
    pub facets: Vec<FacetGroup>,
    /// Results.
    pub results: Results,
}

/// Only the results, for search as you type.
#[derive(Template)]
#[template(path = "pages/_results.html")]
pub struct ResultsFragment {
    /// Results.
    pub results: Results,
}

/// One requirement line.
#[derive(Debug, Clone)]
pub struct RequirementLine {
    /// Text.
    pub text: String,
}

/// The challenge page.
#[derive(Template)]
#[template(path = "pages/challenge.html")]
pub struct ChallengePage {
    /// Frame.
    pub frame: Frame,
    /// Summary data.
    pub card: ChallengeCard,
    /// Problem statement.
    pub description: String,
    /// Expected outcomes.
    pub outcomes: Vec<String>,
    /// Must-haves.
    pub must: Vec<String>,
    /// Nice-to-haves.
    pub should: Vec<String>,
    /// Minimum TRL.
    pub trl_min: Option<u8>,
    /// CPV codes.
    pub cpv: Vec<String>,
    /// Certifications required.
    pub certifications: Vec<String>,
    /// The visitor may follow or declare interest (member of a company, challenge open).
    pub can_act: bool,
    /// Their company follows it.
    pub following: bool,
    /// Their company declared interest.
    pub interested: bool,
    /// The visitor is an officer of its department.
    pub manages: bool,
    /// Its call, when it has one.
    pub call: Option<super::call::CallSection>,
    /// Its documents.
    pub documents: Vec<super::call::DocumentLink>,
}

/// The accessibility statement.
#[derive(Template)]
#[template(path = "pages/accessibility.html")]
pub struct Accessibility {
    /// Frame.
    pub frame: Frame,
}
