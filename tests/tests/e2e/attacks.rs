//! The attacks of the security review, each performed as an attacker would, against the real
//! server over HTTP with the real outbox: every test fails if its attack succeeds.

use factoria_tests::{Backend, Options, TestApp, run_cli};
use reqwest::Method;
use serde_json::{Value, json};

use crate::accounts::latest_link;
use crate::fixtures;
use crate::on_both;

const VICTIM: &str = "victoria@pyme.example";
const ATTACKER_PASSWORD: &str = "contraseña del atacante";
const OWNER_PASSWORD: &str = "contraseña de la dueña";

async fn sign_up(app: &TestApp, email: &str, name: &str, password: &str) {
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/auth/signup",
            &json!({"email": email, "name": name, "password": password, "locale": "es"}),
            None,
        )
        .await;
    assert_eq!(status, 202, "{body}");
}

async fn log_in(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    app.send(
        Method::POST,
        "/api/v1/auth/login",
        &json!({"email": email, "password": password}),
        None,
    )
    .await
}

fn token_of(url: &str) -> String {
    url.split("token=").nth(1).unwrap_or_default().to_owned()
}

/// The stored data of the newest email of `template` to `address`.
async fn latest_email(app: &TestApp, address: &str, template: &str) -> Value {
    use factoria::db::entities::email;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let row = email::Entity::find()
        .filter(email::Column::Recipient.eq(address))
        .filter(email::Column::Template.eq(template))
        .order_by_desc(email::Column::Id)
        .one(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .unwrap_or_else(|| panic!("no {template} email to {address}"));
    serde_json::from_str(&row.data).unwrap_or_else(|e| panic!("{e}"))
}

on_both!(
    pre_hijacking_by_signing_up_first_gives_the_attacker_nothing,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        sign_up(&app, VICTIM, "Mallory", ATTACKER_PASSWORD).await;
        let attackers_link = latest_link(&app, VICTIM, "verify_email").await;
        assert_eq!(log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0, 403);

        // The owner signs up later with her own password and follows her own link.
        sign_up(&app, VICTIM, "Victoria Dueña", OWNER_PASSWORD).await;
        let email = latest_email(&app, VICTIM, "verify_email").await;
        assert_eq!(
            email["content"]["data"]["name"], "Victoria Dueña",
            "her email greets her by her own name: {email}"
        );
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token_of(email["content"]["data"]["url"].as_str().unwrap_or_default()), "password": OWNER_PASSWORD}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");

        assert_eq!(
            log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0,
            403,
            "the attacker's password does not sign in"
        );
        let (status, signed_in) = log_in(&app, VICTIM, OWNER_PASSWORD).await;
        assert_eq!(status, 200, "the owner's own password does: {signed_in}");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM users WHERE email = '{VICTIM}' AND name = 'Victoria Dueña'"
            ))
            .await,
            1
        );
        // The link of the attacker's sign-up, still in her inbox, no longer works.
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token_of(&attackers_link), "password": OWNER_PASSWORD}),
                None,
            )
            .await;
        assert_eq!(status, 403);
        assert_eq!(log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0, 403);
    }
);

on_both!(
    the_owner_opening_the_attackers_verification_link_cannot_give_him_the_account,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        sign_up(&app, VICTIM, "Mallory", ATTACKER_PASSWORD).await;
        // Signing in with his pending password has the server send her a fresh copy of his link.
        assert_eq!(log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0, 403);
        let attackers_link = latest_link(&app, VICTIM, "verify_email").await;
        // She opens it and types the only password she knows: hers.
        let (status, refused) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token_of(&attackers_link), "password": OWNER_PASSWORD}),
                None,
            )
            .await;
        assert_eq!(status, 422, "{refused}");
        assert_eq!(refused["fields"][0]["field"], "password");
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM users WHERE email = '{VICTIM}' AND email_verified_at IS NULL AND password_hash IS NULL"
            ))
            .await,
            1,
            "the address stays unproven and without a password"
        );
        assert_eq!(log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0, 403);
        // The page says the same in her language, and keeps the link usable by its author only.
        let page = app
            .http
            .post(app.at("/verify"))
            .header("cookie", "__Host-factoria_form=t; factoria_lang=es")
            .form(&[
                ("form_token", "t"),
                ("token", token_of(&attackers_link).as_str()),
                ("password", OWNER_PASSWORD),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(page.status().as_u16(), 422);
        let html = page.text().await.unwrap_or_default();
        assert!(
            html.contains("No es la contraseña que se eligió al registrarse con este enlace."),
            "{html}"
        );
        // Her own sign-up and link work as ever.
        sign_up(&app, VICTIM, "Victoria Dueña", OWNER_PASSWORD).await;
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token_of(&latest_link(&app, VICTIM, "verify_email").await), "password": OWNER_PASSWORD}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(log_in(&app, VICTIM, OWNER_PASSWORD).await.0, 200);
        assert_eq!(log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0, 403);
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_verification_password_cannot_be_guessed_fast() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    sign_up(&app, VICTIM, "Victoria", OWNER_PASSWORD).await;
    let token = token_of(&latest_link(&app, VICTIM, "verify_email").await);
    let mut statuses = Vec::new();
    for guess in 0..15 {
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token, "password": format!("guess number {guess}")}),
                None,
            )
            .await;
        statuses.push(status);
    }
    assert!(
        statuses.iter().all(|s| *s == 422 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "guesses are limited: {statuses:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_cannot_flood_one_inbox() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for _ in 0..3 {
        sign_up(&app, VICTIM, "Mallory", ATTACKER_PASSWORD).await;
    }
    let (status, refused) = app
        .send(
            Method::POST,
            "/api/v1/auth/signup",
            &json!({"email": VICTIM.to_uppercase(), "name": "Mallory", "password": ATTACKER_PASSWORD}),
            None,
        )
        .await;
    assert_eq!(
        status, 429,
        "a fourth sign-up of one address within minutes: {refused}"
    );
    app.settle().await;
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) AS n FROM emails WHERE recipient = '{VICTIM}'"
        ))
        .await,
        3
    );
    // The same client may still sign up another address.
    sign_up(&app, "otra@pyme.example", "Otra", OWNER_PASSWORD).await;
}

