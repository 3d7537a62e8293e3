//! Pages of officers: their challenges, the editor with the supply preview, ranked matches
//! with explanations, and the pipeline of introductions.

use askama::Template;

use super::company::CpvOption;
use crate::layout::{FormErrors, Frame};

pub use super::{ConstraintLine, CoverageLine};

/// A challenge in the officer's list.
#[derive(Debug, Clone)]
pub struct OfficerRow {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Status, in words.
    pub status: String,
    /// Draft (editable, not public).
    pub draft: bool,
    /// Deadline.
    pub deadline: String,
    /// Introductions made.
    pub introductions: usize,
    /// Companies that declared interest.
    pub interested: usize,
    /// Published, and its deadline is within a week.
    pub closing_soon: bool,
    /// Published, and its deadline has passed: it should be closed.
    pub overdue: bool,
}

/// The officer's challenges.
#[derive(Template)]
#[template(path = "pages/officer_home.html")]
pub struct OfficerHome {
    /// Frame.
    pub frame: Frame,
    /// Department names.
    pub departments: Vec<String>,
    /// Challenges.
    pub rows: Vec<OfficerRow>,
    /// Every status to filter by: key, name in the page language.
    pub statuses: Vec<(String, String)>,
    /// The status shown (empty: all).
    pub status: String,
    /// The order: changed, deadline or interest.
    pub sort: String,
    /// Published challenges closing within a week.
    pub closing_soon: usize,
    /// Published challenges whose deadline has passed.
    pub overdue: usize,
}

/// Values of the challenge form, as typed.
#[derive(Debug, Clone, Default)]
pub struct ChallengeForm {
    /// The version the form was opened with (empty for a new challenge).
    pub version: String,
    /// Title.
    pub title: String,
    /// es or en.
    pub language: String,
    /// Summary.
    pub summary: String,
    /// Problem.
    pub description: String,
    /// One per line.
    pub outcomes: String,
    /// One per line.
    pub must: String,
    /// One per line.
    pub should: String,
    /// Keys of the listed sectors ticked.
    pub sectors: Vec<String>,
    /// Other sectors, comma-separated.
    pub other_sectors: String,
    /// CPV inputs.
    pub cpv: Vec<String>,
    /// Minimum TRL or empty.
    pub trl_min: String,
    /// Euros or empty.
    pub budget: String,
    /// YYYY-MM-DD or empty.
    pub deadline: String,
    /// Comma-separated.
    pub certifications: String,
    /// Department, when the officer has several.
    pub department: String,
}

/// Supply for one requirement.
#[derive(Debug, Clone)]
pub struct SupplyLine {
    /// Must-have.
    pub must: bool,
    /// Requirement.
    pub requirement: String,
    /// Companies covering it.
    pub covered_by: usize,
    /// Best company name.
    pub best: Option<String>,
}

/// The supply preview.
#[derive(Debug, Clone)]
pub struct PreviewView {
    /// Companies that could address it.
    pub addressable: usize,
    /// Companies examined.
    pub considered: usize,
    /// Companies in the index.
    pub published: usize,
    /// Companies not counted for lacking a required certification.
    pub without_certifications: usize,
    /// The certifications required, joined for reading.
    pub certifications: String,
    /// Per requirement.
    pub lines: Vec<SupplyLine>,
}

/// A status change button.
#[derive(Debug, Clone)]
pub struct Transition {
    /// Status to go to.
    pub to: String,
    /// Button label.
    pub label: String,
}

