//! Administration pages: analytics, users and departments, the job queue and failed emails.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use factoria_frontend::pages::admin::{
    Analytics, BarChart, FailureRow, Figure, Jobs, QueueRow, UserRow, Users,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use super::{FormData, Page, error_page, redirect_with_notice, show};
use crate::db::entities::{challenge, department, email, job, membership, user};
use crate::domain::{Error, analytics, auth};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::Email;
use crate::types::validation::FieldErrors;

/// Failures listed at most.
const FAILURES_SHOWN: u64 = 50;

/// A signed-in administrator, or the response to give instead.
fn require_admin(page: &Page) -> Result<(), Response> {
    let user = page.user()?;
    if !user.is_admin {
        return Err(error_page(page, &Error::forbidden("administrators only")));
    }
    Ok(())
}

/// A form posted by an administrator, with the session's token.
fn admin_form(page: &Page, form: &FormData) -> Result<(), Response> {
    require_admin(page)?;
    page.check_csrf(form)
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.0} %", s * 100.0))
}

async fn analytics_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let figures = match analytics::compute(&state.ctx, &page.actor).await {
        Ok(figures) => figures,
        Err(error) => return error_page(&page, &error),
    };
    let stage = |s: &str| match s {
        "introduced" => page.t("Presentadas", "Introduced"),
        "accepted" => page.t("Aceptadas", "Accepted"),
        "meeting" => page.t("Reunión", "Meeting"),
        "pilot" => page.t("Piloto", "Pilot"),
        "contract" => page.t("Contrato", "Contract"),
        other => other.to_owned(),
    };
    let funnel: Vec<(String, f64)> = figures
        .funnel
        .iter()
        .map(|(s, n)| (stage(s), *n as f64))
        .collect();
    let count = |v: f64| format!("{v:.0}");
    let top_sectors: Vec<_> = figures.coverage.iter().take(12).collect();
    let demand: Vec<(String, f64)> = top_sectors
        .iter()
        .map(|(s, _, challenges)| (s.clone(), *challenges as f64))
        .collect();
    let supply: Vec<(String, f64)> = top_sectors
        .iter()
        .map(|(s, companies, _)| (s.clone(), *companies as f64))
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
    let figures = vec![
        Figure {
            label: page.t(
                "Tasa de respuesta a presentaciones",
                "Reply rate to introductions",
            ),
            value: percent(figures.reply_rate),
        },
        Figure {
            label: page.t("Aceptadas de las respondidas", "Accepted of those answered"),
            value: percent(figures.acceptance_rate),
        },
        Figure {
            label: page.t(
                "Mediana de días hasta la primera presentación",
                "Median days to the first introduction",
            ),
            value: figures
                .median_days_to_introduction
                .map_or_else(|| "—".into(), |d| format!("{d:.1}")),
        },
        Figure {
            label: page.t("Pymes entre las empresas", "SMEs among companies"),
            value: percent(figures.sme_share),
        },
        Figure {
            label: page.t("Presentaciones a pymes", "Introductions to SMEs"),
            value: percent(figures.sme_share_of_introductions),
        },
    ];
    show(Analytics {
        frame: page.frame("Indicadores", "Analytics"),
        figures,
        charts,
    })
}