on_both!(
    pre_hijacking_then_a_sign_in_link_leaves_the_attacker_nothing,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        sign_up(&app, VICTIM, "Mallory", ATTACKER_PASSWORD).await;
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/login-link",
                &json!({"email": VICTIM}),
                None,
            )
            .await;
        assert_eq!(status, 202);
        let email = latest_email(&app, VICTIM, "login_link").await;
        assert_eq!(
            email["content"]["data"]["name"], "",
            "an unproven account's chosen name is not used to greet: {email}"
        );
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/login-link/complete",
                &json!({"token": token_of(email["content"]["data"]["url"].as_str().unwrap_or_default())}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            log_in(&app, VICTIM, ATTACKER_PASSWORD).await.0,
            403,
            "proving the address discarded the password set before"
        );
    }
);

on_both!(
    a_password_reset_revokes_every_api_token_and_says_so,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let token = app.user_token(VICTIM, false, None, None).await;
        assert_eq!(app.get("/api/v1/me", Some(&token)).await.0, 200);
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/password-reset",
                &json!({"email": VICTIM}),
                None,
            )
            .await;
        assert_eq!(status, 202);
        let url = latest_link(&app, VICTIM, "password_reset").await;
        app.settle().await;
        let written = outbox_text(&app, "password");
        assert!(
            written.contains("revocaremos tus claves de API"),
            "the reset email says tokens end: {written}"
        );
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/password-reset/complete",
                &json!({"token": token_of(&url), "password": OWNER_PASSWORD}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            app.get("/api/v1/me", Some(&token)).await.0,
            401,
            "the token made before the reset is revoked"
        );
    }
);

/// Every email written to the test's file outbox whose text mentions `needle`, joined.
fn outbox_text(app: &TestApp, needle: &str) -> String {
    let dir = app.dir.path().join("outbox");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let decoded = decode_quoted_printable(&text);
        if decoded.contains(needle) {
            texts.push(decoded);
        }
    }
    texts.join("\n----\n")
}

/// Undoes quoted-printable soft breaks and `=XX` escapes, enough to read a written email.
fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(byte) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

