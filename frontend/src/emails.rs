//! Emails: one folder per email under `templates/emails/`, each with `subject.txt`, `body.txt`
//! and `body.html`, in Spanish and English. [`render`] turns an [`EmailContent`] into the three
//! parts; user content is escaped in the HTML part by askama.

use askama::Template;
use serde::{Deserialize, Serialize};

/// The subject, text and HTML templates of one email's data, `d` in each template.
macro_rules! email_templates {
    ($data:ty, [$subject_path:literal, $text_path:literal, $html_path:literal], $subject:ident, $text:ident, $html:ident) => {
        #[derive(Template)]
        #[template(path = $subject_path)]
        struct $subject<'a> {
            d: &'a $data,
            es: bool,
        }

        #[derive(Template)]
        #[template(path = $text_path)]
        struct $text<'a> {
            d: &'a $data,
            es: bool,
            footer: &'a Footer,
        }

        #[derive(Template)]
        #[template(path = $html_path)]
        struct $html<'a> {
            d: &'a $data,
            es: bool,
            footer: &'a Footer,
        }
    };
}

mod call;
mod following;
pub use call::{Answered, CallNotice, CallResult, ProposalReceipt, ScoreLine};
pub use following::{ChallengeNews, DigestPeriod, FollowedDigest, News};

/// What changes from one recipient to another in the footer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footer {
    /// One-click unsubscribe page of this email's topic, for alerts.
    pub unsubscribe_url: Option<String>,
}

/// A link sent to one person: verification, sign-in, password reset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// Recipient's name.
    pub name: String,
    /// The signed link.
    pub url: String,
}

/// An officer invited by an administrator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// Recipient's name.
    pub name: String,
    /// Department.
    pub department: String,
    /// Who invites.
    pub inviter: String,
    /// Link to choose a password.
    pub url: String,
}

/// An officer proposes an introduction to a company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroductionRequest {
    /// The company's contact person.
    pub contact_name: String,
    /// Company.
    pub company_name: String,
    /// The officer.
    pub officer_name: String,
    /// Department.
    pub department: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Challenge summary.
    pub challenge_summary: String,
    /// Public page of the challenge.
    pub challenge_url: String,
    /// The one-line summary of the match.
    pub summary: String,
    /// Requirements covered, as "requirement — capability".
    pub reasons: Vec<String>,
    /// The officer's own words.
    pub message: Option<String>,
    /// Signed accept link.
    pub accept_url: String,
    /// Signed decline link.
    pub decline_url: String,
    /// When the proposal expires.
    pub expires_on: String,
}

/// The company accepted: sent to the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroductionAcceptedOfficer {
    /// The officer.
    pub officer_name: String,
    /// Company.
    pub company_name: String,
    /// Company contact.
    pub contact_name: String,
    /// Company contact address.
    pub contact_email: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Pipeline page.
    pub pipeline_url: String,
}

/// The company accepted: sent to the company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroductionAcceptedCompany {
    /// Company contact.
    pub contact_name: String,
    /// The officer.
    pub officer_name: String,
    /// The officer's address.
    pub officer_email: String,
    /// Department.
    pub department: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Public page of the challenge.
    pub challenge_url: String,
}

/// The company declined: sent to the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroductionDeclined {
    /// The officer.
    pub officer_name: String,
    /// Company.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// The company's reason, if given.
    pub reason: Option<String>,
    /// Pipeline page.
    pub pipeline_url: String,
}

/// A company declared interest in a challenge: sent to the officers of its department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InterestDeclared {
    /// The officer.
    pub officer_name: String,
    /// Company.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// What the company wrote with its interest.
    pub note: Option<String>,
    /// The challenge's matches page, where the company's fit is explained.
    pub matches_url: String,
}

/// Nobody answered in time: sent to the officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntroductionExpired {
    /// The officer.
    pub officer_name: String,
    /// Company.
    pub company_name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// Pipeline page.
    pub pipeline_url: String,
}

/// One challenge in a digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestItem {
    /// Title.
    pub title: String,
    /// Department.
    pub department: String,
    /// Deadline, formatted.
    pub deadline: Option<String>,
    /// Why it matches.
    pub reason: String,
    /// Public page.
    pub url: String,
}

