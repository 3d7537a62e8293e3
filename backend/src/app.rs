//! Assembling a process: database, migrations, embedder, search index and its follower, job
//! workers and the HTTP server.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context as _;
use factoria_search::Embedder;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Config;
use crate::context::Context;
use crate::{db, http, indexing, jobs};

/// Where this process keeps its search index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexLocation {
    /// The configured `index_dir`, kept across restarts.
    Disk,
    /// Memory, rebuilt from the database at start.
    Memory,
    /// None: the command only writes (imports) and never searches.
    Unused,
}

/// A built process: services and its background tasks.
pub struct App {
    /// Shared services.
    pub ctx: Context,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for App {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

/// Connects, migrates, starts the embedder (fetching the model when missing) and opens the
/// search index, caught up with the database.
pub async fn context(
    config: Config,
    embedder: Option<Embedder>,
    index: IndexLocation,
) -> anyhow::Result<Context> {
    let db = db::connect(&config.database_url).await.with_context(|| {
        format!(
            "cannot connect to the database at {}",
            config.database_url_for_logs()
        )
    })?;
    db::migrate(&db)
        .await
        .context("cannot apply the database migrations")?;
    let embedder = match embedder {
        Some(embedder) => embedder,
        None => {
            let dir = config.assets_dir.clone();
            tokio::task::spawn_blocking(move || indexing::start_embedder(&dir))
                .await
                .context("embedder start-up task")??
        }
    };
    let search = match index {
        IndexLocation::Disk => {
            indexing::open_for(&db, Some(config.index_dir.as_path()), embedder).await
        }
        IndexLocation::Memory => indexing::open_for(&db, None, embedder).await,
        IndexLocation::Unused => indexing::SearchService::open(None, embedder).map(Arc::new),
    }
    .context("cannot open the search index")?;
    let mailer = Arc::new(crate::mailer::Mailer::new(&config.mail)?);
    let files = crate::files::Files::open(&config.files)?;
    Ok(Context {
        db,
        config: Arc::new(config),
        search,
        mailer,
        clock: crate::clock::Clock::default(),
        files,
    })
}

impl App {
    /// Builds a serving process: the context, the index follower and `config.workers` workers.
    pub async fn start(
        config: Config,
        embedder: Option<Embedder>,
        index: IndexLocation,
    ) -> anyhow::Result<App> {
        let workers = config.workers;
        let ctx = context(config, embedder, index).await?;
        let mut tasks = vec![indexing::spawn_follower(ctx.db.clone(), ctx.search.clone())];
        for n in 0..workers {
            tasks.push(jobs::spawn_worker(
                jobs::Queue::new(ctx.db.clone(), &ctx.config),
                ctx.clone(),
                format!("worker-{n}"),
                job_handler(),
            ));
        }
        if workers > 0 {
            tasks.push(spawn_scheduler(ctx.clone()));
        }
        Ok(App { ctx, tasks })
    }

    /// Serves HTTP on `listener` until `shutdown` resolves.
    pub async fn serve(
        &self,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let router = http::router(self.ctx.clone());
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("the HTTP server stopped")
    }
}

/// Runs each kind of job with the module that owns it.
pub fn job_handler() -> jobs::Handler<Context> {
    Arc::new(|ctx: Context, job: jobs::ClaimedJob| {
        Box::pin(async move {
            use crate::domain::{alerts, introductions};
            use jobs::{JobError, kind};
            let failed = |e: crate::error::Error| JobError::Retry(e.to_string());
            match job.kind.as_str() {
                kind::EMBED => crate::embedding::run_embed_job(&ctx, &job.payload).await,
                kind::SEND_EMAIL => crate::email::run_send_job(&ctx, &job.payload).await,
                kind::EXPIRE_INTRODUCTIONS => introductions::expire_due(&ctx)
                    .await
                    .map(|_| ())
                    .map_err(failed),
                kind::DIGESTS => {
                    // Both run whatever the other does; either failing retries the job.
                    let now = ctx.clock.now();
                    let new = alerts::send_digests(&ctx, now).await;
                    let followed = alerts::send_followed_digests(&ctx, now).await;
                    new.and(followed).map(|_| ()).map_err(failed)
                }
                kind::DEADLINE_REMINDERS => {
                    alerts::deadline_reminders(&ctx, chrono::Utc::now().date_naive())
                        .await
                        .map(|_| ())
                        .map_err(failed)
                }
                kind::PURGE_IDEMPOTENCY_KEYS => {
                    crate::domain::idempotency::purge(&ctx.db, crate::db::now())
                        .await
                        .map(|_| ())
                        .map_err(failed)
                }
                kind::PURGE_ACCOUNTS => crate::domain::privacy::purge(&ctx, crate::db::now())
                    .await
                    .map(|_| ())
                    .map_err(failed),
                kind::REMOVE_FILE => {
                    crate::domain::documents::run_remove_job(&ctx, &job.payload).await
                }
                other => Err(JobError::Permanent(format!("unknown job kind `{other}`"))),
            }
        })
    })
}

/// How often the periodic jobs are scheduled.
const SCHEDULE_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

fn spawn_scheduler(ctx: Context) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(error) = jobs::schedule_periodic(&ctx.db).await {
                tracing::warn!(%error, "cannot schedule the periodic jobs; trying again in a minute");
            }
            tokio::time::sleep(SCHEDULE_EVERY).await;
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
