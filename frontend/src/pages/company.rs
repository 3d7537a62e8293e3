//! Pages of company members: the profile editor, challenges for you, followed challenges.

use askama::Template;

use super::ChallengeCard;
use crate::layout::{FormErrors, Frame};

/// A CPV code and its name, for the picker.
#[derive(Debug, Clone)]
pub struct CpvOption {
    /// Eight digits.
    pub code: String,
    /// Name in the page language.
    pub name: String,
    /// The labels of the codes above it, broadest first, joined by ` › ` (empty for a division).
    pub path: String,
    /// Its level (division, group, class, category…) in the page language.
    pub level: String,
}

/// A CPV code suggested from the text of the form, to accept with one click.
#[derive(Debug, Clone)]
pub struct CpvSuggestionView {
    /// Eight digits.
    pub code: String,
    /// Label in the page language.
    pub label: String,
    /// The labels above it, joined by ` › `.
    pub path: String,
    /// Words of the text that led to it, joined by commas.
    pub words: String,
    /// Already among the form's codes.
    pub chosen: bool,
}

/// Values of the profile form, as typed.
#[derive(Debug, Clone, Default)]
pub struct ProfileForm {
    /// The version the form was opened with (empty for a new company).
    pub version: String,
    /// Name.
    pub name: String,
    /// startup, sme, large.
    pub kind: String,
    /// micro, small, medium, large or empty.
    pub size: String,
    /// Year.
    pub founded: String,
    /// Region.
    pub region: String,
    /// Municipality.
    pub municipality: String,
    /// Web site.
    pub website: String,
    /// Contact person.
    pub contact_name: String,
    /// Contact address.
    pub contact_email: String,
    /// Tax id.
    pub tax_id: String,
    /// Works in Spanish.
    pub lang_es: bool,
    /// Works in English.
    pub lang_en: bool,
    /// Description.
    pub description: String,
    /// One capability per line.
    pub capabilities: String,
    /// Comma-separated.
    pub technologies: String,
    /// Keys of the listed sectors ticked.
    pub sectors: Vec<String>,
    /// Other sectors, comma-separated.
    pub other_sectors: String,
    /// CPV inputs (filled ones, then empty ones).
    pub cpv: Vec<String>,
    /// TRL or empty.
    pub trl: String,
    /// Comma-separated.
    pub certifications: String,
    /// One per line: title | client | year.
    pub references: String,
}

/// The profile editor (new or existing company).
#[derive(Template)]
#[template(path = "pages/profile.html")]
pub struct Profile {
    /// Frame.
    pub frame: Frame,
    /// Where the form posts.
    pub action: String,
    /// The company's id, when it exists.
    pub company_id: Option<String>,
    /// Values.
    pub form: ProfileForm,
    /// Faults.
    pub errors: FormErrors,
    /// CPV picker options.
    pub cpv_options: Vec<CpvOption>,
    /// CPV codes suggested from the text, when asked for (empty: none found).
    pub cpv_suggestions: Option<Vec<CpvSuggestionView>>,
    /// The listed sectors: key and name in the page language.
    pub sector_choices: Vec<(String, String)>,
    /// Someone else saved the profile while this form was open.
    pub conflict: Option<super::Conflict>,
}

/// Challenges recommended to a company, with reasons.
#[derive(Template)]
#[template(path = "pages/for_you.html")]
pub struct ForYou {
    /// Frame.
    pub frame: Frame,
    /// Company name.
    pub company: String,
    /// Recommendations, best first.
    pub cards: Vec<ChallengeCard>,
    /// The profile has no description of capabilities yet.
    pub profile_incomplete: bool,
    /// Open challenges left out because the company covers them less than partly.
    pub weaker: usize,
    /// Those challenges are shown too.
    pub showing_weaker: bool,
    /// Links to the other pages of recommendations.
    pub pages: Vec<super::PageLink>,
}

/// Challenges the company follows or is interested in.
#[derive(Template)]
#[template(path = "pages/following.html")]
pub struct Following {
    /// Frame.
    pub frame: Frame,
    /// Followed.
    pub following: Vec<ChallengeCard>,
    /// Declared interest.
    pub interested: Vec<ChallengeCard>,
    /// The company's proposals.
    pub proposals: Vec<ActivityRow>,
    /// The company's introductions to challenges.
    pub introductions: Vec<ActivityRow>,
}

/// One proposal or introduction on a start-up's dashboard, with what to do next.
#[derive(Debug, Clone)]
pub struct ActivityRow {
    /// The challenge's id.
    pub challenge: String,
    /// The challenge's title.
    pub title: String,
    /// Where it stands, in words.
    pub state: String,
    /// What to do next, in words.
    pub next: String,
    /// Where to do it.
    pub link: Option<String>,
}
