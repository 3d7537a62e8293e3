//! SQLite under concurrent writers: WAL and `BEGIN IMMEDIATE` make writers queue instead of
//! failing with "database is locked".

use std::time::{Duration, Instant};

use factoria_tests::proxy::Proxy;
use factoria_tests::{Backend, Options, TestApp};
use reqwest::Method;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;

const WRITERS: usize = 8;
const TRANSACTIONS: usize = 20;

/// Each transaction reads, pauses, then writes: the pattern that deadlocks deferred
/// transactions, since both hold a read lock and neither can upgrade.
async fn read_then_write(db: DatabaseConnection, writer: usize, immediate: bool) -> usize {
    let mut locked = 0;
    for n in 0..TRANSACTIONS {
        let result = async {
            let tx = if immediate { factoria::db::begin_write(&db).await? } else { db.begin().await? };
            let backend = tx.get_database_backend();
            tx.query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) FROM departments")).await?;
            tokio::time::sleep(Duration::from_millis(2)).await;
            tx.execute_unprepared(&format!("INSERT INTO departments (name, created_at) VALUES ('w{writer}-{n}-{immediate}', '2026-01-01T00:00:00Z')")).await?;
            tx.commit().await
        }
        .await;
        match result {
            Ok(()) => {}
            Err(e) if e.to_string().contains("locked") || e.to_string().contains("busy") => {
                locked += 1
            }
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    locked
}

async fn locked_errors(app: &TestApp, immediate: bool) -> usize {
    let tasks: Vec<_> = (0..WRITERS)
        .map(|w| tokio::spawn(read_then_write(app.ctx.db.clone(), w, immediate)))
        .collect();
    let mut total = 0;
    for task in tasks {
        total += task.await.unwrap_or_else(|e| panic!("{e}"));
    }
    total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_writers_see_no_locked_database_with_begin_immediate() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(locked_errors(&app, true).await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM departments WHERE name LIKE 'w%-true'")
            .await,
        (WRITERS * TRANSACTIONS) as i64
    );
    // The same load with SQLite's default deferred BEGIN: read locks that cannot be upgraded.
    let deferred = locked_errors(&app, false).await;
    assert!(
        deferred > 0,
        "deferred transactions were expected to hit 'database is locked'"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_concurrent_api_clients_all_succeed_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let admin = app
        .user_token("admin@factoria.example", true, None, None)
        .await;
    let mut tasks = Vec::new();
    for writer in 0..WRITERS {
        let (client, url, token) = (app.http.clone(), app.at("/api/v1/companies"), admin.clone());
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for n in 0..6 {
                let body = json!({"id": format!("co-w{writer}-{n}"), "name": format!("Writer {writer} company {n}"), "kind": "sme", "description": "Servicios de ingeniería."});
                let response = client.request(Method::POST, &url).bearer_auth(&token).json(&body).send().await;
                statuses.push(response.map(|r| r.status().as_u16()).unwrap_or(0));
            }
            statuses
        }));
    }
    for task in tasks {
        let statuses = task.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM companies").await,
        (WRITERS * 6) as i64
    );
}

