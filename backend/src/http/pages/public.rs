//! Home, challenge search, challenge detail, accessibility.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use factoria_frontend::pages::public::{
    Accessibility, ChallengePage, FacetGroup, FacetOption, Home, Results, ResultsFragment, Search,
};
use factoria_frontend::pages::{ChallengeCard, PageLink, money};
use factoria_search::{Document, Filters, Kind, SortOrder};

use super::{FormData, Page, error_page, labels, redirect_with_notice, show};
use crate::domain::search::{SearchQuery, SearchResponse};
use crate::domain::{calls, documents, interests};
use crate::http::AppState;
use crate::http::ratelimit::{Action, ClientIp};
use crate::types::{ChallengeStatus, InterestKind};

/// Sector keys as names in the page's language.
pub fn sector_names(page: &Page, keys: &[String]) -> Vec<String> {
    keys.iter()
        .map(|k| factoria_frontend::sectors::name(k, page.es))
        .collect()
}

/// A deadline as cards show it: the date, and while it is ahead how many days are left.
pub fn deadline_text(page: &Page, deadline: Option<chrono::NaiveDate>) -> Option<String> {
    let date = deadline?;
    let shown = date.format("%d/%m/%Y").to_string();
    let left = (date - chrono::Utc::now().date_naive()).num_days();
    Some(match left {
        ..0 => shown,
        0 => format!("{shown} ({})", page.t("último día", "last day")),
        1 => format!("{shown} ({})", page.t("queda 1 día", "1 day left")),
        days if page.es => format!("{shown} (quedan {days} días)"),
        days => format!("{shown} ({days} days left)"),
    })
}

/// A challenge of the index as a card.
pub fn card_of(page: &Page, doc: &factoria_search::ChallengeDoc) -> ChallengeCard {
    ChallengeCard {
        id: doc.external_id.clone(),
        title: doc.title.clone(),
        summary: doc
            .summary
            .clone()
            .unwrap_or_else(|| doc.description.chars().take(240).collect()),
        department: doc.department.clone(),
        deadline: deadline_text(page, doc.deadline),
        budget: doc.budget_eur.map(|b| money(b, page.es)),
        sectors: sector_names(page, &doc.sectors),
        status: labels::status_text(page, &doc.status),
        ..ChallengeCard::default()
    }
}

async fn home(State(state): State<AppState>, page: Page) -> Response {
    let today = chrono::Utc::now().date_naive();
    let catalog = state.ctx.search.index.catalog();
    let mut open: Vec<&factoria_search::ChallengeDoc> = catalog
        .iter(Kind::Challenge)
        .filter_map(|e| match &e.doc {
            Document::Challenge(c)
                if c.status == ChallengeStatus::Published.as_str()
                    && c.deadline.is_none_or(|d| d >= today) =>
            {
                Some(c)
            }
            _ => None,
        })
        .collect();
    open.sort_by_key(|c| (c.deadline, c.title.clone()));
    let closing = open.iter().take(6).map(|c| card_of(&page, c)).collect();
    let open_count = open.len();
    let company_count = catalog.count(Kind::Company);
    drop(catalog);
    let mut frame = page.frame("Retos de innovación", "Innovation challenges");
    frame.feed = Some(super::feeds::link(page.es, None, None, None));
    show(Home {
        frame,
        open_count,
        company_count,
        closing,
    })
}

struct SearchForm {
    q: Option<String>,
    sort: Option<String>,
    page: Option<usize>,
    all: Option<String>,
    partial: Option<String>,
}

fn facet_label(page: &Page, field: &str, value: &str) -> String {
    match field {
        "cpv_division" => factoria_frontend::cpv::division_label(value, page.es),
        "sector" => factoria_frontend::sectors::name(value, page.es),
        "trl" => format!("TRL {value}"),
        "status" => labels::status_text(page, value),
        _ => value.to_owned(),
    }
}

/// Results in a download: the most a search page lists in one file.
const CSV_ROWS: usize = 100;

