//! HTTP: the JSON API, the OpenAPI document and its reference page, and (in `pages`) the web
//! front end. Handlers extract, call the domain and render; they hold no rules and no SQL.

pub mod api;
pub mod auth;
pub mod csv;
pub mod error;
pub mod extract;
pub mod idempotency;
mod openapi;
pub mod operations;
pub mod pages;
pub mod ratelimit;
pub mod redirect;
mod security;
pub mod versions;

use std::time::Duration;

use axum::Router;
use axum::http::Request;
use axum::response::IntoResponse;
use tower_http::LatencyUnit;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::context::Context;

/// State of every handler.
#[derive(Clone)]
pub struct AppState {
    /// Shared services.
    pub ctx: Context,
    /// Rate limits of this process.
    pub limits: std::sync::Arc<ratelimit::RateLimits>,
}

/// Largest request body accepted (a company profile is a few kB).
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// Largest request body that carries a file: the file's limit and the rest of its form.
pub(crate) const UPLOAD_LIMIT: usize = crate::domain::documents::MAX_BYTES + 64 * 1024;

/// The whole application.
pub fn router(ctx: Context) -> Router {
    let secure = ctx.config.public_url.scheme() == "https";
    let state = AppState {
        limits: ratelimit::RateLimits::new(ctx.config.search_rate_per_minute),
        ctx,
    };
    // Installed before the first request, so that every request is counted.
    crate::metrics::handle();
    let api = api::routes(BODY_LIMIT).route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        idempotency::honour,
    ));
    Router::new()
        .nest("/api/v1", api)
        .merge(openapi::routes().layer(RequestBodyLimitLayer::new(BODY_LIMIT)))
        .merge(pages::routes().layer(RequestBodyLimitLayer::new(BODY_LIMIT)))
        .merge(pages::upload_routes().layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT)).layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT)))
        .merge(operations::routes().layer(RequestBodyLimitLayer::new(BODY_LIMIT)))
        .fallback(not_found)
        .with_state(state)
        // Inside the observers, so that a request cut off after 60 s is counted, logged and
        // carries its id like any other answer.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, Duration::from_secs(60)))
        .layer(axum::middleware::from_fn(operations::observe))
        .layer(axum::middleware::from_fn(error::api_errors_as_json))
        .layer(axum::middleware::from_fn(move |request, next| security::headers(secure, request, next)))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a request handler panicked");
            error::ApiError(crate::domain::Error::Internal(anyhow::anyhow!("handler panicked"))).into_response()
        }))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let id = request.headers().get(operations::REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
                    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
                })
                // One line per answered request: the access log, with the request's id.
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(LatencyUnit::Millis)),
        )
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(axum::middleware::from_fn(operations::plain_request_id))
}

async fn not_found() -> error::ApiError {
    error::ApiError(crate::domain::Error::NotFound("page"))
}
