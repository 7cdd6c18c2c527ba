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
mod leads;
mod ops;
mod runs;
mod score;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, MatchedPath, Path, Query, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use leadsmith_model::ScoringModel;
use leadsmith_store::Store;
use serde::Serialize;
use serde_json::{Value, json};
use tracing::Instrument;

pub use auth::{Admin, Ctx, Read, Write};

use crate::config::{ServeSettings, Settings};
use crate::telemetry::{self, RequestLabels};

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// The pipeline's settings: import rules (default region) and runs started over the API.
    pub settings: Settings,
    pub config: ServeSettings,
    /// Set once the model has loaded (`None` inside: serving without a model).
    model: OnceLock<Option<Arc<ScoringModel>>>,
    /// Why the model failed to load, for readiness.
    model_error: OnceLock<String>,
    pub started: Instant,
    /// Whether this process runs workers and the scheduler (not with `--no-workers`).
    pub workers: AtomicBool,
    keys: auth::Keys,
    system: std::sync::Mutex<ops::SystemProbe>,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, settings: Settings) -> Result<Arc<Self>> {
        let config = settings.serve.clone();
        config.validate()?;
        Ok(Arc::new(Self {
            store,
            keys: auth::Keys::new(&config),
            config,
            settings,
            model: OnceLock::new(),
            model_error: OnceLock::new(),
            started: Instant::now(),
            workers: AtomicBool::new(false),
            system: std::sync::Mutex::new(ops::SystemProbe::new()),
        }))
    }

    /// Installs the model (or `None`: no model configured). Readiness waits for this.
    pub fn set_model(&self, model: Option<ScoringModel>) {
        let _ = self.model.set(model.map(Arc::new));
    }

    fn model(&self) -> Option<&Arc<ScoringModel>> {
        self.model.get().and_then(Option::as_ref)
    }
}

/// The API's routes and their OpenAPI document, with limits, CORS, request ids and metrics.
pub fn router(state: Arc<AppState>) -> Router {
    let (api, openapi) = docs::routes(&state.config).split_for_parts();
    let openapi = Arc::new(openapi);
    let cors = cors_layer(&state.config.cors_origins);
    Router::new()
        .merge(api)
        .merge(docs::serve(openapi))
        .fallback(not_found)
        .route_layer(middleware::from_fn(remember_route))
        .layer(DefaultBodyLimit::max(state.config.max_body_bytes))
        .layer(cors)
        .layer(middleware::from_fn(request_context))
        .with_state(state)
}

fn cors_layer(origins: &[String]) -> tower_http::cors::CorsLayer {
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

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: OnceLock<String> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Copies the matched route's template onto the response, where `request_context` reads it.
async fn remember_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// Request ids (on the response and in every log line of the request, through a span), the request log
/// line and the HTTP metrics.
async fn request_context(mut req: Request, next: Next) -> Response {
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

/// An error response: an RFC 9457 problem (`application/problem+json`). Built anywhere without the
/// request id; the request-context middleware adds it to the body, and logs a server error's internal
/// cause once, with the request id, so that 5xx bodies never reveal internal error text.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    extra: Option<Value>,
    /// What really failed, for the log only.
    cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into(), extra: None, cause: None }
    }

    /// Adds members to the problem document (`code`, `errors`, …).
    pub fn with(mut self, extra: Value) -> Self {
        self.extra = Some(extra);
        self
    }

    /// A server-side failure: the client reads `detail`; `cause` goes to the log.
    pub fn internal(status: StatusCode, detail: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self { status, detail: detail.into(), extra: None, cause: Some(cause.to_string()) }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    fn body(&self, request_id: Option<&str>) -> String {
        let mut body = json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(id) = request_id {
                obj.insert("request_id".into(), json!(id));
            }
            if let Some(Value::Object(extra)) = &self.extra {
                obj.extend(extra.clone());
            }
        }
        body.to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.body(None)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response.extensions_mut().insert(self);
        response
    }
}