async fn search(
    State(state): State<AppState>,
    page: Page,
    ip: ClientIp,
    Query(raw): Query<Vec<(String, String)>>,
) -> Response {
    if let Err(limited) = state.limits.check_actor(Action::Search, &page.actor, &ip) {
        return error_page(&page, &limited.0);
    }
    let form = FormData(raw);
    let query: SearchForm = SearchForm {
        q: Some(form.get("q").to_owned()),
        sort: Some(form.get("sort").to_owned()).filter(|s| !s.is_empty()),
        page: form.get("page").parse().ok(),
        all: Some(form.get("all").to_owned()).filter(|s| !s.is_empty()),
        partial: Some(form.get("partial").to_owned()).filter(|s| !s.is_empty()),
    };
    let selected = |name: &str| form.all(name);
    let filters = Filters {
        sectors: selected("sector"),
        departments: selected("department"),
        cpv: selected("cpv_division")
            .iter()
            .map(|d| format!("{d:0<8}"))
            .collect(),
        statuses: if query.all.is_some() {
            selected("status")
        } else {
            Vec::new()
        },
        ..Filters::default()
    };
    let sort = match query.sort.as_deref() {
        Some("deadline") => SortOrder::Deadline,
        Some("budget") => SortOrder::Budget,
        Some("newest") => SortOrder::Newest,
        _ => SortOrder::Relevance,
    };
    // A download lists the first hundred results in the page's order.
    let download = form.get("format") == "csv";
    let per_page = if download { CSV_ROWS } else { 10 };
    let current = if download {
        1
    } else {
        query.page.unwrap_or(1).clamp(1, 50)
    };
    let search = SearchQuery {
        text: query
            .q
            .clone()
            .unwrap_or_default()
            .chars()
            .take(2000)
            .collect(),
        filters,
        open_only: query.all.is_none(),
        mode: factoria_search::SearchMode::Hybrid,
        sort,
        page: current,
        per_page,
        facets: !download,
    };
    let response: SearchResponse =
        match crate::domain::search::search(&state.ctx, &page.actor, Kind::Challenge, search).await
        {
            Ok(r) => r,
            Err(error) => return error_page(&page, &error),
        };
    if download {
        let public_url = state.ctx.config.public_url.as_str();
        return crate::http::csv::response(
            &page.t("retos.csv", "challenges.csv"),
            &crate::http::csv::challenge_results(page.es, public_url, &response),
        );
    }
    let cards = response
        .items
        .iter()
        .map(|item| {
            let mut card = ChallengeCard {
                id: item.id.clone(),
                title: item.title.clone(),
                summary: item.summary.clone().unwrap_or_default(),
                department: item.department.clone().unwrap_or_default(),
                deadline: deadline_text(&page, item.deadline),
                budget: item.budget_eur.map(|b| money(b, page.es)),
                sectors: sector_names(&page, &item.sectors),
                status: item
                    .status
                    .as_deref()
                    .map(|s| labels::status_text(&page, s))
                    .unwrap_or_default(),
                highlights: item
                    .highlights
                    .iter()
                    .filter(|h| h.field == "body")
                    .map(|h| h.html.clone())
                    .collect(),
                ..ChallengeCard::default()
            };
            card.highlights.truncate(1);
            card
        })
        .collect();
    let pages_total = response.total.div_ceil(per_page).min(50);
    let base: Vec<(String, String)> = form
        .0
        .iter()
        .filter(|(k, _)| k != "page" && k != "partial")
        .cloned()
        .collect();
    let pages = (1..=pages_total)
        .map(|n| {
            let mut params = base.clone();
            params.push(("page".into(), n.to_string()));
            PageLink {
                label: n.to_string(),
                url: format!(
                    "/challenges?{}",
                    serde_urlencoded::to_string(&params).unwrap_or_default()
                ),
                current: n == current,
            }
        })
        .collect();
    let mut download = base.clone();
    download.push(("format".into(), "csv".into()));
    let first = |name: &str| selected(name).into_iter().next();
    let feed = super::feeds::link(
        page.es,
        first("sector").as_deref(),
        first("department").as_deref(),
        first("cpv_division").as_deref(),
    );
    let results = Results {
        es: page.es,
        download: format!(
            "/challenges?{}",
            serde_urlencoded::to_string(&download).unwrap_or_default()
        ),
        feed: feed.href.clone(),
        total: response.total,
        cards,
        pages,
        warnings: response.warnings.clone(),
        browse: if response.items.is_empty() {
            factoria_frontend::sectors::choices(page.es)
                .into_iter()
                .map(|(key, name)| {
                    (
                        format!(
                            "/challenges?sector={}",
                            url::form_urlencoded::byte_serialize(key.as_bytes())
                                .collect::<String>()
                        ),
                        name,
                    )
                })
                .collect()
        } else {
            Vec::new()
        },
    };
    if query.partial.is_some() {
        return show(ResultsFragment { results });
    }
    let names: &[(&str, &str, &str)] = &[
        ("sector", "Sector", "Sector"),
        ("department", "Departamento", "Department"),
        ("cpv_division", "Categoría CPV", "CPV category"),
        ("status", "Estado", "Status"),
    ];
    let facets = response
        .facets
        .iter()
        .filter(|f| {
            names.iter().any(|(n, _, _)| *n == f.field)
                && (f.field != "status" || query.all.is_some())
        })
        .map(|f| {
            let (_, es, en) = names
                .iter()
                .find(|(n, _, _)| *n == f.field)
                .copied()
                .unwrap_or(("", "", ""));
            let chosen = selected(f.field);
            FacetGroup {
                name: f.field.to_owned(),
                legend: page.t(es, en),
                options: f
                    .values
                    .iter()
                    .take(12)
                    .map(|v| FacetOption {
                        value: v.value.clone(),
                        label: facet_label(&page, f.field, &v.value),
                        count: v.count,
                        checked: chosen.contains(&v.value),
                    })
                    .collect(),
            }
        })
        .collect();
    let mut frame = page.frame("Buscar retos", "Search challenges");
    frame.feed = Some(feed);
    show(Search {
        frame,
        q: query.q.unwrap_or_default(),
        all: query.all.is_some(),
        sort: query.sort.unwrap_or_else(|| "relevance".into()),
        facets,
        results,
    })
}

