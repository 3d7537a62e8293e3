//! Hybrid search over the real index and model: languages, accents, filters, facets, bad queries.

use factoria_tests::{Backend, TestApp};

use crate::fixtures;

async fn app_with_data() -> TestApp {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[
            fixtures::company_es(),
            fixtures::company_en(),
            fixtures::company_other(),
        ],
        &[
            fixtures::challenge("ch-water", "published"),
            fixtures::challenge_en("ch-museum"),
            fixtures::challenge("ch-draft", "draft"),
        ],
    )
    .await;
    app
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_means_nothing_finds_nothing_and_the_page_says_what_to_try() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let data = factoria_tests::demo_data();
    let published: Vec<_> = data
        .challenges
        .iter()
        .filter(|c| c["status"] == "published")
        .cloned()
        .collect();
    assert!(published.len() >= 30, "enough challenges for a background");
    app.import(&[], &published).await;

    let (status, body) = app
        .get("/api/v1/challenges/search?q=xyzzy%20qwerty%20blorf", None)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 0, "{body}");

    // A real query still finds what it asks for, and the count is what matched.
    let title = published[0]["title"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (_, body) = app
        .get(
            &format!("/api/v1/challenges/search?q={}", urlencode(&title)),
            None,
        )
        .await;
    assert_eq!(
        ids(&body).first(),
        published[0]["id"].as_str().map(str::to_owned).as_ref()
    );
    let total = body["total"].as_u64().unwrap_or_default();
    assert!(
        total >= 1 && (total as usize) < published.len(),
        "{total} of {}",
        published.len()
    );

    let page = app
        .http
        .get(app.at("/challenges?q=xyzzy+qwerty+blorf"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        page.contains("Ningún reto coincide con tu búsqueda"),
        "{page}"
    );
    assert!(
        page.contains("/challenges?sector=water"),
        "sectors to browse instead"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spanish_query_finds_the_english_profile_and_vice_versa() {
    let app = app_with_data().await;
    let (status, body) = app.get("/api/v1/companies/search?q=monitorizaci%C3%B3n%20ac%C3%BAstica%20de%20fugas%20en%20tuber%C3%ADas&mode=vector", None).await;
    assert_eq!(status, 200, "{body}");
    let found = ids(&body);
    let english = found.iter().position(|i| i == "co-test-en");
    let unrelated = found.iter().position(|i| i == "co-test-other");
    assert!(
        english.is_some_and(|e| unrelated.is_none_or(|u| e < u)),
        "{found:?}"
    );

    let (_, body) = app
        .get(
            "/api/v1/challenges/search?q=timed%20entry%20tickets%20for%20museums&mode=vector",
            None,
        )
        .await;
    assert_eq!(ids(&body).first().map(String::as_str), Some("ch-museum"));
    let (_, body) = app
        .get(
            "/api/v1/challenges/search?q=water%20leaks%20in%20small%20towns&mode=vector",
            None,
        )
        .await;
    assert_eq!(
        ids(&body).first().map(String::as_str),
        Some("ch-water"),
        "English words find the Spanish challenge"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_match_without_accents_or_case_and_are_highlighted() {
    let app = app_with_data().await;
    let (_, accented) = app
        .get(
            "/api/v1/challenges/search?q=deteccion%20FUGAS&mode=bm25",
            None,
        )
        .await;
    assert_eq!(ids(&accented), vec!["ch-water"]);
    let highlight = accented["items"][0]["highlights"].to_string();
    assert!(highlight.contains("<mark>"), "{highlight}");
    let (_, drafts) = app
        .get(
            "/api/v1/challenges/search?q=fugas&mode=bm25&open=false",
            None,
        )
        .await;
    assert!(
        !ids(&drafts).contains(&"ch-draft".to_owned()),
        "drafts are never searchable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_facets_are_correct() {
    let app = app_with_data().await;
    let (_, all) = app.get("/api/v1/companies/search", None).await;
    assert_eq!(all["total"], 3, "an empty query browses");
    let sectors = all["facets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["field"] == "sector")
        .cloned()
        .unwrap_or_default();
    let water = sectors["values"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["value"] == "water")
        .map(|v| v["count"].clone());
    assert_eq!(water, Some(serde_json::json!(2)));
    let (_, filtered) = app
        .get(
            "/api/v1/companies/search?sector=water&certification=ENS-media",
            None,
        )
        .await;
    assert_eq!(ids(&filtered), vec!["co-test-en"]);
    let (_, cpv) = app.get("/api/v1/companies/search?cpv=38000000", None).await;
    assert_eq!(
        cpv["total"], 2,
        "a division code matches the codes below it"
    );
    let (_, smes) = app
        .get("/api/v1/companies/search?sme=true&q=agua", None)
        .await;
    assert!(!ids(&smes).contains(&"co-test-other".to_owned()));
    let (_, budget) = app
        .get("/api/v1/challenges/search?budget_min=100000", None)
        .await;
    assert_eq!(ids(&budget), vec!["ch-water"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_queries_are_lenient_or_422_never_500() {
    let app = app_with_data().await;
    let long = "agua ".repeat(2100);
    for q in [
        "\"unbalanced",
        "AND OR NOT",
        "+++ --- ***",
        "status:draft",
        "(((",
        "title:[a TO",
        long.as_str(),
        "\u{0}\u{1}",
        "🦀 ñandú",
    ] {
        let url = format!("/api/v1/challenges/search?q={}", urlencode(q));
        let (status, body) = app.get(&url, None).await;
        // An address longer than the API reads is refused whole, in JSON (414).
        let refused_whole = status == 414 && body["error"] == "too_large";
        assert!(
            status == 200 || status == 422 || refused_whole,
            "{q:?} → {status} {body}"
        );
    }
    let (status, body) = app
        .get(
            "/api/v1/challenges/search?trl=12&deadline_from=tomorrow&mode=fuzzy",
            None,
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["fields"].as_array().map(Vec::len), Some(3), "{body}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Query embeddings are answered in turn: four clients each asking again as soon as they have
/// their answer never wait behind more than the other three. (A query used to be answered only
/// once the queue ran dry, so a busy stream of queries kept one waiting for seconds.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_query_embeddings_are_answered_in_turn() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let embedder = factoria_tests::embedder();
    let run = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let answered = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for client in 0..4 {
        let (embedder, answered) = (embedder.clone(), answered.clone());
        clients.push(tokio::spawn(async move {
            let mut most_overtaken = 0;
            for n in 0..60 {
                let before = answered.load(Ordering::SeqCst);
                // A text never asked before, so it is embedded, not read from the cache.
                let text = format!("redes de sensores {run} {client} {n}");
                embedder
                    .embed_query(&text)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                let overtaken = answered.fetch_add(1, Ordering::SeqCst) - before;
                most_overtaken = most_overtaken.max(overtaken);
            }
            most_overtaken
        }));
    }
    for client in clients {
        let most_overtaken = client.await.unwrap_or_else(|e| panic!("{e}"));
        // Three others ahead at most, and a little slack for task scheduling.
        assert!(
            most_overtaken <= 12,
            "a query waited while {most_overtaken} others were answered"
        );
    }
}
