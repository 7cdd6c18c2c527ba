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
mod server;
mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::StatusCode;
use axum::response::Response;

pub use auth::{Admin, Ctx, Read, Write};
pub use error::{ApiError, FieldError, Problem, json_response, problem, store_failed};
pub use extract::{JsonBody, body_bytes, parse_body, parse_id, parse_query};
pub use middleware::RequestId;
pub use server::{ConnectionLimits, serve_on};
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
        .method_not_allowed_fallback(method_not_allowed)
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

/// A known route called with a method it does not take (the router adds the `Allow` header).
async fn method_not_allowed(req: Request) -> Response {
    let detail = format!("{} does not take {}", req.uri().path(), req.method());
    problem(StatusCode::METHOD_NOT_ALLOWED, detail, None)
}