/// PostgreSQL ends every connection of Factoría (as it does when it restarts) again and again
/// while clients read and write: each answer is a success or a quick 503, never a 500; writes
/// answered 201 are all there; and Factoría recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_cut_by_postgresql_are_503s_never_500s_and_lose_no_write() {
    const CLIENTS: usize = 4;
    const ROUNDS: usize = 40;
    let app = TestApp::spawn(Backend::Postgres).await;
    let admin = app
        .user_token("admin@factoria.example", true, None, None)
        .await;
    let before = app.count("SELECT COUNT(*) AS n FROM companies").await;
    let cutter = {
        let db = app.ctx.db.clone();
        tokio::spawn(async move {
            let mut cuts = 0;
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_millis(50)).await;
                let cut = db
                    .execute_unprepared(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    )
                    .await;
                cuts += usize::from(cut.is_ok());
            }
            cuts
        })
    };
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (http, base, token) = (app.http.clone(), app.url.clone(), admin.clone());
        clients.push(tokio::spawn(async move {
            let (mut answers, mut created) = (Vec::new(), 0);
            for n in 0..ROUNDS {
                let read = http
                    .get(format!("{base}/api/v1/challenges?per_page=5"))
                    .send()
                    .await;
                answers.push(read.map(|r| r.status().as_u16()).unwrap_or(0));
                let body = json!({"id": format!("co-cut-{client}-{n}"), "name": format!("Cut {client} {n}"), "kind": "sme", "description": "Ingeniería del agua."});
                let write = http
                    .post(format!("{base}/api/v1/companies"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                let status = write.map(|r| r.status().as_u16()).unwrap_or(0);
                created += usize::from(status == 201);
                answers.push(status);
            }
            (answers, created)
        }));
    }
    let (mut answers, mut created) = (Vec::new(), 0);
    for client in clients {
        let (a, c) = client.await.unwrap_or_else(|e| panic!("{e}"));
        answers.extend(a);
        created += c;
    }
    let cuts = cutter.await.unwrap_or_else(|e| panic!("{e}"));
    assert!(cuts > 0, "no connection was cut");
    let unexpected: Vec<u16> = answers
        .iter()
        .copied()
        .filter(|s| !matches!(s, 200 | 201 | 503))
        .collect();
    assert!(
        unexpected.is_empty(),
        "answers other than 200, 201, 503: {unexpected:?}"
    );

    // Recovered without a restart: the next requests succeed, and every 201 was kept (a write
    // whose commit landed just as its connection was cut may exist without its 201).
    let (status, _) = app.get("/api/v1/challenges?per_page=5", None).await;
    assert_eq!(status, 200);
    let added = app.count("SELECT COUNT(*) AS n FROM companies").await - before;
    assert!(
        added >= created as i64 && added <= (CLIENTS * ROUNDS) as i64,
        "{created} answered 201, {added} companies added"
    );
}

/// PostgreSQL goes away (a proxy in between refuses and cuts connections, as a stopped server
/// does): reads, writes and the health probe answer 503 within the pool's two-second deadline
/// instead of hanging; when it is back Factoría recovers by itself, and the write answered 503
/// is not there while the one answered 201 is.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgresql_down_is_a_prompt_503_and_factoria_recovers_when_it_returns() {
    let server =
        url::Url::parse(&factoria_tests::pg::server_url()).unwrap_or_else(|e| panic!("{e}"));
    let target = server
        .socket_addrs(|| Some(5432))
        .ok()
        .and_then(|addrs| addrs.into_iter().next())
        .unwrap_or_else(|| panic!("no address for {server}"));
    let proxy = Proxy::start(target).await;
    let via = proxy.addr;
    let app = TestApp::spawn_with(
        Backend::Postgres,
        Options {
            configure: Some(Box::new(move |config| {
                let mut url =
                    url::Url::parse(&config.database_url).unwrap_or_else(|e| panic!("{e}"));
                let _ = url.set_ip_host(via.ip());
                let _ = url.set_port(Some(via.port()));
                config.database_url = url.to_string();
            })),
            ..Options::default()
        },
    )
    .await;
    let admin = app
        .user_token("admin@factoria.example", true, None, None)
        .await;
    let company = |id: &str| json!({"id": id, "name": format!("Empresa {id}"), "kind": "sme", "description": "Ingeniería del agua."});
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/companies",
            &company("co-before"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    proxy.down();
    for (method, path, body) in [
        (Method::GET, "/healthz", json!(null)),
        (Method::GET, "/api/v1/companies/co-before", json!(null)),
        (Method::POST, "/api/v1/companies", company("co-while-down")),
    ] {
        let asked = Instant::now();
        let (status, answer) = app.send(method, path, &body, Some(&admin)).await;
        let waited = asked.elapsed();
        assert_eq!(status, 503, "{path}: {answer}");
        // The deadline is two seconds; a hang would be the connect timeout or longer.
        assert!(waited < Duration::from_secs(5), "{path} took {waited:?}");
    }

    proxy.up().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _) = app.get("/healthz", None).await;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not healthy 20 s after PostgreSQL came back"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, body) = app
        .send(
            Method::POST,
            "/api/v1/companies",
            &company("co-after"),
            Some(&admin),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, listed) = app
        .get("/api/v1/companies?per_page=10&sort=name", None)
        .await;
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["id"].as_str())
        .collect();
    assert_eq!(ids, vec!["co-after", "co-before"], "{listed}");
}