async fn challenge(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> Response {
    let (
        calls::ForPage {
            visitor:
                interests::ForVisitor {
                    view,
                    manages,
                    following,
                    interested,
                },
            call,
            questions,
        },
        documents,
    ) = match documents::challenge_page(&state.ctx, &page.actor, &id).await {
        Ok(found) => found,
        Err(error) => return error_page(&page, &error),
    };
    let r = &view.record;
    let card = ChallengeCard {
        id: r.id.clone(),
        title: r.title.clone(),
        summary: r.summary.clone().unwrap_or_default(),
        department: r.department.clone(),
        deadline: deadline_text(&page, r.deadline),
        budget: r
            .budget_eur
            .as_ref()
            .and_then(serde_json::Value::as_f64)
            .map(|b| money(b as u64, page.es)),
        sectors: sector_names(&page, &r.sectors),
        status: labels::status(&page, r.status),
        ..ChallengeCard::default()
    };
    let mut frame = page.frame(&r.title, &r.title);
    frame.feed = Some(super::feeds::link(
        page.es,
        None,
        Some(r.department.as_str()),
        None,
    ));
    show(ChallengePage {
        frame,
        card,
        description: r.description.clone(),
        outcomes: r.outcomes.clone(),
        must: r.requirements.must.clone(),
        should: r.requirements.should.clone(),
        trl_min: r.trl_min,
        cpv: r.cpv.clone(),
        certifications: r.required_certifications.clone(),
        can_act: page.actor.is_company_member() && r.status == ChallengeStatus::Published,
        following,
        interested,
        manages,
        call: call
            .map(|c| super::call::section(&page, &c, &questions, page.actor.is_company_member())),
        documents: super::call::document_links(&page, &documents),
    })
}

async fn act(
    state: &AppState,
    page: &Page,
    form: &FormData,
    id: &str,
    kind: InterestKind,
) -> Response {
    if let Err(response) = page.user() {
        return response;
    }
    if let Err(response) = page.check_csrf(form) {
        return response;
    }
    let result = if form.flag("undo") {
        interests::withdraw(&state.ctx, &page.actor, id, kind, None).await
    } else {
        interests::declare(&state.ctx, &page.actor, id, kind, None, None)
            .await
            .map(|_| ())
    };
    let notice = match (kind, form.flag("undo")) {
        (InterestKind::Follow, false) => page.t("Sigues este reto.", "You follow this challenge."),
        (InterestKind::Follow, true) => page.t(
            "Ya no sigues este reto.",
            "You no longer follow this challenge.",
        ),
        (InterestKind::Interest, false) => page.t(
            "Habéis declarado interés; el equipo del reto lo verá.",
            "You declared interest; the challenge team will see it.",
        ),
        (InterestKind::Interest, true) => {
            page.t("Habéis retirado el interés.", "You withdrew your interest.")
        }
    };
    match result {
        Ok(()) => redirect_with_notice(&format!("/challenges/{id}"), &notice),
        Err(error) => error_page(page, &error),
    }
}

async fn follow(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    act(&state, &page, &form, &id, InterestKind::Follow).await
}

async fn declare(
    State(state): State<AppState>,
    page: Page,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    act(&state, &page, &form, &id, InterestKind::Interest).await
}

async fn accessibility(page: Page) -> Response {
    show(Accessibility {
        frame: page.frame("Declaración de accesibilidad", "Accessibility statement"),
    })
}

async fn robots(State(state): State<AppState>) -> impl IntoResponse {
    let base = state.ctx.config.public_url.as_str().trim_end_matches('/');
    format!(
        "User-agent: *\nDisallow: /officer\nDisallow: /admin\nDisallow: /account\nSitemap: {base}/sitemap.xml\n"
    )
}

/// The public pages for search engines, each with its Spanish and English version
/// (`?lang=`) and the visitor's own choice as `x-default`.
async fn sitemap(State(state): State<AppState>) -> Response {
    let base = state.ctx.config.public_url.as_str().trim_end_matches('/');
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut pages: Vec<(String, Option<chrono::NaiveDate>)> =
        ["/", "/challenges", "/accessibility"]
            .iter()
            .map(|p| ((*p).to_owned(), None))
            .collect();
    pages.extend(
        crate::domain::search::public_challenges(&state.ctx)
            .into_iter()
            .map(|(id, changed)| {
                (
                    format!("/challenges/{}", factoria_frontend::layout::encode(&id)),
                    Some(changed),
                )
            }),
    );
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    for (path, changed) in pages {
        let at = escape(&format!("{base}{path}"));
        xml.push_str(&format!("<url><loc>{at}</loc>"));
        if let Some(day) = changed {
            xml.push_str(&format!("<lastmod>{day}</lastmod>"));
        }
        for lang in ["es", "en"] {
            xml.push_str(&format!(
                "<xhtml:link rel=\"alternate\" hreflang=\"{lang}\" href=\"{at}?lang={lang}\"/>"
            ));
        }
        xml.push_str(&format!(
            "<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"{at}\"/></url>\n"
        ));
    }
    xml.push_str("</urlset>\n");
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/xml; charset=utf-8",
        )],
        xml,
    )
        .into_response()
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/challenges", get(search))
        .route("/challenges/{id}", get(challenge))
        .route("/challenges/{id}/follow", post(follow))
        .route("/challenges/{id}/interest", post(declare))
        .route("/accessibility", get(accessibility))
        .route("/robots.txt", get(robots))
        .route("/sitemap.xml", get(sitemap))
}
