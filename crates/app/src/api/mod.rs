//! The HTTP API (`leadsmith serve` runs it, with the workers and scheduler unless `--no-workers`): the
//! shared state, the router and its middleware, problem responses and request extractors, and one file
//! per resource.
//!
//! - `score`: scoring compatible with the lead-scoring service's clients, model information.
//! - `leads`: create, upload, list, show, delete and re-enrich leads.
//! - `runs`: start, list, show and cancel runs; queue statistics and dead letters.
//! - `ops`: health, readiness, status, resources and Prometheus metrics.
//! - `docs`: the OpenAPI 3.1 document (generated from the handlers' annotations) and offline docs.
//!
//! Every response carries an `x-request-id` (the client's, when it sends a sane one), and every log line
//! of a request carries it too; errors are RFC 9457 problem details (`application/problem+json`). API
//! endpoints need an API key (`X-API-Key` or `Authorization: Bearer`, see `leadsmith keys`): 401 without a
//! usable key, 403 without the scope, 429 with `Retry-After` over the key's rate limit. Health endpoints
//! need none; `/metrics` needs a read key unless `[serve] metrics_auth = false`.

/// The value of a `Result<T, Response>`, or return its response from the handler.
macro_rules! or_return {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(response) => return response,
        }
    };
}

mod auth;
mod docs;
mod error;
mod extract;
mod leads;
mod middleware;
mod ops;
mod runs;
mod score;
mod state;

use std::sync::Arc;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::response::Response;

pub use auth::{Admin, Ctx, Read, Write};
pub use error::{ApiError, FieldError, Problem, json_response, problem, store_failed};
pub use extract::{body_bytes, parse_body, parse_id, parse_query};
pub use middleware::RequestId;
pub use state::{AppState, load_model_in_background};

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// The API's routes and their OpenAPI document, with limits, CORS, request ids and metrics.
pub fn router(state: Arc<AppState>) -> Router {
    let (api, openapi) = docs::routes(&state.config).split_for_parts();
    let openapi = Arc::new(openapi);
    let cors = middleware::cors_layer(&state.config.cors_origins);
    Router::new()
        .merge(api)
        .merge(docs::serve(openapi))
        .fallback(not_found)
        .route_layer(axum::middleware::from_fn(middleware::remember_route))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(cors)
        .layer(axum::middleware::from_fn(middleware::request_context))
        .with_state(state)
}

async fn not_found(req: Request) -> Response {
    problem(StatusCode::NOT_FOUND, format!("no route {} {}", req.method(), req.uri().path()), None)
}

/// Serves on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await.context("serving HTTP")
}
