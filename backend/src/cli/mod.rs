//! The `factoria` command line: serve, migrate, import, export, match, suggest-cpv, reindex,
//! backup, restore, demo, admin.

mod matching;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use factoria_search::EntityKey;

use crate::app::{self, App, IndexLocation};
use crate::config::{Config, Overrides};
use crate::context::Context;

use crate::domain::accounts;
use crate::domain::actor::Scope;
use crate::domain::bulk;
use crate::indexing;
use crate::types::Email;
use matching::{MatchArgs, RecommendArgs};

/// Factoría: challenges of the administration, profiles of companies, matched.
#[derive(Debug, Parser)]
#[command(name = "factoria", version, about)]
struct Cli {
    /// TOML configuration file (also FACTORIA_CONFIG).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Data folder: SQLite database, index, outbox (also FACTORIA_DATA_DIR; default ./data).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// Database URL, sqlite:// or postgres:// (also FACTORIA_DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web pages and the API.
    Serve {
        /// Address to listen on (also FACTORIA_BIND; default 127.0.0.1:8080).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply the database migrations (or undo the last ones with --down).
    Migrate {
        /// Undo this many migrations instead.
        #[arg(long)]
        down: Option<u32>,
    },
    /// Import companies and challenges from JSON Lines in the interchange format.
    Import(ImportArgs),
    /// Export companies and challenges as JSON Lines in the interchange format.
    Export {
        /// File for companies.
        #[arg(long)]
        companies: Option<PathBuf>,
        /// File for challenges.
        #[arg(long)]
        challenges: Option<PathBuf>,
        /// File for the published challenges as one OCDS 1.1 release package.
        #[arg(long)]
        ocds: Option<PathBuf>,
    },
    /// Rank companies for challenges, without a running server.
    Match(MatchArgs),
    /// Rank open challenges for companies (what each company is recommended), without a
    /// running server.
    Recommend(RecommendArgs),
    /// Rebuild the search index from the database, embedding what changed.
    Reindex,
    /// Write a consistent copy of the database (and the development secret) with a manifest
    /// into one file, while the server keeps serving and writing.
    Backup {
        /// The backup file to write.
        file: PathBuf,
    },
    /// Restore a backup into an empty database and data folder, bring it to this version's
    /// schema and rebuild the search index.
    Restore {
        /// The backup file to read.
        file: PathBuf,
    },
    /// Create a fresh demo database with generated data and serve it.
    Demo {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8080")]
        bind: String,
        /// Only create the data; do not serve.
        #[arg(long)]
        no_serve: bool,
    },
    /// Suggest CPV codes for challenges of an interchange file, ignoring the codes they carry.
    SuggestCpv(SuggestCpvArgs),
    /// Download the embedding model and ONNX Runtime (done automatically on first use).
    FetchModel,
    /// Print the API's OpenAPI 3.1 document (the one served at /api/openapi.json), for client
    /// generators.
    Openapi,
    /// Write officers' feedback on matches as relevance labels (challenge, company, grade) for
    /// scoring with the evaluation's `baselines.py` (run files of `challenge, company, rank`).
    FeedbackQrels {
        /// Output file (TSV).
        output: PathBuf,
    },
    /// Accounts and tokens.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Debug, Args)]
struct ImportArgs {
    /// companies.jsonl
    #[arg(long)]
    companies: Option<PathBuf>,
    /// challenges.jsonl
    #[arg(long)]
    challenges: Option<PathBuf>,
    /// An OCDS release or record package: its tenders become draft challenges.
    #[arg(long)]
    ocds: Option<PathBuf>,
    /// Import nothing unless every line is valid.
    #[arg(long)]
    strict: bool,
}

#[derive(Debug, Args)]
struct SuggestCpvArgs {
    /// challenges.jsonl in the interchange format.
    #[arg(long)]
    challenges: PathBuf,
    /// Codes per challenge.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=20))]
    top: u16,
    /// tsv: `challenge_id, rank, code` lines.
    #[arg(long, value_enum, default_value = "tsv")]
    format: SuggestFormat,
    /// Weights other than the defaults, like `words=2,branch=0.5` (for scripts/eval-cpv.sh).
    #[arg(long, hide = true)]
    params: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SuggestFormat {
    Tsv,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user (the password is read from FACTORIA_NEW_PASSWORD or standard input).
    CreateUser {
        /// Email address.
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Platform administrator.
        #[arg(long)]
        admin: bool,
        /// Officer of this department (created if missing).
        #[arg(long)]
        officer_of: Option<String>,
        /// Member of this company (interchange id).
        #[arg(long)]
        member_of: Option<String>,
        /// Language: es or en.
        #[arg(long, default_value = "es")]
        locale: String,
    },
    /// Create an API token for a user; it is printed once.
    CreateToken {
        /// The user's email address.
        #[arg(long)]
        email: String,
        /// A name to recognise the token.
        #[arg(long, default_value = "cli")]
        name: String,
        /// Comma-separated scopes: read, write.
        #[arg(long, default_value = "read,write")]
        scopes: String,
    },
}

/// Runs the command line; the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(error) = init_tracing() {
        eprintln!("error: {error:#}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error, as text for people or, with `FACTORIA_LOG_FORMAT=json`, one JSON
/// object per line for a log pipeline (with the fields of the request's span, its id among
/// them, in every line).
fn init_tracing() -> anyhow::Result<()> {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FACTORIA_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,tantivy=warn,ort=warn,sqlx=warn,sea_orm=warn")
    });
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let format = std::env::var("FACTORIA_LOG_FORMAT").unwrap_or_default();
    let _ = match format.as_str() {
        "" | "text" => logs.try_init(),
        "json" => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        other => bail!("FACTORIA_LOG_FORMAT must be text or json, not `{other}`"),
    };
    Ok(())
}

fn load_config(
    cli: &Cli,
    bind: Option<String>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<Config> {
    let overrides = Overrides {
        file: cli.config.clone(),
        data_dir: data_dir.or_else(|| cli.data_dir.clone()),
        database_url: cli.database_url.clone(),
        bind,
    };
    Ok(Config::load(&overrides)?)
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Serve { bind } => {
            let config = load_config(&cli, bind.clone(), None)?;
            serve(config).await?;
        }
        Command::Migrate { down } => {
            let config = load_config(&cli, None, None)?;
            let db = crate::db::connect(&config.database_url)
                .await
                .context("cannot connect to the database")?;
            match down {
                Some(steps) => {
                    use factoria_migrations::MigratorTrait;
                    factoria_migrations::Migrator::down(&db, Some(*steps)).await?;
                    eprintln!("undid {steps} migration(s)");
                }
                None => {
                    crate::db::migrate(&db).await?;
                    eprintln!("database is up to date");
                }
            }
        }
        Command::Import(args) => {
            if args.companies.is_none() && args.challenges.is_none() && args.ocds.is_none() {
                bail!(
                    "name at least one file: --companies FILE, --challenges FILE and/or --ocds FILE"
                );
            }
            let config = load_config(&cli, None, None)?;
            let prefix = config.ocid_prefix.clone();
            let ctx = app::context(config, None, IndexLocation::Unused).await?;
            if let Some(path) = &args.ocds {
                import_ocds(&ctx, path, &prefix).await?;
                if args.companies.is_none() && args.challenges.is_none() {
                    return Ok(ExitCode::SUCCESS);
                }
            }
            return import(&ctx, args).await;
        }
        Command::Export {
            companies,
            challenges,
            ocds,
        } => {
            if companies.is_none() && challenges.is_none() && ocds.is_none() {
                bail!(
                    "name at least one file: --companies FILE, --challenges FILE and/or --ocds FILE"
                );
            }
            let config = load_config(&cli, None, None)?;
            let db = crate::db::connect(&config.database_url)
                .await
                .context("cannot connect to the database")?;
            crate::db::migrate(&db).await?;
            if companies.is_some() || challenges.is_some() {
                let (c, h) = bulk::export(&db, companies.as_deref(), challenges.as_deref()).await?;
                eprintln!("exported {c} companies and {h} challenges");
            }
            if let Some(path) = ocds {
                let query = crate::domain::ocds::ReleaseQuery::default();
                let releases = crate::domain::ocds::releases_in(
                    &db,
                    &config.ocid_prefix,
                    &query,
                    chrono::Utc::now(),
                )
                .await?;
                let count = releases.len();
                let uri = format!("{}api/v1/ocds/releases", config.public_url);
                let package = crate::domain::ocds::package(&config.public_url, &uri, releases);
                std::fs::write(path, serde_json::to_string_pretty(&package)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("exported {count} releases to {}", path.display());
            }
        }
        Command::Match(args) => {
            let ctx = searching_context(load_config(&cli, None, None)?).await?;
            matching::run_match(&ctx, args).await?;
        }
        Command::Recommend(args) => {
            let ctx = searching_context(load_config(&cli, None, None)?).await?;
            matching::run_recommend(&ctx, args).await?;
        }
        Command::Reindex => {
            let config = load_config(&cli, None, None)?;
            reindex(config).await?;
        }
        Command::Backup { file } => {
            let config = load_config(&cli, None, None)?;
            let manifest = crate::backup::backup(&config, file).await?;
            let rows: i64 = manifest.rows.values().sum();
            let stored = manifest
                .files
                .keys()
                .filter(|n| n.starts_with("files/"))
                .count();
            eprintln!(
                "backed up {rows} rows in {} tables (schema {}) and {stored} stored files to {}",
                manifest.rows.len(),
                manifest
                    .migrations
                    .last()
                    .map(String::as_str)
                    .unwrap_or("empty"),
                file.display()
            );
            if !manifest.missing_files.is_empty() {
                eprintln!(
                    "warning: {} files the database names were no longer in the file store (removed while the backup ran?): {}",
                    manifest.missing_files.len(),
                    manifest.missing_files.join(", ")
                );
            }
        }
        Command::Restore { file } => {
            let config = load_config(&cli, None, None)?;
            let manifest = crate::backup::restore(&config, file).await?;
            let rows: i64 = manifest.rows.values().sum();
            eprintln!(
                "restored {rows} rows taken at {} by factoria {}",
                manifest.created_at.to_rfc3339(),
                manifest.factoria_version
            );
            reindex(config).await.context(
                "the database is restored, but the search index could not be rebuilt: fix the cause and run `factoria reindex`",
            )?;
        }
        Command::Demo { bind, no_serve } => {
            // `data/demo` unless a folder is named, by the flag or the environment.
            let data_dir = cli
                .data_dir
                .clone()
                .or_else(|| std::env::var_os("FACTORIA_DATA_DIR").map(PathBuf::from))
                .unwrap_or_else(|| PathBuf::from("data").join("demo"));
            let config = load_config(&cli, Some(bind.clone()), Some(data_dir))?;
            crate::demo::run(config, !no_serve).await?;
        }
        Command::Openapi => {
            let config = load_config(&cli, None, None)?;
            let document = crate::http::api::contract::document(&config.public_url);
            println!("{}", serde_json::to_string_pretty(&document)?);
        }
        Command::SuggestCpv(args) => {
            let config = load_config(&cli, None, None)?;
            return suggest_cpv(&config, args).await;
        }
        Command::FetchModel => {
            let config = load_config(&cli, None, None)?;
            let dir = config.assets_dir.clone();
            tokio::task::spawn_blocking(move || crate::assets::fetch(&dir)).await??;
            // The CPV labels' vectors too, so the first suggestion does not wait for them.
            let dir = config.assets_dir.clone();
            let embedder =
                tokio::task::spawn_blocking(move || indexing::start_embedder(&dir)).await??;
            crate::domain::cpv::Suggester::load(embedder, &config.assets_dir).await?;
            eprintln!("model ready in {}", config.assets_dir.display());
        }
        Command::FeedbackQrels { output } => {
            let config = load_config(&cli, None, None)?;
            let db = crate::db::connect(&config.database_url)
                .await
                .context("cannot connect to the database")?;
            crate::db::migrate(&db).await?;
            let labels = crate::domain::matching::feedback_qrels(&db).await?;
            let text: String = labels
                .iter()
                .map(|(ch, co, g)| format!("{ch}\t{co}\t{g}\n"))
                .collect();
            std::fs::write(output, text)
                .with_context(|| format!("cannot write {}", output.display()))?;
            eprintln!(
                "wrote {} labelled pairs to {}",
                labels.len(),
                output.display()
            );
        }
        Command::Admin(command) => {
            let config = load_config(&cli, None, None)?;
            admin(config, command).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    let app = App::start(config, None, IndexLocation::Disk).await?;
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    // A log line, so that JSON logs stay JSON from the first line.
    tracing::info!(address = %bind, "Factoría is serving at http://{bind}/ (API reference at http://{bind}/api/docs); press Ctrl-C to stop");
    app.serve(listener, app::shutdown_signal()).await
}

/// Imports an OCDS package as drafts and says what it did, every skipped release on a line.
async fn import_ocds(ctx: &Context, path: &std::path::Path, prefix: &str) -> anyhow::Result<()> {
    let report = crate::domain::ocds_import::import(ctx, path, prefix).await?;
    for skipped in &report.skipped {
        eprintln!("skipped: {skipped}");
    }
    crate::embedding::embed_pending(ctx).await?;
    eprintln!(
        "OCDS drafts: {} created, {} updated, {} unchanged, {} releases skipped",
        report.created,
        report.updated,
        report.unchanged,
        report.skipped.len()
    );
    Ok(())
}

async fn import(ctx: &Context, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let total = [&args.companies, &args.challenges]
        .iter()
        .filter_map(|p| p.as_ref())
        .map(|p| count_lines(p))
        .sum::<u64>();
    let bar = crate::progress::bar(total, "writing");
    let report = bulk::import(
        ctx,
        args.companies.as_deref(),
        args.challenges.as_deref(),
        args.strict,
        &|n| bar.set_position(n as u64),
    )
    .await?;
    bar.finish_and_clear();
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    for error in &report.errors {
        eprintln!("error: {error}");
    }
    if report.written {
        crate::embedding::embed_pending(ctx).await?;
    }
    let c = report.companies;
    let h = report.challenges;
    eprintln!(
        "companies: {} created, {} updated, {} unchanged, {} rejected\nchallenges: {} created, {} updated, {} unchanged, {} rejected",
        c.created,
        c.updated,
        c.unchanged,
        c.rejected,
        h.created,
        h.updated,
        h.unchanged,
        h.rejected
    );
    if !report.written {
        eprintln!(
            "nothing was imported: --strict and {} line(s) at fault",
            c.rejected + h.rejected
        );
    }
    Ok(if report.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

fn count_lines(path: &std::path::Path) -> u64 {
    std::fs::read_to_string(path)
        .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count() as u64)
        .unwrap_or(0)
}

/// A context whose index is current: the on-disk index when it can be opened (it replays only
/// the changes since its last commit), else one built in memory (a server holds the on-disk
/// index's writer lock); pending embeddings are computed first.
async fn searching_context(config: Config) -> anyhow::Result<Context> {
    let ctx = match app::context(config.clone(), None, IndexLocation::Disk).await {
        Ok(ctx) => ctx,
        Err(error) => {
            tracing::info!(error = %format!("{error:#}"), "on-disk index unavailable; building one in memory");
            app::context(config, None, IndexLocation::Memory).await?
        }
    };
    crate::embedding::embed_pending(&ctx).await?;
    indexing::catch_up(&ctx.db, &ctx.search).await?;
    Ok(ctx)
}

async fn suggest_cpv(config: &Config, args: &SuggestCpvArgs) -> anyhow::Result<ExitCode> {
    use crate::domain::cpv::{Params, Suggester, suggest_for_file};
    let params = match &args.params {
        Some(text) => Params::parse(text).map_err(|e| anyhow::anyhow!("--params: {e}"))?,
        None => Params::default(),
    };
    let dir = config.assets_dir.clone();
    let embedder = tokio::task::spawn_blocking(move || indexing::start_embedder(&dir)).await??;
    let suggester = Suggester::load(embedder, &config.assets_dir).await?;
    let (suggestions, faults) =
        suggest_for_file(&suggester, &args.challenges, usize::from(args.top), params).await?;
    for fault in &faults {
        eprintln!("error: {fault}");
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match args.format {
        SuggestFormat::Tsv => {
            for (id, codes) in &suggestions {
                for (rank, code) in codes.iter().enumerate() {
                    writeln!(out, "{id}\t{}\t{code}", rank + 1)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(if faults.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    })
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    let index_dir = config.index_dir.clone();
    if index_dir.exists() {
        std::fs::remove_dir_all(&index_dir)
            .with_context(|| format!("cannot remove {}", index_dir.display()))?;
    }
    let ctx = app::context(config, None, IndexLocation::Memory).await?;
    // Embed whatever has no current vector (new model, failed jobs), then build the index.
    let keys = all_keys(&ctx).await?;
    let bar = crate::progress::bar(keys.len() as u64, "embedding changed texts");
    let mut embedded = 0;
    for key in keys {
        embedded += indexing::embed_entity(&ctx.db, &ctx.search.embedder, key, false).await?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    // Read the log position before the tables: what changes meanwhile is replayed by `serve`.
    let position = indexing::max_seq(&ctx.db).await?;
    let bar = crate::progress::bar(0, "reading documents");
    let docs = indexing::load_all(&ctx.db, &|n| bar.set_position(n as u64)).await?;
    bar.finish_and_clear();
    let count = docs.len();
    let index = factoria_search::SearchIndex::open(&index_dir)?;
    let bar = crate::progress::bar(count as u64, "indexing");
    tokio::task::spawn_blocking(move || index.rebuild(docs, position)).await??;
    bar.finish_and_clear();
    eprintln!(
        "reindexed {count} documents ({embedded} texts embedded) into {}",
        index_dir.display()
    );
    Ok(())
}

async fn all_keys(ctx: &Context) -> anyhow::Result<Vec<EntityKey>> {
    let mut keys: Vec<EntityKey> = bulk::companies_named(&ctx.db, None)
        .await?
        .into_iter()
        .map(|c| c.key)
        .collect();
    keys.extend(
        bulk::challenges_named(&ctx.db, None)
            .await?
            .into_iter()
            .map(|c| c.key),
    );
    Ok(keys)
}

async fn admin(config: Config, command: &AdminCommand) -> anyhow::Result<()> {
    let db = crate::db::connect(&config.database_url)
        .await
        .context("cannot connect to the database")?;
    crate::db::migrate(&db).await?;
    match command {
        AdminCommand::CreateUser {
            email,
            name,
            admin,
            officer_of,
            member_of,
            locale,
        } => {
            let email = Email::parse(email).map_err(anyhow::Error::msg)?;
            let password = match std::env::var("FACTORIA_NEW_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprint!("password for {email}: ");
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\n', '\r']).to_owned()
                }
            };
            accounts::check_password(&password).map_err(|e| anyhow::anyhow!("password: {e}"))?;
            let hash = accounts::hash_password(password).await?;
            let tx = crate::db::begin_write(&db).await?;
            let id =
                accounts::create_user(&tx, &email, name, Some(hash), locale, *admin, true).await?;
            if let Some(department) = officer_of {
                let department_id =
                    crate::domain::challenges::department_id_by_name(&tx, department).await?;
                accounts::add_membership(&tx, id, None, Some(department_id)).await?;
            }
            if let Some(company) = member_of {
                let found = bulk::companies_named(&tx, Some(company)).await?;
                let row = found
                    .first()
                    .with_context(|| format!("no company has id {company}"))?;
                accounts::add_membership(&tx, id, Some(row.key.id), None).await?;
            }
            tx.commit().await?;
            eprintln!("created user {email} (id {id})");
        }
        AdminCommand::CreateToken {
            email,
            name,
            scopes,
        } => {
            let user_id = accounts::user_id_by_email(&db, email)
                .await?
                .with_context(|| format!("no user has address {email}"))?;
            let scopes: Vec<Scope> = scopes
                .split(',')
                .map(|s| match s.trim() {
                    "read" => Ok(Scope::Read),
                    "write" => Ok(Scope::Write),
                    other => Err(anyhow::anyhow!(
                        "`{other}` is not a scope: use read or write"
                    )),
                })
                .collect::<anyhow::Result<_>>()?;
            let (token, _) = accounts::create_api_token(&db, user_id, name, &scopes).await?;
            println!("{token}");
        }
    }
    Ok(())
}
