//! A challenge's call as people see it: its section on the public challenge page, and a
//! company's proposal form.

use askama::Template;

use crate::layout::{FormErrors, Frame};

/// A document or attachment as a page lists it.
#[derive(Debug, Clone)]
pub struct DocumentLink {
    /// Its id (the removal form names it).
    pub id: i64,
    /// Its file name.
    pub name: String,
    /// Where to download it.
    pub url: String,
    /// Its size in the reader's words.
    pub size: String,
}

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
    /// Its attachments.
    pub attachments: Vec<DocumentLink>,
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

/// An officer sets a challenge's call and answers its questions.
#[derive(Template)]
#[template(path = "pages/call_settings.html")]
pub struct CallSettingsPage {
    /// Frame.
    pub frame: Frame,
    /// Interchange id of the challenge.
    pub challenge_id: String,
    /// Its title.
    pub challenge_title: String,
    /// The form's values.
    pub form: CallForm,
    /// Faults of the last attempt.
    pub errors: FormErrors,
    /// The call is set: its questions and evaluation can be reached.
    pub has_call: bool,
    /// Questions may still be answered.
    pub questions_open: bool,
    /// Every question: id, text, answer (empty until answered).
    pub questions: Vec<(i64, String, String)>,
    /// The challenge's documents.
    pub documents: Vec<DocumentLink>,
}

/// What the call's form shows.
#[derive(Debug, Clone, Default)]
pub struct CallForm {
    /// Criteria rows: name, weight, guidance (blank rows to add more).
    pub criteria: Vec<(String, String, String)>,
    /// Madrid wall-clock time, as a `datetime-local` value.
    pub questions_deadline: String,
    /// Madrid wall-clock time, as a `datetime-local` value.
    pub proposals_deadline: String,
    /// Euros.
    pub max_budget: String,
    /// Months.
    pub pilot_months: String,
    /// Evaluators' addresses, one per line.
    pub panel: String,
}

/// A call's evaluation: an evaluator's proposals, the ranking, the result.
#[derive(Template)]
#[template(path = "pages/evaluation.html")]
pub struct EvaluationPage {
    /// Frame.
    pub frame: Frame,
    /// Interchange id of the challenge.
    pub challenge_id: String,
    /// Its title.
    pub challenge_title: String,
    /// Until when the proposals stay sealed, in words.
    pub sealed_until: String,
    /// The deadline has passed.
    pub open: bool,
    /// The viewer evaluates.
    pub on_panel: bool,
    /// Their proposals: id, company, where they stand (in words), still to do.
    pub mine: Vec<(i64, String, String, bool)>,
    /// The ranking's rows.
    pub ranking: Vec<RankRow>,
    /// Evaluations still owed by the panel.
    pub missing: usize,
    /// The result is published.
    pub decided: bool,
}

/// One row of the ranking.
#[derive(Debug, Clone)]
pub struct RankRow {
    /// Proposal id.
    pub proposal: i64,
    /// Company name.
    pub company: String,
    /// Weighted mean, written the reader's way; empty while sealed for the viewer.
    pub total: String,
    /// Spread between evaluators.
    pub spread: String,
    /// Evaluations counted.
    pub evaluations: usize,
    /// Sealed for the viewer until they score it.
    pub sealed: bool,
    /// Its status, in words.
    pub status: String,
}

/// An evaluator declares, reads and scores one proposal.
#[derive(Template)]
#[template(path = "pages/evaluate.html")]
pub struct EvaluatePage {
    /// Frame.
    pub frame: Frame,
    /// Interchange id of the challenge.
    pub challenge_id: String,
    /// Proposal id.
    pub proposal_id: i64,
    /// The proposing company.
    pub company_name: String,
    /// The viewer may still act as an evaluator.
    pub evaluator: bool,
    /// The proposal's content, once they may read it.
    pub proposal: Option<ProposalForm>,
    /// Score rows: criterion, weight, guidance, score, justification.
    pub scores: Vec<(String, u8, String, String, String)>,
    /// Their scores are submitted.
    pub scored: bool,
    /// Faults of the last attempt.
    pub errors: FormErrors,
    /// The proposal's attachments.
    pub attachments: Vec<DocumentLink>,
}
