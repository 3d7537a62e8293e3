//! Several processes and crashes: replicas that follow one PostgreSQL, an index that recovers
//! after `kill -9`, and emails that survive killed workers.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use factoria_tests::smtp::{SmtpServer, free_port, header};
use factoria_tests::{ServeProcess, pg};
use serde_json::{Value, json};

pub(crate) async fn create_admin_token(database_url: &str, dir: &std::path::Path) -> String {
    let env = [
        ("FACTORIA_DATABASE_URL", database_url),
        ("FACTORIA_NEW_PASSWORD", "una contraseña larga"),
    ];
    let (code, _, stderr) = factoria_tests::run_cli(
        dir,
        &env,
        &[
            "admin",
            "create-user",
            "--email",
            "admin@gob.example",
            "--name",
            "Admin",
            "--admin",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, stderr) = factoria_tests::run_cli(
        dir,
        &env,
        &["admin", "create-token", "--email", "admin@gob.example"],
    );
    assert_eq!(code, 0, "{stderr}");
    stdout.trim().to_owned()
}

/// The ids a search answers; any failure to answer fails the test (an empty list would read as
/// "not indexed yet").
pub(crate) async fn search_ids(base: &str, path: &str) -> Vec<String> {
    let response = reqwest::get(format!("{base}{path}"))
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(response.status().as_u16(), 200, "{path}");
    let body: Value = response
        .json()
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    body["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_on_one_postgresql_both_see_a_change() {
    let db = pg::Database::create().await;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let token = create_admin_token(&db.url, dir.path()).await;
    let env_for = |name: &str| {
        vec![
            ("FACTORIA_DATABASE_URL", db.url.clone()),
            (
                "FACTORIA_INDEX_DIR",
                dir.path().join(name).display().to_string(),
            ),
            // The test polls search as fast as it can from one address.
            ("FACTORIA_SEARCH_RATE_PER_MINUTE", "0".to_owned()),
        ]
    };
    let a = ServeProcess::start(dir.path(), &env_for("index-a")).await;
    let b = ServeProcess::start(dir.path(), &env_for("index-b")).await;
    let client = reqwest::Client::new();
    let company = json!({"id": "co-replica", "name": "Zurbarán Hidrografía S.L.", "kind": "sme", "description": "Batimetría de embalses con sonar multihaz zurbaranita."});
    let written = Instant::now();
    let response = client
        .post(format!("{}/api/v1/companies", a.url))
        .bearer_auth(&token)
        .json(&company)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let mut seen = [None, None];
    while seen.iter().any(Option::is_none) && written.elapsed() < Duration::from_secs(10) {
        for (i, process) in [&a, &b].iter().enumerate() {
            if seen[i].is_none()
                && search_ids(
                    &process.url,
                    "/api/v1/companies/search?q=zurbaranita&mode=bm25",
                )
                .await
                .contains(&"co-replica".to_owned())
            {
                seen[i] = Some(written.elapsed());
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "visible in replica A after {:?}, in replica B after {:?}",
        seen[0], seen[1]
    );
    assert!(
        seen.iter().all(Option::is_some),
        "both replicas see the new company: {seen:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_catches_up_after_kill_9_at_any_moment() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("crash.sqlite").display()
    );
    let token = create_admin_token(&database_url, dir.path()).await;
    let env = vec![
        ("FACTORIA_DATABASE_URL", database_url.clone()),
        (
            "FACTORIA_INDEX_DIR",
            dir.path().join("index").display().to_string(),
        ),
        // Dozens of searches from one address check the index at the end.
        ("FACTORIA_SEARCH_RATE_PER_MINUTE", "0".to_owned()),
    ];
    let client = reqwest::Client::new();
    let mut created = Vec::new();
    for round in 0..3u64 {
        let mut server = ServeProcess::start(dir.path(), &env).await;
        // Write continuously, and kill the server in the middle of it.
        let deadline = Instant::now() + Duration::from_millis(700 + 300 * round);
        let mut n = 0;
        while Instant::now() < deadline {
            let id = format!("co-crash-{round}-{n}");
            let body = json!({"id": id, "name": format!("Crash {round} {n}"), "kind": "sme", "description": format!("Empresa palabraunica{round}x{n} de pruebas.")});
            if let Ok(response) = client
                .post(format!("{}/api/v1/companies", server.url))
                .bearer_auth(&token)
                .json(&body)
                .send()
                .await
                && response.status().as_u16() == 201
            {
                created.push((id, format!("palabraunica{round}x{n}")));
            }
            n += 1;
        }
        server.kill();
    }
    let server = ServeProcess::start(dir.path(), &env).await;
    let started = Instant::now();
    loop {
        let body: Value = reqwest::get(format!("{}/healthz", server.url))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_default();
        if body["companies"].as_u64() == Some(created.len() as u64) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "index holds {} of {} companies",
            body["companies"],
            created.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        created.len() >= 10,
        "the test wrote enough: {}",
        created.len()
    );
    for (id, word) in created.iter().step_by(3) {
        let found = search_ids(
            &server.url,
            &format!("/api/v1/companies/search?q={word}&mode=bm25"),
        )
        .await;
        assert_eq!(found, vec![id.clone()], "{word}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_survive_workers_killed_mid_run_with_at_most_one_duplicate_per_worker_per_kill() {
    const EMAILS: usize = 30;
    const KILLS: usize = 3;
    const WORKERS: usize = 2;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("mail.sqlite").display()
    );
    let smtp = SmtpServer::start_on(free_port(), &dir.path().join("smtp"), "", 0.1);
    // Queue the emails through the library, on the database the server will use.
    {
        let config = factoria_tests::test_config(dir.path(), &database_url);
        let db = factoria::db::connect(&database_url)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        factoria::db::migrate(&db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let mailer = factoria::email::Mailer::new(&config.mail).unwrap_or_else(|e| panic!("{e}"));
        let tx = factoria::db::begin_write(&db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for n in 0..EMAILS {
            use factoria_frontend::emails::{EmailContent, Link};
            let outgoing = factoria::email::Outgoing {
                to: factoria::types::Email::parse(&format!("persona{n}@empresa.example"))
                    .unwrap_or_else(|e| panic!("{e}")),
                to_name: None,
                user_id: None,
                lang: factoria::search_index::Lang::Es,
                content: EmailContent::LoginLink(Link {
                    name: format!("Persona {n}"),
                    url: "https://factoria.example/x".into(),
                }),
                topic: None,
                reply_to: None,
            };
            factoria::email::enqueue(&tx, mailer.domain(), outgoing)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
    }
    let env = vec![
        ("FACTORIA_DATABASE_URL", database_url.clone()),
        ("FACTORIA_SMTP_URL", smtp.url()),
        ("FACTORIA_JOB_LEASE_SECONDS", "3".to_owned()),
        ("FACTORIA_JOB_RETRY_BASE_MS", "100".to_owned()),
        ("FACTORIA_SMTP_TIMEOUT_SECONDS", "2".to_owned()),
        ("FACTORIA_WORKERS", WORKERS.to_string()),
    ];
    let mut kills = 0;
    while kills < KILLS {
        let mut server = ServeProcess::start(dir.path(), &env).await;
        let before = smtp.messages().len();
        // Kill once the server is sending, in the middle of the run.
        let started = Instant::now();
        while smtp.messages().len() < before + 2 && started.elapsed() < Duration::from_secs(30) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
        server.kill();
        kills += 1;
    }
    let _server = ServeProcess::start(dir.path(), &env).await;
    smtp.wait_for(EMAILS, Duration::from_secs(90)).await;
    // Every send job finished: nothing can be delivered after this point.
    let started = Instant::now();
    while count_rows(
        &database_url,
        "SELECT COUNT(*) AS n FROM jobs WHERE kind = 'send_email' AND status <> 'done'",
    )
    .await
        > 0
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "send jobs did not finish"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let messages = smtp.messages();
    let ids: HashSet<String> = messages
        .iter()
        .filter_map(|m| header(m, "Message-ID"))
        .collect();
    eprintln!(
        "{} messages received for {EMAILS} emails after {KILLS} kills",
        messages.len()
    );
    assert_eq!(ids.len(), EMAILS, "every email delivered");
    // A worker killed between the server's acceptance and the commit that marks the email
    // sent sends it again after the restart: at most one email per worker per kill.
    assert!(
        messages.len() <= EMAILS + KILLS * WORKERS,
        "{} deliveries: duplicates must stay within one per worker per kill",
        messages.len()
    );
}

/// Counts rows with a short-lived connection of the test's own; a failure fails the test.
pub(crate) async fn count_rows(database_url: &str, sql: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let db = Database::connect(database_url)
        .await
        .unwrap_or_else(|e| panic!("{database_url}: {e}"));
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .unwrap_or_else(|| panic!("{sql}: no row"));
    let n = row
        .try_get::<i64>("", "n")
        .unwrap_or_else(|e| panic!("{sql}: column n: {e}"));
    db.close().await.unwrap_or_else(|e| panic!("{e}"));
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_killed_mid_run_is_completed_by_running_it_again() {
    const COMPANIES: usize = 80;
    const CHALLENGES: usize = 12;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let data = factoria_tests::demo_data();
    let write = |name: &str, records: &[Value]| {
        let path = dir.path().join(name);
        std::fs::write(
            &path,
            records.iter().map(|r| format!("{r}\n")).collect::<String>(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        path
    };
    let companies = write("companies.jsonl", &data.companies[..COMPANIES]);
    let challenges = write("challenges.jsonl", &data.challenges[..CHALLENGES]);
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("import.sqlite").display()
    );
    let import = || {
        let mut command = std::process::Command::new(factoria_tests::factoria_bin());
        command
            .arg("import")
            .arg("--companies")
            .arg(&companies)
            .arg("--challenges")
            .arg(&challenges)
            .env("FACTORIA_DATA_DIR", dir.path())
            .env("FACTORIA_DATABASE_URL", &database_url)
            .env("FACTORIA_LOG", "warn")
            // The killed run's jobs are taken over once their lease ends.
            .env("FACTORIA_JOB_LEASE_SECONDS", "5")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    // The schema first, so the test can watch the tables from the start.
    let migrated = std::process::Command::new(factoria_tests::factoria_bin())
        .arg("migrate")
        .env("FACTORIA_DATA_DIR", dir.path())
        .env("FACTORIA_DATABASE_URL", &database_url)
        .env("FACTORIA_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(migrated.success());
    // Kill it while it embeds: the records are written, some of their vectors are not.
    let mut child = import().spawn().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    while count_rows(&database_url, "SELECT COUNT(*) AS n FROM embeddings").await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the import never started embedding"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.kill().unwrap_or_else(|e| panic!("{e}"));
    let _ = child.wait();
    let partial = count_rows(
        &database_url,
        "SELECT COUNT(DISTINCT entity_kind || entity_id) AS n FROM embeddings",
    )
    .await;
    assert!(
        partial < (COMPANIES + CHALLENGES) as i64,
        "killed before every document was embedded ({partial})"
    );

    let status = import().status().unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success(), "the second run completes");
    assert_eq!(
        count_rows(&database_url, "SELECT COUNT(*) AS n FROM companies").await,
        COMPANIES as i64
    );
    assert_eq!(
        count_rows(&database_url, "SELECT COUNT(*) AS n FROM challenges").await,
        CHALLENGES as i64
    );
    let embedded = count_rows(
        &database_url,
        "SELECT COUNT(DISTINCT entity_kind || entity_id) AS n FROM embeddings",
    )
    .await;
    assert_eq!(
        embedded,
        (COMPANIES + CHALLENGES) as i64,
        "every document embedded once the import completes"
    );

    // A server on that database indexes exactly what the database holds.
    let env = vec![("FACTORIA_DATABASE_URL", database_url.clone())];
    let server = ServeProcess::start(dir.path(), &env).await;
    let started = Instant::now();
    loop {
        let body: Value = reqwest::get(format!("{}/healthz", server.url))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .json()
            .await
            .unwrap_or_default();
        if body["companies"].as_u64() == Some(COMPANIES as u64)
            && body["challenges"].as_u64() == Some(CHALLENGES as u64)
        {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "index: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An index whose files were damaged (a disk error, a bad copy) is discarded at start and
/// rebuilt from the database before the server listens: what was searchable still is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_index_is_rebuilt_from_the_database_at_start() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let database_url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("c.sqlite").display()
    );
    let token = create_admin_token(&database_url, dir.path()).await;
    let index = dir.path().join("index");
    let env = vec![
        ("FACTORIA_DATABASE_URL", database_url.clone()),
        ("FACTORIA_INDEX_DIR", index.display().to_string()),
    ];
    let server = ServeProcess::start(dir.path(), &env).await;
    let response = reqwest::Client::new()
        .post(format!("{}/api/v1/companies", server.url))
        .bearer_auth(&token)
        .json(&json!({"id": "co-intacta", "name": "Intacta", "kind": "sme", "description": "Empresa palabracorrupta de pruebas."}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(response.status().as_u16(), 201);
    let query = "/api/v1/companies/search?q=palabracorrupta&mode=bm25";
    let started = Instant::now();
    while search_ids(&server.url, query).await.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "never indexed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server);

    // Every file of the index overwritten with garbage.
    let mut damaged = 0;
    for entry in std::fs::read_dir(&index)
        .unwrap_or_else(|e| panic!("{e}"))
        .flatten()
    {
        if entry.path().is_file() {
            std::fs::write(entry.path(), b"\x00garbage{not an index")
                .unwrap_or_else(|e| panic!("{e}"));
            damaged += 1;
        }
    }
    assert!(damaged > 0, "the index had files");
    let server = ServeProcess::start(dir.path(), &env).await;
    assert_eq!(
        search_ids(&server.url, query).await,
        vec!["co-intacta".to_owned()]
    );
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(log.contains("search index discarded"), "{log}");
}