/// Gives an error response its final body: the problem with the request id; logs a server error's cause.
fn finish_problem(response: Response, request_id: &str) -> Response {
    let (mut parts, body) = response.into_parts();
    let Some(error) = parts.extensions.remove::<ApiError>() else {
        return Response::from_parts(parts, body);
    };
    if let Some(cause) = &error.cause {
        tracing::error!(status = error.status.as_u16(), error = %cause, "request failed");
    } else if error.status.is_server_error() {
        tracing::error!(status = error.status.as_u16(), detail = %error.detail, "request failed");
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(error.body(Some(request_id))))
}

/// An RFC 9457 problem response (see [`ApiError`]).
pub fn problem(status: StatusCode, detail: impl Into<String>, extra: Option<Value>) -> Response {
    let error = ApiError::new(status, detail);
    match extra {
        Some(extra) => error.with(extra),
        None => error,
    }
    .into_response()
}

/// An RFC 9457 problem document (every error response).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    /// What went wrong, in words.
    pub detail: String,
    pub request_id: String,
    /// A stable machine-readable reason, where there is one (API key refusals).
    pub code: Option<String>,
    /// Per-field problems (422).
    pub errors: Option<Vec<FieldError>>,
}

/// One field of a request body that could not be used.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// `features.employees`, `leads[3]`.
    pub field: String,
    pub problem: String,
}

/// A JSON response: a `json!` value or any serialisable body (by value or by reference).
pub fn json_response(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, serde_json::to_vec(&body).expect("serialisable")).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A response for a store that failed: a 503 that says so; the error itself goes to the log, with the
/// request id, never to the client.
pub fn store_failed(e: impl std::fmt::Display) -> Response {
    ApiError::internal(StatusCode::SERVICE_UNAVAILABLE, "the store is not answering; try again shortly", e)
        .into_response()
}

/// Reads a JSON body, or the response for a body that is too large or not the expected JSON.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
pub fn parse_body<T: serde::de::DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T, Response> {
    let bytes = body_bytes(body)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::BAD_REQUEST };
        problem(status, format!("request body: {e}"), None)
    })
}

/// The body's bytes, or a 413 over the size limit (400 when it could not be read).
#[allow(clippy::result_large_err)]
pub fn body_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, Response> {
    body.map_err(|e| {
        let status = e.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is over the size limit".to_string()
        } else {
            e.body_text()
        };
        problem(status, detail, None)
    })
}

/// A query string, or a 400 naming what is wrong with it.
#[allow(clippy::result_large_err)]
pub fn parse_query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, Response> {
    query.map(|Query(q)| q).map_err(|e| problem(StatusCode::BAD_REQUEST, e.body_text(), None))
}

/// A numeric id from the path, or a 404 (an id that is not a number names nothing).
#[allow(clippy::result_large_err)]
pub fn parse_id(path: Result<Path<i64>, PathRejection>, what: &str) -> Result<i64, Response> {
    path.map(|Path(id)| id).map_err(|_| problem(StatusCode::NOT_FOUND, format!("no such {what}"), None))
}

async fn not_found(req: Request) -> Response {
    problem(StatusCode::NOT_FOUND, format!("no route {} {}", req.method(), req.uri().path()), None)
}

/// Loads the model in the background so the server answers (and readiness says 503) meanwhile.
pub fn load_model_in_background(state: Arc<AppState>) {
    let (model, manifest) = (state.config.model.clone(), state.config.manifest.clone());
    tokio::task::spawn_blocking(move || match model {
        None => state.set_model(None),
        Some(path) => match ScoringModel::open(&path, manifest.as_deref()) {
            Ok(m) => {
                tracing::info!(model = %m.describe(), "model loaded");
                state.set_model(Some(m));
            }
            Err(e) => {
                tracing::error!(error = %e, "the model failed to load");
                let _ = state.model_error.set(e.to_string());
            }
        },
    });
}

/// Serves on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await.context("serving HTTP")
}