/// New challenges matching a company's profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Digest {
    /// Recipient's name.
    pub name: String,
    /// Company.
    pub company_name: String,
    /// Weekly rather than daily.
    pub weekly: bool,
    /// Challenges, best first.
    pub items: Vec<DigestItem>,
    /// Alert settings page.
    pub settings_url: String,
}

/// A followed challenge changed or its deadline is near.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeUpdate {
    /// Recipient's name.
    pub name: String,
    /// Challenge title.
    pub challenge_title: String,
    /// A reminder of the deadline rather than a change.
    pub deadline_soon: bool,
    /// Deadline, formatted.
    pub deadline: String,
    /// Public page.
    pub url: String,
}

/// Every email Factoría sends, with its data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", content = "data", rename_all = "snake_case")]
pub enum EmailContent {
    /// `templates/emails/verify_email`.
    VerifyEmail(Link),
    /// `templates/emails/login_link`.
    LoginLink(Link),
    /// `templates/emails/password_reset`.
    PasswordReset(Link),
    /// `templates/emails/officer_invite`.
    OfficerInvite(Invite),
    /// `templates/emails/introduction_request`.
    IntroductionRequest(IntroductionRequest),
    /// `templates/emails/introduction_accepted_officer`.
    IntroductionAcceptedOfficer(IntroductionAcceptedOfficer),
    /// `templates/emails/introduction_accepted_company`.
    IntroductionAcceptedCompany(IntroductionAcceptedCompany),
    /// `templates/emails/introduction_declined`.
    IntroductionDeclined(IntroductionDeclined),
    /// `templates/emails/introduction_expired`.
    IntroductionExpired(IntroductionExpired),
    /// `templates/emails/interest_declared`.
    InterestDeclared(InterestDeclared),
    /// `templates/emails/digest`.
    Digest(Digest),
    /// `templates/emails/challenge_update`.
    ChallengeUpdate(ChallengeUpdate),
    /// `templates/emails/proposal_receipt`.
    ProposalReceipt(ProposalReceipt),
    /// `templates/emails/call_notice`.
    CallNotice(CallNotice),
    /// `templates/emails/call_result`.
    CallResult(CallResult),
    /// `templates/emails/followed_digest`.
    FollowedDigest(FollowedDigest),
}

/// The three parts of a rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// One-line subject.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body.
    pub html: String,
}

impl EmailContent {
    /// The same email without the single-use links it carries (sign-in, verification, reset,
    /// invitation, accept and decline): what is kept once it has been sent, so the outbox
    /// never holds a live credential.
    pub fn without_live_links(&self) -> EmailContent {
        const REMOVED: &str = "";
        let mut content = self.clone();
        match &mut content {
            EmailContent::VerifyEmail(link)
            | EmailContent::LoginLink(link)
            | EmailContent::PasswordReset(link) => link.url = REMOVED.into(),
            EmailContent::OfficerInvite(invite) => invite.url = REMOVED.into(),
            EmailContent::IntroductionRequest(request) => {
                request.accept_url = REMOVED.into();
                request.decline_url = REMOVED.into();
            }
            EmailContent::IntroductionAcceptedOfficer(_)
            | EmailContent::IntroductionAcceptedCompany(_)
            | EmailContent::IntroductionDeclined(_)
            | EmailContent::IntroductionExpired(_)
            | EmailContent::InterestDeclared(_)
            | EmailContent::Digest(_)
            | EmailContent::ChallengeUpdate(_)
            | EmailContent::ProposalReceipt(_)
            | EmailContent::CallNotice(_)
            | EmailContent::CallResult(_)
            | EmailContent::FollowedDigest(_) => {}
        }
        content
    }

    /// Name of the template folder.
    pub fn template(&self) -> &'static str {
        match self {
            EmailContent::VerifyEmail(_) => "verify_email",
            EmailContent::LoginLink(_) => "login_link",
            EmailContent::PasswordReset(_) => "password_reset",
            EmailContent::OfficerInvite(_) => "officer_invite",
            EmailContent::IntroductionRequest(_) => "introduction_request",
            EmailContent::IntroductionAcceptedOfficer(_) => "introduction_accepted_officer",
            EmailContent::IntroductionAcceptedCompany(_) => "introduction_accepted_company",
            EmailContent::IntroductionDeclined(_) => "introduction_declined",
            EmailContent::IntroductionExpired(_) => "introduction_expired",
            EmailContent::InterestDeclared(_) => "interest_declared",
            EmailContent::Digest(_) => "digest",
            EmailContent::ChallengeUpdate(_) => "challenge_update",
            EmailContent::ProposalReceipt(_) => "proposal_receipt",
            EmailContent::CallNotice(_) => "call_notice",
            EmailContent::CallResult(_) => "call_result",
            EmailContent::FollowedDigest(_) => "followed_digest",
        }
    }
}