/// The challenge editor.
#[derive(Template)]
#[template(path = "pages/challenge_editor.html")]
pub struct ChallengeEditor {
    /// Frame.
    pub frame: Frame,
    /// Where the form posts.
    pub action: String,
    /// The challenge, when it exists.
    pub challenge_id: Option<String>,
    /// Status in words.
    pub status: String,
    /// Values.
    pub form: ChallengeForm,
    /// Faults.
    pub errors: FormErrors,
    /// Supply preview, when asked for.
    pub preview: Option<PreviewView>,
    /// The officer's departments (a choice when several).
    pub departments: Vec<String>,
    /// Possible status changes.
    pub transitions: Vec<Transition>,
    /// Companies that may be awarded (id, name), for closed challenges.
    pub award_candidates: Vec<(String, String)>,
    /// CPV picker options.
    pub cpv_options: Vec<CpvOption>,
    /// CPV codes suggested from the text, when asked for (empty: none found).
    pub cpv_suggestions: Option<Vec<super::company::CpvSuggestionView>>,
    /// The listed sectors: key and name in the page language.
    pub sector_choices: Vec<(String, String)>,
    /// The challenge can still be edited.
    pub editable: bool,
    /// Someone else saved the challenge while this form was open.
    pub conflict: Option<super::Conflict>,
}

/// One ranked company with its explanation.
#[derive(Debug, Clone)]
pub struct MatchCard {
    /// Rank.
    pub rank: usize,
    /// Company id.
    pub company_id: String,
    /// Name.
    pub name: String,
    /// Kind, size and region.
    pub meta: String,
    /// One-line summary.
    pub summary: String,
    /// Requirements.
    pub coverage: Vec<CoverageLine>,
    /// Words in common.
    pub shared_terms: Vec<String>,
    /// Constraints.
    pub constraints: Vec<ConstraintLine>,
    /// On the shortlist.
    pub shortlisted: bool,
    /// Stage of its introduction, if introduced.
    pub introduced: Option<String>,
    /// The officer's last feedback: Some(true) useful.
    pub feedback: Option<bool>,
}

/// Ranked matches for a challenge.
#[derive(Template)]
#[template(path = "pages/matches.html")]
pub struct Matches {
    /// Frame.
    pub frame: Frame,
    /// Challenge id.
    pub challenge_id: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Published (introductions allowed).
    pub published: bool,
    /// Filter: SMEs only.
    pub sme: bool,
    /// Filter: certified only.
    pub certified: bool,
    /// Companies lacking a required certification are left out (instead of ranked lower).
    pub required_only: bool,
    /// Filter: region.
    pub region: String,
    /// Show only the shortlist.
    pub shortlist_only: bool,
    /// Candidates scored.
    pub total: usize,
    /// Matches.
    /// Links to the other pages of the ranking.
    pub pages: Vec<super::PageLink>,
    pub cards: Vec<MatchCard>,
    /// Companies that declared interest, first come first.
    pub interested: Vec<Interested>,
}

/// A company that declared interest in a challenge.
#[derive(Debug, Clone)]
pub struct Interested {
    /// Its interchange id.
    pub company_id: String,
    /// Its name.
    pub name: String,
    /// When, in words.
    pub date: String,
    /// What it wrote.
    pub note: Option<String>,
    /// Its card is on this page (with the explanation).
    pub listed: bool,
}

/// An introduction on the board.
#[derive(Debug, Clone)]
pub struct BoardCard {
    /// Introduction id.
    pub id: i64,
    /// Company.
    pub company: String,
    /// Latest date, formatted.
    pub since: String,
    /// A note (decline reason).
    pub note: Option<String>,
    /// Next stage the officer can record.
    pub next: Option<(String, String)>,
}

/// A column of the board.
#[derive(Debug, Clone)]
pub struct BoardColumn {
    /// Stage.
    pub stage: String,
    /// Title.
    pub title: String,
    /// Cards.
    pub cards: Vec<BoardCard>,
}

/// The pipeline board of a challenge.
#[derive(Template)]
#[template(path = "pages/pipeline.html")]
pub struct Pipeline {
    /// Frame.
    pub frame: Frame,
    /// Challenge id.
    pub challenge_id: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Columns.
    pub columns: Vec<BoardColumn>,
    /// Today, for the date inputs.
    pub today: String,
}
