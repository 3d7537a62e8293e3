//! What administrators see of the platform: its users and departments, and the job queue with
//! its failures. Administrators only; every function checks.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::{Actor, Result};
use crate::context::Context;
use crate::db::entities::{challenge, department, email, job, membership, user};

/// Failures listed at most.
const FAILURES_SHOWN: u64 = 50;

/// A user as administrators see them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    /// Id.
    pub id: i64,
    /// Address.
    pub email: String,
    /// Name.
    pub name: String,
    /// Administrator.
    pub administrator: bool,
    /// Confirmed address.
    pub verified: bool,
    /// Departments they are an officer of, by name.
    pub officer_of: Vec<String>,
    /// Member of at least one company.
    pub company_member: bool,
}

/// A department with the number of its challenges.
#[derive(Debug, Clone)]
pub struct DepartmentView {
    /// Name.
    pub name: String,
    /// Challenges of any status.
    pub challenges: usize,
}

/// Every user, oldest first.
pub async fn users(ctx: &Context, actor: &Actor) -> Result<Vec<UserView>> {
    actor.check_admin()?;
    let users = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(&ctx.db)
        .await?;
    let memberships = membership::Entity::find().all(&ctx.db).await?;
    let departments = department::Entity::find().all(&ctx.db).await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let theirs: Vec<&membership::Model> =
                memberships.iter().filter(|m| m.user_id == u.id).collect();
            UserView {
                id: u.id,
                email: u.email,
                name: u.name,
                administrator: u.is_admin,
                verified: u.email_verified_at.is_some(),
                officer_of: theirs
                    .iter()
                    .filter_map(|m| m.department_id)
                    .filter_map(|id| departments.iter().find(|d| d.id == id))
                    .map(|d| d.name.clone())
                    .collect(),
                company_member: theirs.iter().any(|m| m.company_id.is_some()),
            }
        })
        .collect())
}

/// Every department by name, with its number of challenges.
pub async fn departments(ctx: &Context, actor: &Actor) -> Result<Vec<DepartmentView>> {
    actor.check_admin()?;
    let departments = department::Entity::find()
        .order_by_asc(department::Column::Name)
        .all(&ctx.db)
        .await?;
    let owners: Vec<i64> = challenge::Entity::find()
        .select_only()
        .column(challenge::Column::DepartmentId)
        .into_tuple()
        .all(&ctx.db)
        .await?;
    Ok(departments
        .into_iter()
        .map(|d| DepartmentView {
            challenges: owners.iter().filter(|owner| **owner == d.id).count(),
            name: d.name,
        })
        .collect())
}

/// Jobs of one kind in one state.
#[derive(Debug, Clone)]
pub struct QueueLine {
    /// Kind of job.
    pub kind: String,
    /// queued, done or failed.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// Something that failed for good.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The job's kind, or the email's template and recipient.
    pub what: String,
    /// When it was created (emails) or last tried (jobs).
    pub when: DateTime<Utc>,
    /// Attempts made.
    pub attempts: i32,
    /// The last error.
    pub error: String,
}

/// The job queue by kind and state, and the latest emails and jobs that failed for good.
#[derive(Debug, Clone)]
pub struct QueueReport {
    /// Counts by kind and state.
    pub queue: Vec<QueueLine>,
    /// Emails that failed for good, newest first.
    pub failed_emails: Vec<Failure>,
    /// Jobs that failed for good, newest first.
    pub failed_jobs: Vec<Failure>,
}

/// The state of the job queue.
pub async fn queue(ctx: &Context, actor: &Actor) -> Result<QueueReport> {
    actor.check_admin()?;
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
        .all(&ctx.db)
        .await?;
    let emails = email::Entity::find()
        .filter(email::Column::Status.eq("failed"))
        .order_by_desc(email::Column::CreatedAt)
        .limit(FAILURES_SHOWN)
        .all(&ctx.db)
        .await?;
    let jobs = job::Entity::find()
        .filter(job::Column::Status.eq("failed"))
        .order_by_desc(job::Column::UpdatedAt)
        .limit(FAILURES_SHOWN)
        .all(&ctx.db)
        .await?;
    Ok(QueueReport {
        queue: queue
            .into_iter()
            .map(|(kind, status, count)| QueueLine {
                kind,
                status,
                count,
            })
            .collect(),
        failed_emails: emails
            .into_iter()
            .map(|e| Failure {
                what: format!("{} → {}", e.template, e.recipient),
                when: e.created_at,
                attempts: e.attempts,
                error: e.last_error.unwrap_or_default(),
            })
            .collect(),
        failed_jobs: jobs
            .into_iter()
            .map(|j| Failure {
                what: j.kind,
                when: j.updated_at,
                attempts: j.attempts,
                error: j.last_error.unwrap_or_default(),
            })
            .collect(),
    })
}
