//! View structs of the web pages, one module per audience.

pub mod account;
pub mod admin;
pub mod call;
pub mod company;
pub mod officer;
pub mod public;

/// A challenge as lists show it.
#[derive(Debug, Clone, Default)]
pub struct ChallengeCard {
    /// Interchange id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Department.
    pub department: String,
    /// Deadline, formatted.
    pub deadline: Option<String>,
    /// Budget, formatted.
    pub budget: Option<String>,
    /// Sectors.
    pub sectors: Vec<String>,
    /// Status word in the page language.
    pub status: String,
    /// Passages with the searched words marked, as safe HTML from the index.
    pub highlights: Vec<String>,
    /// Why it matches ("challenges for you").
    pub reason: Option<String>,
    /// Requirement by requirement, what of the viewer's profile covers it ("challenges for you").
    pub coverage: Vec<CoverageLine>,
    /// The challenge's constraints, met or not, for the viewer's company.
    pub constraints: Vec<ConstraintLine>,
}

/// A requirement line of an explanation.
#[derive(Debug, Clone)]
pub struct CoverageLine {
    /// Must-have.
    pub must: bool,
    /// Requirement.
    pub requirement: String,
    /// What covers it.
    pub covered_by: Option<String>,
    /// strong, partial, weak, none.
    pub strength: String,
    /// Strength in words.
    pub strength_label: String,
}

/// A constraint of an explanation.
#[derive(Debug, Clone)]
pub struct ConstraintLine {
    /// Met.
    pub met: bool,
    /// In words.
    pub detail: String,
}

/// A page that asks before an action that cannot be undone: the same form posted again with
/// `confirmed=1`, or back where the person came from.
#[derive(askama::Template)]
#[template(path = "pages/confirm_action.html")]
pub struct ConfirmAction {
    /// Frame; its title is the question.
    pub frame: crate::layout::Frame,
    /// What will happen.
    pub consequence: String,
    /// Where the form posts.
    pub action: String,
    /// The form's other fields, as they were posted.
    pub fields: Vec<(String, String)>,
    /// The button that does it.
    pub button: String,
    /// Where «No» goes.
    pub back: String,
}

/// One link of a pagination.
#[derive(Debug, Clone)]
pub struct PageLink {
    /// Label.
    pub label: String,
    /// Target.
    pub url: String,
    /// The current page.
    pub current: bool,
}

/// A number with two decimals as each language writes it: `7,45` in Spanish, `7.45` in English.
pub fn decimal(value: f64, es: bool) -> String {
    let text = format!("{value:.2}");
    if es { text.replace('.', ",") } else { text }
}

/// Euros as each language writes them: `180.000 €` in Spanish, `€180,000` in English.
pub fn money(amount: u64, es: bool) -> String {
    if es {
        euros(amount)
    } else {
        let digits = amount.to_string();
        let mut out = String::from("€");
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }
}

/// Formats euros the Spanish way, `180.000 €`.
pub fn euros(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    format!("{out} €")
}

#[cfg(test)]
mod tests {
    #[test]
    fn money_follows_each_language() {
        assert_eq!(super::money(1_250_000, true), "1.250.000 €");
        assert_eq!(super::money(1_250_000, false), "€1,250,000");
        assert_eq!(super::money(900, false), "€900");
    }

    #[test]
    fn euros_are_grouped_by_thousands() {
        assert_eq!(super::euros(180000), "180.000 €");
        assert_eq!(super::euros(950), "950 €");
        assert_eq!(super::euros(1234567), "1.234.567 €");
    }
}

/// Another person saved the record while this form was open: the form keeps what was typed, now
/// set to overwrite the saved version if sent again, and shows where the two differ.
#[derive(Debug, Clone, Default)]
pub struct Conflict {
    /// The version saved in the meantime.
    pub version: i64,
    /// Fields where the saved version differs from the form: label, and the saved value as text.
    pub fields: Vec<(String, String)>,
}
