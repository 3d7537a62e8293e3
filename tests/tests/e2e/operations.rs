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
