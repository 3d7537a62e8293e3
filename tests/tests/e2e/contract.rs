//! The API contract an integrator relies on: a document that validates and generates a working
//! client, retries made safe by `Idempotency-Key`, and updates that never overwrite a change
//! their writer has not seen (`ETag` / `If-Match`), on SQLite and PostgreSQL.

use std::path::Path;
use std::process::Command;

use factoria_tests::smtp::tools_python;
use factoria_tests::{Backend, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;
use crate::on_both;

const DEPARTMENT: &str = "Canal de Isabel II";

/// A tool of the test set-up's Python environment.
fn tool(name: &str) -> std::path::PathBuf {
    tools_python().with_file_name(name)
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

async fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> (u16, reqwest::header::HeaderMap, Value) {
    let mut request = app.http.request(method, app.at(path)).bearer_auth(token);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

fn etag(headers: &reqwest::header::HeaderMap) -> String {
    headers
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no ETag in {headers:?}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_validates_and_a_generated_client_works() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[fixtures::company_es(), fixtures::company_en()],
        &[fixtures::challenge("ch-contract", "published")],
    )
    .await;
    let officer = app
        .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
        .await;
    let member = app
        .user_token("founder@robots.example", false, None, None)
        .await;

    let document = app
        .http
        .get(app.at("/api/openapi.json"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let work = app.dir.path();
    let path = work.join("openapi.json");
    std::fs::write(&path, &document).unwrap_or_else(|e| panic!("{e}"));

    let validated = run(Command::new(tool("openapi-spec-validator")).arg(&path));
    assert!(validated.contains("OK"), "{validated}");

    // The generator formats its output with ruff, which it finds on PATH.
    let bin = tool("python")
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let path_var = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let generated = run(Command::new(tool("openapi-python-client"))
        .args(["generate", "--meta", "none", "--path"])
        .arg(&path)
        .arg("--output-path")
        .arg(work.join("factoria_api_client"))
        .env("PATH", &path_var)
        .current_dir(work));
    assert!(
        !generated.to_lowercase().contains("warning"),
        "the generator warned:\n{generated}"
    );

    every_documented_value_is_accepted(&app, &document, &officer).await;

    let script = factoria_tests::crate_dir().join("tools/api_client_check.py");
    let checked = run(Command::new(tools_python())
        .arg(script)
        .arg(&app.url)
        .arg(work)
        .arg(&member)
        .arg(&officer)
        .arg("ch-contract"));
    assert!(checked.contains("client check passed"), "{checked}");
}

/// Every value the document lists for a query parameter (an enum, or the items of a list) is
/// accepted by its operation: the document and the handlers' parsers say the same thing.
async fn every_documented_value_is_accepted(app: &TestApp, document: &str, officer: &str) {
    let doc: Value = serde_json::from_str(document).unwrap_or_else(|e| panic!("{e}"));
    let resolve = |schema: &Value| -> Value {
        match schema["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                doc["components"]["schemas"][name].clone()
            }
            None => schema.clone(),
        }
    };
    let mut tried = 0;
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let Some(operation) = item.get("get") else {
            continue;
        };
        let concrete = path.replace("{id}", "ch-contract");
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] != "query" {
                continue;
            }
            let mut schema = resolve(&parameter["schema"]);
            for alternative in schema["oneOf"].as_array().cloned().unwrap_or_default() {
                if alternative["type"] != "null" {
                    schema = resolve(&alternative);
                }
            }
            if schema["type"] == "array" {
                schema = resolve(&schema["items"]);
            }
            for value in schema["enum"].as_array().into_iter().flatten() {
                let Some(value) = value.as_str() else {
                    continue;
                };
                let name = parameter["name"].as_str().unwrap_or_default();
                let (status, _, body) = request(
                    app,
                    Method::GET,
                    &format!("{concrete}?{name}={value}"),
                    officer,
                    &[],
                    None,
                )
                .await;
                assert_ne!(
                    status, 422,
                    "{path}?{name}={value} is documented but refused: {body}"
                );
                tried += 1;
            }
        }
    }
    assert!(tried >= 20, "only {tried} documented values were tried");
}