#[derive(Template)]
#[template(path = "emails/interest_declared/subject.txt")]
struct InterestDeclaredSubject<'a> {
    d: &'a InterestDeclared,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/interest_declared/body.txt")]
struct InterestDeclaredText<'a> {
    d: &'a InterestDeclared,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/interest_declared/body.html")]
struct InterestDeclaredHtml<'a> {
    d: &'a InterestDeclared,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/verify_email/subject.txt")]
struct VerifyEmailSubject<'a> {
    d: &'a Link,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/verify_email/body.txt")]
struct VerifyEmailText<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/verify_email/body.html")]
struct VerifyEmailHtml<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/login_link/subject.txt")]
struct LoginLinkSubject<'a> {
    d: &'a Link,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/login_link/body.txt")]
struct LoginLinkText<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/login_link/body.html")]
struct LoginLinkHtml<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/password_reset/subject.txt")]
struct PasswordResetSubject<'a> {
    d: &'a Link,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/password_reset/body.txt")]
struct PasswordResetText<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/password_reset/body.html")]
struct PasswordResetHtml<'a> {
    d: &'a Link,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/officer_invite/subject.txt")]
struct OfficerInviteSubject<'a> {
    d: &'a Invite,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/officer_invite/body.txt")]
struct OfficerInviteText<'a> {
    d: &'a Invite,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/officer_invite/body.html")]
struct OfficerInviteHtml<'a> {
    d: &'a Invite,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_request/subject.txt")]
struct IntroductionRequestSubject<'a> {
    d: &'a IntroductionRequest,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/introduction_request/body.txt")]
struct IntroductionRequestText<'a> {
    d: &'a IntroductionRequest,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_request/body.html")]
struct IntroductionRequestHtml<'a> {
    d: &'a IntroductionRequest,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_officer/subject.txt")]
struct IntroductionAcceptedOfficerSubject<'a> {
    d: &'a IntroductionAcceptedOfficer,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_officer/body.txt")]
struct IntroductionAcceptedOfficerText<'a> {
    d: &'a IntroductionAcceptedOfficer,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_officer/body.html")]
struct IntroductionAcceptedOfficerHtml<'a> {
    d: &'a IntroductionAcceptedOfficer,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_company/subject.txt")]
struct IntroductionAcceptedCompanySubject<'a> {
    d: &'a IntroductionAcceptedCompany,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_company/body.txt")]
struct IntroductionAcceptedCompanyText<'a> {
    d: &'a IntroductionAcceptedCompany,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_accepted_company/body.html")]
struct IntroductionAcceptedCompanyHtml<'a> {
    d: &'a IntroductionAcceptedCompany,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_declined/subject.txt")]
struct IntroductionDeclinedSubject<'a> {
    d: &'a IntroductionDeclined,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/introduction_declined/body.txt")]
struct IntroductionDeclinedText<'a> {
    d: &'a IntroductionDeclined,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_declined/body.html")]
struct IntroductionDeclinedHtml<'a> {
    d: &'a IntroductionDeclined,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_expired/subject.txt")]
struct IntroductionExpiredSubject<'a> {
    d: &'a IntroductionExpired,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/introduction_expired/body.txt")]
struct IntroductionExpiredText<'a> {
    d: &'a IntroductionExpired,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/introduction_expired/body.html")]
struct IntroductionExpiredHtml<'a> {
    d: &'a IntroductionExpired,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/digest/subject.txt")]
struct DigestSubject<'a> {
    d: &'a Digest,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/digest/body.txt")]
struct DigestText<'a> {
    d: &'a Digest,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/digest/body.html")]
struct DigestHtml<'a> {
    d: &'a Digest,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/challenge_update/subject.txt")]
struct ChallengeUpdateSubject<'a> {
    d: &'a ChallengeUpdate,
    es: bool,
}

#[derive(Template)]
#[template(path = "emails/challenge_update/body.txt")]
struct ChallengeUpdateText<'a> {
    d: &'a ChallengeUpdate,
    es: bool,
    footer: &'a Footer,
}

