//! What an operations team probes and scrapes: `/readyz` and `/metrics`, read by the reference
//! Prometheus parser, with few labels and no ids in them.

use factoria_tests::{Backend, Options, TestApp};
use serde_json::Value;

use crate::fixtures;

const TOKEN: &str = "a-metrics-token-of-at-least-24-chars";

fn parse(text: &str) -> Vec<Value> {
    factoria_tests::python_tool(
        "parse_metrics.py",
        text.as_bytes(),
        "the reference parser refused the metrics",
    )
    .lines()
    .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_scraped_from_the_loopback_or_with_the_token_and_readiness_is_told() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            configure: Some(Box::new(|config| {
                config.metrics_token = Some(factoria::config::Secret::from_bytes(TOKEN.into()));
            })),
            ..Options::default()
        },
    )
    .await;
    app.import(
        &[fixtures::company_es()],
        &[fixtures::challenge("ch-fugas", "published")],
    )
    .await;
    for path in [
        "/api/v1/challenges/ch-fugas",
        "/api/v1/companies/co-test-es",
        "/challenges/ch-fugas",
    ] {
        let (status, _) = app.get(path, None).await;
        assert_eq!(status, 200, "{path}");
    }

    let (status, ready) = app.get("/readyz", None).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready["index_behind"], 0);

    let response = app
        .http
        .get(app.at("/metrics"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200, "the loopback may scrape");
    let samples = parse(&response.text().await.unwrap_or_default());
    let families: std::collections::HashSet<&str> = samples
        .iter()
        .filter_map(|s| s["family"].as_str())
        .collect();
    for expected in [
        "factoria_http_requests",
        "factoria_http_request_duration_seconds",
        "factoria_jobs",
        "factoria_emails",
        "factoria_index_behind_changes",
        "factoria_index_documents",
        "factoria_database_up",
        "factoria_database_connections",
        "factoria_email_deliveries",
        "factoria_embedded_texts",
    ] {
        assert!(
            families.contains(expected),
            "{expected} missing from {families:?}"
        );
    }
    let routes: std::collections::HashSet<&str> = samples
        .iter()
        .filter(|s| s["family"] == "factoria_http_requests")
        .filter_map(|s| s["labels"]["route"].as_str())
        .collect();
    assert!(routes.contains("/api/v1/challenges/{id}"), "{routes:?}");
    for sample in &samples {
        for value in sample["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, v)| v)
        {
            let value = value.as_str().unwrap_or_default();
            assert!(
                !value.contains("ch-fugas") && !value.contains("co-test-es"),
                "an id in a label: {sample}"
            );
        }
    }

    // Relayed by a proxy, the request is not local: it needs the token.
    let relayed = app
        .http
        .get(app.at("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(relayed.status().as_u16(), 403);
    let with_token = app
        .http
        .get(app.at("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(with_token.status().as_u16(), 200);
    let wrong = app
        .http
        .get(app.at("/metrics"))
        .header("x-forwarded-for", "203.0.113.9")
        .bearer_auth("a-wrong-token-of-at-least-24-chars")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(wrong.status().as_u16(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_in_every_line_of_a_request() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let server = factoria_tests::ServeProcess::start(
        dir.path(),
        &[("FACTORIA_LOG_FORMAT", "json".to_owned())],
    )
    .await;
    let client = reqwest::Client::new();
    let get = |id: Option<&str>| {
        let mut request = client.get(format!("{}/api/v1/challenges?q=agua", server.url));
        if let Some(id) = id {
            request = request.header("x-request-id", id);
        }
        request.send()
    };
    let from_proxy = get(Some("proxy-7f3a.1"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        from_proxy.headers()["x-request-id"],
        "proxy-7f3a.1",
        "the proxy's id is kept"
    );
    let forged = get(Some("a b\tc")).await.unwrap_or_else(|e| panic!("{e}"));
    let made = forged.headers()["x-request-id"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        made.len() == 36 && made != "a b\tc",
        "a new id replaces one that is not a plain token: {made}"
    );
    let not_text = client
        .get(format!("{}/api/v1/challenges?q=agua", server.url))
        .header(
            "x-request-id",
            reqwest::header::HeaderValue::from_bytes(b"\xffid").unwrap_or_else(|e| panic!("{e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        not_text.headers()["x-request-id"]
            .to_str()
            .map(str::len)
            .unwrap_or_default(),
        36,
        "bytes that are not text are replaced too"
    );

    // The access line of each request is written when it is answered; wait for both.
    let log = || std::fs::read_to_string(&server.log).unwrap_or_default();
    let started = std::time::Instant::now();
    while !(log().contains("proxy-7f3a.1") && log().contains(&made)) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "no access lines:\n{}",
            log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let lines: Vec<Value> = log()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let of_request: Vec<&Value> = lines
        .iter()
        .filter(|l| l["span"]["name"] == "request")
        .collect();
    assert!(of_request.len() >= 2, "{lines:?}");
    for line in &of_request {
        assert!(
            line["span"]["id"]
                .as_str()
                .is_some_and(|id| id == "proxy-7f3a.1" || id.len() == 36),
            "a request's line without its id: {line}"
        );
    }
    assert!(
        of_request.iter().any(|l| l["span"]["id"] == "proxy-7f3a.1" && l["span"]["path"] == "/api/v1/challenges"),
        "{of_request:?}"
    );
}

/// A replica whose index is more than `READY_MAX_BEHIND` changes behind the log (another
/// replica imported a batch) says it is not ready, and is ready again once it has caught up.
/// The replica here runs no follower, so the test decides when it catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_is_503_while_the_index_is_behind_and_200_once_caught_up() {
    use factoria::app::{self, IndexLocation};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("r.sqlite").display()
    );
    let config = factoria_tests::test_config(dir.path(), &url);
    let ctx = app::context(
        config,
        Some(factoria_tests::embedder()),
        IndexLocation::Memory,
    )
    .await
    .unwrap_or_else(|e| panic!("{e:#}"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let base = format!(
        "http://{}",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    let router = factoria::http::router(ctx.clone());
    let server = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    let ready = || async {
        let response = reqwest::get(format!("{base}/readyz"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or_else(|e| panic!("{e}"));
        (status, body)
    };
    assert_eq!(ready().await.0, 200);

    let behind = factoria::http::operations::READY_MAX_BEHIND + 1;
    let tx = factoria::db::begin_write(&ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for id in 0..behind {
        factoria::db::record_change(&tx, factoria_search::EntityKey::company(1_000 + id))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
    }
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = ready().await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["index_behind"], behind, "{body}");
    assert_eq!(body["database"], true);

    factoria::indexing::catch_up(&ctx.db, &ctx.search)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (status, body) = ready().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["index_behind"], 0);
    server.abort();
}
