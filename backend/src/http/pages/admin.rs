//! Administration pages: analytics, users and departments, the job queue and failed emails.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use factoria_frontend::pages::admin::{
    Analytics, BarChart, FailureRow, Figure, Jobs, QueueRow, UserRow, Users,
};

use factoria_frontend::layout::FormErrors;

use super::{
    FormData, Page, error_page, first_value, form_errors, labels, redirect_with_notice, show,
};
use crate::domain::{Error, admin, analytics, auth};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::validation::FieldErrors;

/// A share as each language writes it: «45 %», "45%".
fn percent(share: Option<f64>, es: bool) -> String {
    let space = if es { " " } else { "" };
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.0}{space}%", s * 100.0))
}

/// The period typed in the analytics form: its days, or the faults of its fields.
fn read_period(pairs: &[(String, String)]) -> std::result::Result<analytics::Period, FieldErrors> {
    let mut errors = FieldErrors::default();
    let mut day = |name: &str| {
        let text = first_value(pairs, name).unwrap_or_default().trim();
        if text.is_empty() {
            return None;
        }
        let parsed = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
        if parsed.is_none() {
            errors.push(name, "is not a date: write it as YYYY-MM-DD");
        }
        parsed
    };
    let period = analytics::Period {
        from: day("from"),
        to: day("to"),
    };
    if let (Some(from), Some(to)) = (period.from, period.to)
        && to < from
    {
        errors.push("to", "is before the first day");
    }
    match errors.is_empty() {
        true => Ok(period),
        false => Err(errors),
    }
}

async fn analytics_page(
    State(state): State<AppState>,
    page: Page,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let (period, errors) = match read_period(&pairs) {
        Ok(period) => (period, FormErrors::default()),
        Err(faults) => (
            analytics::Period::default(),
            form_errors(&faults, |_| None, page.es),
        ),
    };
    let figures = match analytics::compute(&state.ctx, &page.actor, period).await {
        Ok(figures) => figures,
        Err(error) => return error_page(&page, &error),
    };
    let funnel: Vec<(String, f64)> = figures
        .funnel
        .iter()
        .map(|(s, n)| (labels::funnel_step(&page, *s), *n as f64))
        .collect();
    let count = |v: f64| format!("{v:.0}");
    let sector = |key: &String| factoria_frontend::sectors::name(key, page.es);
    let top_sectors: Vec<_> = figures.coverage.iter().take(12).collect();
    // Each chart sorted by its own value, largest first.
    let sorted = |mut bars: Vec<(String, f64)>| {
        bars.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        bars
    };
    let demand = sorted(
        top_sectors
            .iter()
            .map(|(s, _, challenges)| (sector(s), *challenges as f64))
            .collect(),
    );
    let supply = sorted(
        top_sectors
            .iter()
            .map(|(s, companies, _)| (sector(s), *companies as f64))
            .collect(),
    );
    let trend: Vec<(String, f64)> = figures
        .trend
        .iter()
        .map(|(month, made)| {
            (
                factoria_frontend::dates::month(page.es, *month),
                *made as f64,
            )
        })
        .collect();
    let charts = vec![
        BarChart::new(
            "funnel",
            &page.t("Embudo de presentaciones", "Introductions funnel"),
            &page.t("Presentaciones", "Introductions"),
            &funnel,
            count,
        ),
        BarChart::new(
            "trend",
            &page.t("Presentaciones por mes", "Introductions by month"),
            &page.t("Presentaciones", "Introductions"),
            &trend,
            count,
        ),
        BarChart::new(
            "demand",
            &page.t("Retos abiertos por sector", "Open challenges by sector"),
            &page.t("Retos", "Challenges"),
            &demand,
            count,
        ),
        BarChart::new(
            "supply",
            &page.t("Empresas por sector", "Companies by sector"),
            &page.t("Empresas", "Companies"),
            &supply,
            count,
        ),
    ];
    let figures_by_department: Vec<(String, usize, usize, usize)> = figures
        .by_department
        .iter()
        .map(|d| (d.name.clone(), d.published, d.introductions, d.accepted))
        .collect();
    let figures = vec![
        Figure {
            label: page.t(
                "Tasa de respuesta a presentaciones",
                "Reply rate to introductions",
            ),
            value: percent(figures.reply_rate, page.es),
        },
        Figure {
            label: page.t("Aceptadas de las respondidas", "Accepted of those answered"),
            value: percent(figures.acceptance_rate, page.es),
        },
        Figure {
            label: page.t(
                "Mediana de días hasta la primera presentación",
                "Median days to the first introduction",
            ),
            value: figures.median_days_to_introduction.map_or_else(
                || "—".into(),
                |d| {
                    let text = format!("{d:.1}");
                    if page.es {
                        text.replace('.', ",")
                    } else {
                        text
                    }
                },
            ),
        },
        Figure {
            label: page.t("Pymes entre las empresas", "SMEs among companies"),
            value: percent(figures.sme_share, page.es),
        },
        Figure {
            label: page.t("Presentaciones a pymes", "Introductions to SMEs"),
            value: percent(figures.sme_share_of_introductions, page.es),
        },
    ];
    let departments = figures_by_department.clone();
    show(Analytics {
        frame: page.frame("Indicadores", "Analytics"),
        from: first_value(&pairs, "from").unwrap_or_default().to_owned(),
        to: first_value(&pairs, "to").unwrap_or_default().to_owned(),
        errors,
        figures,
        charts,
        departments,
    })
}

