//! The CPV 2008 vocabulary: unknown codes refused by name (API, import), browsing it, and codes
//! suggested from a text (API, the offline command).

use factoria_tests::{Backend, TestApp, run_cli};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;
use crate::on_both;

fn fields(body: &Value) -> Vec<(String, String)> {
    body["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_owned(),
                f["message"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

on_both!(
    codes_outside_the_vocabulary_are_a_422_naming_them,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let admin = app
            .user_token("admin@factoria.example", true, None, None)
            .await;
        let mut company = fixtures::company_es();
        company["cpv"] = json!(["38420000", "72316999"]);
        let (status, body) = app
            .send(Method::POST, "/api/v1/companies", &company, Some(&admin))
            .await;
        assert_eq!(status, 422, "{body}");
        let faults = fields(&body);
        assert_eq!(faults.len(), 1, "{body}");
        assert_eq!(faults[0].0, "cpv[1]");
        assert!(faults[0].1.contains("72316999"), "{body}");

        let officer = app
            .user_token(
                "officer@canal.example",
                false,
                None,
                Some("Canal de Isabel II"),
            )
            .await;
        let mut draft = fixtures::challenge("ch-cpv-1", "draft");
        draft.as_object_mut().map(|o| o.remove("status"));
        draft["cpv"] = json!(["99999999"]);
        let (status, body) = app
            .send(Method::POST, "/api/v1/challenges", &draft, Some(&officer))
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(fields(&body)[0].0, "cpv[0]");
        assert!(fields(&body)[0].1.contains("99999999"), "{body}");

        // The check digit is optional and not stored.
        draft["cpv"] = json!(["38420000-5", "71800000"]);
        let (status, body) = app
            .send(Method::POST, "/api/v1/challenges", &draft, Some(&officer))
            .await;
        assert_eq!(status, 201, "{body}");
        assert_eq!(body["cpv"], json!(["38420000", "71800000"]));
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vocabulary_is_browsed_by_level_and_searched_in_either_language() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (status, divisions) = app.get("/api/v1/cpv?lang=en", None).await;
    assert_eq!(status, 200, "{divisions}");
    assert_eq!(divisions.as_array().map(Vec::len), Some(45));
    assert!(
        divisions
            .as_array()
            .into_iter()
            .flatten()
            .all(|d| d["level"] == "division")
    );

    let (status, children) = app.get("/api/v1/cpv?parent=72200000-7&lang=es", None).await;
    assert_eq!(status, 200, "{children}");
    let programming = children
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["code"] == "72210000")
        .cloned()
        .unwrap_or_default();
    assert_eq!(programming["level"], "clase");
    assert_eq!(programming["parent"], "72200000");
    assert_eq!(
        programming["label"],
        "Servicios de programación de paquetes de software"
    );

    let (_, found) = app.get("/api/v1/cpv?q=ambulance&lang=en", None).await;
    assert!(
        found
            .as_array()
            .into_iter()
            .flatten()
            .any(|c| c["code"].as_str().is_some_and(|c| c.starts_with("34"))),
        "{found}"
    );

    let (status, body) = app.get("/api/v1/cpv?parent=72316999", None).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body)[0].0, "parent");
    assert!(fields(&body)[0].1.contains("72316999"));
}

async fn suggest(app: &TestApp, body: Value) -> (u16, Value) {
    app.send(Method::POST, "/api/v1/cpv/suggestions", &body, None)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggestions_for_unambiguous_texts_land_in_the_expected_division_in_both_languages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cases = [
        (
            "Servicio de limpieza de edificios municipales, oficinas y colegios públicos",
            "90",
        ),
        (
            "Supply of office furniture for the new headquarters: desks, chairs and filing cabinets",
            "39",
        ),
        (
            "Obras de construcción de un puente sobre el río y de la carretera de acceso",
            "45",
        ),
        (
            "Legal advice and representation of the council before the courts",
            "79",
        ),
    ];
    for (text, division) in cases {
        let (status, body) = suggest(&app, json!({"text": text, "lang": "en"})).await;
        assert_eq!(status, 200, "{body}");
        let items = body.as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 5, "{body}");
        // Most of the five lie in the expected division (a stray neighbour may come first:
        // «office supplies except furniture» reads close to «office furniture»).
        let division_of = |item: &Value| {
            item["code"]
                .as_str()
                .and_then(|c| c.get(..2))
                .unwrap_or_default()
                .to_owned()
        };
        let count = |d: &str| items.iter().filter(|i| division_of(i) == d).count();
        let most = items
            .iter()
            .map(|i| count(&division_of(i)))
            .max()
            .unwrap_or(0);
        assert!(
            count(division) == most && most >= 2,
            "{text}: expected division {division} to hold most suggestions, got {body}"
        );
        let first = items
            .iter()
            .find(|i| division_of(i) == division)
            .cloned()
            .unwrap_or_default();
        let code = first["code"].as_str().unwrap_or_default();
        let label = factoria_vocabulary::lookup(code).map(|c| c.en);
        assert_eq!(
            first["label"].as_str(),
            label,
            "labels in the viewer's language"
        );
        assert!(
            first["words"].as_array().is_some_and(|w| !w.is_empty()),
            "each suggestion names the words that led to it: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_text_has_no_suggestions_and_bad_requests_name_the_field() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for text in ["", "   "] {
        let (status, body) = suggest(&app, json!({ "text": text })).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body, json!([]));
    }
    let (status, body) = suggest(&app, json!({"text": "limpieza", "top": 0})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body)[0].0, "top");
    let (status, body) = suggest(&app, json!({"lang": "es"})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body)[0].0, "text");
    let (status, body) = suggest(&app, json!({"text": "x", "lang": "fr"})).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(fields(&body)[0].0, "lang");
}

