//! The router's middleware: request ids (the client's when sane, else ours) on the response and in every
//! log line of the request, the request log line and HTTP metrics, finishing problem responses with the
//! request id, request timeouts, and CORS.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use super::error::{finish_problem, problem};
use crate::telemetry::{self, RequestLabels};

pub(super) fn cors_layer(origins: &[String]) -> tower_http::cors::CorsLayer {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST, axum::http::Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION, "x-api-key".parse().expect("a header name")])
        .expose_headers(["x-request-id".parse().expect("a header name"), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

/// The id of the request being handled, set by the request-context middleware.
#[derive(Clone)]
pub struct RequestId(pub String);

pub(super) fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: OnceLock<String> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Copies the matched route's template onto the response, where `request_context` reads it.
pub(super) async fn remember_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// A 503 for a request not answered within `limit`, reading its body included: a client that sends its
/// body a byte at a time holds a connection no longer than this.
pub(super) async fn request_timeout(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            let detail = format!("the request was not read and answered within {} s", limit.as_secs_f64());
            problem(StatusCode::SERVICE_UNAVAILABLE, detail, None)
        }
    }
}

/// Request ids (on the response and in every log line of the request, through a span), the request log
/// line and the HTTP metrics.
pub(super) async fn request_context(mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string);
    let id = given.unwrap_or_else(new_request_id);
    let method = req.method().clone();
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let mut response = span.in_scope(|| finish_problem(response, &id));
    let elapsed = started.elapsed();
    let route = response.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let status = response.status().as_u16();
    span.in_scope(|| {
        tracing::info!(%method, route, status, micros = elapsed.as_micros() as u64, "request");
    });
    telemetry::global().request(RequestLabels { method: method.to_string(), route, status }, elapsed.as_secs_f64());
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}
