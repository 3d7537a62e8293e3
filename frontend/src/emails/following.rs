//! News of the challenges a person follows, held for the daily or weekly digest they chose
//! rather than sent one email at a time.

use askama::Template;
use serde::{Deserialize, Serialize};

use super::{Answered, CallNotice, ChallengeUpdate, Footer};

/// One piece of news about a followed challenge, as it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct News {
    /// Challenge title.
    pub challenge_title: String,
    /// The challenge's page.
    pub url: String,
    /// Its text or status changed.
    pub changed: bool,
    /// A question answered for every participant.
    pub answered: Option<Answered>,
    /// The new deadline for questions, in the recipient's words.
    pub questions_deadline: Option<String>,
    /// The new deadline for proposals, in the recipient's words.
    pub proposals_deadline: Option<String>,
}

impl From<&ChallengeUpdate> for News {
    fn from(update: &ChallengeUpdate) -> Self {
        News {
            challenge_title: update.challenge_title.clone(),
            url: update.url.clone(),
            changed: true,
            answered: None,
            questions_deadline: None,
            proposals_deadline: None,
        }
    }
}

impl From<&CallNotice> for News {
    fn from(notice: &CallNotice) -> Self {
        News {
            challenge_title: notice.challenge_title.clone(),
            url: notice.url.clone(),
            changed: false,
            answered: notice.answered.clone(),
            questions_deadline: notice.questions_deadline.clone(),
            proposals_deadline: notice.proposals_deadline.clone(),
        }
    }
}

/// Everything that happened to one followed challenge since the last digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeNews {
    /// Challenge title (the latest one).
    pub challenge_title: String,
    /// The challenge's page.
    pub url: String,
    /// Its text or status changed.
    pub changed: bool,
    /// Questions answered, in the order they were.
    pub answers: Vec<Answered>,
    /// The deadline for questions, when it moved (the latest).
    pub questions_deadline: Option<String>,
    /// The deadline for proposals, when it moved (the latest).
    pub proposals_deadline: Option<String>,
}

/// What a digest of followed challenges covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestPeriod {
    /// The day since the last daily digest.
    Day,
    /// The week since the last weekly digest.
    Week,
    /// What was held before the person chose another pace.
    SinceLast,
}

impl DigestPeriod {
    /// The words that end "News of the challenges you follow, …".
    pub fn words(self, es: bool) -> &'static str {
        match (self, es) {
            (Self::Day, true) => "desde ayer",
            (Self::Day, false) => "since yesterday",
            (Self::Week, true) => "de esta semana",
            (Self::Week, false) => "this week",
            (Self::SinceLast, true) => "desde el último resumen",
            (Self::SinceLast, false) => "since your last digest",
        }
    }
}

/// The news of the challenges a person follows, gathered since their last digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowedDigest {
    /// Recipient's name.
    pub name: String,
    /// What it covers.
    pub period: DigestPeriod,
    /// One entry per challenge, in the order their first news arrived.
    pub challenges: Vec<ChallengeNews>,
    /// Alert settings page.
    pub settings_url: String,
}

impl FollowedDigest {
    /// Gathers `news`, oldest first, into one entry per challenge.
    pub fn gather(
        name: String,
        period: DigestPeriod,
        news: Vec<News>,
        settings_url: String,
    ) -> FollowedDigest {
        let mut challenges: Vec<ChallengeNews> = Vec::new();
        for item in news {
            // One challenge's news link to parts of its page: the page names the challenge.
            let page = item.url.split('#').next().unwrap_or_default().to_owned();
            let entry = match challenges.iter_mut().position(|c| c.url == page) {
                Some(i) => &mut challenges[i],
                None => {
                    challenges.push(ChallengeNews {
                        challenge_title: item.challenge_title.clone(),
                        url: page,
                        changed: false,
                        answers: Vec::new(),
                        questions_deadline: None,
                        proposals_deadline: None,
                    });
                    let last = challenges.len() - 1;
                    &mut challenges[last]
                }
            };
            entry.challenge_title = item.challenge_title;
            entry.changed |= item.changed;
            entry.answers.extend(item.answered);
            if item.questions_deadline.is_some() {
                entry.questions_deadline = item.questions_deadline;
            }
            if item.proposals_deadline.is_some() {
                entry.proposals_deadline = item.proposals_deadline;
            }
        }
        FollowedDigest {
            name,
            period,
            challenges,
            settings_url,
        }
    }
}

email_templates!(
    FollowedDigest,
    [
        "emails/followed_digest/subject.txt",
        "emails/followed_digest/body.txt",
        "emails/followed_digest/body.html"
    ],
    DigestSubject,
    DigestText,
    DigestHtml
);

/// Subject, text and HTML of a digest of followed challenges.
pub(super) fn digest(
    d: &FollowedDigest,
    es: bool,
    footer: &Footer,
) -> Result<(String, String, String), askama::Error> {
    Ok((
        DigestSubject { d, es }.render()?,
        DigestText { d, es, footer }.render()?,
        DigestHtml { d, es, footer }.render()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice(title: &str, question: Option<&str>, proposals: Option<&str>) -> News {
        News::from(&CallNotice {
            name: "Lucía".into(),
            challenge_title: title.into(),
            answered: question.map(|q| Answered {
                question: q.into(),
                answer: "Sí".into(),
            }),
            questions_deadline: None,
            proposals_deadline: proposals.map(str::to_owned),
            url: format!("https://factoria.example/challenges/{title}#questions"),
        })
    }

    #[test]
    fn news_of_one_challenge_is_told_once_with_the_latest_deadline() {
        let digest = FollowedDigest::gather(
            "Lucía".into(),
            DigestPeriod::Week,
            vec![
                notice("fugas", Some("¿Datos horarios?"), None),
                notice("museos", None, Some("1 de marzo")),
                notice("fugas", Some("¿Sensores propios?"), Some("2 de marzo")),
                notice("fugas", None, Some("9 de marzo")),
            ],
            "https://factoria.example/account/alerts".into(),
        );
        let titles: Vec<&str> = digest
            .challenges
            .iter()
            .map(|c| c.challenge_title.as_str())
            .collect();
        assert_eq!(titles, ["fugas", "museos"]);
        assert_eq!(
            digest.challenges[0].url,
            "https://factoria.example/challenges/fugas"
        );
        assert_eq!(digest.challenges[0].answers.len(), 2);
        assert_eq!(
            digest.challenges[0].proposals_deadline.as_deref(),
            Some("9 de marzo")
        );
    }
}
