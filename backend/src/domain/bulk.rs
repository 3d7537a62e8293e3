//! Bulk import and export of companies and challenges as JSON Lines in the interchange format
//! (the records of [`super::records`], described in `docs/FORMAT.md`).
//!
//! Import upserts by interchange id: a second import of the same files writes nothing. A bad
//! line is reported with its line number and the fields at fault; without `--strict` the good
//! lines are imported, with it nothing is unless every line is good.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;

use sea_orm::{EntityTrait, QueryOrder, TransactionTrait};
use serde::Serialize;
use serde_json::Value;

use super::challenges::{self, UNASSIGNED_DEPARTMENT};
use super::companies;
use super::records::Upserted;
use super::records::{ChallengeSpec, CompanyProfile};
use super::{Error, Result};
use crate::context::Context;
use crate::db::entities::{challenge, company, department};
use crate::db::{self};
use crate::types::ChallengeStatus;
use crate::types::validation::UnknownFields;

/// What happened to the lines of one file.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// New rows.
    pub created: usize,
    /// Changed rows.
    pub updated: usize,
    /// Lines that matched what was stored.
    pub unchanged: usize,
    /// Lines with faults, not imported.
    pub rejected: usize,
}

impl Counts {
    fn add(&mut self, outcome: Upserted) {
        match outcome {
            Upserted::Created => self.created += 1,
            Upserted::Updated => self.updated += 1,
            Upserted::Unchanged => self.unchanged += 1,
        }
    }
}

/// The outcome of an import.
#[derive(Debug, Default, Clone, Serialize)]
pub struct ImportReport {
    /// Companies.
    pub companies: Counts,
    /// Challenges.
    pub challenges: Counts,
    /// One line per rejected line: `file:line: field: message`.
    pub errors: Vec<String>,
    /// Things imported with a remark (ignored fields, repeated ids).
    pub warnings: Vec<String>,
    /// Whether anything was written (false when `--strict` found a fault).
    pub written: bool,
}

/// Lines per transaction when not strict.
const BATCH: usize = 250;

/// Reads a JSON Lines file: (line number, value) for each non-blank line; unreadable lines
/// become errors.
fn read_lines(path: &Path, errors: &mut Vec<String>) -> Result<Vec<(usize, Value)>> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| {
        Error::Invalid(crate::types::validation::FieldErrors::one(
            name.clone(),
            format!("cannot be read: {e}"),
        ))
    })?;
    let mut out = Vec::new();
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let number = i + 1;
        let line = match line {
            Ok(line) => line,
            Err(e) => {
                errors.push(format!(
                    "{name}:{number}: cannot be read as UTF-8 text: {e}"
                ));
                continue;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(&line) {
            Ok(value) => out.push((number, value)),
            Err(e) => errors.push(format!("{name}:{number}: not valid JSON: {e}")),
        }
    }
    Ok(out)
}

/// Parses every line with `parse`, collecting faults as `file:line: field: message`.
fn parse_all<T>(
    path: &Path,
    lines: Vec<(usize, Value)>,
    report: &mut ImportReport,
    parse: impl Fn(
        &Value,
    ) -> std::result::Result<(T, Vec<String>), crate::types::validation::FieldErrors>,
    id_of: impl Fn(&T) -> Option<String>,
) -> (Vec<(usize, T)>, usize) {
    let name = path.display();
    let mut parsed = Vec::new();
    let mut rejected = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (number, value) in lines {
        match parse(&value) {
            Ok((item, ignored)) => {
                for field in ignored {
                    report.warnings.push(format!(
                        "{name}:{number}: field `{field}` is not part of the format and was ignored"
                    ));
                }
                if let Some(id) = id_of(&item)
                    && let Some(first) = seen.insert(id.clone(), number)
                {
                    report.warnings.push(format!("{name}:{number}: id {id} also appears on line {first}; this later line wins"));
                }
                parsed.push((number, item));
            }
            Err(errors) => {
                rejected += 1;
                for e in errors.0 {
                    report
                        .errors
                        .push(format!("{name}:{number}: {}: {}", e.field, e.message));
                }
            }
        }
    }
    (parsed, rejected)
}

