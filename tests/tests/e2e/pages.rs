//! The web pages: who may see what and how forms answer, over HTTP; then the users' journeys in
//! headless Chromium (`tests/browser/journeys.mjs`), with axe and the Nu HTML checker on every
//! page visited.

use std::time::Duration;

use factoria_tests::{Backend, TestApp, crate_dir, demo_data};
use serde_json::{Value, json};

use crate::fixtures::{challenge, challenge_en, company_es, company_other};

pub(crate) const PASSWORD: &str = "una contraseña de prueba";
const DEPARTMENT: &str = "Canal de Isabel II";

/// Signs in through the API; returns the cookie pair and the CSRF token of the session.
pub(crate) async fn sign_in(app: &TestApp, email: &str) -> (String, String) {
    let response = app
        .http
        .post(app.at("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 200, "sign-in of {email}");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("factoria_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("no session cookie"))
        .to_owned();
    let body: Value = response.json().await.unwrap_or_default();
    (
        cookie,
        body["csrf_token"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String, String) {
    let mut request = app.http.get(app.at(path));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

pub(crate) async fn post_form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let response = app
        .http
        .post(app.at(path))
        .header("cookie", cookie)
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, location, response.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_send_visitors_to_sign_in_and_refuse_other_roles() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[company_es(), company_other()],
        &[
            challenge("ch-fugas", "published"),
            challenge_en("ch-museos"),
        ],
    )
    .await;
    app.user_with_password(
        "lucia@fugascero.example",
        "Lucía Ortega",
        PASSWORD,
        false,
        Some("co-test-es"),
        None,
    )
    .await;
    app.user_with_password(
        "laura@canal.example",
        "Laura Ruiz",
        PASSWORD,
        false,
        None,
        Some(DEPARTMENT),
    )
    .await;
    let (company, _) = sign_in(&app, "lucia@fugascero.example").await;
    let (officer, officer_csrf) = sign_in(&app, "laura@canal.example").await;

    let (status, location, _) = page(&app, "/officer", None).await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/login?next=/officer"),
        "a visitor is asked to sign in and brought back"
    );
    let (status, _, body) = page(&app, "/officer", Some(&company)).await;
    assert_eq!(status, 403, "company members do not see officers' pages");
    assert!(
        body.contains("Estas páginas son para el personal de un departamento."),
        "said in the page's language: {body}"
    );
    assert_eq!(
        page(&app, "/admin", Some(&officer)).await.0,
        403,
        "officers do not see administration"
    );
    assert_eq!(
        page(
            &app,
            "/officer/challenges/ch-museos/matches",
            Some(&officer)
        )
        .await
        .0,
        403,
        "nor another department's matches"
    );
    let (status, _, body) = page(
        &app,
        "/officer/challenges/ch-fugas/matches?required_certifications=1",
        Some(&officer),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("name=\"required_certifications\" value=\"1\" checked"),
        "the hard certification filter is the officer's choice, kept in the form"
    );
    assert_eq!(
        page(&app, "/officer/challenges/ch-nadie/edit", Some(&officer))
            .await
            .0,
        404
    );

    let (status, _, _) = post_form(
        &app,
        "/officer/challenges/ch-fugas/shortlist",
        &officer,
        &[("company", "co-test-es")],
    )
    .await;
    assert_eq!(status, 403, "a form without the session's token is refused");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM shortlists").await, 0);
    let (status, location, _) = post_form(
        &app,
        "/officer/challenges/ch-fugas/shortlist",
        &officer,
        &[("csrf", &officer_csrf), ("company", "co-test-es")],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/officer/challenges/ch-fugas/matches#match-co-test-es")
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM shortlists").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_shows_the_days_left_and_its_budget_as_each_language_writes_them() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut record = challenge("ch-plazo", "published");
    let deadline = chrono::Utc::now().date_naive() + chrono::Duration::days(10);
    record["deadline"] = json!(deadline.format("%Y-%m-%d").to_string());
    record["budget_eur"] = json!(250000);
    app.import(&[], &[record]).await;
    let shown = deadline.format("%d/%m/%Y").to_string();
    for (cookie, said) in [
        (
            None,
            [format!("{shown} (quedan 10 días)"), "250.000 €".to_owned()],
        ),
        (
            Some("factoria_lang=en"),
            [format!("{shown} (10 days left)"), "€250,000".to_owned()],
        ),
    ] {
        for path in ["/challenges/ch-plazo", "/challenges"] {
            let (status, _, body) = page(&app, path, cookie).await;
            assert_eq!(status, 200, "{path}");
            for text in &said {
                assert!(
                    body.contains(text.as_str()),
                    "{path} ({cookie:?}) lacks {text}"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_with_faults_is_shown_again_with_what_was_typed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.user_with_password(
        "nuevo@startup.example",
        "Ana Gil",
        PASSWORD,
        false,
        None,
        None,
    )
    .await;
    let (cookie, csrf) = sign_in(&app, "nuevo@startup.example").await;
    let form = [
        ("csrf", csrf.as_str()),
        ("name", "Sensórica Nueva"),
        ("kind", "startup"),
        ("founded", "hace años"),
        ("contact_email", "no es un correo"),
        ("description", "Sensores acústicos para redes de agua."),
        ("cpv", "1234"),
        ("sector", "water"),
        ("other_sectors", "Salud, astronáutica"),
    ];
    let (status, _, body) = post_form(&app, "/company/new", &cookie, &form).await;
    assert_eq!(status, 422);
    for anchor in ["#founded", "#contact_email", "#cpv"] {
        assert!(
            body.contains(&format!("href=\"{anchor}\"")),
            "the error summary links to {anchor}"
        );
    }
    // In Spanish, as the page is.
    for said in [
        "«no es un correo» no es una dirección de correo como nombre@ejemplo.es.",
        "«1234» no es un código CPV: necesita 8 cifras, como 72316000.",
    ] {
        assert!(body.contains(said), "{said} missing");
    }
    assert!(
        !body.contains(" is not ") && !body.contains("must be"),
        "an English field error on a Spanish page"
    );
    for kept in [
        "value=\"Sensórica Nueva\"",
        "value=\"hace años\"",
        "value=\"1234\"",
        "value=\"water\" checked",
        "value=\"Salud, astronáutica\"",
    ] {
        assert!(body.contains(kept), "{kept} was lost");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM companies").await,
        0,
        "nothing is stored"
    );

    let fixed: Vec<(&str, &str)> = form
        .iter()
        .map(|(k, v)| match *k {
            "founded" => (*k, "2021"),
            "contact_email" => (*k, "ana@sensorica.example"),
            "cpv" => (*k, "38420000"),
            _ => (*k, *v),
        })
        .collect();
    let (status, location, _) = post_form(&app, "/company/new", &cookie, &fixed).await;
    assert_eq!((status, location.as_str()), (303, "/for-you"));
    let (_, _, profile) = page(&app, "/company/profile", Some(&cookie)).await;
    assert!(
        profile.contains("value=\"health\" checked"),
        "«Salud» is stored as the listed sector"
    );
    assert!(
        profile.contains("value=\"astronáutica\""),
        "an unlisted sector is kept as written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_save_over_another_officers_change_is_refused_and_shows_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(&[], &[challenge("ch-fugas", "draft")]).await;
    for email in ["laura@canal.example", "pablo@canal.example"] {
        app.user_with_password(email, "Oficial", PASSWORD, false, None, Some(DEPARTMENT))
            .await;
    }
    let (laura, laura_csrf) = sign_in(&app, "laura@canal.example").await;
    let (pablo, pablo_csrf) = sign_in(&app, "pablo@canal.example").await;
    let (_, _, opened) = page(&app, "/officer/challenges/ch-fugas/edit", Some(&laura)).await;
    assert!(
        opened.contains("name=\"version\" value=\"1\""),
        "the form carries its version"
    );
    fn form<'a>(csrf: &'a str, summary: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("csrf", csrf),
            ("version", "1"),
            (
                "title",
                "Detección temprana de fugas de agua en municipios pequeños",
            ),
            ("language", "es"),
            ("summary", summary),
            (
                "description",
                "En los municipios pequeños se pierde mucha agua en fugas.",
            ),
            ("must", "Detección acústica de fugas en tuberías"),
            ("sector", "water"),
        ]
    }
    let (status, _, _) = post_form(
        &app,
        "/officer/challenges/ch-fugas/edit",
        &pablo,
        &form(&pablo_csrf, "Resumen de Pablo."),
    )
    .await;
    assert_eq!(status, 303, "the first save goes through");

    let (status, _, body) = post_form(
        &app,
        "/officer/challenges/ch-fugas/edit",
        &laura,
        &form(&laura_csrf, "Resumen de Laura."),
    )
    .await;
    assert_eq!(status, 409);
    assert!(body.contains("Otra persona ha guardado cambios"), "{body}");
    assert!(
        body.contains("Resumen de Pablo."),
        "the saved summary is shown"
    );
    assert!(
        body.contains("value=\"Resumen de Laura.\""),
        "what Laura typed is kept"
    );
    assert!(
        body.contains("name=\"version\" value=\"2\""),
        "a second save overwrites knowingly"
    );
    let (_, _, shown) = page(&app, "/officer/challenges/ch-fugas/edit", Some(&laura)).await;
    assert!(
        shown.contains("Resumen de Pablo."),
        "nothing of Laura's was saved"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_officers_desk_filters_sorts_and_warns_of_close_deadlines() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut soon = challenge("ch-soon", "published");
    soon["deadline"] =
        json!((app.ctx.clock.now().date_naive() + chrono::Duration::days(3)).to_string());
    app.import(
        &[company_es()],
        &[
            challenge("ch-later", "published"),
            soon,
            challenge("ch-draft", "draft"),
        ],
    )
    .await;
    let founder = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let (status, body) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/challenges/ch-later/interests",
            &json!({"kind": "interest"}),
            Some(&founder),
        )
        .await;
    assert!(status == 200 || status == 201, "{status}: {body}");
    app.user_with_password(
        "laura@canal.example",
        "Laura",
        PASSWORD,
        false,
        None,
        Some(DEPARTMENT),
    )
    .await;
    let (officer, csrf) = sign_in(&app, "laura@canal.example").await;
    let order = |html: &str| -> Vec<&str> {
        let mut found: Vec<(usize, &str)> = ["ch-soon", "ch-later", "ch-draft"]
            .into_iter()
            .filter_map(|id| {
                html.find(&format!("/officer/challenges/{id}/edit"))
                    .map(|at| (at, id))
            })
            .collect();
        found.sort();
        found.into_iter().map(|(_, id)| id).collect()
    };

    let (_, _, desk) = page(&app, "/officer", Some(&officer)).await;
    assert!(desk.contains("Un reto cierra esta semana."), "{desk}");
    assert!(desk.contains("(quedan 3 días) — cierra pronto"), "{desk}");
    let (_, _, drafts) = page(&app, "/officer?status=draft", Some(&officer)).await;
    assert_eq!(order(&drafts), ["ch-draft"]);
    let (_, _, by_deadline) = page(&app, "/officer?sort=deadline", Some(&officer)).await;
    assert_eq!(
        order(&by_deadline)[0],
        "ch-soon",
        "the closest deadline first"
    );
    let (_, _, by_interest) = page(&app, "/officer?sort=interest", Some(&officer)).await;
    assert_eq!(order(&by_interest)[0], "ch-later");
    let (_, _, cancelled) = page(&app, "/officer?status=cancelled", Some(&officer)).await;
    assert!(
        cancelled.contains("Ningún reto en ese estado."),
        "{cancelled}"
    );

    // Cancelling asks first; only the confirmation cancels.
    let status_of = || async {
        app.get("/api/v1/challenges/ch-soon", Some(&founder))
            .await
            .1["status"]
            .clone()
    };
    let form = [("csrf", csrf.as_str()), ("status", "cancelled")];
    let (status, _, asked) =
        post_form(&app, "/officer/challenges/ch-soon/status", &officer, &form).await;
    assert_eq!(status, 200);
    assert!(asked.contains("¿Cancelar este reto?"), "{asked}");
    assert_eq!(status_of().await, "published");
    let confirmed = [
        ("csrf", csrf.as_str()),
        ("status", "cancelled"),
        ("confirmed", "1"),
    ];
    let (status, _, _) = post_form(
        &app,
        "/officer/challenges/ch-soon/status",
        &officer,
        &confirmed,
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(status_of().await, "cancelled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analytics_cover_a_period_month_by_month_and_per_department() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(&[company_es()], &[challenge("ch-fugas", "published")])
        .await;
    app.user_with_password(
        "admin@factoria.example",
        "Admin",
        PASSWORD,
        true,
        None,
        None,
    )
    .await;
    let (admin, _) = sign_in(&app, "admin@factoria.example").await;
    let today = app.ctx.clock.now().date_naive();

    let (status, _, html) = page(&app, "/admin", Some(&admin)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Presentaciones por mes"), "{html}");
    let month = factoria_frontend::dates::month(true, today);
    assert!(
        html.contains(&month),
        "the trend ends with this month, {month}"
    );
    assert!(html.contains("Por departamento") && html.contains("Canal de Isabel II"));

    // A period before anything happened counts nothing for the department.
    let (_, _, before) = page(&app, "/admin?from=2020-01-01&to=2020-03-31", Some(&admin)).await;
    assert!(!before.contains("Por departamento"), "{before}");
    assert!(before.contains("enero de 2020") && before.contains("marzo de 2020"));

    let (status, _, faulty) =
        page(&app, "/admin?from=2026-13-01&to=2020-01-01", Some(&admin)).await;
    assert_eq!(status, 200);
    assert!(
        faulty.contains("o es una fecha: escríbela como AAAA-MM-DD."),
        "{faulty}"
    );
    let (_, _, reversed) = page(&app, "/admin?from=2026-01-01&to=2025-01-01", Some(&admin)).await;
    assert!(reversed.contains("s anterior al primer día."), "{reversed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declared_interest_reaches_the_officers_of_the_department() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(&[company_es()], &[challenge("ch-fugas", "published")])
        .await;
    let founder = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let (status, body) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/challenges/ch-fugas/interests",
            &json!({"kind": "interest", "note": "Tenemos correladores en 12 municipios."}),
            Some(&founder),
        )
        .await;
    assert!(status == 200 || status == 201, "{status}: {body}");
    app.user_with_password(
        "laura@canal.example",
        "Laura",
        PASSWORD,
        false,
        None,
        Some(DEPARTMENT),
    )
    .await;
    let (officer, _) = sign_in(&app, "laura@canal.example").await;

    let (_, _, desk) = page(&app, "/officer", Some(&officer)).await;
    assert!(
        desk.contains("Interés declarado"),
        "the desk counts interest"
    );
    assert!(
        desk.contains(
            "data-label=\"Interés declarado\">1</td><td data-label=\"Presentaciones\">0</td>"
        ),
        "one interest, no introduction yet: {desk}"
    );

    let (status, _, matches) =
        page(&app, "/officer/challenges/ch-fugas/matches", Some(&officer)).await;
    assert_eq!(status, 200);
    assert!(
        matches.contains("Empresas que han declarado interés (1)"),
        "{matches}"
    );
    assert!(
        matches.contains("href=\"#match-co-test-es\""),
        "links to its explained match"
    );
    assert!(matches.contains("«Tenemos correladores en 12 municipios.»"));
    assert!(matches.contains("class=\"result\""), "a ranking");
    // Past the last page the ranking is empty; a page that is not a number is the first.
    let (status, _, beyond) = page(
        &app,
        "/officer/challenges/ch-fugas/matches?page=9",
        Some(&officer),
    )
    .await;
    assert_eq!(status, 200);
    assert!(!beyond.contains("class=\"result\""), "{beyond}");
    let (_, _, first) = page(
        &app,
        "/officer/challenges/ch-fugas/matches?page=x",
        Some(&officer),
    )
    .await;
    assert!(first.contains("class=\"result\""));
}

/// Node, the browser tests' packages and Chromium, as `scripts/ensure-test-tools.sh` installs
/// them.
fn browser_tools() -> std::path::PathBuf {
    let dir = crate_dir().join("browser");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "the browser tests need their packages: run scripts/ensure-test-tools.sh (npm ci in tests/browser)"
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_in_a_real_browser() {
    let dir = browser_tools();
    let app = TestApp::spawn(Backend::Sqlite).await;
    let data = demo_data();
    let mut companies = vec![company_es(), company_other()];
    companies.extend(data.companies.iter().take(40).cloned());
    let mut meters = challenge("ch-meters", "published");
    meters["title"] = json!("Telelectura de contadores de agua en edificios públicos");
    meters["summary"] = json!("Leer los contadores a distancia cada hora.");
    meters["description"] = json!(
        "Los contadores de los edificios públicos se leen a mano cada trimestre; queremos lecturas horarias a distancia para conocer el consumo."
    );
    meters["outcomes"] = json!(["Consumo horario conocido"]);
    meters["requirements"] =
        json!({"must": ["Lectura remota horaria de contadores"], "should": []});
    meters["cpv"] = json!(["38550000"]);
    let mut challenges = vec![challenge("ch-fugas", "published"), meters];
    challenges.extend(
        data.challenges
            .iter()
            .filter(|c| c["status"] == "published")
            .take(8)
            .cloned(),
    );
    app.import(&companies, &challenges).await;
    app.user_with_password(
        "laura@canal.example",
        "Laura Ruiz",
        PASSWORD,
        false,
        None,
        Some(DEPARTMENT),
    )
    .await;
    app.user_with_password(
        "admin@factoria.example",
        "Administración",
        PASSWORD,
        true,
        None,
        None,
    )
    .await;
    // A call on the challenge the start-up answers, judged by the officer who signs in.
    let chief = app
        .user_token("jefa@canal.example", false, None, Some(DEPARTMENT))
        .await;
    let now = app.ctx.clock.now();
    let (status, call) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/challenges/ch-fugas/call",
            &serde_json::json!({
                "criteria": [{"name": "Calidad técnica", "weight": 70, "guidance": "Cómo localiza las fugas"}, {"name": "Precio", "weight": 30}],
                "questions_deadline": (now + chrono::Duration::days(10)).to_rfc3339(),
                "proposals_deadline": (now + chrono::Duration::days(20)).to_rfc3339(),
                "max_budget": 250000, "pilot_months": 6, "panel": ["laura@canal.example"],
            }),
            Some(&chief),
        )
        .await;
    assert_eq!(status, 200, "{call}");
    // A second call whose proposals deadline passes before the journeys start: the officer
    // evaluates the proposal a company submitted to it and publishes the result.
    let (status, call) = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/challenges/ch-meters/call",
            &json!({
                "criteria": [{"name": "Calidad técnica", "weight": 70}, {"name": "Precio", "weight": 30}],
                "questions_deadline": (now + chrono::Duration::hours(12)).to_rfc3339(),
                "proposals_deadline": (now + chrono::Duration::days(1)).to_rfc3339(),
                "panel": ["laura@canal.example"],
            }),
            Some(&chief),
        )
        .await;
    assert_eq!(status, 200, "{call}");
    let lucia = app
        .user_token("lucia@fugascero.example", false, Some("co-test-es"), None)
        .await;
    let (_, draft) = app
        .send(
            reqwest::Method::POST,
            "/api/v1/challenges/ch-meters/proposals",
            &json!({}),
            Some(&lucia),
        )
        .await;
    let proposal = format!("/api/v1/challenges/ch-meters/proposals/{}", draft["id"]);
    let (status, body) = app
        .send(
            reqwest::Method::PATCH,
            &proposal,
            &json!({"summary": "Contadores con telelectura", "approach": "Módulos radio en cada contador.",
                "answers": [{"requirement": "Lectura remota horaria de contadores", "answer": "Módulos radio con lectura cada hora"}],
                "price": 90000, "timeline": "Tres meses", "team": "Dos técnicos"}),
            Some(&lucia),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .send(
            reqwest::Method::POST,
            &format!("{proposal}/submit"),
            &json!({}),
            Some(&lucia),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.ctx.clock.advance(chrono::Duration::days(2));

    let artifacts = crate_dir().join("artifacts/browser");
    let _ = std::fs::remove_dir_all(&artifacts);
    std::fs::create_dir_all(&artifacts).unwrap_or_else(|e| panic!("{e}"));
    let run = tokio::process::Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(dir.join("journeys.mjs"))
        .env("FACTORIA_URL", &app.url)
        .env("FACTORIA_OUTBOX", app.dir.path().join("outbox"))
        .env("FACTORIA_ARTIFACTS", &artifacts)
        .env("FACTORIA_PASSWORD", PASSWORD)
        .env("FACTORIA_OFFICER", "laura@canal.example")
        .env("FACTORIA_ADMIN", "admin@factoria.example")
        .env("FACTORIA_CHALLENGE", "ch-fugas")
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(900), run)
        .await
        .unwrap_or_else(|_| panic!("the browser journeys took over 15 minutes"))
        .unwrap_or_else(|e| panic!("cannot run node: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}\n{stderr}");
    assert!(
        output.status.success(),
        "browser journeys failed (screenshots and pages in {}):\n{stdout}\n{stderr}",
        artifacts.display()
    );
}