#[test]
fn suggest_cpv_writes_challenge_rank_and_code_ignoring_the_codes_challenges_carry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut carrying_a_bad_code = fixtures::challenge("ch-a", "published");
    carrying_a_bad_code["cpv"] = json!(["99999999"]);
    let file = dir.path().join("challenges.jsonl");
    let lines = [carrying_a_bad_code, fixtures::challenge_en("ch-b")];
    std::fs::write(
        &file,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let path = file.to_str().unwrap_or_default();
    let (code, stdout, stderr) = run_cli(
        dir.path(),
        &[],
        &[
            "suggest-cpv",
            "--challenges",
            path,
            "--top",
            "3",
            "--format",
            "tsv",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let rows: Vec<Vec<&str>> = stdout.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 6, "{stdout}");
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 3, "{stdout}");
        assert_eq!(row[0], if i < 3 { "ch-a" } else { "ch-b" });
        assert_eq!(row[1], ((i % 3) + 1).to_string());
        assert!(factoria_vocabulary::lookup(row[2]).is_some(), "{stdout}");
    }
}

#[test]
fn an_import_line_with_an_unknown_code_is_named_by_line_and_code() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut company = fixtures::company_es();
    company["cpv"] = json!(["38420000", "38429999"]);
    let file = dir.path().join("companies.jsonl");
    std::fs::write(&file, format!("{}\n{company}\n", fixtures::company_en()))
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = run_cli(
        dir.path(),
        &[],
        &["import", "--companies", file.to_str().unwrap_or_default()],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("companies.jsonl:2: cpv[1]:") && stderr.contains("38429999"),
        "{stderr}"
    );
    assert!(stderr.contains("1 created"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_profile_form_suggests_codes_without_javascript_and_adds_one_in_a_click() {
    use crate::pages::{PASSWORD, post_form, sign_in};
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.user_with_password(
        "limpia@empresa.example",
        "Ana Limpia",
        PASSWORD,
        false,
        None,
        None,
    )
    .await;
    let (cookie, csrf) = sign_in(&app, "limpia@empresa.example").await;
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("name", "Limpiezas Brillo"),
        ("kind", "sme"),
        (
            "description",
            "Limpieza de edificios, oficinas y colegios; limpieza de cristales y desinfección.",
        ),
        ("cpv", ""),
        ("intent", "suggest_cpv"),
    ];
    let (status, _, body) = post_form(&app, "/company/new", &cookie, &form).await;
    assert_eq!(status, 200, "{body}");
    let first = body
        .split("name=\"accept_cpv\" value=\"")
        .nth(1)
        .and_then(|rest| rest.get(..8))
        .unwrap_or_default()
        .to_owned();
    assert!(
        first.starts_with("90"),
        "a cleaning code is offered first: {body}"
    );
    assert!(body.contains("Códigos sugeridos a partir del texto"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM companies").await, 0);

    form.retain(|(k, _)| *k != "intent");
    form.push(("accept_cpv", first.as_str()));
    let (status, _, body) = post_form(&app, "/company/new", &cookie, &form).await;
    assert_eq!(status, 200);
    assert!(
        body.contains(&format!("name=\"cpv\" value=\"{first}\"")),
        "the accepted code fills a CPV input"
    );
    assert!(body.contains("(ya añadido)"));
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM companies").await, 0);
}
