//! Tenders published elsewhere in the Open Contracting Data Standard (a regional procurement
//! portal's release or record package) as draft challenges: a department reviews a draft before
//! anything is published. Each release becomes the draft of its `ocid` (our own prefix dropped,
//! so an export imports back under the same ids); a release that cannot become one is skipped
//! and reported, and importing a file again changes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::records::{ChallengeSpec, Upserted};
use super::{Error, Result, challenges};
use crate::context::Context;
use crate::db::{self, entities::challenge};
use crate::types::ChallengeStatus;
use crate::types::validation::{FieldErrors, UnknownFields};

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct OcdsImport {
    /// New drafts.
    pub created: usize,
    /// Drafts changed.
    pub updated: usize,
    /// Drafts that already said the same.
    pub unchanged: usize,
    /// One line per release not imported: `ocid (pointer): reason`.
    pub skipped: Vec<String>,
}

/// A fault of the file as a whole, naming it and the JSON pointer of the first problem.
fn refuse(path: &Path, pointer: &str, message: impl Into<String>) -> Error {
    Error::Invalid(FieldErrors::one(
        format!("{}#{pointer}", path.display()),
        message.into(),
    ))
}

/// The releases of a release package, or of a record package (each record's compiled release,
/// else its last embedded release), with the pointer each was read at.
fn releases_of(path: &Path, package: &Value) -> Result<Vec<(String, Value)>> {
    let Some(object) = package.as_object() else {
        return Err(refuse(path, "", "an OCDS package is a JSON object"));
    };
    if let Some(releases) = object.get("releases") {
        let Some(releases) = releases.as_array() else {
            return Err(refuse(path, "/releases", "must be an array of releases"));
        };
        return Ok(releases
            .iter()
            .enumerate()
            .map(|(i, r)| (format!("/releases/{i}"), r.clone()))
            .collect());
    }
    if let Some(records) = object.get("records") {
        let Some(records) = records.as_array() else {
            return Err(refuse(path, "/records", "must be an array of records"));
        };
        return Ok(records
            .iter()
            .enumerate()
            .map(|(i, record)| match record.get("compiledRelease") {
                Some(compiled) => (format!("/records/{i}/compiledRelease"), compiled.clone()),
                None => {
                    let releases = record["releases"].as_array().map_or(&[][..], Vec::as_slice);
                    let last = releases.len().saturating_sub(1);
                    (
                        format!("/records/{i}/releases/{last}"),
                        releases.last().cloned().unwrap_or(Value::Null),
                    )
                }
            })
            .collect());
    }
    Err(refuse(
        path,
        "",
        "neither a release package (`releases`) nor a record package (`records`)",
    ))
}

/// The buyer's name: `buyer.name`, else the party whose roles include `buyer`.
fn buyer_of(release: &Value) -> Option<String> {
    let named = |v: &Value| {
        v["name"]
            .as_str()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
    };
    named(&release["buyer"]).or_else(|| {
        release["parties"].as_array()?.iter().find_map(|party| {
            let roles = party["roles"].as_array()?;
            roles
                .iter()
                .any(|r| r == "buyer")
                .then(|| named(party))
                .flatten()
        })
    })
}

/// The day an OCDS instant falls on in Madrid (`…T22:00:00Z` in summer is the next day there).
fn madrid_date(text: &str) -> Option<NaiveDate> {
    let instant = DateTime::parse_from_rfc3339(text).ok()?.to_utc();
    let winter = instant + Duration::hours(1);
    let summer = super::ocds::madrid_offset(winter.date_naive()) == "+02:00";
    Some((instant + Duration::hours(if summer { 2 } else { 1 })).date_naive())
}