on_both!(
    a_stale_if_match_is_refused_and_changes_nothing,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let founder = app
            .user_token("founder@fugascero.example", false, None, None)
            .await;
        let (status, headers, created) = request(
            &app,
            Method::POST,
            "/api/v1/companies",
            &founder,
            &[],
            Some(&fixtures::company_es()),
        )
        .await;
        assert_eq!(status, 201, "{created}");
        let first = etag(&headers);
        assert_eq!(first, "\"v1\"");
        let path = "/api/v1/companies/co-test-es";

        let (status, headers, patched) = request(
            &app,
            Method::PATCH,
            path,
            &founder,
            &[("if-match", &first)],
            Some(&json!({"trl": 7})),
        )
        .await;
        assert_eq!(status, 200, "{patched}");
        assert_eq!(etag(&headers), "\"v2\"");

        // A second writer who read version 1 is told, and changes nothing.
        let (status, headers, refused) = request(
            &app,
            Method::PATCH,
            path,
            &founder,
            &[("if-match", &first)],
            Some(&json!({"trl": 3})),
        )
        .await;
        assert_eq!(status, 412, "{refused}");
        assert_eq!(refused["error"], "precondition_failed");
        assert_eq!(refused["current"]["trl"], 7);
        assert_eq!(refused["current"]["version"], 2);
        assert_eq!(etag(&headers), "\"v2\"");
        let mut replacement = fixtures::company_es();
        replacement["name"] = json!("Otro nombre");
        let (status, _, _) = request(
            &app,
            Method::PUT,
            path,
            &founder,
            &[("if-match", &first)],
            Some(&replacement),
        )
        .await;
        assert_eq!(status, 412);
        let (_, headers, now) = request(&app, Method::GET, path, &founder, &[], None).await;
        assert_eq!(
            (now["trl"].clone(), now["name"].clone()),
            (json!(7), fixtures::company_es()["name"].clone())
        );
        assert_eq!(etag(&headers), "\"v2\"");

        // A malformed tag is a 400 in the API's JSON; no tag at all still updates.
        let (status, _, malformed) = request(
            &app,
            Method::PATCH,
            path,
            &founder,
            &[("if-match", "v2")],
            Some(&json!({"trl": 8})),
        )
        .await;
        assert_eq!(status, 400, "{malformed}");
        assert_eq!(malformed["error"], "bad_request");
        let (status, headers, _) = request(
            &app,
            Method::PATCH,
            path,
            &founder,
            &[],
            Some(&json!({"trl": 8})),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(etag(&headers), "\"v3\"");

        // Challenges follow the same rule.
        let officer = app
            .user_token("officer@canal.example", false, None, Some(DEPARTMENT))
            .await;
        let mut draft = fixtures::challenge("ch-etag", "draft");
        draft.as_object_mut().map(|o| o.remove("status"));
        let (status, headers, _) = request(
            &app,
            Method::POST,
            "/api/v1/challenges",
            &officer,
            &[],
            Some(&draft),
        )
        .await;
        assert_eq!(status, 201);
        let read = etag(&headers);
        let (status, _, _) = request(
            &app,
            Method::PATCH,
            "/api/v1/challenges/ch-etag",
            &officer,
            &[("if-match", &read)],
            Some(&json!({"trl_min": 5})),
        )
        .await;
        assert_eq!(status, 200);
        let (status, _, refused) = request(
            &app,
            Method::PATCH,
            "/api/v1/challenges/ch-etag",
            &officer,
            &[("if-match", &read)],
            Some(&json!({"trl_min": 9})),
        )
        .await;
        assert_eq!(status, 412, "{refused}");
        assert_eq!(refused["current"]["trl_min"], 5);
    }
);

on_both!(
    two_concurrent_posts_with_one_key_create_one_record,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let founder = app
            .user_token("founder@fugascero.example", false, None, None)
            .await;
        let body = fixtures::company_es();
        let key = "9f0c6a52-5d7e-4e43-9a43-1f6f3c1f2b7e";
        let headers = [("idempotency-key", key)];
        let (one, two) = tokio::join!(
            request(
                &app,
                Method::POST,
                "/api/v1/companies",
                &founder,
                &headers,
                Some(&body)
            ),
            request(
                &app,
                Method::POST,
                "/api/v1/companies",
                &founder,
                &headers,
                Some(&body)
            ),
        );
        assert_eq!((one.0, two.0), (201, 201), "{} / {}", one.2, two.2);
        assert_eq!(one.2, two.2, "both answers are the first answer");
        let replayed = [&one.1, &two.1]
            .iter()
            .filter(|h| h.get("idempotent-replayed").is_some_and(|v| v == "true"))
            .count();
        assert_eq!(replayed, 1, "exactly one answer is a replay");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM companies WHERE external_id = 'co-test-es'")
                .await,
            1
        );

        // The same key with another body is refused, naming the header.
        let mut other = body.clone();
        other["name"] = json!("Otra empresa");
        let (status, _, refused) = request(
            &app,
            Method::POST,
            "/api/v1/companies",
            &founder,
            &headers,
            Some(&other),
        )
        .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["fields"][0]["field"], "Idempotency-Key");

        // Someone else's identical key is theirs alone: it runs (and conflicts on the id).
        let other_user = app.user_token("other@example.org", false, None, None).await;
        let (status, headers, _) = request(
            &app,
            Method::POST,
            "/api/v1/companies",
            &other_user,
            &headers,
            Some(&body),
        )
        .await;
        assert_eq!(status, 409);
        assert!(headers.get("idempotent-replayed").is_none());

        for bad in ["", "with space", &"k".repeat(256)] {
            let (status, _, refused) = request(
                &app,
                Method::POST,
                "/api/v1/companies",
                &founder,
                &[("idempotency-key", bad)],
                Some(&body),
            )
            .await;
            assert_eq!(status, 422, "key {bad:?}: {refused}");
            assert_eq!(refused["fields"][0]["field"], "Idempotency-Key");
        }
    }
);
