//! Test harness: the real application on a free port, on a fresh SQLite file or a throwaway
//! PostgreSQL database, with the real embedding model shared by every test of the process.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use factoria::app::{App, IndexLocation};
use factoria::config::{Config, Overrides};
use factoria::context::Context;
use factoria::search_index::Embedder;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

pub mod pg;
pub mod proxy;
pub mod smtp;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary folder.
    Sqlite,
    /// A throwaway PostgreSQL database.
    Postgres,
}

/// The embedding model, loaded once per test process (about two seconds and 200 MB).
pub fn embedder() -> Embedder {
    static EMBEDDER: OnceLock<Embedder> = OnceLock::new();
    EMBEDDER
        .get_or_init(|| {
            let config = Config::load(&Overrides::default()).unwrap_or_else(|e| panic!("{e}"));
            factoria::indexing::start_embedder(&config.assets_dir)
                .unwrap_or_else(|e| panic!("cannot start the embedder: {e:#}"))
        })
        .clone()
}

/// A running application.
pub struct TestApp {
    /// Base URL, like `http://127.0.0.1:41234`.
    pub url: String,
    /// Address.
    pub addr: SocketAddr,
    /// Shared services of the app.
    pub ctx: Context,
    /// Data folder (removed at the end).
    pub dir: tempfile::TempDir,
    /// HTTP client without cookies.
    pub http: reqwest::Client,
    _app: App,
    _db: Option<pg::Database>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Options of a test app.
#[derive(Default)]
pub struct Options {
    /// Adjusts the configuration before start.
    pub configure: Option<Box<dyn FnOnce(&mut Config) + Send>>,
    /// Keeps the index on disk (in the data folder) instead of in memory.
    pub disk_index: bool,
}

/// A database of its own for one test: the SQLite file `file` in `dir`, or a PostgreSQL
/// database created for it (dropped with the returned guard). Its URL, and the guard.
pub async fn database(
    backend: Backend,
    dir: &std::path::Path,
    file: &str,
) -> (String, Option<pg::Database>) {
    match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.join(file).display()),
            None,
        ),
        Backend::Postgres => {
            let db = pg::Database::create().await;
            (db.url.clone(), Some(db))
        }
    }
}

/// A configuration for a test in `dir` on `database_url`.
pub fn test_config(dir: &std::path::Path, database_url: &str) -> Config {
    let overrides = Overrides {
        file: None,
        data_dir: Some(dir.to_path_buf()),
        database_url: Some(database_url.to_owned()),
        bind: Some("127.0.0.1:0".into()),
    };
    let mut config = Config::load(&overrides).unwrap_or_else(|e| panic!("{e}"));
    config.workers = 2;
    config
}