/// Imports companies and challenges; `progress` is told how many lines were written.
pub async fn import(
    ctx: &Context,
    companies_file: Option<&Path>,
    challenges_file: Option<&Path>,
    strict: bool,
    progress: &dyn Fn(usize),
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut read_errors = Vec::new();
    let company_lines = match companies_file {
        Some(path) => read_lines(path, &mut read_errors)?,
        None => Vec::new(),
    };
    let challenge_lines = match challenges_file {
        Some(path) => read_lines(path, &mut read_errors)?,
        None => Vec::new(),
    };
    report.errors.extend(read_errors.iter().cloned());
    let read_rejects = |path: Option<&Path>| {
        path.map_or(0, |p| {
            read_errors
                .iter()
                .filter(|e| e.starts_with(&format!("{}:", p.display())))
                .count()
        })
    };
    let (profiles, rejected) = match companies_file {
        Some(path) => parse_all(
            path,
            company_lines,
            &mut report,
            |v| CompanyProfile::parse(v, UnknownFields::Ignore),
            |p| p.external_id.clone(),
        ),
        None => (Vec::new(), 0),
    };
    report.companies.rejected = rejected + read_rejects(companies_file);
    let (specs, rejected) = match challenges_file {
        Some(path) => parse_all(
            path,
            challenge_lines,
            &mut report,
            |v| ChallengeSpec::parse(v, UnknownFields::Ignore),
            |s| s.external_id.clone(),
        ),
        None => (Vec::new(), 0),
    };
    report.challenges.rejected = rejected + read_rejects(challenges_file);
    if strict && !report.errors.is_empty() {
        return Ok(report);
    }
    let batch = if strict { usize::MAX } else { BATCH };
    let mut written = 0;
    let mut tx = db::begin_write(&ctx.db).await?;
    let mut in_batch = 0;
    for (_, profile) in &profiles {
        let (_, outcome) = companies::upsert(&tx, profile).await?;
        report.companies.add(outcome);
        written += 1;
        in_batch += 1;
        if in_batch >= batch {
            tx.commit().await?;
            progress(written);
            tx = db::begin_write(&ctx.db).await?;
            in_batch = 0;
        }
    }
    for (_, spec) in &specs {
        let department = spec.department.as_deref().unwrap_or(UNASSIGNED_DEPARTMENT);
        let department_id = challenges::department_id_by_name(&tx, department).await?;
        let status = spec.status.unwrap_or(ChallengeStatus::Draft);
        let (_, outcome) = challenges::upsert(&tx, spec, department_id, status, None).await?;
        report.challenges.add(outcome);
        written += 1;
        in_batch += 1;
        if in_batch >= batch {
            tx.commit().await?;
            progress(written);
            tx = db::begin_write(&ctx.db).await?;
            in_batch = 0;
        }
    }
    tx.commit().await?;
    progress(written);
    ctx.search.notify_change();
    report.written = true;
    Ok(report)
}

/// Writes every company and every challenge, in the order they were created; returns the counts.
pub async fn export(
    db: &crate::db::Db,
    companies_file: Option<&Path>,
    challenges_file: Option<&Path>,
) -> Result<(usize, usize)> {
    let io = |path: &Path, e: std::io::Error| {
        Error::Internal(anyhow::anyhow!("cannot write {}: {e}", path.display()))
    };
    let tx = db.begin().await?;
    let mut counts = (0, 0);
    if let Some(path) = companies_file {
        let rows = company::Entity::find()
            .order_by_asc(company::Column::Id)
            .all(&tx)
            .await?;
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| io(path, e))?);
        for row in &rows {
            let record = companies::profile_from_row(row)?.to_record(&row.external_id);
            let line = serde_json::to_string(&record).map_err(|e| Error::Internal(e.into()))?;
            writeln!(out, "{line}").map_err(|e| io(path, e))?;
        }
        out.flush().map_err(|e| io(path, e))?;
        counts.0 = rows.len();
    }
    if let Some(path) = challenges_file {
        let departments: HashMap<i64, String> = department::Entity::find()
            .all(&tx)
            .await?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let rows = challenge::Entity::find()
            .order_by_asc(challenge::Column::Id)
            .all(&tx)
            .await?;
        let mut out =
            std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| io(path, e))?);
        for row in &rows {
            let department = departments
                .get(&row.department_id)
                .map(String::as_str)
                .unwrap_or_default();
            let record =
                challenges::spec_from_row(row)?.to_record(&row.external_id, department, row.status);
            let line = serde_json::to_string(&record).map_err(|e| Error::Internal(e.into()))?;
            writeln!(out, "{line}").map_err(|e| io(path, e))?;
        }
        out.flush().map_err(|e| io(path, e))?;
        counts.1 = rows.len();
    }
    tx.commit().await?;
    Ok(counts)
}

/// A stored record as the commands name it: its index key, interchange id and language.
#[derive(Debug, Clone)]
pub struct Named {
    /// Key in the search index.
    pub key: factoria_search::EntityKey,
    /// Interchange id.
    pub external_id: String,
    /// Language code it is written in (`es`, `en`; empty when unknown).
    pub language: String,
}

/// The challenge `id`, or every challenge in the order they were created.
pub async fn challenges_named<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Option<&str>,
) -> Result<Vec<Named>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = challenge::Entity::find().order_by_asc(challenge::Column::Id);
    if let Some(id) = id {
        select = select.filter(challenge::Column::ExternalId.eq(id));
    }
    Ok(select
        .all(conn)
        .await?
        .into_iter()
        .map(|row| Named {
            key: factoria_search::EntityKey::challenge(row.id),
            external_id: row.external_id,
            language: row.language,
        })
        .collect())
}

/// The company `id`, or every company in the order they were created.
pub async fn companies_named<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Option<&str>,
) -> Result<Vec<Named>> {
    use sea_orm::{ColumnTrait, QueryFilter};
    let mut select = company::Entity::find().order_by_asc(company::Column::Id);
    if let Some(id) = id {
        select = select.filter(company::Column::ExternalId.eq(id));
    }
    Ok(select
        .all(conn)
        .await?
        .into_iter()
        .map(|row| Named {
            key: factoria_search::EntityKey::company(row.id),
            external_id: row.external_id,
            language: String::new(),
        })
        .collect())
}
