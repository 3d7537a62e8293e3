//! Challenges as Open Contracting Data Standard 1.1 releases: what a public administration must
//! publish about what it buys. A published challenge is a `tender` release, an awarded one an
//! `award` release, a cancelled one a `tenderCancellation`; drafts are never published. Each
//! change of a challenge (a new `version`) is a new release of the same `ocid`.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::challenges::spec_from_row;
use super::{Result, records::ChallengeSpec};
use crate::context::Context;
use crate::db::entities::{challenge, company, department};
use crate::types::ChallengeStatus;

/// Statuses whose challenges are public, so published as releases.
const PUBLISHED: [ChallengeStatus; 4] = [
    ChallengeStatus::Published,
    ChallengeStatus::Closed,
    ChallengeStatus::Awarded,
    ChallengeStatus::Cancelled,
];

/// Most releases in one package of the API.
pub const MAX_PAGE: u64 = 100;

/// Which releases to publish.
#[derive(Debug, Clone, Default)]
pub struct ReleaseQuery {
    /// Only challenges changed at or after this instant.
    pub since: Option<DateTime<Utc>>,
    /// One challenge, by interchange id.
    pub challenge: Option<String>,
    /// Releases skipped before the `limit` (ignored without one).
    pub offset: u64,
    /// Releases returned (at most [`MAX_PAGE`] through the API; unlimited for an export).
    pub limit: Option<u64>,
}

/// The open contracting id of a challenge.
pub fn ocid(prefix: &str, external_id: &str) -> String {
    format!("{prefix}-{external_id}")
}

/// The UTC offset of Madrid on `date`: +02:00 from the last Sunday of March to the last Sunday
/// of October (EU summer time), +01:00 otherwise.
pub(super) fn madrid_offset(date: NaiveDate) -> &'static str {
    let last_sunday = |month: u32| {
        let mut day = NaiveDate::from_ymd_opt(date.year(), month, 31).unwrap_or(date);
        while day.weekday() != Weekday::Sun {
            day = day.pred_opt().unwrap_or(day);
        }
        day
    };
    if date >= last_sunday(3) && date < last_sunday(10) {
        "+02:00"
    } else {
        "+01:00"
    }
}

/// The end of a deadline day in Madrid, as OCDS dates are written.
fn end_of_day_in_madrid(date: NaiveDate) -> String {
    format!(
        "{}T23:59:59{}",
        date.format("%Y-%m-%d"),
        madrid_offset(date)
    )
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// What the CPV codes say is bought: works (division 45), goods (divisions up to 44, and 48,
/// software packages) or services (50 and above).
fn main_category(cpv: &[String]) -> &'static str {
    let division = |code: &String| code.get(..2).and_then(|d| d.parse::<u8>().ok());
    match cpv.first().and_then(division) {
        Some(45) => "works",
        Some(d) if d < 45 || d == 48 => "goods",
        _ => "services",
    }
}

fn tender_status(status: ChallengeStatus) -> &'static str {
    match status {
        ChallengeStatus::Published => "active",
        ChallengeStatus::Cancelled => "cancelled",
        ChallengeStatus::Draft => "planning",
        ChallengeStatus::Closed | ChallengeStatus::Awarded => "complete",
    }
}

fn release_tag(status: ChallengeStatus) -> &'static str {
    match status {
        ChallengeStatus::Awarded => "award",
        ChallengeStatus::Cancelled => "tenderCancellation",
        ChallengeStatus::Draft => "planning",
        ChallengeStatus::Published | ChallengeStatus::Closed => "tender",
    }
}

