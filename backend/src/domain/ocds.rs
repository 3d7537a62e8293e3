//! Challenges as Open Contracting Data Standard 1.1 releases: what a public administration must
//! publish about what it buys. A published challenge is a `tender` release, an awarded one an
//! `award` release, a cancelled one a `tenderCancellation`; drafts are never published. Each
//! change of a challenge (a new `version`) is a new release of the same `ocid`. A challenge
//! with a call publishes it too: the questions period as `enquiryPeriod`, the proposals
//! deadline as the end of `tenderPeriod`, the criteria and their weights as
//! `awardCriteriaDetails`, and once proposals are unsealed, `numberOfTenderers`.

use chrono::{DateTime, Datelike, NaiveDate, Utc, Weekday};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::challenges::spec_from_row;
use super::{Result, calls, records::ChallengeSpec};
use crate::context::Context;
use crate::db::entities::{call, challenge, company, department, proposal};
use crate::types::{ChallengeStatus, ProposalStatus};

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

/// What a challenge's call adds to its release.
struct CallFacts {
    questions_deadline: DateTime<Utc>,
    proposals_deadline: DateTime<Utc>,
    /// "Calidad técnica (60 %); Precio (40 %)", in the challenge's language.
    criteria: String,
    /// Proposals handed in, once the deadline has unsealed them.
    tenderers: Option<usize>,
}

/// One challenge as a release.
fn release(
    prefix: &str,
    row: &challenge::Model,
    spec: &ChallengeSpec,
    department: &str,
    awarded: Option<&company::Model>,
    call: Option<&CallFacts>,
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
    match (call, spec.deadline) {
        (Some(call), _) => {
            period.insert("endDate".into(), json!(time(call.proposals_deadline)));
        }
        (None, Some(deadline)) => {
            period.insert("endDate".into(), json!(end_of_day_in_madrid(deadline)));
        }
        (None, None) => {}
    }
    if let Some(call) = call {
        let mut enquiries = serde_json::Map::new();
        if let Some(published) = row.published_at {
            enquiries.insert("startDate".into(), json!(time(published)));
        }
        enquiries.insert("endDate".into(), json!(time(call.questions_deadline)));
        tender["enquiryPeriod"] = Value::Object(enquiries);
        tender["hasEnquiries"] = json!(true);
        tender["awardCriteria"] = json!("ratedCriteria");
        tender["awardCriteriaDetails"] = json!(call.criteria);
        if let Some(count) = call.tenderers {
            tender["numberOfTenderers"] = json!(count);
        }
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
    releases_in(&ctx.db, &ctx.config.ocid_prefix, query, ctx.clock.now()).await
}

/// [`releases`] from a database as they stand at `now`, with ids under `prefix` (for the
/// command line).
pub async fn releases_in<C: ConnectionTrait>(
    conn: &C,
    prefix: &str,
    query: &ReleaseQuery,
    now: DateTime<Utc>,
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
    let calls = calls_of(conn, &rows, now).await?;
    rows.iter()
        .map(|row| {
            let spec = spec_from_row(row)?;
            let department = departments
                .get(&row.department_id)
                .map_or("", String::as_str);
            let supplier = row.awarded_company_id.and_then(|id| awarded.get(&id));
            let call = match calls.by_challenge.get(&row.id) {
                Some(call) => Some(call_facts(call, &spec, &calls)?),
                None => None,
            };
            Ok(release(
                prefix,
                row,
                &spec,
                department,
                supplier,
                call.as_ref(),
            ))
        })
        .collect()
}

/// The calls of some challenges, by challenge id.
struct Calls {
    by_challenge: std::collections::HashMap<i64, call::Model>,
    /// Proposals handed in, for the calls whose proposals are unsealed.
    tenderers: std::collections::HashMap<i64, usize>,
}

async fn calls_of<C: ConnectionTrait>(
    conn: &C,
    rows: &[challenge::Model],
    now: DateTime<Utc>,
) -> Result<Calls> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let by_challenge: std::collections::HashMap<i64, call::Model> = call::Entity::find()
        .filter(call::Column::ChallengeId.is_in(ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.challenge_id, c))
        .collect();
    // Counted only for calls whose proposals are unsealed: before, not even their number shows.
    let unsealed: Vec<i64> = by_challenge
        .values()
        .filter(|c| c.proposals_deadline <= now)
        .map(|c| c.challenge_id)
        .collect();
    let mut tenderers: std::collections::HashMap<i64, usize> =
        unsealed.iter().map(|id| (*id, 0)).collect();
    for row in proposal::Entity::find()
        .filter(proposal::Column::ChallengeId.is_in(unsealed))
        .filter(proposal::Column::Status.is_in([
            ProposalStatus::Submitted,
            ProposalStatus::Selected,
            ProposalStatus::Unselected,
        ]))
        .all(conn)
        .await?
    {
        *tenderers.entry(row.challenge_id).or_default() += 1;
    }
    Ok(Calls {
        by_challenge,
        tenderers,
    })
}

fn call_facts(call: &call::Model, spec: &ChallengeSpec, calls: &Calls) -> Result<CallFacts> {
    let es = spec.language.is_none_or(|l| l.as_str() == "es");
    let percent = if es { " %" } else { "%" };
    let criteria = calls::criteria_of(call)?
        .iter()
        .map(|c| format!("{} ({}{percent})", c.name, c.weight))
        .collect::<Vec<_>>()
        .join("; ");
    Ok(CallFacts {
        questions_deadline: call.questions_deadline,
        proposals_deadline: call.proposals_deadline,
        criteria,
        tenderers: calls.tenderers.get(&call.challenge_id).copied(),
    })
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
