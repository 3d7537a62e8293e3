//! The emails of a challenge's call: a proposal's receipt, a published answer or a changed
//! deadline, and the result with the panel's scores.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::Footer;

/// A proposal was submitted: sent to the member who submitted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalReceipt {
    /// The member.
    pub name: String,
    /// Their company.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// When the server received it, in Madrid time and the recipient's words.
    pub submitted_at: String,
    /// SHA-256 of the submitted content, hexadecimal.
    pub digest: String,
    /// Until when it can still be changed or withdrawn.
    pub deadline: String,
    /// The proposal's page.
    pub proposal_url: String,
}

/// Something every participant of a call must know at once: a question answered, or a
/// deadline moved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallNotice {
    /// The recipient.
    pub name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// The question and its answer, when one was published.
    pub answered: Option<Answered>,
    /// The new deadline for questions, when it moved.
    pub questions_deadline: Option<String>,
    /// The new deadline for proposals, when it moved.
    pub proposals_deadline: Option<String>,
    /// The challenge's page, where every answer is published.
    pub url: String,
}

/// A public question and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answered {
    /// The question, as asked (the asker is never named).
    pub question: String,
    /// The department's answer.
    pub answer: String,
}

/// The panel decided: sent to every member of every company that submitted a proposal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallResult {
    /// The recipient.
    pub name: String,
    /// Their company.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Whether their proposal was selected for the pilot.
    pub selected: bool,
    /// Their weighted score out of 10, written the recipient's way ("7,45"); `None` when every
    /// evaluator had a conflict of interest with the company.
    pub total: Option<String>,
    /// Per criterion: the mean score and every evaluator's justification.
    pub scores: Vec<ScoreLine>,
    /// The challenge's page, where the result is published.
    pub url: String,
}

/// One criterion of a proposal's evaluation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreLine {
    /// The criterion.
    pub criterion: String,
    /// Its weight, out of 100.
    pub weight: u8,
    /// The evaluators' mean score out of 10, written the recipient's way.
    pub score: String,
    /// What each evaluator wrote.
    pub justifications: Vec<String>,
}

email_templates!(
    ProposalReceipt,
    [
        "emails/proposal_receipt/subject.txt",
        "emails/proposal_receipt/body.txt",
        "emails/proposal_receipt/body.html"
    ],
    ReceiptSubject,
    ReceiptText,
    ReceiptHtml
);
email_templates!(
    CallNotice,
    [
        "emails/call_notice/subject.txt",
        "emails/call_notice/body.txt",
        "emails/call_notice/body.html"
    ],
    NoticeSubject,
    NoticeText,
    NoticeHtml
);
email_templates!(
    CallResult,
    [
        "emails/call_result/subject.txt",
        "emails/call_result/body.txt",
        "emails/call_result/body.html"
    ],
    ResultSubject,
    ResultText,
    ResultHtml
);

/// Subject, text and HTML of a receipt.
pub(super) fn receipt(
    d: &ProposalReceipt,
    es: bool,
    footer: &Footer,
) -> Result<(String, String, String), askama::Error> {
    Ok((
        ReceiptSubject { d, es }.render()?,
        ReceiptText { d, es, footer }.render()?,
        ReceiptHtml { d, es, footer }.render()?,
    ))
}

/// Subject, text and HTML of a notice.
pub(super) fn notice(
    d: &CallNotice,
    es: bool,
    footer: &Footer,
) -> Result<(String, String, String), askama::Error> {
    Ok((
        NoticeSubject { d, es }.render()?,
        NoticeText { d, es, footer }.render()?,
        NoticeHtml { d, es, footer }.render()?,
    ))
}

/// Subject, text and HTML of a result.
pub(super) fn result(
    d: &CallResult,
    es: bool,
    footer: &Footer,
) -> Result<(String, String, String), askama::Error> {
    Ok((
        ResultSubject { d, es }.render()?,
        ResultText { d, es, footer }.render()?,
        ResultHtml { d, es, footer }.render()?,
    ))
}