on_both!(
    a_read_only_token_changes_nothing_at_all,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let mut challenge = fixtures::challenge("ch-x", "published");
        challenge["department"] = json!("Canal de Isabel II");
        app.import(&[fixtures::company_es()], &[challenge]).await;
        // An administrator who is also a member and an officer: anything a write token could do,
        // a read-only one of theirs could try.
        let writer = app
            .user_token(
                "todo@gob.example",
                true,
                Some("co-test-es"),
                Some("Canal de Isabel II"),
            )
            .await;
        let user_id = app
            .count("SELECT id AS n FROM users WHERE email = 'todo@gob.example'")
            .await;
        let (reader, reader_id) = read_only_token(&app, user_id).await;
        let (status, introduction) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-x/introductions",
                &json!({"company": "co-test-es"}),
                Some(&writer),
            )
            .await;
        assert_eq!(status, 201, "{introduction}");
        let introduction_id = introduction["id"].as_i64().unwrap_or_default();
        let writes: Vec<(Method, String, Value)> = vec![
            (
                Method::POST,
                "/api/v1/companies".into(),
                json!({"name": "Nueva", "kind": "sme", "description": "Una empresa."}),
            ),
            (
                Method::PUT,
                "/api/v1/companies/co-test-es".into(),
                fixtures::company_es(),
            ),
            (
                Method::PATCH,
                "/api/v1/companies/co-test-es".into(),
                json!({"trl": 5}),
            ),
            (Method::POST, "/api/v1/challenges".into(), {
                let mut c = fixtures::challenge("x", "draft");
                c.as_object_mut().map(|o| o.remove("id"));
                c
            }),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x".into(),
                fixtures::challenge("ch-x", "published"),
            ),
            (
                Method::PATCH,
                "/api/v1/challenges/ch-x".into(),
                json!({"summary": "Otro."}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/status".into(),
                json!({"status": "closed"}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/interests".into(),
                json!({"kind": "follow", "company": "co-test-es"}),
            ),
            (
                Method::DELETE,
                "/api/v1/challenges/ch-x/interests".into(),
                json!({"kind": "follow", "company": "co-test-es"}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/matches/co-test-es/feedback".into(),
                json!({"useful": true}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/introductions".into(),
                json!({"company": "co-test-es"}),
            ),
            (
                Method::POST,
                format!("/api/v1/introductions/{introduction_id}/stage"),
                json!({"stage": "declined"}),
            ),
            (
                Method::PUT,
                "/api/v1/me/subscriptions/new_challenges".into(),
                json!({"frequency": "off"}),
            ),
            (
                Method::POST,
                "/api/v1/me/tokens".into(),
                json!({"name": "t", "scopes": ["read"]}),
            ),
            (
                Method::DELETE,
                format!("/api/v1/me/tokens/{reader_id}"),
                json!({}),
            ),
            (
                Method::POST,
                "/api/v1/admin/invitations".into(),
                json!({"email": "n@gob.example", "name": "N", "department": "Canal de Isabel II"}),
            ),
            (
                Method::PUT,
                format!("/api/v1/admin/users/{user_id}/administrator"),
                json!({"administrator": false}),
            ),
            (
                Method::PUT,
                "/api/v1/admin/companies/co-test-es/moderation".into(),
                json!({"visible": false}),
            ),
            (
                Method::DELETE,
                format!("/api/v1/admin/users/{user_id}/sessions"),
                json!({}),
            ),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x/call".into(),
                json!({"criteria": [{"name": "Calidad", "weight": 100}], "questions_deadline": "2099-01-01T12:00",
                    "proposals_deadline": "2099-02-01T12:00", "panel": ["todo@gob.example"]}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/questions".into(),
                json!({"text": "¿Plazo?"}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/questions/1/answer".into(),
                json!({"text": "Sí."}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals".into(),
                json!({}),
            ),
            (
                Method::PATCH,
                "/api/v1/challenges/ch-x/proposals/1".into(),
                json!({"summary": "Otra."}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/submit".into(),
                json!({}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/withdraw".into(),
                json!({}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/declaration".into(),
                json!({"conflict": false}),
            ),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x/proposals/1/evaluation".into(),
                json!({"scores": [{"criterion": "Calidad", "score": 5, "justification": "x"}]}),
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/result".into(),
                json!({"selected": []}),
            ),
            (
                Method::DELETE,
                "/api/v1/challenges/ch-x/documents/1".into(),
                json!({}),
            ),
            (
                Method::DELETE,
                "/api/v1/me".into(),
                json!({"confirm": true}),
            ),
        ];
        let mut accepted = Vec::new();
        for (method, path, body) in &writes {
            let (status, answer) = app.send(method.clone(), path, body, Some(&reader)).await;
            // Refused for the right reason, which the client can act on.
            if status != 403 || !answer.to_string().contains("may only read") {
                accepted.push(format!("{method} {path}: {status} {answer}"));
            }
        }
        assert!(
            accepted.is_empty(),
            "a read-only token was not refused:\n{}",
            accepted.join("\n")
        );
        assert_eq!(
            app.get("/api/v1/me", Some(&writer)).await.0,
            200,
            "the account still exists"
        );
        assert_eq!(
            app.get("/api/v1/me", Some(&reader)).await.0,
            200,
            "the token was not revoked"
        );

        // Every operation that changes something is in the list above (the sign-in flows take
        // no token, and the preview and CPV suggestions only read).
        let (_, doc) = app.get("/api/openapi.json", None).await;
        let listed: Vec<String> = writes
            .iter()
            .map(|(m, p, _)| format!("{} {}", m.as_str().to_lowercase(), template(p)))
            .collect();
        let mut missing = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in item
                .as_object()
                .into_iter()
                .flatten()
                .map(|(m, _)| m.as_str())
            {
                let key = format!("{method} {path}");
                // Uploads take multipart bodies: `documents::` tries them with a read-only token.
                let reads = method == "get"
                    || path == "/api/v1/challenges/preview"
                    || path == "/api/v1/cpv/suggestions"
                    || path.ends_with("/documents");
                if !reads && !path.starts_with("/api/v1/auth/") && !listed.contains(&key) {
                    missing.push(key);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "write operations not tried with a read-only token: {missing:?}"
        );
    }
);

/// A read-only API token of `user_id`, and its id.
async fn read_only_token(app: &TestApp, user_id: i64) -> (String, i64) {
    use factoria::domain::accounts;
    use factoria::domain::actor::Scope;
    let (token, view) = accounts::create_api_token(&app.ctx.db, user_id, "lector", &[Scope::Read])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    (token, view.id)
}

/// The OpenAPI template of a concrete path of the test above.
fn template(path: &str) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let previous = if i > 0 { segments[i - 1] } else { "" };
            match (previous, *s) {
                ("companies" | "challenges", s) if s != "preview" => "{id}".to_owned(),
                ("users" | "introductions" | "tokens", _) => "{id}".to_owned(),
                ("subscriptions", _) => "{topic}".to_owned(),
                ("matches", _) => "{company}".to_owned(),
                ("proposals", _) => "{proposal}".to_owned(),
                ("questions", _) => "{question}".to_owned(),
                ("documents", _) => "{document}".to_owned(),
                _ => (*s).to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A client that keeps cookies but never follows redirects, like a browser tab we inspect.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Whether a browser on the site, following `location`, stays on the site.
fn stays_on_site(app: &TestApp, location: &str) -> bool {
    let here = url::Url::parse(&app.at("/somewhere")).unwrap_or_else(|e| panic!("{e}"));
    here.join(location)
        .is_ok_and(|target| target.origin() == here.origin())
}

/// The hidden form token of a page's form.
fn form_token(html: &str) -> String {
    html.split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_never_leave_the_site() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let attacks = [
        "/%5Cevil.example",
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example/",
        "/%0D%0A/evil.example",
        "%2F%2Fevil.example",
        "/\\evil.example",
    ];
    for back in attacks {
        let response = app
            .http
            .get(format!("{}/lang?to=en&back={back}", app.url))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let target = location(&response);
        assert!(
            stays_on_site(&app, &target) && !target.contains('\\') && !target.contains('\t'),
            "/lang?back={back} sent the browser to {target:?}"
        );
    }
    app.user_with_password("ana@pyme.example", "Ana", OWNER_PASSWORD, false, None, None)
        .await;
    for next in attacks {
        let client = browser();
        let html = client
            .get(app.at("/login"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .text()
            .await
            .unwrap_or_default();
        let response = client
            .post(format!("{}/login?next={next}", app.url))
            .form(&[
                ("form_token", form_token(&html).as_str()),
                ("email", "ana@pyme.example"),
                ("password", OWNER_PASSWORD),
                ("method", "password"),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 303, "the sign-in worked");
        let target = location(&response);
        assert!(
            stays_on_site(&app, &target) && !target.contains('\\'),
            "/login?next={next} sent the browser to {target:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sign_in_link_posted_from_elsewhere_signs_nobody_in() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // The attacker's own account, and a sign-in link for it.
    app.user_with_password(
        "mallory@evil.example",
        "Mallory",
        ATTACKER_PASSWORD,
        false,
        None,
        None,
    )
    .await;
    app.send(
        Method::POST,
        "/api/v1/auth/login-link",
        &json!({"email": "mallory@evil.example"}),
        None,
    )
    .await;
    let link = latest_link(&app, "mallory@evil.example", "login_link").await;
    // A page on another site auto-submits the form into the victim's browser: no form cookie, no
    // form token, and an Origin that is not the site's.
    let victim = browser();
    let response = victim
        .post(app.at("/login/link"))
        .header("origin", "https://evil.example")
        .form(&[("token", token_of(&link).as_str())])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 403);
    assert!(
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .all(|v| !v.to_str().unwrap_or_default().contains("factoria_session=")),
        "no session is started"
    );
    // A cookie planted by a sibling host or a plain-HTTP response has no `__Host-` prefix: a
    // form token matching it is no token.
    let response = victim
        .post(app.at("/login/link"))
        .header("cookie", "factoria_form=planted-by-a-sibling-host")
        .form(&[
            ("form_token", "planted-by-a-sibling-host"),
            ("token", token_of(&link).as_str()),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        response.status().as_u16(),
        403,
        "a planted form cookie is not read"
    );
    // The attacker's link itself is intact: opened on the site, it works for its owner.
    let owner = browser();
    let html = owner
        .get(&link)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .text()
        .await
        .unwrap_or_default();
    let response = owner
        .post(app.at("/login/link"))
        .form(&[
            ("form_token", form_token(&html).as_str()),
            ("token", token_of(&link).as_str()),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 303);
}

fn limited(search_per_minute: u32, proxies: usize) -> Options {
    Options {
        configure: Some(Box::new(move |config| {
            config.search_rate_per_minute = search_per_minute;
            config.trusted_proxies = proxies;
        })),
        ..Options::default()
    }
}

async fn search_from(app: &TestApp, query: &str, forwarded_for: &str) -> reqwest::Response {
    app.http
        .get(app.at("/api/v1/challenges/search"))
        .query(&[("q", query)])
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_search_is_limited_per_client_behind_a_proxy_too() {
    // Directly exposed: the forwarded-for header is the attacker's to write, so it is ignored.
    let app = TestApp::spawn_with(Backend::Sqlite, limited(20, 0)).await;
    let mut refused = 0;
    for n in 0..40 {
        let response = search_from(
            &app,
            &format!("consulta distinta {n}"),
            &format!("10.0.{n}.1"),
        )
        .await;
        if response.status().as_u16() == 429 {
            assert!(response.headers().get("retry-after").is_some());
            refused += 1;
        }
    }
    assert!(
        refused >= 20,
        "forging X-Forwarded-For escaped the limit: {refused} refused of 40"
    );

    // Behind one proxy: the client is the hop the proxy appended; forging earlier hops does not
    // give a new bucket, and another client is not held back.
    let app = TestApp::spawn_with(Backend::Sqlite, limited(20, 1)).await;
    let mut refused = 0;
    for n in 0..40 {
        let forged = format!("10.0.{n}.1, 198.51.100.7");
        if search_from(&app, &format!("consulta {n}"), &forged)
            .await
            .status()
            .as_u16()
            == 429
        {
            refused += 1;
        }
    }
    assert!(refused >= 20, "{refused} refused of 40");
    assert_eq!(
        search_from(&app, "agua", "198.51.100.8")
            .await
            .status()
            .as_u16(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_form_for_introductions_is_limited_like_the_api() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.import(
        &[fixtures::company_es()],
        &[fixtures::challenge("ch-water", "published")],
    )
    .await;
    app.user_with_password(
        "oficial@gob.example",
        "Oficial",
        OWNER_PASSWORD,
        false,
        None,
        Some("Canal de Isabel II"),
    )
    .await;
    let client = browser();
    let signed_in: Value = client
        .post(app.at("/api/v1/auth/login"))
        .json(&json!({"email": "oficial@gob.example", "password": OWNER_PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .json()
        .await
        .unwrap_or_default();
    let csrf = signed_in["csrf_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let mut statuses = Vec::new();
    for _ in 0..35 {
        let response = client
            .post(app.at("/officer/challenges/ch-water/introduce"))
            .form(&[("csrf", csrf.as_str()), ("company", "co-test-es")])
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        statuses.push(response.status().as_u16());
    }
    assert!(
        statuses.contains(&429),
        "35 introductions in a row were all let through: {statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn production_refuses_plain_http_and_reads_only_the_host_cookie() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (code, _, stderr) = run_cli(
        dir.path(),
        &[
            ("FACTORIA_ENV", "production"),
            ("FACTORIA_PUBLIC_URL", "http://factoria.example"),
            ("FACTORIA_SECRET_KEY", "0123456789abcdef0123456789abcdef"),
            ("FACTORIA_SMTP_URL", "smtp://127.0.0.1:2525"),
        ],
        &["migrate"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("FACTORIA_PUBLIC_URL") && stderr.contains("https"),
        "{stderr}"
    );
    // A proxy network that is not one stops the start, naming the value.
    let (code, _, stderr) = run_cli(
        dir.path(),
        &[(
            "FACTORIA_TRUSTED_PROXY_NETWORKS",
            "10.0.0.0/8, proxy.internal",
        )],
        &["migrate"],
    );
    assert_ne!(code, 0);
    assert!(
        stderr.contains("`proxy.internal` is not an address"),
        "{stderr}"
    );

    // The test server is on the loopback address, where browsers take Secure cookies: it sets
    // the __Host- cookie, and the same value under the plain name is nobody's session.
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.user_with_password("ana@pyme.example", "Ana", OWNER_PASSWORD, false, None, None)
        .await;
    let response = app
        .http
        .post(app.at("/api/v1/auth/login"))
        .json(&json!({"email": "ana@pyme.example", "password": OWNER_PASSWORD}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .to_owned();
    assert!(cookie.starts_with("__Host-factoria_session="), "{cookie}");
    let me = |cookie: String| {
        app.http
            .get(app.at("/api/v1/me"))
            .header("cookie", cookie)
            .send()
    };
    let value = cookie.split_once('=').map(|(_, v)| v).unwrap_or_default();
    assert_eq!(
        me(cookie.clone())
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        200
    );
    assert_eq!(
        me(format!("factoria_session={value}"))
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        401
    );
}

on_both!(
    one_token_used_twice_at_once_works_exactly_once,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        sign_up(&app, VICTIM, "Victoria", OWNER_PASSWORD).await;
        let token = token_of(&latest_link(&app, VICTIM, "verify_email").await);
        let body = json!({"token": token, "password": OWNER_PASSWORD});
        let verify = || app.send(Method::POST, "/api/v1/auth/verify", &body, None);
        let (first, second) = tokio::join!(verify(), verify());
        let mut statuses = [first.0, second.0];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 403], "{first:?} {second:?}");

        // The same for an introduction answered from two tabs at once.
        app.import(
            &[fixtures::company_es()],
            &[fixtures::challenge("ch-water", "published")],
        )
        .await;
        let officer = app
            .user_token(
                "oficial@gob.example",
                false,
                None,
                Some("Canal de Isabel II"),
            )
            .await;
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/challenges/ch-water/introductions",
                &json!({"company": "co-test-es"}),
                Some(&officer),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        let request = latest_email(&app, "lucia@fugascero.example", "introduction_request").await;
        let accept = token_of(
            request["content"]["data"]["accept_url"]
                .as_str()
                .unwrap_or_default(),
        );
        let answer = || {
            app.http
                .post(app.at("/introductions/respond"))
                .form(&[("token", accept.as_str())])
                .send()
        };
        let (first, second) = tokio::join!(answer(), answer());
        let mut statuses = [
            first.map(|r| r.status().as_u16()).unwrap_or(0),
            second.map(|r| r.status().as_u16()).unwrap_or(0),
        ];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409]);
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM introduction_events WHERE stage = 'accepted'")
                .await,
            1
        );
    }
);

on_both!(
    the_outbox_keeps_no_live_link_and_unsubscribe_links_name_nobody,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.user_with_password(VICTIM, "Victoria", OWNER_PASSWORD, false, None, None)
            .await;
        app.send(
            Method::POST,
            "/api/v1/auth/login-link",
            &json!({"email": VICTIM}),
            None,
        )
        .await;
        let token = token_of(&latest_link(&app, VICTIM, "login_link").await);
        assert!(!token.is_empty());
        app.settle().await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM emails WHERE data LIKE '%{token}%'"
            ))
            .await,
            0,
            "the sent email's row no longer holds its link"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM emails WHERE status = 'sent'")
                .await,
            1
        );

        // An alert: its unsubscribe link names the email, not the address.
        let url = factoria::email::unsubscribe_url(&app.ctx, 1);
        let token = token_of(&url);
        let message = token.split('.').next().unwrap_or_default();
        use base64::Engine;
        let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(message)
            .unwrap_or_default();
        let decoded = String::from_utf8_lossy(&decoded);
        assert!(
            !decoded.contains('@') && !decoded.contains("victoria"),
            "{decoded}"
        );
    }
);

on_both!(
    erasure_unpublishes_a_company_left_alone_and_spares_lookalike_addresses,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.import(&[fixtures::company_es()], &[]).await;
        let token = app
            .user_token("ana_b@pyme.example", false, Some("co-test-es"), None)
            .await;
        app.user_with_password(
            "anaxb@pyme.example",
            "Ana X",
            OWNER_PASSWORD,
            false,
            None,
            None,
        )
        .await;
        app.user_with_password(
            "xana_b@pyme.example",
            "Xana",
            OWNER_PASSWORD,
            false,
            None,
            None,
        )
        .await;
        for address in [
            "ana_b@pyme.example",
            "anaxb@pyme.example",
            "xana_b@pyme.example",
        ] {
            app.send(
                Method::POST,
                "/api/v1/auth/login-link",
                &json!({"email": address}),
                None,
            )
            .await;
        }
        assert_eq!(app.get("/api/v1/companies/co-test-es", None).await.0, 200);
        let (status, body) = app
            .send(
                Method::DELETE,
                "/api/v1/me",
                &json!({"confirm": true}),
                Some(&token),
            )
            .await;
        assert_eq!(
            status, 403,
            "a read-and-write token cannot erase the account: {body}"
        );
        assert_eq!(app.erase_signed_in("ana_b@pyme.example").await, 204);
        app.settle().await;
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM emails WHERE recipient = 'anaxb@pyme.example'")
                .await,
            1,
            "an address that only matches `ana_b` as a LIKE pattern keeps its email"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM emails WHERE recipient = 'xana_b@pyme.example'")
                .await,
            1,
            "an address that holds the erased one keeps its email"
        );
        assert_eq!(
            app.get("/api/v1/companies/co-test-es", None).await.0,
            404,
            "the company of its only member is no longer public"
        );
        let indexed = app
            .ctx
            .search
            .index
            .catalog()
            .iter(factoria::search_index::Kind::Company)
            .any(|entry| entry.doc.external_id() == "co-test-es");
        assert!(!indexed, "nor in the search index");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'moderated'")
                .await,
            1,
            "and the decision is audited"
        );
    }
);

/// Writes `request` in 32 KiB pieces on a connection of its own, stopping when the server no
/// longer reads, and returns the answer, lowercased.
async fn send_raw(addr: std::net::SocketAddr, request: Vec<u8>) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for piece in request.chunks(32 * 1024) {
        if stream.write_all(piece).await.is_err() {
            break; // the server answered and closed before reading it all
        }
    }
    let mut answer = Vec::new();
    // A reset after the answer arrived ends the read; what was read is kept.
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer).to_lowercase()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_of_the_api_is_json() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let token = app.user_token("ana@pyme.example", false, None, None).await;
    let is_json_error = |response: &reqwest::Response| {
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    };
    // 2 MB sent chunked, without a length, then 2 MB with its length announced: the server
    // answers before reading it all and closes, so each is sent on a raw connection that reads
    // the answer whatever happens to the rest of the body.
    let chunk = format!("{:x}\r\n{}\r\n", 32 * 1024, " ".repeat(32 * 1024));
    let chunked = [chunk.repeat(64).into_bytes(), b"0\r\n\r\n".to_vec()].concat();
    let sized = vec![b' '; 2 * 1024 * 1024];
    for (framing, body) in [
        ("Transfer-Encoding: chunked".to_owned(), chunked),
        (format!("Content-Length: {}", sized.len()), sized),
    ] {
        let head = format!(
            "POST /api/v1/companies HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
        );
        let answer = send_raw(app.addr, [head.into_bytes(), body].concat()).await;
        assert!(answer.starts_with("http/1.1 413"), "{framing}: {answer}");
        assert!(
            answer.contains("content-type: application/json"),
            "{answer}"
        );
        assert!(answer.contains(r#""error":"too_large""#), "{answer}");
    }
    // A 20 KB query.
    let response = app
        .http
        .get(app.at("/api/v1/challenges/search"))
        .query(&[("q", "agua ".repeat(4000))])
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 414);
    assert!(is_json_error(&response));
    // A method the address does not answer.
    let response = app
        .http
        .put(app.at("/api/v1/me/data"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 405);
    assert!(is_json_error(&response));
}

on_both!(
    eight_writers_at_once_waste_no_embedding_work_on_key_clashes,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.import(&[fixtures::company_es()], &[]).await;
        let token = app
            .user_token("ana@pyme.example", false, Some("co-test-es"), None)
            .await;
        let writers = (0..8).map(|writer| {
            let app = &app;
            let token = token.clone();
            async move {
                for round in 0..4 {
                    let (status, body) = app
                        .send(
                            Method::PATCH,
                            "/api/v1/companies/co-test-es",
                            &json!({"capabilities": [format!("Capacidad {writer}-{round} de detección de fugas")]}),
                            Some(&token),
                        )
                        .await;
                    assert_eq!(status, 200, "{body}");
                }
            }
        });
        futures::future::join_all(writers).await;
        app.settle().await;
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM jobs WHERE kind = 'embed' AND attempts > 1")
                .await,
            0,
            "an embedding job failed and had to be run again"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM jobs WHERE status NOT IN ('done', 'queued')")
                .await,
            0
        );
    }
);

on_both!(
    an_address_never_proven_is_forgotten_after_thirty_days,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        // Someone signs up with another person's address and never proves it; an administrator
        // invites an officer who has not accepted yet; a person signs up and proves it.
        sign_up(&app, VICTIM, "Suplantador", ATTACKER_PASSWORD).await;
        let admin = app.user_token("admin@gob.example", true, None, None).await;
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/admin/invitations",
                &json!({"email": "invitada@gob.example", "name": "Invitada", "department": "Canal de Isabel II"}),
                Some(&admin),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        app.settle().await;
        let unproven = format!("SELECT COUNT(*) AS n FROM users WHERE email = '{VICTIM}'");
        assert_eq!(app.count(&unproven).await, 1);
        let links = "SELECT COUNT(*) AS n FROM user_tokens";
        assert!(
            app.count(links).await >= 2,
            "a sign-up and an invitation link"
        );

        let purge = |days: i64| {
            let ctx = app.ctx.clone();
            async move {
                factoria::domain::privacy::purge(
                    &ctx,
                    factoria::db::now() + chrono::Duration::days(days),
                )
                .await
                .unwrap_or_else(|e| panic!("the purge failed: {e}"))
            }
        };
        assert_eq!(
            purge(0).await,
            factoria::domain::privacy::Purged::default(),
            "nothing is due yet"
        );
        assert_eq!(app.count(&unproven).await, 1);

        let purged = purge(31).await;
        assert_eq!(purged.unverified_accounts, 1, "{purged:?}");
        assert!(
            purged.links >= 1,
            "the invitation link, expired: {purged:?}"
        );
        assert_eq!(
            app.count(&unproven).await,
            0,
            "the unproven account is gone"
        );
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) AS n FROM emails WHERE recipient = '{VICTIM}'"
            ))
            .await,
            0,
            "and so are the emails sent to it"
        );
        assert_eq!(app.count(links).await, 0, "dead links are deleted");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM users WHERE email = 'invitada@gob.example'")
                .await,
            1,
            "an invited officer is kept for their administrator"
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'unverified_purged'")
                .await,
            1
        );
        // The owner can sign up afresh, with nothing of the attacker's left.
        sign_up(&app, VICTIM, "Victoria", OWNER_PASSWORD).await;
        assert_eq!(app.count(&unproven).await, 1);
    }
);

on_both!(
    names_and_titles_are_one_line,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.import(&[fixtures::company_es()], &[]).await;
        let member = app
            .user_token("miembro@fugascero.example", false, Some("co-test-es"), None)
            .await;
        let admin = app.user_token("admin@gob.example", true, None, None).await;
        let forged = "Ana\r\nBcc: todos@example.org";
        let attempts = [
            (
                "/api/v1/auth/signup",
                json!({"email": "x@startup.example", "name": forged, "password": "una contraseña larga"}),
                None,
                "name",
            ),
            (
                "/api/v1/admin/invitations",
                json!({"email": "y@gob.example", "name": forged, "department": "Canal"}),
                Some(&admin),
                "name",
            ),
            (
                "/api/v1/admin/invitations",
                json!({"email": "y@gob.example", "name": "Y", "department": "Canal\u{2028}de Isabel II"}),
                Some(&admin),
                "department",
            ),
            (
                "/api/v1/challenges",
                {
                    let mut c = fixtures::challenge("x", "draft");
                    c["title"] = json!("Reto\nSubject: otro");
                    c["department"] = json!("Canal de Isabel II");
                    c.as_object_mut().map(|o| o.remove("id"));
                    c
                },
                Some(&admin),
                "title",
            ),
        ];
        for (path, body, token, field) in attempts {
            let (status, answer) = app
                .send(Method::POST, path, &body, token.map(String::as_str))
                .await;
            assert_eq!(status, 422, "{path}: {answer}");
            assert!(
                answer.to_string().contains(&format!("\"{field}\"")),
                "{path} names {field}: {answer}"
            );
        }
        let (status, answer) = app
            .send(
                Method::PATCH,
                "/api/v1/companies/co-test-es",
                &json!({"name": forged}),
                Some(&member),
            )
            .await;
        assert_eq!(status, 422, "{answer}");
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM users WHERE name LIKE '%Bcc%'")
                .await
                + app
                    .count("SELECT COUNT(*) AS n FROM companies WHERE name LIKE '%Bcc%'")
                    .await,
            0,
            "nothing was stored"
        );
    }
);

on_both!(
    a_page_elsewhere_cannot_change_the_language_of_an_account,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        app.user_token("lucia@startup.example", false, None, None)
            .await;
        let (cookie, _) = app.session_of("lucia@startup.example").await;
        let locale = "SELECT COUNT(*) AS n FROM users WHERE email = 'lucia@startup.example' AND locale = 'en'";
        let switch = |site: &'static str| {
            app.http
                .get(app.at("/lang?to=en&back=/"))
                .header("cookie", cookie.clone())
                .header("sec-fetch-site", site)
                .send()
        };
        // An <img src="https://factoria…/lang?to=en"> on another site.
        let response = switch("cross-site").await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(response.status().as_u16(), 303);
        assert_eq!(
            app.count(locale).await,
            0,
            "the account's language changed from elsewhere"
        );
        // The person clicking the switch on this site.
        switch("same-origin")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            app.count(locale).await,
            1,
            "the account follows a click on the site"
        );
    }
);