/// One challenge as a release.
fn release(
    prefix: &str,
    row: &challenge::Model,
    spec: &ChallengeSpec,
    department: &str,
    awarded: Option<&company::Model>,
) -> Value {
    let ocid = ocid(prefix, &row.external_id);
    let language = spec
        .language
        .map_or_else(|| "es".to_owned(), |l| l.as_str().to_owned());
    let lang = factoria_vocabulary::Lang::from_code(&language);
    let buyer_id = format!("department-{}", row.department_id);
    let mut parties = vec![json!({
        "id": buyer_id,
        "name": department,
        "roles": ["buyer", "procuringEntity"],
    })];
    let items: Vec<Value> = spec
        .cpv
        .iter()
        .enumerate()
        .map(|(i, code)| {
            let code = code.to_string();
            let label = factoria_vocabulary::lookup(&code).map_or("", |c| c.label(lang));
            json!({
                "id": (i + 1).to_string(),
                "description": label,
                "classification": {"scheme": "CPV", "id": code, "description": label},
            })
        })
        .collect();
    let cpv: Vec<String> = spec.cpv.iter().map(ToString::to_string).collect();
    let mut tender = json!({
        "id": row.external_id,
        "title": spec.title,
        "description": spec.description,
        "status": tender_status(row.status),
        "procurementMethod": "open",
        "procurementMethodDetails": if lang == factoria_vocabulary::Lang::En {
            "Open innovation challenge"
        } else {
            "Reto de innovación abierta"
        },
        "mainProcurementCategory": main_category(&cpv),
        "items": items,
        "procuringEntity": {"id": buyer_id, "name": department},
        // Not in the core schema (additional fields are allowed): the OCDS suitability
        // extension's flag; every challenge of the marketplace is open to SMEs and start-ups.
        "suitability": {"sme": true},
    });
    if let Some(budget) = spec.budget {
        tender["value"] = json!({"amount": budget.to_json(), "currency": "EUR"});
    }
    let mut period = serde_json::Map::new();
    if let Some(published) = row.published_at {
        period.insert("startDate".into(), json!(time(published)));
    }
    if let Some(deadline) = spec.deadline {
        period.insert("endDate".into(), json!(end_of_day_in_madrid(deadline)));
    }
    if !period.is_empty() {
        tender["tenderPeriod"] = Value::Object(period);
    }
    let mut release = json!({
        "ocid": ocid,
        "id": format!("{ocid}-v{}", row.version),
        "date": time(row.updated_at),
        "tag": [release_tag(row.status)],
        "initiationType": "tender",
        "language": language,
        "buyer": {"id": buyer_id, "name": department},
        "tender": tender,
    });
    if let (ChallengeStatus::Awarded, Some(supplier)) = (row.status, awarded) {
        let supplier_id = format!("company-{}", supplier.external_id);
        parties.push(json!({"id": supplier_id, "name": supplier.name, "roles": ["supplier"]}));
        release["awards"] = json!([{
            "id": format!("{ocid}-award-1"),
            "status": "active",
            "date": time(row.updated_at),
            "suppliers": [{"id": supplier_id, "name": supplier.name}],
        }]);
    }
    release["parties"] = Value::Array(parties);
    release
}

/// The releases of the published challenges `query` selects, oldest change first.
pub async fn releases(ctx: &Context, query: &ReleaseQuery) -> Result<Vec<Value>> {
    releases_in(&ctx.db, &ctx.config.ocid_prefix, query).await
}

/// [`releases`] from a database, with ids under `prefix` (for the command line).
pub async fn releases_in<C: ConnectionTrait>(
    conn: &C,
    prefix: &str,
    query: &ReleaseQuery,
) -> Result<Vec<Value>> {
    let mut select = challenge::Entity::find()
        .filter(challenge::Column::Status.is_in(PUBLISHED))
        .order_by_asc(challenge::Column::UpdatedAt)
        .order_by_asc(challenge::Column::Id);
    // SQLite takes an OFFSET only after a LIMIT.
    if let Some(limit) = query.limit {
        select = select.limit(limit).offset(query.offset);
    }
    if let Some(since) = query.since {
        select = select.filter(challenge::Column::UpdatedAt.gte(since));
    }
    if let Some(id) = &query.challenge {
        select = select.filter(challenge::Column::ExternalId.eq(id.as_str()));
    }
    let rows = select.all(conn).await?;
    let departments: std::collections::HashMap<i64, String> = department::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let awarded_ids: Vec<i64> = rows.iter().filter_map(|r| r.awarded_company_id).collect();
    let awarded: std::collections::HashMap<i64, company::Model> = company::Entity::find()
        .filter(company::Column::Id.is_in(awarded_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    rows.iter()
        .map(|row| {
            let spec = spec_from_row(row)?;
            let department = departments
                .get(&row.department_id)
                .map_or("", String::as_str);
            let supplier = row.awarded_company_id.and_then(|id| awarded.get(&id));
            Ok(release(prefix, row, &spec, department, supplier))
        })
        .collect()
}

/// A release package of `releases`, published now at `uri` by the server at `public_url`.
pub fn package(public_url: &url::Url, uri: &str, releases: Vec<Value>) -> Value {
    json!({
        "uri": uri,
        "version": "1.1",
        "publishedDate": time(Utc::now()),
        "publisher": {
            "name": "Factoría",
            "uri": public_url.as_str(),
        },
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "publicationPolicy": format!("{public_url}api/docs"),
        "releases": releases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn madrid_keeps_summer_time_between_the_last_sundays_of_march_and_october() {
        let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap_or_default();
        assert_eq!(madrid_offset(day(3, 27)), "+01:00");
        assert_eq!(
            madrid_offset(day(3, 28)),
            "+02:00",
            "last Sunday of March 2027"
        );
        assert_eq!(madrid_offset(day(10, 30)), "+02:00");
        assert_eq!(
            madrid_offset(day(10, 31)),
            "+01:00",
            "last Sunday of October 2027"
        );
        assert_eq!(
            end_of_day_in_madrid(day(6, 30)),
            "2027-06-30T23:59:59+02:00"
        );
    }

    #[test]
    fn the_cpv_division_says_what_is_bought() {
        let codes = |c: &str| vec![c.to_owned()];
        assert_eq!(main_category(&codes("45233000")), "works");
        assert_eq!(main_category(&codes("38420000")), "goods");
        assert_eq!(main_category(&codes("48000000")), "goods");
        assert_eq!(main_category(&codes("72212000")), "services");
        assert_eq!(main_category(&[]), "services");
    }
}
