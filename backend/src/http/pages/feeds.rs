//! Atom 1.0 feeds of open challenges, for feed readers and procurement alert tools: all of them,
//! or those of one sector, department or CPV division, in Spanish or English (`lang=en`).

use atom_syndication::{Category, Content, Entry, Feed, FixedDateTime, Link, Person, Text};
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use factoria_frontend::layout::FeedLink;
use serde::Deserialize;

use super::labels;
use crate::domain::challenges::{self, ChallengeListQuery, ChallengeSort, ChallengeView};
use crate::domain::{Actor, Paging};
use crate::http::AppState;
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{ParamReader, Params};
use crate::types::{ChallengeStatus, Cpv};

/// Entries in a feed: the newest open challenges.
const ENTRIES: u64 = 50;

/// Path of the feeds.
pub const PATH: &str = "/feeds/challenges.atom";

/// What a feed selects.
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    /// A listed sector, by key or name in either language.
    pub sector: Option<String>,
    /// A department, by name.
    pub department: Option<String>,
    /// A CPV division, two digits.
    pub cpv_division: Option<String>,
    /// `en` for English; Spanish otherwise.
    pub lang: Option<String>,
}

impl FeedQuery {
    /// The feed's address under `base` (`/` or the public URL), with the parameters in a fixed
    /// order so that one selection has one address.
    pub fn url(&self, base: &str) -> String {
        let pairs = [
            ("sector", &self.sector),
            ("department", &self.department),
            ("cpv_division", &self.cpv_division),
            ("lang", &self.lang),
        ];
        let query = serde_urlencoded::to_string(
            pairs
                .iter()
                .filter_map(|(name, value)| value.as_deref().map(|v| (*name, v)))
                .collect::<Vec<_>>(),
        )
        .unwrap_or_default();
        let base = base.trim_end_matches('/');
        if query.is_empty() {
            format!("{base}{PATH}")
        } else {
            format!("{base}{PATH}?{query}")
        }
    }
}

/// The feed of open challenges of the first sector, department and CPV division of a search
/// (all open challenges without them), for a page's `<link rel="alternate">`.
pub fn link(
    es: bool,
    sector: Option<&str>,
    department: Option<&str>,
    cpv_division: Option<&str>,
) -> FeedLink {
    // Only what the feed accepts: a value the search page tolerates (a prefix of a division, a
    // sector outside the list) is left out rather than linked to a refusal.
    let q = FeedQuery {
        sector: sector
            .filter(|s| factoria_frontend::sectors::is_listed(s))
            .map(str::to_owned),
        department: department
            .filter(|d| !d.chars().any(char::is_control))
            .map(str::to_owned),
        cpv_division: cpv_division.and_then(|d| Cpv::parse_division(d).ok()),
        lang: (!es).then(|| "en".to_owned()),
    };
    FeedLink {
        title: title(&q, es),
        href: q.url("/"),
    }
}

/// A selection checked against the vocabularies: an unknown sector or CPV division is a fault
/// of its field, never an empty feed.
fn checked(q: FeedQuery) -> Result<(FeedQuery, bool), ApiError> {
    let mut r = ParamReader::default();
    let sector = r.parse("sector", q.sector.as_deref(), |text| {
        let key = factoria_frontend::sectors::canonical(text);
        if factoria_frontend::sectors::is_listed(&key) {
            Ok(key)
        } else {
            Err(format!("`{text}` is not a sector of the list"))
        }
    });
    let cpv_division = r.parse(
        "cpv_division",
        q.cpv_division.as_deref(),
        Cpv::parse_division,
    );
    let lang = r.parse("lang", q.lang.as_deref(), |text| match text {
        "es" | "en" => Ok(text.to_owned()),
        other => Err(format!("`{other}` is not a language: use es or en")),
    });
    let department = r.parse("department", q.department.as_deref(), |text| {
        if text.chars().any(char::is_control) || text.chars().count() > 200 {
            Err("write a department's name: up to 200 characters, no control characters".to_owned())
        } else {
            Ok(text.to_owned())
        }
    });
    r.finish()?;
    let es = lang.as_deref() != Some("en");
    Ok((
        FeedQuery {
            sector,
            department,
            cpv_division,
            lang,
        },
        es,
    ))
}

fn text(value: impl Into<String>) -> Text {
    Text::plain(value.into())
}

fn fixed(at: chrono::DateTime<chrono::Utc>) -> FixedDateTime {
    at.fixed_offset()
}

