//! A challenge's call as people see it: its section on the public challenge page, and a
//! company's proposal form.

use askama::Template;

use crate::layout::{FormErrors, Frame};

/// The call's section of a challenge page.
#[derive(Debug, Clone, Default)]
pub struct CallSection {
    /// How proposals are judged: name, weight, what earns points.
    pub criteria: Vec<(String, u8, String)>,
    /// Until when questions are accepted, in words.
    pub questions_deadline: String,
    /// Until when proposals are accepted, in words.
    pub proposals_deadline: String,
    /// The most a proposal may cost, in words.
    pub max_budget: Option<String>,
    /// Months of pilot.
    pub pilot_months: Option<i32>,
    /// Questions are accepted now.
    pub questions_open: bool,
    /// Proposals are accepted now.
    pub proposals_open: bool,
    /// Published questions and their answers (answer empty while unanswered: the visitor's own).
    pub questions: Vec<(String, String)>,
    /// The result, once published: when, and who was selected at what price.
    pub result: Option<(String, Vec<(String, String)>)>,
    /// The visitor may ask a question and prepare a proposal (a company member).
    pub can_take_part: bool,
}

/// A company's proposal to a challenge.
#[derive(Template)]
#[template(path = "pages/proposal.html")]
pub struct ProposalPage {
    /// Frame.
    pub frame: Frame,
    /// Interchange id of the challenge.
    pub challenge_id: String,
    /// Its title.
    pub challenge_title: String,
    /// Until when proposals are accepted, in words.
    pub deadline: String,
    /// No proposal yet: offer to start one.
    pub started: bool,
    /// The status, in words.
    pub status: String,
    /// The company may still change it.
    pub editable: bool,
    /// It is submitted (it can be withdrawn).
    pub submitted: bool,
    /// The receipt: when it was submitted, and the SHA-256 of its content.
    pub receipt: Option<(String, String)>,
    /// The form's values.
    pub form: ProposalForm,
    /// Faults of the last attempt.
    pub errors: FormErrors,
}

/// What the proposal form shows.
#[derive(Debug, Clone, Default)]
pub struct ProposalForm {
    /// Summary.
    pub summary: String,
    /// Approach.
    pub approach: String,
    /// Per requirement: must-have or not, the requirement, the answer.
    pub answers: Vec<(bool, String, String)>,
    /// TRL.
    pub trl: String,
    /// Price in euros.
    pub price: String,
    /// Timeline.
    pub timeline: String,
    /// Team.
    pub team: String,
    /// Links, one per line.
    pub links: String,
}
