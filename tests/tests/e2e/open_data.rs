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

    // The museums challenge runs a call: its periods, criteria and, once unsealed, tenderers.
    let culture = app
        .user_token(
            "ana@cultura.example",
            false,
            None,
            Some("Consejería de Cultura"),
        )
        .await;
    let now = app.ctx.clock.now();
    let (status, body) = app
        .send(
            Method::PUT,
            "/api/v1/challenges/ch-museos/call",
            &json!({
                "criteria": [{"name": "Quality", "weight": 70}, {"name": "Price", "weight": 30}],
                "questions_deadline": (now + chrono::Duration::days(2)).to_rfc3339(),
                "proposals_deadline": "2099-06-20T12:00:00Z",
                "panel": ["ana@cultura.example"],
            }),
            Some(&culture),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, sealed) = app.get("/api/v1/ocds/releases/ch-museos", None).await;
    let tender = &sealed["releases"][0]["tender"];
    assert_eq!(tender["tenderPeriod"]["endDate"], "2099-06-20T12:00:00Z");
    assert!(tender["enquiryPeriod"]["endDate"].is_string(), "{tender}");
    assert_eq!(tender["awardCriteria"], "ratedCriteria");
    assert_eq!(tender["awardCriteriaDetails"], "Quality (70%); Price (30%)");
    assert!(
        tender.get("numberOfTenderers").is_none(),
        "not even their number shows before the deadline: {tender}"
    );
    app.ctx.clock.advance(chrono::Duration::days(365 * 80));

    let (status, package) = app.get("/api/v1/ocds/releases", None).await;
    assert_eq!(status, 200, "{package}");
    let unsealed = package["releases"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|r| r["ocid"] == "ocds-factoria-ch-museos")
        .map(|r| r["tender"]["numberOfTenderers"].clone());
    assert_eq!(unsealed, Some(json!(0)), "{package}");
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
    let (status, refused) = app
        .send(
            Method::POST,
            "/api/v1/challenges/ch-borrador/status",
            &json!({"status": "cancelled"}),
            Some(&officer),
        )
        .await;
    assert_eq!(status, 409, "cancelling would publish a draft: {refused}");
    assert_eq!(
        app.get("/api/v1/ocds/releases/ch-borrador", None).await.0,
        404
    );
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

/// What the independent Atom check says of `feed`.
fn read_atom(feed: &str) -> Value {
    let stdout = factoria_tests::python_tool("check_atom.py", feed.as_bytes(), feed);
    let read: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(read["problems"], json!([]), "{feed}");
    read
}

/// Status, content type and text of `path`.
async fn fetch(app: &TestApp, path: &str) -> (u16, String, String) {
    let response = app
        .http
        .get(app.at(path))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (
        status,
        content_type,
        response.text().await.unwrap_or_else(|e| panic!("{e}")),
    )
}