async fn users_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let loaded = async {
        let users = admin::users(&state.ctx, &page.actor).await?;
        let departments = admin::departments(&state.ctx, &page.actor).await?;
        Ok::<_, Error>((users, departments))
    };
    let (users, departments) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&page, &error),
    };
    let users = users
        .into_iter()
        .map(|u| {
            let mut roles = Vec::new();
            if u.administrator {
                roles.push(page.t("administración", "administrator"));
            }
            for department in &u.officer_of {
                roles.push(format!(
                    "{} ({department})",
                    page.t("responsable de retos", "officer")
                ));
            }
            if u.company_member {
                roles.push(page.t("empresa", "company"));
            }
            UserRow {
                id: u.id,
                name: u.name,
                email: u.email,
                roles: roles.join(", "),
                admin: u.administrator,
                verified: u.verified,
            }
        })
        .collect();
    let departments = departments
        .into_iter()
        .map(|d| (d.name, d.challenges))
        .collect();
    show(Users {
        frame: page.frame("Usuarios y departamentos", "Users and departments"),
        users,
        departments,
    })
}

async fn invite(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    if let Err(limited) = state.limits.check_actor(Action::Notify, &page.actor, &ip) {
        return error_page(&page, &limited.0);
    }
    let invitation = auth::Invitation::read(&serde_json::json!({
        "email": form.get("email"),
        "name": form.get("name"),
        "department": form.get("department"),
        "locale": if page.es { "es" } else { "en" },
    }));
    let invitation = match invitation {
        Ok(invitation) => invitation,
        Err(faults) => return error_page(&page, &Error::Invalid(faults)),
    };
    match auth::invite_officer(&state.ctx, &page.actor, &invitation).await {
        Ok(_) => redirect_with_notice(
            "/admin/users",
            &format!(
                "{} {}.",
                page.t("Invitación enviada a", "Invitation sent to"),
                invitation.email.as_str()
            ),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn end_sessions(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    match auth::end_sessions(&state.ctx, &page.actor, id).await {
        Ok(n) => redirect_with_notice(
            "/admin/users",
            &format!("{} {n}.", page.t("Sesiones cerradas:", "Sessions ended:")),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn set_administrator(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<i64>,
    form: FormData,
) -> Response {
    if let Err(response) = page.signed_form(&form) {
        return response;
    }
    match auth::set_admin(&state.ctx, &page.actor, id, form.flag("admin")).await {
        Ok(()) => redirect_with_notice(
            "/admin/users",
            &page.t("Permisos cambiados.", "Roles changed."),
        ),
        Err(error) => error_page(&page, &error),
    }
}

async fn jobs_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    let report = match admin::queue(&state.ctx, &page.actor).await {
        Ok(report) => report,
        Err(error) => return error_page(&page, &error),
    };
    let failure = |f: admin::Failure| FailureRow {
        what: f.what,
        when: f.when.format("%d/%m/%Y %H:%M").to_string(),
        attempts: f.attempts,
        error: f.error,
    };
    show(Jobs {
        frame: page.frame("Cola de tareas", "Job queue"),
        queue: report
            .queue
            .into_iter()
            .map(|line| QueueRow {
                kind: line.kind,
                status: line.status,
                count: line.count,
            })
            .collect(),
        failed_emails: report.failed_emails.into_iter().map(failure).collect(),
        failed_jobs: report.failed_jobs.into_iter().map(failure).collect(),
    })
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(analytics_page))
        .route("/admin/users", get(users_page))
        .route("/admin/invite", post(invite))
        .route("/admin/users/{id}/sessions", post(end_sessions))
        .route("/admin/users/{id}/administrator", post(set_administrator))
        .route("/admin/jobs", get(jobs_page))
}
