//! Open data: the published challenges as OCDS 1.1 release packages, checked by the OCDS data
//! review library (`libcoveocds`) against the 1.1.5 schema kept in `tests/data/ocds`.

use std::process::Command;

use factoria_tests::smtp::tools_python;
use factoria_tests::{Backend, TestApp, run_cli};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;

/// What libcoveocds says of a package file.
fn review(path: &std::path::Path) -> Value {
    let zip = factoria_tests::crate_dir().join("data/ocds/standard-1__1__5-schema.zip");
    let output_dir = path.with_extension("review");
    let output = Command::new(tools_python().with_file_name("libcoveocds"))
        .arg("--standard-zip")
        .arg(&zip)
        .arg("--output-dir")
        .arg(&output_dir)
        .arg("--delete")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run libcoveocds: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "libcoveocds failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

fn assert_valid(review: &Value) {
    assert_eq!(
        review["validation_errors"],
        json!([]),
        "validation errors: {}",
        review["validation_errors"]
    );
    let closed = &review["additional_closed_codelist_values"];
    assert!(
        closed.is_null() || closed.as_object().is_some_and(|o| o.is_empty()),
        "values outside closed codelists: {closed}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_challenges_are_valid_ocds_releases_in_the_api_and_the_export() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[fixtures::company_es()],
        &[
            fixtures::challenge("ch-fugas", "published"),
            fixtures::challenge_en("ch-museos"),
            fixtures::challenge("ch-borrador", "draft"),
        ],
    )
    .await;
    let officer = app
        .user_token(
            "officer@canal.example",
            false,
            None,
            Some("Canal de Isabel II"),
        )
        .await;
    for step in [
        json!({"status": "closed"}),
        json!({"status": "awarded", "awarded_company": "co-test-es"}),
    ] {
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-fugas/status",
                &step,
                Some(&officer),
            )
            .await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, package) = app.get("/api/v1/ocds/releases", None).await;
    assert_eq!(status, 200, "{package}");
    let releases = package["releases"].as_array().cloned().unwrap_or_default();
    let ocids: Vec<&str> = releases.iter().filter_map(|r| r["ocid"].as_str()).collect();
    assert_eq!(ocids.len(), 2, "drafts are not published: {ocids:?}");
    let awarded = releases
        .iter()
        .find(|r| r["ocid"] == "ocds-factoria-ch-fugas")
        .unwrap_or_else(|| panic!("{ocids:?}"));
    assert_eq!(awarded["tag"], json!(["award"]));
    assert_eq!(
        awarded["awards"][0]["suppliers"][0]["name"],
        "Fugas Cero Ingeniería S.L."
    );
    assert_eq!(
        awarded["tender"]["items"][0]["classification"]["scheme"],
        "CPV"
    );
    assert_eq!(awarded["tender"]["value"]["amount"], 250000);
    assert_eq!(
        awarded["tender"]["tenderPeriod"]["endDate"],
        "2099-06-30T23:59:59+02:00"
    );

    let path = app.dir.path().join("releases.json");
    std::fs::write(&path, package.to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_valid(&review(&path));

    let (status, one) = app.get("/api/v1/ocds/releases/ch-museos", None).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["releases"][0]["tender"]["status"], "active");
    let (status, _) = app.get("/api/v1/ocds/releases/ch-borrador", None).await;
    assert_eq!(status, 404, "a draft is not published");
    let (status, refused) = app.get("/api/v1/ocds/releases?since=yesterday", None).await;
    assert_eq!(status, 422);
    assert_eq!(refused["fields"][0]["field"], "since");

    // The command line writes the same package.
    let database_url = app.ctx.config.database_url.clone();
    let export = app.dir.path().join("export.json");
    let (code, _, stderr) = run_cli(
        app.dir.path(),
        &[("FACTORIA_DATABASE_URL", database_url.as_str())],
        &["export", "--ocds", export.to_str().unwrap_or_default()],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("exported 2 releases"), "{stderr}");
    assert_valid(&review(&export));
}