/// A release as an interchange record of a draft, or why it cannot be one.
fn record_of(release: &Value, prefix: &str) -> std::result::Result<(String, Value), String> {
    let ocid = release["ocid"]
        .as_str()
        .filter(|o| !o.trim().is_empty())
        .ok_or("no `ocid`")?;
    let tender = &release["tender"];
    let title = tender["title"]
        .as_str()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or("no `tender.title`")?;
    let buyer =
        buyer_of(release).ok_or("no buyer (`buyer.name` or a party with the role `buyer`)")?;
    let id = ocid
        .strip_prefix(&format!("{prefix}-"))
        .unwrap_or(ocid)
        .to_owned();
    let cpv: Vec<&str> = tender["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|item| &item["classification"])
        .filter(|c| {
            c["scheme"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case("CPV"))
        })
        .filter_map(|c| c["id"].as_str())
        .collect();
    let mut record = json!({
        "id": id,
        "title": title,
        "department": buyer,
        "description": tender["description"].as_str().filter(|d| !d.trim().is_empty()).unwrap_or(title),
        "cpv": cpv,
        "status": "draft",
    });
    if let Some(language) = release["language"]
        .as_str()
        .filter(|l| matches!(*l, "es" | "en"))
    {
        record["language"] = json!(language);
    }
    if tender["value"]["currency"] == "EUR"
        && let Some(amount) = tender["value"]["amount"].as_f64()
    {
        record["budget_eur"] = json!(amount);
    }
    if let Some(deadline) = tender["tenderPeriod"]["endDate"]
        .as_str()
        .and_then(madrid_date)
    {
        record["deadline"] = json!(deadline.to_string());
    }
    Ok((ocid.to_owned(), record))
}

/// Imports the tenders of the OCDS package at `path` as drafts; ids under `prefix` are ours.
pub async fn import(ctx: &Context, path: &Path, prefix: &str) -> Result<OcdsImport> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| refuse(path, "", format!("cannot be read: {e}")))?;
    let package: Value =
        serde_json::from_str(&text).map_err(|e| refuse(path, "", format!("not JSON: {e}")))?;
    let mut report = OcdsImport::default();
    // The last release of an ocid in the file wins, as in a record.
    let mut drafts: BTreeMap<String, (String, ChallengeSpec)> = BTreeMap::new();
    for (pointer, release) in releases_of(path, &package)? {
        let label = release["ocid"].as_str().unwrap_or("(no ocid)").to_owned();
        let parsed = record_of(&release, prefix).and_then(|(ocid, record)| {
            ChallengeSpec::parse(&record, UnknownFields::Reject)
                .map(|(spec, _)| (ocid, spec))
                .map_err(|errors| {
                    errors
                        .0
                        .iter()
                        .map(|e| format!("{}: {}", e.field, e.message))
                        .collect::<Vec<_>>()
                        .join("; ")
                })
        });
        match parsed {
            Ok((ocid, spec)) => {
                drafts.insert(ocid, (pointer, spec));
            }
            Err(reason) => report
                .skipped
                .push(format!("{label} ({pointer}): {reason}")),
        }
    }
    let tx = db::begin_write(&ctx.db).await?;
    for (ocid, (pointer, spec)) in &drafts {
        let id = spec.external_id.clone().unwrap_or_default();
        let existing = challenge::Entity::find()
            .filter(challenge::Column::ExternalId.eq(id.as_str()))
            .one(&tx)
            .await?;
        if let Some(row) = existing.filter(|r| r.status != ChallengeStatus::Draft) {
            report.skipped.push(format!(
                "{ocid} ({pointer}): challenge {id} is already {}; an import never changes a public challenge",
                row.status.as_str()
            ));
            continue;
        }
        let department = spec.department.as_deref().unwrap_or_default();
        let department_id = challenges::department_id_by_name(&tx, department).await?;
        let (_, outcome) =
            challenges::upsert(&tx, spec, department_id, ChallengeStatus::Draft, None).await?;
        match outcome {
            Upserted::Created => report.created += 1,
            Upserted::Updated => report.updated += 1,
            Upserted::Unchanged => report.unchanged += 1,
        }
    }
    tx.commit().await?;
    ctx.search.notify_change();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_read_as_days_in_madrid() {
        let day = |text: &str| madrid_date(text).map(|d| d.to_string());
        assert_eq!(
            day("2027-06-30T23:59:59+02:00").as_deref(),
            Some("2027-06-30")
        );
        assert_eq!(day("2027-06-30T22:30:00Z").as_deref(), Some("2027-07-01"));
        assert_eq!(day("2027-01-15T23:30:00Z").as_deref(), Some("2027-01-16"));
        assert_eq!(day("2027-01-15T22:30:00Z").as_deref(), Some("2027-01-15"));
        assert_eq!(day("not a date"), None);
    }

    #[test]
    fn a_release_without_title_or_buyer_is_not_a_draft() {
        let release = json!({"ocid": "ocds-x-1", "tender": {"title": "T"}});
        assert!(record_of(&release, "ocds-x").is_err_and(|e| e.contains("buyer")));
        let release = json!({"ocid": "ocds-x-1", "buyer": {"name": "B"}, "tender": {}});
        assert!(record_of(&release, "ocds-x").is_err_and(|e| e.contains("tender.title")));
        let release = json!({
            "ocid": "ocds-x-1",
            "parties": [{"name": "Consejería", "roles": ["buyer"]}],
            "tender": {"title": "T", "items": [{"classification": {"scheme": "cpv", "id": "72000000-5"}}],
                       "value": {"amount": 1000, "currency": "EUR"}}
        });
        let (ocid, record) = record_of(&release, "ocds-x").unwrap_or_default();
        assert_eq!(ocid, "ocds-x-1");
        assert_eq!(record["id"], "1");
        assert_eq!(record["department"], "Consejería");
        assert_eq!(record["cpv"], json!(["72000000-5"]));
        assert_eq!(record["budget_eur"], json!(1000.0));
    }
}