impl TestApp {
    /// Starts the app on `backend`.
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, Options::default()).await
    }

    /// Starts the app on `backend` with options.
    pub async fn spawn_with(backend: Backend, options: Options) -> TestApp {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (database_url, db) = database(backend, dir.path(), "test.sqlite").await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let addr = listener.local_addr().unwrap_or_else(|e| panic!("{e}"));
        let mut config = test_config(dir.path(), &database_url);
        config.bind = addr;
        config.public_url =
            url::Url::parse(&format!("http://{addr}")).unwrap_or_else(|e| panic!("{e}"));
        if let Some(configure) = options.configure {
            configure(&mut config);
        }
        let location = if options.disk_index {
            IndexLocation::Disk
        } else {
            IndexLocation::Memory
        };
        let app = App::start(config, Some(embedder()), location)
            .await
            .unwrap_or_else(|e| panic!("cannot start the app: {e:#}"));
        let ctx = app.ctx.clone();
        let router = factoria::http::router(ctx.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(
                listener,
                router.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await;
        });
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        TestApp {
            url: format!("http://{addr}"),
            addr,
            ctx,
            dir,
            http,
            _app: app,
            _db: db,
            server,
        }
    }

    /// Full URL of `path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// Creates a verified user with optional admin flag and memberships, and an API token with
    /// read and write scopes; returns the token.
    pub async fn user_token(
        &self,
        email: &str,
        admin: bool,
        company: Option<&str>,
        department: Option<&str>,
    ) -> String {
        use factoria::domain::accounts;
        use factoria::domain::actor::Scope;
        let db = &self.ctx.db;
        let tx = factoria::db::begin_write(db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let email = factoria::types::Email::parse(email).unwrap_or_else(|e| panic!("{e}"));
        let id = accounts::create_user(&tx, &email, "Test User", None, "es", admin, true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(department) = department {
            let department_id =
                factoria::domain::challenges::department_id_by_name(&tx, department)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            accounts::add_membership(&tx, id, None, Some(department_id))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        if let Some(company) = company {
            let row = self.company_id(&tx, company).await;
            accounts::add_membership(&tx, id, Some(row), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let (token, _) = accounts::create_api_token(&tx, id, "test", &[Scope::Read, Scope::Write])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        token
    }

    /// The page at `path` as the existing user `email` sees it in a browser session: status and
    /// HTML.
    pub async fn page_as(&self, email: &str, path: &str) -> (u16, String) {
        let (cookie, _) = self.session_of(email).await;
        let response = self
            .http
            .get(self.at(path))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// A browser session of the existing user `email`: the `Cookie` header value and its CSRF
    /// token.
    pub async fn session_of(&self, email: &str) -> (String, String) {
        use factoria::db::entities::user;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let id = user::Entity::find()
            .filter(user::Column::Email.eq(email))
            .one(&self.ctx.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no user {email}"))
            .id;
        let from = factoria::domain::accounts::SignInFrom {
            ip: None,
            user_agent: None,
            replacing: None,
        };
        let session = factoria::domain::accounts::create_session(&self.ctx, id, from)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let header = factoria::http::auth::session_cookie_header(
            &self.ctx.config.public_url,
            &session.token,
        );
        let cookie = header.split(';').next().unwrap_or_default().to_owned();
        (cookie, session.csrf)
    }

    /// Erases the account at `email` as its owner does, from a signed-in session; returns the
    /// status.
    pub async fn erase_signed_in(&self, email: &str) -> u16 {
        let (cookie, csrf) = self.session_of(email).await;
        self.http
            .delete(self.at("/api/v1/me"))
            .header("cookie", cookie)
            .header("x-csrf-token", csrf)
            .json(&serde_json::json!({"confirm": true}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .status()
            .as_u16()
    }

    /// Creates a verified user who signs in with `password`, with optional admin flag and
    /// memberships; returns the user id.
    pub async fn user_with_password(
        &self,
        email: &str,
        name: &str,
        password: &str,
        admin: bool,
        company: Option<&str>,
        department: Option<&str>,
    ) -> i64 {
        use factoria::domain::accounts;
        let hash = accounts::hash_password(password.to_owned())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let tx = factoria::db::begin_write(&self.ctx.db)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let email = factoria::types::Email::parse(email).unwrap_or_else(|e| panic!("{e}"));
        let id = accounts::create_user(&tx, &email, name, Some(hash), "es", admin, true)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        if let Some(department) = department {
            let department_id =
                factoria::domain::challenges::department_id_by_name(&tx, department)
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
            accounts::add_membership(&tx, id, None, Some(department_id))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        if let Some(company) = company {
            let row = self.company_id(&tx, company).await;
            accounts::add_membership(&tx, id, Some(row), None)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        }
        tx.commit().await.unwrap_or_else(|e| panic!("{e}"));
        id
    }

    async fn company_id<C: ConnectionTrait>(&self, conn: &C, external_id: &str) -> i64 {
        use factoria::db::entities::company;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        company::Entity::find()
            .filter(company::Column::ExternalId.eq(external_id))
            .one(conn)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no company {external_id}"))
            .id
    }

    /// Imports the given records directly (as `factoria import` would) and waits until they
    /// are embedded and indexed.
    pub async fn import(&self, companies: &[Value], challenges: &[Value]) {
        let write = |name: &str, records: &[Value]| {
            let path = self.dir.path().join(name);
            let text: String = records.iter().map(|r| format!("{r}\n")).collect();
            std::fs::write(&path, text).unwrap_or_else(|e| panic!("{e}"));
            path
        };
        let companies = write("import-companies.jsonl", companies);
        let challenges = write("import-challenges.jsonl", challenges);
        let report = factoria::domain::bulk::import(
            &self.ctx,
            Some(&companies),
            Some(&challenges),
            true,
            &|_| {},
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            report.errors.is_empty(),
            "import faults: {:?}",
            report.errors
        );
        self.settle().await;
    }

    /// Waits until no job is queued and the index has applied every change (at most a minute).
    pub async fn settle(&self) {
        let started = Instant::now();
        loop {
            let pending = self
                .count("SELECT COUNT(*) AS n FROM jobs WHERE status = 'queued'")
                .await;
            let head = self
                .count("SELECT COALESCE(MAX(seq), 0) AS n FROM change_log")
                .await;
            if pending == 0 && self.ctx.search.index.position() >= head {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the app did not settle: {pending} jobs queued, index at {} of {head}",
                self.ctx.search.index.position()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs a `SELECT … AS n` and returns `n`; a query that fails or answers no `n` fails the
    /// test (a 0 would pass an `== 0` assertion for the wrong reason).
    pub async fn count(&self, sql: &str) -> i64 {
        let backend = self.ctx.db.get_database_backend();
        let row = self
            .ctx
            .db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let row = row.unwrap_or_else(|| panic!("{sql}: no row"));
        row.try_get::<i64>("", "n")
            .unwrap_or_else(|e| panic!("{sql}: column n: {e}"))
    }

    /// Runs a `SELECT … AS t` and returns the text `t`; a query that fails or answers no `t`
    /// fails the test.
    pub async fn text(&self, sql: &str) -> String {
        let backend = self.ctx.db.get_database_backend();
        let row = self
            .ctx
            .db
            .query_one_raw(Statement::from_string(backend, sql))
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let row = row.unwrap_or_else(|| panic!("{sql}: no row"));
        row.try_get::<String>("", "t")
            .unwrap_or_else(|e| panic!("{sql}: column t: {e}"))
    }

    /// GET with an optional bearer token; returns status and JSON.
    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut request = self.http.get(self.at(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        respond(request).await
    }

    /// A request with a JSON body and an optional bearer token.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
        token: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self.http.request(method, self.at(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        respond(request).await
    }
}

async fn respond(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("request failed: {e}"));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// The demo data (300 companies, 64 challenges) with deadlines from today.
pub fn demo_data() -> factoria::demo::DemoData {
    factoria::demo::generate(2026, chrono::Utc::now().date_naive())
}

/// Folder of this crate, for fixtures.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `factoria` binary, built once per test process with the same profile as the tests.
pub fn factoria_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let workspace = crate_dir().parent().map(PathBuf::from).unwrap_or_default();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = std::process::Command::new(cargo)
            .args(["build", "--quiet", "-p", "factoria", "--bin", "factoria"])
            .current_dir(&workspace)
            .status()
            .unwrap_or_else(|e| panic!("cannot run cargo build: {e}"));
        assert!(
            status.success(),
            "cargo build of the factoria binary failed"
        );
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join("target"));
        target.join("debug").join("factoria")
    })
    .clone()
}

/// Runs the Python tool `tests/tools/{script}` of the test virtual environment with `input` on
/// its standard input; returns its standard output, failing the test (with its standard error
/// and `why`) when the tool fails.
pub fn python_tool(script: &str, input: &[u8], why: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(smtp::tools_python())
        .arg(crate_dir().join("tools").join(script))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(input))
        .transpose()
        .unwrap_or_else(|e| panic!("{e}"));
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert!(
        output.status.success(),
        "{script} failed ({why}): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `factoria` with `args` in `dir` as data folder; returns exit code, stdout, stderr.
pub fn run_cli(
    dir: &std::path::Path,
    env: &[(&str, &str)],
    args: &[&str],
) -> (i32, String, String) {
    let output = std::process::Command::new(factoria_bin())
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .envs(env.iter().copied())
        .env("FACTORIA_LOG", "warn")
        .output()
        .unwrap_or_else(|e| panic!("cannot run factoria: {e}"));
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A `factoria serve` process of its own, for tests that kill or replicate the server.
pub struct ServeProcess {
    /// Base URL.
    pub url: String,
    child: std::process::Child,
    /// Standard error, for diagnosis.
    pub log: PathBuf,
}

impl ServeProcess {
    /// Starts `factoria serve` with data in `dir` and the given environment, and waits until it
    /// answers (at most a minute).
    pub async fn start(dir: &std::path::Path, env: &[(&str, String)]) -> ServeProcess {
        let port = smtp::free_port();
        let log = dir.join(format!("serve-{port}.log"));
        let stderr = std::fs::File::create(&log).unwrap_or_else(|e| panic!("{e}"));
        let mut command = std::process::Command::new(factoria_bin());
        command
            .arg("--data-dir")
            .arg(dir)
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"));
        command
            .env("FACTORIA_LOG", "info")
            .stdout(std::process::Stdio::null())
            .stderr(stderr);
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start factoria serve: {e}"));
        let process = ServeProcess {
            url: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let started = Instant::now();
        loop {
            if let Ok(response) = reqwest::get(format!("{}/healthz", process.url)).await
                && response.status().is_success()
            {
                return process;
            }
            assert!(
                started.elapsed() < Duration::from_secs(90),
                "factoria serve did not start: {}",
                std::fs::read_to_string(&process.log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServeProcess {
    fn drop(&mut self) {
        self.kill();
    }
}
