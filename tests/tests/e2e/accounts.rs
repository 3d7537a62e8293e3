//! Accounts and security: the access-control matrix, sessions, rate limits, tokens, CSRF,
//! headers, the audit log and erasure.

use std::collections::BTreeSet;
use std::time::Duration;

use factoria_tests::{Backend, Options, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures;
use crate::on_both;

const X: &str = "Dirección X";
const Y: &str = "Dirección Y";

struct World {
    app: TestApp,
    /// Tokens of anonymous (None), member of A, member of B, officer of X, officer of Y, admin.
    roles: [Option<String>; 6],
    member_b_id: i64,
}

async fn world(backend: Backend) -> World {
    let app = TestApp::spawn(backend).await;
    let mut a = fixtures::company_es();
    a["id"] = json!("co-a");
    let mut b = fixtures::company_en();
    b["id"] = json!("co-b");
    let mut published = fixtures::challenge("ch-x", "published");
    published["department"] = json!(X);
    let mut draft = fixtures::challenge("ch-x-draft", "draft");
    draft["department"] = json!(X);
    let mut other = fixtures::challenge("ch-y", "published");
    other["department"] = json!(Y);
    app.import(&[a, b], &[published, draft, other]).await;
    let member_a = app
        .user_token("a@co-a.example", false, Some("co-a"), None)
        .await;
    let member_b = app
        .user_token("b@co-b.example", false, Some("co-b"), None)
        .await;
    let officer_x = app.user_token("x@gob.example", false, None, Some(X)).await;
    let officer_y = app.user_token("y@gob.example", false, None, Some(Y)).await;
    let admin = app.user_token("admin@gob.example", true, None, None).await;
    let member_b_id = app
        .count("SELECT id AS n FROM users WHERE email = 'b@co-b.example'")
        .await;
    World {
        app,
        roles: [
            None,
            Some(member_a),
            Some(member_b),
            Some(officer_x),
            Some(officer_y),
            Some(admin),
        ],
        member_b_id,
    }
}

const ROLES: [&str; 6] = [
    "anonymous",
    "member of A",
    "member of B",
    "officer of X",
    "officer of Y",
    "admin",
];

on_both!(
    every_endpoint_answers_every_role_as_the_matrix_says,
    |backend: Backend| async move {
        let w = world(backend).await;
        let new_company =
            json!({"name": "Nueva S.L.", "kind": "startup", "description": "Una empresa nueva."});
        let mut new_challenge = fixtures::challenge("ignored", "draft");
        new_challenge.as_object_mut().map(|o| {
            o.remove("id");
            o.remove("status");
        });
        new_challenge["department"] = json!(X);
        let preview = json!({"title": "Fugas", "description": "Detectar fugas de agua.", "requirements": {"must": ["Sensores acústicos"], "should": []}});
        let b_sessions = format!("/api/v1/admin/users/{}/sessions", w.member_b_id);
        // method, path, body, expected status for: anonymous, member A, member B, officer X, officer Y, admin.
        let matrix: Vec<(Method, &str, Option<Value>, [u16; 6])> = vec![
            (
                Method::GET,
                "/api/v1/companies",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/companies/co-a",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::PUT,
                "/api/v1/companies/co-a",
                Some({
                    let mut c = fixtures::company_es();
                    c["id"] = json!("co-a");
                    c
                }),
                [401, 200, 403, 403, 403, 200],
            ),
            (
                Method::PATCH,
                "/api/v1/companies/co-a",
                Some(json!({"trl": 8})),
                [401, 200, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/companies/co-a/recommendations",
                None,
                [401, 200, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/companies/search?q=agua",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x-draft",
                None,
                [404, 404, 404, 200, 404, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges",
                Some(new_challenge),
                [401, 403, 403, 201, 403, 201],
            ),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x",
                Some({
                    let mut c = fixtures::challenge("ch-x", "published");
                    c["department"] = json!(X);
                    c
                }),
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::PATCH,
                "/api/v1/challenges/ch-x",
                Some(json!({"summary": "Nuevo resumen."})),
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x-draft/status",
                Some(json!({"status": "awarded", "awarded_company": "co-a"})),
                [404, 404, 404, 409, 404, 409],
            ),
            (
                Method::GET,
                "/api/v1/challenges/search?q=fugas",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/matches",
                None,
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/preview",
                Some(preview),
                [401, 403, 403, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/matches/co-a/feedback",
                Some(json!({"useful": true})),
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/interests",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/interests",
                Some(json!({"kind": "follow"})),
                [401, 200, 200, 403, 403, 403],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/interests",
                Some(json!({"kind": "follow", "company": "co-a"})),
                [401, 200, 403, 403, 403, 200],
            ),
            (
                Method::DELETE,
                "/api/v1/challenges/ch-x/interests",
                Some(json!({"kind": "follow", "company": "co-b"})),
                [401, 403, 204, 403, 403, 204],
            ),
            (
                Method::GET,
                "/api/v1/me",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/me/tokens",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/me/data",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            // Tokens are created from a browser session, never with another token.
            (
                Method::POST,
                "/api/v1/me/tokens",
                Some(json!({"name": "t", "scopes": ["read"]})),
                [401, 403, 403, 403, 403, 403],
            ),
            (
                Method::GET,
                "/api/v1/admin/users",
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::POST,
                "/api/v1/admin/invitations",
                Some(
                    json!({"email": "new.officer@gob.example", "name": "Nueva Responsable", "department": X}),
                ),
                [401, 403, 403, 403, 403, 201],
            ),
            (
                Method::PUT,
                "/api/v1/admin/users/1/administrator",
                Some(json!({"administrator": false})),
                [401, 403, 403, 403, 403, 204],
            ),
            (
                Method::PUT,
                "/api/v1/admin/companies/co-b/moderation",
                Some(json!({"visible": true})),
                [401, 403, 403, 403, 403, 204],
            ),
            (
                Method::DELETE,
                &b_sessions,
                None,
                [401, 403, 403, 403, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/me/subscriptions",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            (
                Method::PUT,
                "/api/v1/me/subscriptions/new_challenges",
                Some(json!({"frequency": "off"})),
                [401, 200, 200, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/introductions",
                Some(json!({"company": "co-a"})),
                [401, 403, 403, 201, 403, 409],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/introductions",
                None,
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/companies/co-a/introductions",
                None,
                [401, 200, 403, 403, 403, 200],
            ),
            (
                Method::POST,
                "/api/v1/introductions/1/stage",
                Some(json!({"stage": "meeting"})),
                [404, 404, 404, 409, 404, 409],
            ),
            (
                Method::GET,
                "/api/v1/cpv",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/cpv/suggestions",
                Some(json!({"text": ""})),
                [200, 200, 200, 200, 200, 200],
            ),
            // Open data is everyone's, and a draft is nobody's, whoever asks.
            (
                Method::GET,
                "/api/v1/ocds/releases",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/ocds/releases/ch-x",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/ocds/releases/ch-x-draft",
                None,
                [404, 404, 404, 404, 404, 404],
            ),
            // A call on ch-x, from its settings to its result, before the proposals deadline.
            (
                Method::GET,
                "/api/v1/challenges/ch-x/call",
                None,
                [404, 404, 404, 404, 404, 404],
            ),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x/call",
                Some(json!({
                    "criteria": [{"name": "Calidad", "weight": 100}],
                    "questions_deadline": "2099-01-01T12:00",
                    "proposals_deadline": "2099-02-01T12:00",
                    "panel": ["x@gob.example"],
                })),
                [401, 403, 403, 200, 403, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/call",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/questions",
                Some(json!({"text": "¿Hay datos de caudal?"})),
                [401, 201, 201, 403, 403, 403],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/questions",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/questions/1/answer",
                Some(json!({"text": "Sí."})),
                [401, 403, 403, 200, 403, 409],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals",
                Some(json!({})),
                [401, 200, 200, 403, 403, 403],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/proposals",
                None,
                [401, 200, 200, 200, 200, 200],
            ),
            // Proposal 1 is member A's: sealed for everyone else, its existence not revealed.
            (
                Method::GET,
                "/api/v1/challenges/ch-x/proposals/1",
                None,
                [404, 200, 404, 404, 404, 404],
            ),
            (
                Method::PATCH,
                "/api/v1/challenges/ch-x/proposals/1",
                Some(json!({"summary": "Sensores acústicos."})),
                [401, 200, 404, 404, 404, 404],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/submit",
                Some(json!({})),
                [401, 422, 404, 404, 404, 404],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/withdraw",
                Some(json!({})),
                [401, 200, 404, 404, 404, 404],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/proposals/1/declaration",
                Some(json!({"conflict": false})),
                [401, 403, 404, 404, 404, 404],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/proposals/1/evaluation",
                None,
                [404, 403, 404, 404, 404, 404],
            ),
            (
                Method::PUT,
                "/api/v1/challenges/ch-x/proposals/1/evaluation",
                Some(
                    json!({"scores": [{"criterion": "Calidad", "score": 7, "justification": "Bien."}]}),
                ),
                [401, 403, 404, 404, 404, 404],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/evaluations",
                None,
                [401, 403, 403, 409, 403, 403],
            ),
            (
                Method::POST,
                "/api/v1/challenges/ch-x/result",
                Some(json!({"selected": []})),
                [401, 403, 403, 409, 403, 409],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/documents",
                None,
                [200, 200, 200, 200, 200, 200],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/documents/1",
                None,
                [404, 404, 404, 404, 404, 404],
            ),
            (
                Method::GET,
                "/api/v1/challenges/ch-x/proposals/1/documents",
                None,
                [404, 200, 404, 404, 404, 404],
            ),
            (
                Method::DELETE,
                "/api/v1/challenges/ch-x/documents/999",
                None,
                [401, 404, 404, 404, 404, 404],
            ),
            // Last: creating a company makes the creator its member, which would change the rows above.
            (
                Method::POST,
                "/api/v1/companies",
                Some(new_company.clone()),
                [401, 201, 201, 201, 201, 201],
            ),
        ];
        let mut mismatches = Vec::new();
        for (method, path, body, expected) in &matrix {
            for (role, token) in w.roles.iter().enumerate() {
                let (status, answer) = match body {
                    Some(body) => {
                        w.app
                            .send(method.clone(), path, body, token.as_deref())
                            .await
                    }
                    None => {
                        let mut request = w.app.http.request(method.clone(), w.app.at(path));
                        if let Some(token) = token {
                            request = request.bearer_auth(token);
                        }
                        let response = request.send().await.unwrap_or_else(|e| panic!("{e}"));
                        (response.status().as_u16(), Value::Null)
                    }
                };
                if status != expected[role] {
                    mismatches.push(format!(
                        "{method} {path} as {}: expected {}, got {status} {answer}",
                        ROLES[role], expected[role]
                    ));
                }
            }
        }
        assert!(
            mismatches.is_empty(),
            "{} mismatches:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );

        // Every documented endpoint is in the matrix, except the sign-in flows (tested on their own)
        // and erasure (destructive; tested on its own).
        let (_, doc) = w.app.get("/api/openapi.json", None).await;
        let covered: BTreeSet<String> = matrix
            .iter()
            .map(|(m, p, _, _)| format!("{} {}", m.as_str().to_lowercase(), template_of(p)))
            .collect();
        let flows = ["/api/v1/auth/", "/api/v1/me/tokens/{id}"];
        let mut missing = Vec::new();
        for (path, item) in doc["paths"].as_object().into_iter().flatten() {
            for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
                let key = format!("{method} {path}");
                // Uploads take multipart bodies: `documents::` tries them as every role.
                let upload = method == "post" && path.ends_with("/documents");
                let exempt = flows.iter().any(|f| path.starts_with(f))
                    || key == "delete /api/v1/me"
                    || upload;
                if !exempt && !covered.contains(&key) {
                    missing.push(key);
                }
            }
        }
        assert!(
            missing.is_empty(),
            "endpoints missing from the matrix: {missing:?}"
        );
    }
);

/// `/api/v1/companies/co-a/recommendations` → `/api/v1/companies/{id}/recommendations`.
fn template_of(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let segments: Vec<&str> = path.split('/').collect();
    let templated: Vec<String> = segments
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let previous = if i > 0 { segments[i - 1] } else { "" };
            let parameter = match (previous, *s) {
                ("companies" | "challenges", s) if !["search", "preview"].contains(&s) => {
                    Some("{id}")
                }
                ("users", _) | ("introductions", _) | ("releases", _) => Some("{id}"),
                ("subscriptions", _) => Some("{topic}"),
                ("matches", _) => Some("{company}"),
                ("proposals", _) => Some("{proposal}"),
                ("documents", _) => Some("{document}"),
                ("questions", _) => Some("{question}"),
                _ => None,
            };
            parameter.map_or_else(|| (*s).to_owned(), str::to_owned)
        })
        .collect();
    templated.join("/")
}

async fn signed_up_user(app: &TestApp, email: &str, password: &str) {
    let mut conn = app.ctx.db.clone();
    let _ = &mut conn;
    let tx = factoria::db::begin_write(&app.ctx.db)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let hash = factoria::domain::accounts::hash_password(password.to_owned())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let address = factoria::types::Email::parse(email).unwrap_or_else(|e| panic!("{e}"));
    factoria::domain::accounts::create_user(
        &tx,
        &address,
        "Lucía Ortega",
        Some(hash),
        "es",
        false,
        true,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
}

fn set_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap_or_default().to_owned()
}

async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
    from: &str,
    cookie: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(app.at("/api/v1/auth/login"))
        .header("x-forwarded-for", from)
        .json(&json!({"email": email, "password": password}));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap_or_else(|e| panic!("{e}"))
}

async fn me_with_cookie(app: &TestApp, cookie: &str) -> u16 {
    app.http
        .get(app.at("/api/v1/me"))
        .header("cookie", cookie)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

fn trusting_proxy(idle: Duration) -> Options {
    Options {
        configure: Some(Box::new(move |config| {
            config.trusted_proxies = 1;
            config.session_idle_timeout = idle;
        })),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_use_host_cookies_rotate_at_login_expire_and_are_revoked() {
    let app = TestApp::spawn_with(Backend::Sqlite, trusting_proxy(Duration::from_secs(2))).await;
    signed_up_user(&app, "lucia@movilia.example", "una contraseña larga").await;
    let response = login(
        &app,
        "lucia@movilia.example",
        "una contraseña larga",
        "10.0.0.1",
        None,
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let header = set_cookie(&response);
    for attribute in [
        "__Host-factoria_session=",
        "Secure",
        "HttpOnly",
        "SameSite=Lax",
        "Path=/",
    ] {
        assert!(
            header.contains(attribute),
            "{attribute} missing from {header}"
        );
    }
    assert!(
        !header.contains("Domain"),
        "a __Host- cookie has no Domain: {header}"
    );
    let first = cookie_pair(&header);
    assert_eq!(me_with_cookie(&app, &first).await, 200);

    let second_response = login(
        &app,
        "lucia@movilia.example",
        "una contraseña larga",
        "10.0.0.1",
        Some(&first),
    )
    .await;
    let second = cookie_pair(&set_cookie(&second_response));
    assert_ne!(first, second, "a new session id at every login");
    assert_eq!(
        me_with_cookie(&app, &first).await,
        401,
        "the previous session of this browser is revoked"
    );

    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        me_with_cookie(&app, &second).await,
        401,
        "idle sessions end"
    );

    let third = cookie_pair(&set_cookie(
        &login(
            &app,
            "lucia@movilia.example",
            "una contraseña larga",
            "10.0.0.1",
            None,
        )
        .await,
    ));
    let logout = app
        .http
        .post(app.at("/api/v1/auth/logout"))
        .header("cookie", &third)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(logout.status().as_u16(), 204);
    assert_eq!(me_with_cookie(&app, &third).await, 401, "logout revokes");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn brute_force_gets_429_while_the_owner_signs_in_from_elsewhere() {
    let app = TestApp::spawn_with(Backend::Sqlite, trusting_proxy(Duration::from_secs(3600))).await;
    signed_up_user(&app, "lucia@movilia.example", "una contraseña larga").await;
    let mut statuses = Vec::new();
    for attempt in 0..20 {
        let response = login(
            &app,
            "lucia@movilia.example",
            &format!("guess number {attempt}"),
            "203.0.113.7",
            None,
        )
        .await;
        statuses.push(response.status().as_u16());
    }
    assert!(
        statuses.iter().filter(|s| **s == 429).count() >= 8,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 403 || *s == 429),
        "{statuses:?}"
    );
    let owner = login(
        &app,
        "lucia@movilia.example",
        "una contraseña larga",
        "198.51.100.20",
        None,
    )
    .await;
    assert_eq!(
        owner.status().as_u16(),
        200,
        "the right password from another address still works"
    );
    let failures = app
        .count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_failed'")
        .await;
    assert!(failures >= 5, "failed logins are audited: {failures}");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login_succeeded'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookie_sessions_need_the_csrf_token_to_change_anything() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    signed_up_user(&app, "lucia@movilia.example", "una contraseña larga").await;
    let response = login(
        &app,
        "lucia@movilia.example",
        "una contraseña larga",
        "10.0.0.1",
        None,
    )
    .await;
    let cookie = cookie_pair(&set_cookie(&response));
    let body: Value = response.json().await.unwrap_or_default();
    let csrf = body["csrf_token"].as_str().unwrap_or_default().to_owned();
    let create = |with_csrf: bool| {
        let mut request = app
            .http
            .post(app.at("/api/v1/companies"))
            .header("cookie", &cookie)
            .json(&json!({"name": "Movilia", "kind": "startup", "description": "Movilidad."}));
        if with_csrf {
            request = request.header("x-csrf-token", &csrf);
        }
        request.send()
    };
    assert_eq!(
        create(false)
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0),
        403
    );
    assert_eq!(
        create(true).await.map(|r| r.status().as_u16()).unwrap_or(0),
        201
    );
}

on_both!(
    api_tokens_are_shown_once_stored_hashed_scoped_and_revocable,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        signed_up_user(&app, "lucia@movilia.example", "una contraseña larga").await;
        let response = login(
            &app,
            "lucia@movilia.example",
            "una contraseña larga",
            "10.0.0.1",
            None,
        )
        .await;
        let cookie = cookie_pair(&set_cookie(&response));
        let csrf = response.json::<Value>().await.unwrap_or_default()["csrf_token"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // Sent twice with one Idempotency-Key: the secret is not kept to be replayed.
        let mut created = Vec::new();
        for _ in 0..2 {
            let created_now = app
                .http
                .post(app.at("/api/v1/me/tokens"))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("idempotency-key", "crear-lector")
                .json(&json!({"name": "lector", "scopes": ["read"]}))
                .send()
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(created_now.status().as_u16(), 201);
            assert!(created_now.headers().get("idempotent-replayed").is_none());
            created.push(created_now.json::<Value>().await.unwrap_or_default());
        }
        assert_ne!(
            created[0]["token"], created[1]["token"],
            "each request makes its own token"
        );
        let token = created[0]["token"].as_str().unwrap_or_default().to_owned();
        let id = created[0]["details"]["id"].as_i64().unwrap_or_default();
        assert!(token.starts_with("fct_") && token.len() > 40);
        for stored in [
            format!("SELECT COUNT(*) AS n FROM api_tokens WHERE token_hash = '{token}'"),
            format!(
                "SELECT COUNT(*) AS n FROM idempotency_keys WHERE response_body LIKE '%{token}%'"
            ),
        ] {
            assert_eq!(
                app.count(&stored).await,
                0,
                "never stored in clear: {stored}"
            );
        }
        let (_, listed) = app.get("/api/v1/me/tokens", Some(&token)).await;
        assert!(!listed.to_string().contains(&token), "never listed");
        let used = listed
            .as_array()
            .and_then(|all| all.iter().find(|t| t["id"] == id))
            .unwrap_or_else(|| panic!("token {id} not listed: {listed}"));
        assert!(
            used["last_used_at"].is_string(),
            "use is recorded: {listed}"
        );
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/companies",
                &json!({"name": "X", "kind": "sme", "description": "Y"}),
                Some(&token),
            )
            .await;
        assert_eq!(status, 403, "a read-only token cannot write");
        let revoke = app
            .http
            .delete(app.at(&format!("/api/v1/me/tokens/{id}")))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(revoke.status().as_u16(), 204);
        let (status, _) = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(status, 401, "revoked tokens stop working");
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action IN ('token_created', 'token_revoked')").await, 3);
    }
);

on_both!(
    the_audit_log_cannot_be_altered,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        factoria::domain::audit::record(
            &app.ctx.db,
            &app.ctx.config.secret,
            None,
            "export",
            None,
            None,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        use sea_orm::ConnectionTrait;
        assert!(
            app.ctx
                .db
                .execute_unprepared("UPDATE audit_log SET action = 'nothing'")
                .await
                .is_err()
        );
        assert!(
            app.ctx
                .db
                .execute_unprepared("DELETE FROM audit_log")
                .await
                .is_err()
        );
        assert_eq!(
            app.count("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'export'")
                .await,
            1
        );
    }
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_headers_and_body_limits_hold_on_every_answer() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for path in ["/api/v1/challenges", "/api/docs", "/no/such/page"] {
        let response = app
            .http
            .get(app.at(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let h = response.headers();
        let csp = h
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(
            h.get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
        assert!(h.get("referrer-policy").is_some());
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    // A body announced as 3 MB is refused before it is read.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let head = "POST /api/v1/companies HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 3145728\r\n\r\n";
    stream
        .write_all(head.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut answer = vec![0u8; 64];
    let n = stream
        .read(&mut answer)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let status_line = String::from_utf8_lossy(&answer[..n]).into_owned();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
}

on_both!(
    sign_up_verifies_the_address_before_sign_in,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let (status, body) = app.send(Method::POST, "/api/v1/auth/signup", &json!({"email": "nuevo@startup.example", "name": "Nuevo", "password": "una contraseña larga", "locale": "es"}), None).await;
        assert_eq!(status, 202, "{body}");
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/login",
                &json!({"email": "nuevo@startup.example", "password": "una contraseña larga"}),
                None,
            )
            .await;
        assert_eq!(status, 403, "not before the address is confirmed");
        let url = latest_link(&app, "nuevo@startup.example", "verify_email").await;
        let token = url.split("token=").nth(1).unwrap_or_default();
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token, "password": "una contraseña larga"}),
                None,
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = app
            .send(
                Method::POST,
                "/api/v1/auth/verify",
                &json!({"token": token, "password": "una contraseña larga"}),
                None,
            )
            .await;
        assert_eq!(status, 403, "single use: {body}");
        let (status, _) = app
            .send(
                Method::POST,
                "/api/v1/auth/login",
                &json!({"email": "nuevo@startup.example", "password": "una contraseña larga"}),
                None,
            )
            .await;
        assert_eq!(status, 200);
        let (status, _) = app.send(Method::POST, "/api/v1/auth/signup", &json!({"email": "nuevo@startup.example", "name": "Otra", "password": "otra contraseña larga"}), None).await;
        assert_eq!(status, 202, "an existing address is not revealed");
    }
);

/// The URL in the newest email of `template` to `address`, from the outbox.
pub async fn latest_link(app: &TestApp, address: &str, template: &str) -> String {
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
    let data: Value = serde_json::from_str(&row.data).unwrap_or_default();
    let url = data["content"]["data"]["url"].as_str().unwrap_or_default();
    if !url.is_empty() {
        return url.to_owned();
    }
    // Already sent: the outbox keeps no live link once delivered, so read the delivered message.
    delivered_link(app, &row.message_id).await
}

/// The link in the message with `message_id` written to the test's outbox folder, waiting for
/// the worker to write it (at most 30 s).
async fn delivered_link(app: &TestApp, message_id: &str) -> String {
    let outbox = app.dir.path().join("outbox");
    let started = std::time::Instant::now();
    loop {
        for entry in std::fs::read_dir(&outbox).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            if !raw.contains(message_id) {
                continue;
            }
            let text = factoria_tests::smtp::text_part(&raw);
            let link = text
                .split_whitespace()
                .find(|word| word.starts_with("http") && word.contains("token="));
            return link
                .unwrap_or_else(|| panic!("no link in the delivered message: {text}"))
                .to_owned();
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the message {message_id} was not delivered to {}",
            outbox.display()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

on_both!(
    erasure_leaves_no_trace_in_database_index_or_outbox,
    |backend: Backend| async move {
        let app = TestApp::spawn(backend).await;
        let mut company = fixtures::company_es();
        company["contact"] =
            json!({"name": "Lucía Ortega Borrable", "email": "lucia.borrable@fugascero.example"});
        app.import(&[company], &[fixtures::challenge("ch-water", "published")])
            .await;
        let token = app
            .user_token(
                "lucia.borrable@fugascero.example",
                false,
                Some("co-test-es"),
                None,
            )
            .await;
        app.send(
            Method::POST,
            "/api/v1/challenges/ch-water/interests",
            &json!({"kind": "follow"}),
            Some(&token),
        )
        .await;
        app.send(
            Method::POST,
            "/api/v1/auth/login-link",
            &json!({"email": "lucia.borrable@fugascero.example"}),
            None,
        )
        .await;
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM emails WHERE recipient = 'lucia.borrable@fugascero.example'").await, 1, "an email waits in the outbox");
        let (status, export) = app.get("/api/v1/me/data", Some(&token)).await;
        assert_eq!(status, 200);
        assert_eq!(
            export["account"]["email"],
            "lucia.borrable@fugascero.example"
        );

        let (status, body) = app
            .send(
                Method::DELETE,
                "/api/v1/me",
                &json!({"confirm": true}),
                Some(&token),
            )
            .await;
        assert_eq!(status, 403, "no API token erases an account: {body}");
        assert_eq!(
            app.erase_signed_in("lucia.borrable@fugascero.example")
                .await,
            204,
            "the person, signed in, does"
        );
        app.settle().await;
        for (table, column) in [
            ("users", "email"),
            ("users", "name"),
            ("companies", "contact_email"),
            ("companies", "contact_name"),
            ("emails", "recipient"),
            ("emails", "data"),
            ("audit_log", "subject"),
            ("audit_log", "detail"),
            ("suppressions", "email"),
        ] {
            for needle in ["borrable"] {
                let n = app
                    .count(&format!(
                        "SELECT COUNT(*) AS n FROM {table} WHERE {column} LIKE '%{needle}%'"
                    ))
                    .await;
                assert_eq!(n, 0, "{table}.{column} still mentions the person");
            }
        }
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM sessions").await, 0);
        assert_eq!(app.count("SELECT COUNT(*) AS n FROM api_tokens").await, 0);
        let catalog = app.ctx.search.index.catalog();
        for kind in [
            factoria::search_index::Kind::Company,
            factoria::search_index::Kind::Challenge,
        ] {
            for entry in catalog.iter(kind) {
                let text = serde_json::to_string(&entry.doc).unwrap_or_default();
                assert!(
                    !text.contains("borrable") && !text.contains("Borrable"),
                    "the index still mentions the person: {text}"
                );
            }
        }
        let (status, _) = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(status, 401);
    }
);
