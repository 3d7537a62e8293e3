//! What operations probe and scrape: `/healthz` (the process answers and reaches its database),
//! `/readyz` (it can serve: database reachable and the index caught up), and `/metrics`
//! (Prometheus text; the loopback only, or anyone holding `FACTORIA_METRICS_TOKEN`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::AppState;
use crate::domain::operations;

/// Most changes a replica may still have to apply and be ready: beyond this it is rebuilding or
/// far behind, and a load balancer should send its traffic elsewhere.
pub const READY_MAX_BEHIND: i64 = 100;

/// Statuses of the outbox, each reported even at zero (an alert on failures needs the series).
const EMAIL_STATUSES: [&str; 4] = ["queued", "sent", "failed", "suppressed"];

/// Statuses of a job, each reported even at zero.
const JOB_STATUSES: [&str; 4] = ["queued", "running", "done", "failed"];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
}

async fn health(State(state): State<AppState>) -> Response {
    // A probe answers within a second, whatever the database does.
    let db_ok = state.ctx.database_responds(Duration::from_secs(1)).await;
    let status = if db_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let stats = state.ctx.search.index.stats();
    (
        status,
        axum::Json(json!({"database": db_ok, "index_position": stats.position, "companies": stats.companies, "challenges": stats.challenges})),
    )
        .into_response()
}

async fn ready(State(state): State<AppState>) -> Response {
    let db_ok = state.ctx.database_responds(Duration::from_secs(1)).await;
    let behind = if db_ok {
        operations::index_behind(&state.ctx).await.ok()
    } else {
        None
    };
    let caught_up = behind.is_some_and(|b| b <= READY_MAX_BEHIND);
    let status = if db_ok && caught_up {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(json!({"ready": status == StatusCode::OK, "database": db_ok, "index_behind": behind, "index_max_behind": READY_MAX_BEHIND})),
    )
        .into_response()
}

/// Whether a scrape may read the metrics: from the loopback, not relayed by a proxy (a proxy on
/// the same host would make every visitor look local), or with the configured token.
fn may_scrape(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    let relayed =
        headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
    if peer.ip().is_loopback() && !relayed {
        return true;
    }
    let Some(token) = &state.ctx.config.metrics_token else {
        return false;
    };
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|sent| token.matches(sent.as_bytes()))
}

async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !may_scrape(&state, peer, &headers) {
        return (
            StatusCode::FORBIDDEN,
            "metrics are answered to the loopback, or with FACTORIA_METRICS_TOKEN\n",
        )
            .into_response();
    }
    let Some(handle) = crate::metrics::handle() else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no metrics recorder\n").into_response();
    };
    match operations::snapshot(&state.ctx).await {
        Ok(snapshot) => {
            let now = chrono::Utc::now();
            // Every kind and status is set, at zero when absent, so that a series falls back to
            // zero when its jobs are done instead of keeping its last value.
            for kind in crate::jobs::kind::ALL {
                for status in JOB_STATUSES {
                    metrics::gauge!("factoria_jobs", "kind" => kind, "status" => status).set(0.0);
                }
                metrics::gauge!("factoria_job_oldest_queued_age_seconds", "kind" => kind).set(0.0);
            }
            for job in &snapshot.jobs {
                metrics::gauge!("factoria_jobs", "kind" => job.kind.clone(), "status" => job.status.clone())
                    .set(job.n as f64);
                if job.status == "queued" {
                    let age = job.oldest.map_or(0.0, |oldest| {
                        (now - oldest).num_milliseconds() as f64 / 1000.0
                    });
                    metrics::gauge!("factoria_job_oldest_queued_age_seconds", "kind" => job.kind.clone())
                        .set(age.max(0.0));
                }
            }
            for status in EMAIL_STATUSES {
                let n = snapshot
                    .emails
                    .iter()
                    .find(|e| e.status == status)
                    .map_or(0, |e| e.n);
                metrics::gauge!("factoria_emails", "status" => status).set(n as f64);
            }
            metrics::gauge!("factoria_index_behind_changes").set(snapshot.index_behind as f64);
            metrics::gauge!("factoria_database_up").set(1.0);
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the queues for the metrics");
            metrics::gauge!("factoria_database_up").set(0.0);
        }
    }
    let pool = state.ctx.database_pool();
    metrics::gauge!("factoria_database_connections", "state" => "busy")
        .set(pool.open.saturating_sub(pool.idle) as f64);
    metrics::gauge!("factoria_database_connections", "state" => "idle").set(pool.idle as f64);
    metrics::gauge!("factoria_database_connections_max").set(pool.max as f64);
    let stats = state.ctx.search.index.stats();
    metrics::gauge!("factoria_index_documents", "kind" => "company").set(stats.companies as f64);
    metrics::gauge!("factoria_index_documents", "kind" => "challenge").set(stats.challenges as f64);
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response()
}

/// Counts and times every request by method, route template (never a concrete address, so the
/// labels stay few) and status.
pub async fn observe(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("factoria_http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("factoria_http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// The header that carries a request's id, from the proxy in front or made here, echoed in the
/// answer and written in every log line of the request.
pub const REQUEST_ID: &str = "x-request-id";

/// Keeps an incoming request id only when it is a plain token (1 to 64 letters, digits, `.`,
/// `_`, `-`), as proxies make them; anything else is dropped, so a new one is made and no
/// client writes arbitrary text into the logs.
pub async fn plain_request_id(mut request: Request, next: Next) -> Response {
    let plain = request
        .headers()
        .get(REQUEST_ID)
        .is_none_or(|v| v.to_str().is_ok_and(is_plain_id));
    if !plain {
        request.headers_mut().remove(REQUEST_ID);
    }
    next.run(request).await
}

fn is_plain_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::is_plain_id;

    #[test]
    fn only_plain_tokens_are_kept_as_request_ids() {
        assert!(is_plain_id("4f9c2d1e-8a7b-4c3d-9e0f-123456789abc"));
        assert!(is_plain_id("nginx.req_42"));
        for bad in ["", "a b", "id\u{7f}", "x\"y", &"a".repeat(65), "línea"] {
            assert!(!is_plain_id(bad), "{bad:?}");
        }
    }
}