async fn users_page(State(state): State<AppState>, page: Page) -> Response {
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let loaded = async {
        let users = user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(&state.ctx.db)
            .await?;
        let memberships = membership::Entity::find().all(&state.ctx.db).await?;
        let departments = department::Entity::find()
            .order_by_asc(department::Column::Name)
            .all(&state.ctx.db)
            .await?;
        let challenges = challenge::Entity::find()
            .select_only()
            .column(challenge::Column::DepartmentId)
            .into_tuple::<i64>()
            .all(&state.ctx.db)
            .await?;
        Ok::<_, Error>((users, memberships, departments, challenges))
    };
    let (users, memberships, departments, challenges) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&page, &error),
    };
    let users = users
        .into_iter()
        .map(|u| {
            let mine: Vec<&membership::Model> =
                memberships.iter().filter(|m| m.user_id == u.id).collect();
            let mut roles = Vec::new();
            if u.is_admin {
                roles.push(page.t("administración", "administrator"));
            }
            for m in &mine {
                if let Some(d) = m
                    .department_id
                    .and_then(|id| departments.iter().find(|d| d.id == id))
                {
                    roles.push(format!(
                        "{} ({})",
                        page.t("responsable de retos", "officer"),
                        d.name
                    ));
                }
            }
            if mine.iter().any(|m| m.company_id.is_some()) {
                roles.push(page.t("empresa", "company"));
            }
            UserRow {
                id: u.id,
                name: u.name,
                email: u.email,
                roles: roles.join(", "),
                admin: u.is_admin,
                verified: u.email_verified_at.is_some(),
            }
        })
        .collect();
    let departments = departments
        .into_iter()
        .map(|d| (d.name, challenges.iter().filter(|c| **c == d.id).count()))
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
    if let Err(response) = admin_form(&page, &form) {
        return response;
    }
    if let Err(limited) = state.limits.check_actor(Action::Notify, &page.actor, &ip) {
        return error_page(&page, &limited.0);
    }
    let mut faults = FieldErrors::default();
    let email = Email::parse(form.get("email"))
        .map_err(|m| faults.push("email", m))
        .ok();
    for field in ["name", "department"] {
        if form.get(field).is_empty() {
            faults.push(field, "is required");
        }
    }
    let Some(email) = email.filter(|_| faults.is_empty()) else {
        return error_page(&page, &Error::Invalid(faults));
    };
    let locale = if page.es { "es" } else { "en" };
    match auth::invite_officer(
        &state.ctx,
        &page.actor,
        &email,
        form.get("name"),
        form.get("department"),
        locale,
    )
    .await
    {
        Ok(_) => redirect_with_notice(
            "/admin/users",
            &format!(
                "{} {}.",
                page.t("Invitación enviada a", "Invitation sent to"),
                email.as_str()
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
    if let Err(response) = admin_form(&page, &form) {
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
    if let Err(response) = admin_form(&page, &form) {
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
    if let Err(response) = require_admin(&page) {
        return response;
    }
    let loaded = async {
        let queue: Vec<(String, String, i64)> = job::Entity::find()
            .select_only()
            .column(job::Column::Kind)
            .column(job::Column::Status)
            .column_as(job::Column::Id.count(), "count")
            .group_by(job::Column::Kind)
            .group_by(job::Column::Status)
            .order_by_asc(job::Column::Kind)
            .order_by_asc(job::Column::Status)
            .into_tuple()
            .all(&state.ctx.db)
            .await?;
        let emails = email::Entity::find()
            .filter(email::Column::Status.eq("failed"))
            .order_by_desc(email::Column::CreatedAt)
            .limit(FAILURES_SHOWN)
            .all(&state.ctx.db)
            .await?;
        let jobs = job::Entity::find()
            .filter(job::Column::Status.eq("failed"))
            .order_by_desc(job::Column::UpdatedAt)
            .limit(FAILURES_SHOWN)
            .all(&state.ctx.db)
            .await?;
        Ok::<_, Error>((queue, emails, jobs))
    };
    let (queue, emails, jobs) = match loaded.await {
        Ok(loaded) => loaded,
        Err(error) => return error_page(&page, &error),
    };
    show(Jobs {
        frame: page.frame("Cola de tareas", "Job queue"),
        queue: queue
            .into_iter()
            .map(|(kind, status, count)| QueueRow {
                kind,
                status,
                count,
            })
            .collect(),
        failed_emails: emails
            .into_iter()
            .map(|e| FailureRow {
                what: format!("{} → {}", e.template, e.recipient),
                when: e.created_at.format("%d/%m/%Y %H:%M").to_string(),
                attempts: e.attempts,
                error: e.last_error.unwrap_or_default(),
            })
            .collect(),
        failed_jobs: jobs
            .into_iter()
            .map(|j| FailureRow {
                what: j.kind,
                when: j.updated_at.format("%d/%m/%Y %H:%M").to_string(),
                attempts: j.attempts,
                error: j.last_error.unwrap_or_default(),
            })
            .collect(),
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
