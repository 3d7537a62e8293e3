//! Closed vocabularies of the interchange format.

use std::fmt;

/// A closed vocabulary: one enum used end to end — stored as its text by the database (a
/// sea-orm active enum), read and written as the same text in JSON and the interchange format,
/// and matched by variant everywhere in between.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
            utoipa::ToSchema, sea_orm::EnumIter, sea_orm::DeriveActiveEnum)]
        #[serde(rename_all = "lowercase")]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name { $(#[sea_orm(string_value = $text)] $variant),+ }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// Parses the value case-insensitively.
            pub fn parse(input: &str) -> Result<Self, String> {
                match input.trim().to_ascii_lowercase().as_str() {
                    $($text => Ok($name::$variant),)+
                    _ => Err(format!(concat!("`{}` is not ", $what, ": use one of {}"), input.trim(),
                        [$($text),+].join(", "))),
                }
            }

            /// The value as written in the interchange format.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// A language of the interface and of the texts: Spanish or English.
    Locale, "a language of Factoría", { Es => "es", En => "en" }
);

vocabulary!(
    /// What kind of company publishes a profile.
    CompanyKind, "a kind of company", { Startup => "startup", Sme => "sme", Large => "large" }
);

vocabulary!(
    /// Size class of the EU SME definition (Recommendation 2003/361/EC).
    SizeClass, "an EU size class", { Micro => "micro", Small => "small", Medium => "medium", Large => "large" }
);

vocabulary!(
    /// Where a challenge is in its life: draft → published → closed → awarded, or cancelled.
    ChallengeStatus, "a challenge status", {
        Draft => "draft", Published => "published", Closed => "closed", Awarded => "awarded", Cancelled => "cancelled"
    }
);

vocabulary!(
    /// How a company relates to a challenge it is interested in.
    InterestKind, "a kind of interest", { Follow => "follow", Interest => "interest" }
);

vocabulary!(
    /// Where a company's proposal to a call is: a draft only its members see, submitted (and
    /// still editable until the deadline), withdrawn by the company, then selected or not by
    /// the panel's decision.
    ProposalStatus, "a proposal status", {
        Draft => "draft", Submitted => "submitted", Withdrawn => "withdrawn", Selected => "selected",
        Unselected => "unselected"
    }
);

vocabulary!(
    /// Where an introduction is: introduced → accepted or declined (or expired unanswered), then
    /// meeting → pilot → contract as the officer records them.
    IntroductionStage, "an introduction stage", {
        Introduced => "introduced", Accepted => "accepted", Declined => "declined", Expired => "expired",
        Meeting => "meeting", Pilot => "pilot", Contract => "contract"
    }
);

impl IntroductionStage {
    /// Stages an officer records after acceptance, in order.
    pub const LATER: [IntroductionStage; 3] = [
        IntroductionStage::Meeting,
        IntroductionStage::Pilot,
        IntroductionStage::Contract,
    ];

    /// Accepted, or past acceptance: the company said yes.
    pub fn counts_as_accepted(self) -> bool {
        matches!(
            self,
            IntroductionStage::Accepted
                | IntroductionStage::Meeting
                | IntroductionStage::Pilot
                | IntroductionStage::Contract
        )
    }

    /// Answered by the company (accepted or declined, whatever came after).
    pub fn answered(self) -> bool {
        self.counts_as_accepted() || self == IntroductionStage::Declined
    }

    /// How far along the funnel introduced → accepted → meeting → pilot → contract it reached
    /// (0 for introduced, declined and expired).
    pub fn depth(self) -> usize {
        match self {
            IntroductionStage::Introduced
            | IntroductionStage::Declined
            | IntroductionStage::Expired => 0,
            IntroductionStage::Accepted => 1,
            IntroductionStage::Meeting => 2,
            IntroductionStage::Pilot => 3,
            IntroductionStage::Contract => 4,
        }
    }

    /// The stage an officer records next, if any.
    pub fn next_recorded(self) -> Option<IntroductionStage> {
        match self {
            IntroductionStage::Accepted => Some(IntroductionStage::Meeting),
            IntroductionStage::Meeting => Some(IntroductionStage::Pilot),
            IntroductionStage::Pilot => Some(IntroductionStage::Contract),
            _ => None,
        }
    }
}

impl SizeClass {
    /// Micro, small and medium enterprises, as the EU counts them.
    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }
}

impl ChallengeStatus {
    /// Whether the life cycle allows going from `self` to `to`; the error says why not.
    pub fn check_transition(self, to: ChallengeStatus) -> Result<(), String> {
        use ChallengeStatus::*;
        let allowed = matches!(
            (self, to),
            (Draft, Published)
                | (Published, Closed)
                | (Published, Cancelled)
                | (Closed, Awarded)
                | (Closed, Cancelled)
        );
        if allowed {
            return Ok(());
        }
        Err(match (self, to) {
            (from, to) if from == to => format!("the challenge is already {to}"),
            (Awarded | Cancelled, _) => format!("the challenge is {self}, which is final"),
            (Draft, Closed | Awarded) => format!("a draft cannot be {to}: publish it first"),
            // A cancelled challenge is public (its cancellation is published): a draft, which
            // never was, simply stays a draft.
            (Draft, Cancelled) => {
                "a draft was never published, so there is nothing to cancel: it stays a draft, seen only by its department".to_owned()
            }
            (Published, Awarded) => {
                "a published challenge must be closed before it is awarded".to_owned()
            }
            (_, Draft) => "a challenge cannot go back to draft once published".to_owned(),
            (from, to) => format!("a {from} challenge cannot become {to}"),
        })
    }
}

/// An ISO 639-1 language code. Factoría's pages and emails speak Spanish and English; profiles
/// may list any language a company works in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language([u8; 2]);

const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

impl Language {
    /// Spanish.
    pub const ES: Language = Language(*b"es");
    /// English.
    pub const EN: Language = Language(*b"en");

    /// Parses a two-letter ISO 639-1 code, case-insensitively.
    pub fn parse(input: &str) -> Result<Self, String> {
        let code = input.trim().to_ascii_lowercase();
        match code.as_bytes() {
            [a, b] if ISO_639_1.split(' ').any(|c| c == code) => Ok(Self([*a, *b])),
            _ => Err(format!(
                "`{}` is not a language code: use two letters, like es or en",
                input.trim()
            )),
        }
    }

    /// The two letters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("es")
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabularies_parse_case_insensitively_and_explain_errors() {
        assert_eq!(CompanyKind::parse(" SME "), Ok(CompanyKind::Sme));
        let error = SizeClass::parse("tiny").err().unwrap_or_default();
        assert!(error.contains("micro, small, medium, large"), "{error}");
    }

    #[test]
    fn life_cycle_allows_only_valid_transitions() {
        use ChallengeStatus::*;
        assert!(Draft.check_transition(Published).is_ok());
        assert!(Closed.check_transition(Awarded).is_ok());
        assert!(Draft.check_transition(Awarded).is_err());
        assert!(
            Draft.check_transition(Cancelled).is_err(),
            "cancelling would make a draft public"
        );
        assert!(Awarded.check_transition(Published).is_err());
        assert!(Published.check_transition(Draft).is_err());
        let reason = Published
            .check_transition(Awarded)
            .err()
            .unwrap_or_default();
        assert!(reason.contains("closed before"), "{reason}");
    }

    #[test]
    fn languages_are_iso_codes() {
        assert_eq!(Language::parse("ES"), Ok(Language::ES));
        assert!(Language::parse("xx").is_err());
        assert!(Language::parse("spa").is_err());
    }
}
