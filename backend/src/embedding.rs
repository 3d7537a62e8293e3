//! The embedding work of a process: the `embed` job, which turns an entity's changed texts into
//! vectors, and running the queued ones to the end with a progress bar (imports, the demo).

use std::time::Duration;

use crate::context::Context;
use crate::indexing::embed_entity;
use crate::jobs;

/// Runs the queued embedding jobs with a progress bar.
pub async fn embed_pending(ctx: &Context) -> anyhow::Result<usize> {
    let bar = crate::progress::bar(0, "embedding");
    bar.set_length(pending_embeddings(ctx).await?.len() as u64);
    let handler: jobs::Handler<Context> =
        std::sync::Arc::new(|ctx: Context, job: jobs::ClaimedJob| {
            Box::pin(async move { run_embed_job(&ctx, &job.payload).await })
        });
    let queue = jobs::Queue::new(ctx.db.clone(), &ctx.config);
    let mut ran = 0;
    let mut told = false;
    loop {
        ran += jobs::drain(&queue, ctx, &[jobs::kind::EMBED], &handler, &|n| {
            bar.set_position((ran + n) as u64)
        })
        .await?;
        // What is left is held by another process (or by one that died, until its lease runs
        // out: then this process takes it), or waits for a retry after an error.
        let left = pending_embeddings(ctx).await?;
        let now = chrono::Utc::now();
        let held: Vec<_> = left
            .iter()
            .filter(|j| j.locked_until.is_some_and(|t| t > now))
            .collect();
        let Some(next) = held.iter().filter_map(|j| j.locked_until).min() else {
            if let Some(failing) = left.first() {
                bar.suspend(|| {
                    eprintln!(
                        "warning: {} document(s) not embedded yet: retrying after an error ({}); `factoria serve` or the next import finishes them",
                        left.len(),
                        failing.last_error.as_deref().unwrap_or("no detail")
                    )
                });
            }
            break;
        };
        if !told {
            bar.suspend(|| {
                eprintln!(
                    "waiting for {} embedding job(s) held by another process, or by one that stopped (its lease ends at {})",
                    held.len(),
                    next.format("%H:%M:%S")
                )
            });
            told = true;
        }
        let wait = (next - chrono::Utc::now()).to_std().unwrap_or_default();
        tokio::time::sleep(wait.clamp(Duration::from_millis(100), Duration::from_secs(1))).await;
    }
    bar.finish_and_clear();
    Ok(ran)
}

async fn pending_embeddings(ctx: &Context) -> anyhow::Result<Vec<crate::db::entities::job::Model>> {
    use crate::db::entities::job;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    Ok(job::Entity::find()
        .filter(job::Column::Kind.eq(jobs::kind::EMBED))
        .filter(job::Column::Status.eq("queued"))
        .all(&ctx.db)
        .await?)
}

/// Runs one `embed` job: embeds the entity's changed texts and tells the index follower.
pub async fn run_embed_job(
    ctx: &Context,
    payload: &str,
) -> std::result::Result<(), jobs::JobError> {
    let payload: jobs::EntityPayload = serde_json::from_str(payload)
        .map_err(|e| jobs::JobError::Permanent(format!("bad payload: {e}")))?;
    let started = std::time::Instant::now();
    let embedded = embed_entity(&ctx.db, &ctx.search.embedder, payload.key()?, false)
        .await
        .map_err(|e| jobs::JobError::Retry(e.to_string()))?;
    metrics::counter!("factoria_embedded_texts_total").increment(embedded as u64);
    metrics::histogram!("factoria_embed_job_duration_seconds")
        .record(started.elapsed().as_secs_f64());
    ctx.search.notify_change();
    Ok(())
}