fn entry_ids(read: &Value) -> Vec<String> {
    read["entries"]
        .as_array()
        .map(|entries| {
            entries
                .iter()
                .filter_map(|e| e["link"].as_str())
                .filter_map(|link| link.rsplit('/').next())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_challenges_are_atom_feeds_per_sector_department_and_cpv_division() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut past = fixtures::challenge("ch-pasado", "published");
    past["deadline"] = json!("2020-01-31");
    app.import(
        &[fixtures::company_es()],
        &[
            fixtures::challenge("ch-fugas", "published"),
            fixtures::challenge_en("ch-museos"),
            fixtures::challenge("ch-borrador", "draft"),
            past,
        ],
    )
    .await;

    let (status, content_type, all) = fetch(&app, "/feeds/challenges.atom").await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(content_type, "application/atom+xml; charset=utf-8");
    let read = read_atom(&all);
    let mut ids = entry_ids(&read);
    ids.sort();
    assert_eq!(
        ids,
        ["ch-fugas", "ch-museos"],
        "open challenges only: no draft, nothing past its deadline"
    );
    assert_eq!(read["language"], "es");
    let fugas = read["entries"]
        .as_array()
        .and_then(|entries| {
            entries.iter().find(|e| {
                e["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("Detección"))
            })
        })
        .cloned()
        .unwrap_or_else(|| panic!("{read}"));
    assert_eq!(
        fugas["content"][0],
        "Plazo: 30 de junio de 2099 · Presupuesto: 250.000 €"
    );
    assert!(
        fugas["tags"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("water")) && t.contains(&json!("38420000"))),
        "{fugas}"
    );
    assert!(
        fugas["tag_labels"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("Agua"))),
        "{fugas}"
    );

    let (status, _, water) = fetch(&app, "/feeds/challenges.atom?sector=Water&lang=en").await;
    assert_eq!(status, 200, "{water}");
    let read = read_atom(&water);
    assert_eq!(entry_ids(&read), ["ch-fugas"]);
    assert_eq!(read["language"], "en");
    assert_eq!(read["title"], "Open challenges · Water — Factoría");
    assert_eq!(
        read["entries"][0]["content"][0],
        "Deadline: 30 June 2099 · Budget: €250,000"
    );

    let (_, _, culture) = fetch(
        &app,
        "/feeds/challenges.atom?department=Consejer%C3%ADa%20de%20Cultura",
    )
    .await;
    assert_eq!(entry_ids(&read_atom(&culture)), ["ch-museos"]);
    let (_, _, software) = fetch(&app, "/feeds/challenges.atom?cpv_division=48").await;
    assert_eq!(entry_ids(&read_atom(&software)), ["ch-museos"]);
    let (_, _, nobody) = fetch(&app, "/feeds/challenges.atom?department=Nadie").await;
    assert_eq!(
        entry_ids(&read_atom(&nobody)),
        Vec::<String>::new(),
        "an empty feed is still a valid feed"
    );

    for (query, field) in [
        ("?sector=astrology", "sector"),
        ("?cpv_division=7", "cpv_division"),
        ("?cpv_division=04", "cpv_division"),
        ("?lang=fr", "lang"),
        ("?department=Canal%01", "department"),
    ] {
        let (status, _, refused) = fetch(&app, &format!("/feeds/challenges.atom{query}")).await;
        assert_eq!(status, 422, "{query}: {refused}");
        let refused: Value = serde_json::from_str(&refused).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(refused["fields"][0]["field"], field, "{query}");
    }

    // A search the feed cannot express links to the feed of what it can.
    let (_, _, page) = fetch(&app, "/challenges?cpv_division=7").await;
    assert!(page.contains("href=\"/feeds/challenges.atom\""), "{page}");
    // The pages point feed readers at the feed of what they show.
    let (_, _, page) = fetch(&app, "/challenges?sector=water").await;
    assert!(
        page.contains(r#"<link rel="alternate" type="application/atom+xml""#)
            && page.contains("/feeds/challenges.atom?sector=water"),
        "{page}"
    );
}

/// Rows of a CSV download as Python's csv module reads them (header first).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let stdout = factoria_tests::python_tool("read_csv.py", text.as_bytes(), text);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_results_and_rankings_download_as_csv_in_the_readers_language() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut formula = fixtures::company_other();
    formula["name"] = json!("=HYPERLINK(\"http://evil.example\")");
    app.import(
        &[fixtures::company_es(), formula],
        &[
            fixtures::challenge("ch-fugas", "published"),
            fixtures::challenge_en("ch-museos"),
        ],
    )
    .await;

    let response = app
        .http
        .get(app.at("/challenges?sector=water&format=csv"))
        .header("cookie", "factoria_lang=en")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let rows = read_csv(&response.text().await.unwrap_or_default());
    assert_eq!(
        rows[0][..5],
        ["Challenge", "Title", "Department", "Status", "Deadline"]
    );
    assert_eq!(
        rows.len(),
        2,
        "the header and the one water challenge: {rows:?}"
    );
    assert_eq!(rows[1][0], "ch-fugas");
    assert_eq!(rows[1][4], "2099-06-30");
    assert_eq!(rows[1][5], "250000");
    assert_eq!(rows[1][7], "Water");
    // The API answers the same table for `format=csv` or `Accept: text/csv`.
    for (query, accept) in [
        ("?sector=water&format=csv", "application/json"),
        ("?sector=water", "text/csv"),
    ] {
        let response = app
            .http
            .get(app.at(&format!("/api/v1/challenges/search{query}")))
            .header("accept", accept)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 200, "{query}");
        let rows = read_csv(&response.text().await.unwrap_or_default());
        assert_eq!(rows[0][0], "Reto", "{query}: {rows:?}");
        assert_eq!(rows.len(), 2, "{query}: {rows:?}");
        assert_eq!(rows[1][0], "ch-fugas");
    }
    let english = app
        .http
        .get(app.at("/api/v1/challenges/search?sector=water&format=csv"))
        .header("accept-language", "en-GB,en;q=0.9,es;q=0.5")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = read_csv(&english.text().await.unwrap_or_default());
    assert_eq!(
        rows[0][0], "Challenge",
        "a visitor's client asks for English: {rows:?}"
    );
    let (_, _, page) = fetch(&app, "/challenges?sector=water").await;
    assert!(
        page.contains("href=\"/challenges?sector=water&#38;format=csv\""),
        "{page}"
    );

    app.user_with_password(
        "laura@canal.example",
        "Laura",
        crate::pages::PASSWORD,
        false,
        None,
        Some("Canal de Isabel II"),
    )
    .await;
    let (officer, _) = crate::pages::sign_in(&app, "laura@canal.example").await;
    let response = app
        .http
        .get(app.at("/officer/challenges/ch-fugas/matches?format=csv"))
        .header("cookie", &officer)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    let rows = read_csv(&response.text().await.unwrap_or_default());
    assert_eq!(rows[0][..3], ["Puesto", "Empresa", "Id"]);
    assert_eq!(rows.len(), 3, "both companies ranked: {rows:?}");
    assert_eq!(rows[1][0], "1");
    assert!(
        rows.iter()
            .any(|r| r[1] == "'=HYPERLINK(\"http://evil.example\")"),
        "a formula is made inert: {rows:?}"
    );
    assert!(rows[1][8].len() > 10, "each row says why it fits: {rows:?}");
    let (status, _) = {
        let anonymous = app
            .http
            .get(app.at("/officer/challenges/ch-fugas/matches?format=csv"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        (anonymous.status().as_u16(), ())
    };
    assert_ne!(status, 200, "the ranking is the department's");
}

/// `factoria import --ocds FILE` into `app`'s database: exit code and standard error.
fn import_ocds(app: &TestApp, file: &std::path::Path) -> (i32, String) {
    let database_url = app.ctx.config.database_url.clone();
    let (code, _, stderr) = run_cli(
        app.dir.path(),
        &[("FACTORIA_DATABASE_URL", database_url.as_str())],
        &["import", "--ocds", file.to_str().unwrap_or_default()],
    );
    (code, stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ocds_export_imports_back_as_drafts_once_and_bad_packages_are_named() {
    let source = TestApp::spawn(Backend::Sqlite).await;
    source
        .import(
            &[fixtures::company_es()],
            &[
                fixtures::challenge("ch-fugas", "published"),
                fixtures::challenge_en("ch-museos"),
            ],
        )
        .await;
    let export = source.dir.path().join("export.json");
    let (code, _, stderr) = run_cli(
        source.dir.path(),
        &[(
            "FACTORIA_DATABASE_URL",
            source.ctx.config.database_url.as_str(),
        )],
        &["export", "--ocds", export.to_str().unwrap_or_default()],
    );
    assert_eq!(code, 0, "{stderr}");

    let target = TestApp::spawn(Backend::Sqlite).await;
    let (code, stderr) = import_ocds(&target, &export);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("OCDS drafts: 2 created, 0 updated, 0 unchanged, 0 releases skipped"),
        "{stderr}"
    );
    let admin = target
        .user_token("admin@factoria.example", true, None, None)
        .await;
    let (status, draft) = target
        .get("/api/v1/challenges/ch-fugas", Some(&admin))
        .await;
    assert_eq!(status, 200, "{draft}");
    let original = fixtures::challenge("ch-fugas", "published");
    assert_eq!(
        draft["status"], "draft",
        "nothing is published by an import"
    );
    for field in [
        "title",
        "description",
        "department",
        "cpv",
        "budget_eur",
        "deadline",
    ] {
        assert_eq!(
            draft[field], original[field],
            "{field} survives the round trip: {draft}"
        );
    }
    let (_, public) = target.get("/api/v1/challenges/ch-fugas", None).await;
    assert_ne!(
        public["status"], "draft",
        "a draft is not shown to visitors: {public}"
    );

    let (code, stderr) = import_ocds(&target, &export);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("OCDS drafts: 0 created, 0 updated, 2 unchanged"),
        "importing again changes nothing: {stderr}"
    );
    let (_, stderr) = import_ocds(&source, &export);
    assert!(
        stderr.contains(
            "challenge ch-fugas is already published; an import never changes a public challenge"
        ),
        "{stderr}"
    );

    // A release without a title or a buyer is skipped and reported; the others are imported.
    let mut package: Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap_or_default())
            .unwrap_or_default();
    package["releases"][0]["tender"]["title"] = json!("");
    package["releases"][1]["ocid"] = json!("ocds-otro-portal-0042");
    let partial = target.dir.path().join("partial.json");
    std::fs::write(&partial, package.to_string()).unwrap_or_else(|e| panic!("{e}"));
    let (code, stderr) = import_ocds(&target, &partial);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("(/releases/0): no `tender.title`"),
        "{stderr}"
    );
    assert!(stderr.contains("OCDS drafts: 1 created"), "{stderr}");
    assert_eq!(
        target
            .get("/api/v1/challenges/ocds-otro-portal-0042", Some(&admin))
            .await
            .0,
        200
    );

    // A file that is not JSON, or not a package, is refused naming it and where.
    for (text, expected) in [
        ("{\"releases\": [", "not JSON"),
        ("{\"version\": \"1.1\"}", "neither a release package"),
        ("{\"releases\": {}}", "#/releases"),
    ] {
        let bad = target.dir.path().join("bad.json");
        std::fs::write(&bad, text).unwrap_or_else(|e| panic!("{e}"));
        let (code, stderr) = import_ocds(&target, &bad);
        assert_ne!(code, 0, "{text}");
        assert!(
            stderr.contains("bad.json") && stderr.contains(expected),
            "{text}: {stderr}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sitemap_lists_public_pages_with_each_language_as_an_alternate() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[],
        &[
            fixtures::challenge("ch-fugas", "published"),
            fixtures::challenge("ch-borrador", "draft"),
        ],
    )
    .await;
    let response = app
        .http
        .get(app.at("/sitemap.xml"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/xml")),
        "{:?}",
        response.headers()
    );
    let xml = response.text().await.unwrap_or_default();
    let read: Value = serde_json::from_str(&factoria_tests::python_tool(
        "check_sitemap.py",
        xml.as_bytes(),
        "the sitemap",
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read["problems"], json!([]), "{xml}");
    let base = app.at("");
    let challenge = read["urls"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| u["loc"] == format!("{base}/challenges/ch-fugas"))
        .cloned()
        .unwrap_or_else(|| panic!("the published challenge is listed: {xml}"));
    assert_eq!(
        challenge["alternates"]["en"],
        format!("{base}/challenges/ch-fugas?lang=en")
    );
    assert!(!xml.contains("ch-borrador"), "a draft is nobody's business");
    let robots = app
        .http
        .get(app.at("/robots.txt"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(
        robots.contains(&format!("Sitemap: {base}/sitemap.xml")),
        "{robots}"
    );

    // Each alternate is that language's page, whatever the browser prefers, and says so.
    let english = app
        .http
        .get(format!("{base}/challenges/ch-fugas?lang=en"))
        .header("accept-language", "es-ES,es;q=0.9")
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    assert!(english.contains("<html lang=\"en\""), "the English version");
    assert!(
        english.contains(&format!(
            "<link rel=\"alternate\" hreflang=\"es\" href=\"{base}/challenges/ch-fugas?lang=es\">"
        )),
        "it links its Spanish version"
    );
    assert!(
        english.contains("/lang?to=es&#38;back=/challenges/ch-fugas\""),
        "the language switch comes back to the page without pinning its language: {english}"
    );
}
