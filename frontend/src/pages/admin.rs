//! Administration: analytics with charts drawn as SVG on the server (each with its data table),
//! users and departments, the job queue and failed emails.

use askama::Template;

use crate::layout::Frame;

/// A bar of a chart, with its geometry computed here so the template only draws.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label.
    pub label: String,
    /// Value shown.
    pub value: String,
    /// Top of the bar.
    pub y: u32,
    /// Width of the bar.
    pub width: u32,
}

/// A horizontal bar chart and the table of its data.
#[derive(Debug, Clone)]
pub struct BarChart {
    /// Id for labelling.
    pub id: String,
    /// Title.
    pub title: String,
    /// Column header of the values.
    pub value_header: String,
    /// Bars.
    pub bars: Vec<Bar>,
    /// Height of the drawing.
    pub height: u32,
}

/// Width of the longest bar.
const BAR_SPACE: f64 = 360.0;
/// Vertical space per bar.
const ROW: u32 = 30;

impl BarChart {
    /// A chart of `(label, value)` pairs; `format` writes a value.
    pub fn new(
        id: &str,
        title: &str,
        value_header: &str,
        data: &[(String, f64)],
        format: impl Fn(f64) -> String,
    ) -> Self {
        let max = data.iter().map(|(_, v)| *v).fold(0.0f64, f64::max);
        let bars = data
            .iter()
            .enumerate()
            .map(|(i, (label, value))| Bar {
                label: label.clone(),
                value: format(*value),
                y: i as u32 * ROW,
                width: if max > 0.0 {
                    ((value / max) * BAR_SPACE)
                        .round()
                        .max(if *value > 0.0 { 2.0 } else { 0.0 }) as u32
                } else {
                    0
                },
            })
            .collect();
        Self {
            id: id.to_owned(),
            title: title.to_owned(),
            value_header: value_header.to_owned(),
            bars,
            height: (data.len() as u32 * ROW).max(ROW),
        }
    }
}

/// Headline figures.
#[derive(Debug, Clone)]
pub struct Figure {
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
}

/// The analytics page.
#[derive(Template)]
#[template(path = "pages/admin_analytics.html")]
pub struct Analytics {
    /// Frame.
    pub frame: Frame,
    /// The period's first day as typed (`YYYY-MM-DD`, empty: open).
    pub from: String,
    /// The period's last day as typed.
    pub to: String,
    /// Faults of the period, shown beside its fields.
    pub errors: crate::layout::FormErrors,
    /// Headline figures.
    pub figures: Vec<Figure>,
    /// Charts.
    pub charts: Vec<BarChart>,
    /// Per department: name, challenges published, introductions, accepted.
    pub departments: Vec<(String, usize, usize, usize)>,
}

/// A user in the admin list.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Address.
    pub email: String,
    /// Roles in words.
    pub roles: String,
    /// Administrator.
    pub admin: bool,
    /// Confirmed address.
    pub verified: bool,
}

/// Users and departments.
#[derive(Template)]
#[template(path = "pages/admin_users.html")]
pub struct Users {
    /// Frame.
    pub frame: Frame,
    /// Users.
    pub users: Vec<UserRow>,
    /// Departments with their number of challenges.
    pub departments: Vec<(String, usize)>,
}

/// Jobs by kind and status.
#[derive(Debug, Clone)]
pub struct QueueRow {
    /// Kind.
    pub kind: String,
    /// Status.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// A failed job or email.
#[derive(Debug, Clone)]
pub struct FailureRow {
    /// What.
    pub what: String,
    /// When.
    pub when: String,
    /// Attempts.
    pub attempts: i32,
    /// Last error.
    pub error: String,
}

/// The job queue and failed emails.
#[derive(Template)]
#[template(path = "pages/admin_jobs.html")]
pub struct Jobs {
    /// Frame.
    pub frame: Frame,
    /// Counts.
    pub queue: Vec<QueueRow>,
    /// Failed emails.
    pub failed_emails: Vec<FailureRow>,
    /// Failed jobs.
    pub failed_jobs: Vec<FailureRow>,
}