#[derive(Template)]
#[template(path = "emails/challenge_update/body.html")]
struct ChallengeUpdateHtml<'a> {
    d: &'a ChallengeUpdate,
    es: bool,
    footer: &'a Footer,
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders an email in Spanish (`es`) or English.
pub fn render(
    content: &EmailContent,
    es: bool,
    footer: &Footer,
) -> Result<Rendered, askama::Error> {
    let (subject, text, html) = match content {
        EmailContent::VerifyEmail(d) => (
            VerifyEmailSubject { d, es }.render()?,
            VerifyEmailText { d, es, footer }.render()?,
            VerifyEmailHtml { d, es, footer }.render()?,
        ),
        EmailContent::LoginLink(d) => (
            LoginLinkSubject { d, es }.render()?,
            LoginLinkText { d, es, footer }.render()?,
            LoginLinkHtml { d, es, footer }.render()?,
        ),
        EmailContent::PasswordReset(d) => (
            PasswordResetSubject { d, es }.render()?,
            PasswordResetText { d, es, footer }.render()?,
            PasswordResetHtml { d, es, footer }.render()?,
        ),
        EmailContent::OfficerInvite(d) => (
            OfficerInviteSubject { d, es }.render()?,
            OfficerInviteText { d, es, footer }.render()?,
            OfficerInviteHtml { d, es, footer }.render()?,
        ),
        EmailContent::IntroductionRequest(d) => (
            IntroductionRequestSubject { d, es }.render()?,
            IntroductionRequestText { d, es, footer }.render()?,
            IntroductionRequestHtml { d, es, footer }.render()?,
        ),
        EmailContent::IntroductionAcceptedOfficer(d) => (
            IntroductionAcceptedOfficerSubject { d, es }.render()?,
            IntroductionAcceptedOfficerText { d, es, footer }.render()?,
            IntroductionAcceptedOfficerHtml { d, es, footer }.render()?,
        ),
        EmailContent::IntroductionAcceptedCompany(d) => (
            IntroductionAcceptedCompanySubject { d, es }.render()?,
            IntroductionAcceptedCompanyText { d, es, footer }.render()?,
            IntroductionAcceptedCompanyHtml { d, es, footer }.render()?,
        ),
        EmailContent::IntroductionDeclined(d) => (
            IntroductionDeclinedSubject { d, es }.render()?,
            IntroductionDeclinedText { d, es, footer }.render()?,
            IntroductionDeclinedHtml { d, es, footer }.render()?,
        ),
        EmailContent::IntroductionExpired(d) => (
            IntroductionExpiredSubject { d, es }.render()?,
            IntroductionExpiredText { d, es, footer }.render()?,
            IntroductionExpiredHtml { d, es, footer }.render()?,
        ),
        EmailContent::InterestDeclared(d) => (
            InterestDeclaredSubject { d, es }.render()?,
            InterestDeclaredText { d, es, footer }.render()?,
            InterestDeclaredHtml { d, es, footer }.render()?,
        ),
        EmailContent::Digest(d) => (
            DigestSubject { d, es }.render()?,
            DigestText { d, es, footer }.render()?,
            DigestHtml { d, es, footer }.render()?,
        ),
        EmailContent::ChallengeUpdate(d) => (
            ChallengeUpdateSubject { d, es }.render()?,
            ChallengeUpdateText { d, es, footer }.render()?,
            ChallengeUpdateHtml { d, es, footer }.render()?,
        ),
        EmailContent::ProposalReceipt(d) => call::receipt(d, es, footer)?,
        EmailContent::CallNotice(d) => call::notice(d, es, footer)?,
        EmailContent::CallResult(d) => call::result(d, es, footer)?,
        EmailContent::FollowedDigest(d) => following::digest(d, es, footer)?,
    };
    Ok(Rendered {
        subject: one_line(&subject),
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// User-controlled text with markup, to show it is escaped in HTML and kept in text.
    const HOSTILE: &str = "Acme <script>alert('x')</script> & Co";

    fn samples() -> Vec<EmailContent> {
        let link = || Link {
            name: HOSTILE.into(),
            url: "https://factoria.example/verify?token=abc".into(),
        };
        vec![
            EmailContent::VerifyEmail(link()),
            EmailContent::LoginLink(link()),
            EmailContent::PasswordReset(link()),
            EmailContent::OfficerInvite(Invite {
                name: "Ana Gil".into(),
                department: "Consejería de Sanidad".into(),
                inviter: HOSTILE.into(),
                url: "https://factoria.example/invitation?token=abc".into(),
            }),
            EmailContent::IntroductionRequest(IntroductionRequest {
                contact_name: "Lucía Ortega".into(),
                company_name: HOSTILE.into(),
                officer_name: "Ana Gil".into(),
                department: "Canal de Isabel II".into(),
                challenge_title: "Detección temprana de fugas".into(),
                challenge_summary: "Localizar fugas antes de que afloren.".into(),
                challenge_url: "https://factoria.example/challenges/ch-007".into(),
                summary: "Cubre 3 de 3 requisitos obligatorios".into(),
                reasons: vec!["Detección acústica de fugas — Correladores acústicos".into()],
                message: Some(HOSTILE.into()),
                accept_url: "https://factoria.example/introductions/respond?token=accept".into(),
                decline_url: "https://factoria.example/introductions/respond?token=decline".into(),
                expires_on: "2026-12-12".into(),
            }),
            EmailContent::IntroductionAcceptedOfficer(IntroductionAcceptedOfficer {
                officer_name: "Ana Gil".into(),
                company_name: HOSTILE.into(),
                contact_name: "Lucía Ortega".into(),
                contact_email: "lucia@fugascero.example".into(),
                challenge_title: "Detección temprana de fugas".into(),
                pipeline_url: "https://factoria.example/officer/challenges/ch-007/pipeline".into(),
            }),
            EmailContent::IntroductionAcceptedCompany(IntroductionAcceptedCompany {
                contact_name: "Lucía Ortega".into(),
                officer_name: "Ana Gil".into(),
                officer_email: "ana.gil@comunidad.example".into(),
                department: "Canal de Isabel II".into(),
                challenge_title: HOSTILE.into(),
                challenge_url: "https://factoria.example/challenges/ch-007".into(),
            }),
            EmailContent::IntroductionDeclined(IntroductionDeclined {
                officer_name: "Ana Gil".into(),
                company_name: "Fugas Cero S.L.".into(),
                challenge_title: "Detección temprana de fugas".into(),
                reason: Some(HOSTILE.into()),
                pipeline_url: "https://factoria.example/officer/challenges/ch-007/pipeline".into(),
            }),
            EmailContent::IntroductionExpired(IntroductionExpired {
                officer_name: "Ana Gil".into(),
                company_name: HOSTILE.into(),
                challenge_title: "Detección temprana de fugas".into(),
                pipeline_url: "https://factoria.example/officer/challenges/ch-007/pipeline".into(),
            }),
            EmailContent::InterestDeclared(InterestDeclared {
                officer_name: "Ana Gil".into(),
                company_name: HOSTILE.into(),
                challenge_title: "Detección temprana de fugas".into(),
                note: Some(HOSTILE.into()),
                matches_url:
                    "https://factoria.example/officer/challenges/ch-007/matches#match-co-001".into(),
            }),
            EmailContent::Digest(Digest {
                name: "Lucía Ortega".into(),
                company_name: HOSTILE.into(),
                weekly: true,
                items: vec![DigestItem {
                    title: "Detección temprana de fugas".into(),
                    department: "Canal de Isabel II".into(),
                    deadline: Some("2027-01-31".into()),
                    reason: "Cubre 3 de 3 requisitos obligatorios".into(),
                    url: "https://factoria.example/challenges/ch-007".into(),
                }],
                settings_url: "https://factoria.example/account/alerts".into(),
            }),
            EmailContent::ChallengeUpdate(ChallengeUpdate {
                name: "Lucía Ortega".into(),
                challenge_title: HOSTILE.into(),
                deadline_soon: true,
                deadline: "2027-01-31".into(),
                url: "https://factoria.example/challenges/ch-007".into(),
            }),
            EmailContent::ProposalReceipt(ProposalReceipt {
                name: "Lucía Ortega".into(),
                company_name: HOSTILE.into(),
                challenge_title: "Detección temprana de fugas".into(),
                submitted_at: "31 de enero de 2027, 14:00 (hora de Madrid)".into(),
                digest: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
                deadline: "15 de febrero de 2027, 14:00 (hora de Madrid)".into(),
                proposal_url: "https://factoria.example/challenges/ch-007/proposal".into(),
            }),
            EmailContent::CallNotice(CallNotice {
                name: "Lucía Ortega".into(),
                challenge_title: "Detección temprana de fugas".into(),
                answered: Some(Answered {
                    question: HOSTILE.into(),
                    answer: "Sí, los datos de caudal se comparten cada hora.".into(),
                }),
                questions_deadline: Some("10 de febrero de 2027, 14:00 (hora de Madrid)".into()),
                proposals_deadline: None,
                url: "https://factoria.example/challenges/ch-007#questions".into(),
            }),
            EmailContent::CallResult(CallResult {
                name: "Lucía Ortega".into(),
                company_name: "Fugas Cero S.L.".into(),
                challenge_title: "Detección temprana de fugas".into(),
                selected: true,
                total: Some("7,45".into()),
                scores: vec![ScoreLine {
                    criterion: "Calidad técnica".into(),
                    weight: 60,
                    score: "8,5".into(),
                    justifications: vec![HOSTILE.into(), "Piloto bien planteado.".into()],
                }],
                url: "https://factoria.example/challenges/ch-007#result".into(),
            }),
            EmailContent::FollowedDigest(FollowedDigest {
                name: "Lucía Ortega".into(),
                period: DigestPeriod::Week,
                challenges: vec![ChallengeNews {
                    challenge_title: HOSTILE.into(),
                    url: "https://factoria.example/challenges/ch-007".into(),
                    changed: true,
                    answers: vec![Answered {
                        question: "¿Se comparten los datos de caudal?".into(),
                        answer: HOSTILE.into(),
                    }],
                    questions_deadline: None,
                    proposals_deadline: Some(
                        "15 de febrero de 2027, 14:00 (hora de Madrid)".into(),
                    ),
                }],
                settings_url: "https://factoria.example/account/alerts".into(),
            }),
        ]
    }

    #[test]
    fn every_email_in_both_languages() {
        let footer = Footer {
            unsubscribe_url: Some("https://factoria.example/email/unsubscribe?token=t".into()),
        };
        for content in samples() {
            for es in [true, false] {
                let rendered = render(&content, es, &footer).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    !rendered.html.contains("<script>"),
                    "{} escapes user content in HTML",
                    content.template()
                );
                assert!(!rendered.subject.contains('\n'));
                let name = format!("{}_{}", content.template(), if es { "es" } else { "en" });
                insta::assert_snapshot!(
                    name,
                    format!(
                        "Subject: {}\n\n--- text ---\n{}\n--- html ---\n{}",
                        rendered.subject, rendered.text, rendered.html
                    )
                );
            }
        }
    }

    #[test]
    fn user_content_is_escaped_in_html_and_kept_in_text() {
        let content = EmailContent::IntroductionDeclined(IntroductionDeclined {
            officer_name: "Ana".into(),
            company_name: "Fugas".into(),
            challenge_title: "Reto".into(),
            reason: Some(HOSTILE.into()),
            pipeline_url: "https://factoria.example/p".into(),
        });
        let rendered = render(&content, true, &Footer::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(rendered.text.contains(HOSTILE));
        assert!(
            rendered
                .html
                .contains("Acme &#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62; &#38; Co"),
            "{}",
            rendered.html
        );
    }

    #[test]
    fn links_to_an_unproven_address_greet_nobody_by_name() {
        for content in [
            EmailContent::LoginLink(Link {
                name: String::new(),
                url: "https://f.example/l".into(),
            }),
            EmailContent::PasswordReset(Link {
                name: String::new(),
                url: "https://f.example/r".into(),
            }),
        ] {
            let es = render(&content, true, &Footer::default()).unwrap_or_else(|e| panic!("{e}"));
            assert!(es.text.starts_with("Hola:"), "{}", es.text);
            let en = render(&content, false, &Footer::default()).unwrap_or_else(|e| panic!("{e}"));
            assert!(en.text.starts_with("Hello,"), "{}", en.text);
        }
    }

    #[test]
    fn what_is_kept_of_a_sent_email_holds_no_single_use_link() {
        for content in samples() {
            let kept = serde_json::to_string(&content.without_live_links()).unwrap_or_default();
            assert!(!kept.contains("token="), "{}: {kept}", content.template());
        }
    }
}