/// The feed's title: what it selects, in its language.
fn title(q: &FeedQuery, es: bool) -> String {
    let mut parts = vec![
        if es {
            "Retos abiertos"
        } else {
            "Open challenges"
        }
        .to_owned(),
    ];
    if let Some(sector) = &q.sector {
        parts.push(factoria_frontend::sectors::name(sector, es));
    }
    if let Some(department) = &q.department {
        parts.push(department.clone());
    }
    if let Some(division) = &q.cpv_division {
        parts.push(factoria_frontend::cpv::division_label(division, es));
    }
    format!("{} — Factoría", parts.join(" · "))
}

/// One challenge as an entry: its summary, its deadline and budget in words, its sectors and
/// CPV codes as categories.
fn entry(public_url: &str, challenge: &ChallengeView, es: bool) -> Entry {
    let record = &challenge.record;
    let link = format!("{public_url}challenges/{}", record.id);
    let mut facts = Vec::new();
    if let Some(deadline) = record.deadline {
        let day = labels::long_date(es, deadline);
        facts.push(if es {
            format!("Plazo: {day}")
        } else {
            format!("Deadline: {day}")
        });
    }
    if let Some(euros) = record
        .budget_eur
        .as_ref()
        .and_then(serde_json::Value::as_f64)
    {
        let amount = factoria_frontend::pages::money(euros.round() as u64, es);
        facts.push(if es {
            format!("Presupuesto: {amount}")
        } else {
            format!("Budget: {amount}")
        });
    }
    let summary = record
        .summary
        .clone()
        .unwrap_or_else(|| record.description.chars().take(400).collect());
    let mut categories: Vec<Category> = record
        .sectors
        .iter()
        .map(|key| Category {
            term: key.clone(),
            scheme: Some(format!("{public_url}challenges?sector=")),
            label: Some(factoria_frontend::sectors::name(key, es)),
        })
        .collect();
    let lang = if es {
        factoria_vocabulary::Lang::Es
    } else {
        factoria_vocabulary::Lang::En
    };
    categories.extend(record.cpv.iter().map(|code| Category {
        term: code.clone(),
        scheme: Some("https://simap.ted.europa.eu/cpv".to_owned()),
        label: factoria_vocabulary::lookup(code).map(|c| c.label(lang).to_owned()),
    }));
    Entry {
        id: link.clone(),
        title: text(record.title.clone()),
        updated: fixed(challenge.updated_at),
        published: challenge.published_at.map(fixed),
        authors: vec![Person {
            name: record.department.clone(),
            ..Person::default()
        }],
        links: vec![Link {
            href: link,
            rel: "alternate".to_owned(),
            mime_type: Some("text/html".to_owned()),
            ..Link::default()
        }],
        summary: Some(text(summary)),
        content: Some(Content {
            value: Some(facts.join(" · ")),
            content_type: Some("text".to_owned()),
            ..Content::default()
        }),
        categories,
        ..Entry::default()
    }
}

/// The feed: the newest open challenges the query selects.
async fn feed(State(state): State<AppState>, Params(q): Params<FeedQuery>) -> ApiResult<Response> {
    let (q, es) = checked(q)?;
    let public_url = state.ctx.config.public_url.as_str();
    let query = ChallengeListQuery {
        statuses: vec![ChallengeStatus::Published],
        department: q.department.clone(),
        sector: q.sector.clone(),
        cpv_division: q.cpv_division.clone(),
        deadline_from: Some(chrono::Utc::now().date_naive()),
        sort: ChallengeSort::Newest,
    };
    let paging = Paging {
        page: 1,
        per_page: ENTRIES,
    };
    let open = challenges::list(&state.ctx, &Actor::Anonymous, &query, paging).await?;
    let updated = open
        .items
        .iter()
        .map(|c| c.updated_at)
        .max()
        .unwrap_or_else(chrono::Utc::now);
    let self_url = q.url(public_url);
    let page_query = self_url.split_once('?').map_or("", |(_, query)| query);
    let feed = Feed {
        id: self_url.clone(),
        title: text(title(&q, es)),
        updated: fixed(updated),
        lang: Some(if es { "es" } else { "en" }.to_owned()),
        authors: vec![Person {
            name: "Factoría".to_owned(),
            uri: Some(public_url.to_owned()),
            ..Person::default()
        }],
        links: vec![
            Link {
                href: self_url.clone(),
                rel: "self".to_owned(),
                mime_type: Some("application/atom+xml".to_owned()),
                ..Link::default()
            },
            Link {
                href: format!("{public_url}challenges?{page_query}"),
                rel: "alternate".to_owned(),
                mime_type: Some("text/html".to_owned()),
                ..Link::default()
            },
        ],
        entries: open
            .items
            .iter()
            .map(|c| entry(public_url, c, es))
            .collect(),
        ..Feed::default()
    };
    let mut response = feed.to_string().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    Ok(response)
}

/// The feeds' route.
pub fn routes() -> Router<AppState> {
    Router::new().route(PATH, get(feed))
}
