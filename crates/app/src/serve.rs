//! `leadsmith serve`: the HTTP API (scoring compatible with the lead-scoring service's clients, model
//! information, health and readiness) and, unless `--no-workers`, the pipeline's workers and scheduler, in
//! one process.
//!
//! Every response carries an `x-request-id` (the client's, when it sends a sane one); errors are RFC 9457
//! problem details (`application/problem+json`) with the request id. API endpoints need an API key
//! (`X-API-Key` or `Authorization: Bearer`, see `leadsmith keys`): 401 without a usable key, 403 without the
//! scope. Health endpoints need none.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leadsmith_model::{Objective, ScoringModel};
use leadsmith_store::Store;
use leadsmith_store::{KeyRejection, Scope, presented_key, verify};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The scoring model (XGBoost JSON, LightGBM text, ONNX, logistic JSON); readiness waits for it to load.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The model's manifest; default MODEL.manifest.json beside it, else the names the model stores.
    #[arg(long)]
    pub manifest: Option<PathBuf>,
    /// Serve the API only: no workers, no scheduler (for API processes in a scaled-out deployment).
    #[arg(long)]
    pub no_workers: bool,
    /// Most leads in one `POST /api/v1/score/batch`.
    #[arg(long, default_value_t = 100)]
    pub batch_limit: usize,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
}

/// What every handler shares.
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// Set once the model has loaded (`None` inside: serving without a model).
    model: OnceLock<Option<Arc<ScoringModel>>>,
    /// Why the model failed to load, for readiness.
    model_error: OnceLock<String>,
    pub batch_limit: usize,
    pub started: Instant,
    /// Whether this process runs workers and the scheduler (not with `--no-workers`).
    pub workers: std::sync::atomic::AtomicBool,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, batch_limit: usize) -> Arc<Self> {
        Arc::new(Self {
            store,
            model: OnceLock::new(),
            model_error: OnceLock::new(),
            batch_limit,
            started: Instant::now(),
            workers: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Installs the model (or `None`: no model configured). Readiness waits for this.
    pub fn set_model(&self, model: Option<ScoringModel>) {
        let _ = self.model.set(model.map(Arc::new));
    }

    fn model(&self) -> Option<&Arc<ScoringModel>> {
        self.model.get().and_then(Option::as_ref)
    }
}

/// The API's routes, limits and request ids.
pub fn router(state: Arc<AppState>, max_body_bytes: usize) -> Router {
    Router::new()
        .route("/health", get(health))
        .route("/health/live", get(health))
        .route("/health/ready", get(ready))
        .route("/status", get(status))
        .route("/api/v1/score", post(score))
        .route("/api/v1/score/batch", post(score_batch))
        .route("/api/v1/model/info", get(model_info))
        .route("/api/v1/model/features", get(model_features))
        .route("/api/v1/model/importance", get(model_importance))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .layer(middleware::from_fn(request_id))
        .with_state(state)
}

/// The id of the request being handled, set by the request-id middleware.
#[derive(Clone)]
struct RequestId(String);

fn new_request_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    static PREFIX: OnceLock<String> = OnceLock::new();
    let prefix = PREFIX.get_or_init(|| format!("{:08x}", rand::random::<u32>()));
    format!("{prefix}-{:x}", NEXT.fetch_add(1, Ordering::Relaxed))
}

async fn request_id(mut req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_string);
    let id = given.unwrap_or_else(new_request_id);
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut response = next.run(req).await;
    tracing::info!(request_id = %id, %method, %path, status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64, "request");
    if let Ok(v) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// An RFC 9457 problem response.
fn problem(status: StatusCode, detail: impl Into<String>, request_id: &str, extra: Option<Value>) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("error"),
        "status": status.as_u16(),
        "detail": detail.into(),
        "request_id": request_id,
    });
    if let (Some(Value::Object(extra)), Some(obj)) = (extra, body.as_object_mut()) {
        obj.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    response
}

fn json_response(status: StatusCode, body: Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// The request's key, checked for `needed`; the error response otherwise.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
async fn authorize(state: &AppState, headers: &HeaderMap, needed: Scope, request_id: &str) -> Result<(), Response> {
    let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let key = presented_key(headers.get("x-api-key").and_then(|v| v.to_str().ok()), header(header::AUTHORIZATION));
    match verify(state.store.as_ref(), key, needed, now_ms()).await {
        Ok(_) => Ok(()),
        Err(rejection) => {
            if let KeyRejection::Store(e) = &rejection {
                tracing::warn!(request_id, error = %e, "API key check failed");
            }
            let status = StatusCode::from_u16(rejection.status()).unwrap_or(StatusCode::UNAUTHORIZED);
            let mut response =
                problem(status, rejection.to_string(), request_id, Some(json!({"code": rejection.code()})));
            if status == StatusCode::UNAUTHORIZED {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Err(response)
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

async fn not_found(axum::Extension(RequestId(id)): axum::Extension<RequestId>, req: Request) -> Response {
    problem(StatusCode::NOT_FOUND, format!("no route {} {}", req.method(), req.uri().path()), &id, None)
}

async fn health() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

/// 200 once the store answers with its migrations applied and the model (if one is configured) has loaded;
/// 503 with what is missing until then.
async fn ready(State(state): State<Arc<AppState>>) -> Response {
    let store = match state.store.schema_version().await {
        Ok(v) => Ok(json!({"ok": true, "backend": state.store.backend(), "schema_version": v})),
        Err(e) => Err(json!({"ok": false, "error": e.to_string()})),
    };
    let model = match (state.model.get(), state.model_error.get()) {
        (_, Some(e)) => Err(json!({"ok": false, "error": e})),
        (None, None) => Err(json!({"ok": false, "error": "the model is still loading"})),
        (Some(None), _) => Ok(json!({"ok": true, "model": null})),
        (Some(Some(m)), _) => Ok(json!({"ok": true, "model": m.describe()})),
    };
    let ok = store.is_ok() && model.is_ok();
    let unwrap = |r: Result<Value, Value>| r.unwrap_or_else(|e| e);
    let body = json!({"status": if ok { "ready" } else { "not_ready" }, "checks": {"store": unwrap(store), "model": unwrap(model)}});
    json_response(if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE }, body)
}

/// Version, uptime, store, model, queue depth by kind and the workers holding jobs.
async fn status(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    if let Err(r) = authorize(&state, &headers, Scope::Read, &id).await {
        return r;
    }
    let store = state.store.as_ref();
    let (schema, queue, holders) =
        match tokio::try_join!(store.schema_version(), store.queue_stats(), store.running_workers()) {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(request_id = %id, error = %e, "status: the store failed");
                return problem(StatusCode::SERVICE_UNAVAILABLE, format!("the store is not answering: {e}"), &id, None);
            }
        };
    let queue: Vec<Value> = queue
        .iter()
        .map(|k| {
            json!({"kind": k.kind, "ready": k.ready, "delayed": k.delayed, "running": k.running, "dead": k.dead,
                   "oldest_ready_age_ms": k.oldest_ready_age_ms, "completed_last_minute": k.completed_last_minute})
        })
        .collect();
    json_response(
        StatusCode::OK,
        json!({
            "version": env!("CARGO_PKG_VERSION"),
            "uptime_secs": state.started.elapsed().as_secs_f64(),
            "store": {"backend": store.backend(), "schema_version": schema},
            "model": state.model().map(|m| json!({"name": m.manifest.name, "version": m.manifest.version, "format": m.format.as_str()})),
            "workers": {"in_process": state.workers.load(Ordering::Relaxed), "holding_jobs": holders},
            "queue": queue,
        }),
    )
}

/// The model, for a request with a key that may read; the response to send otherwise.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
async fn reader_model(state: &AppState, headers: &HeaderMap, request_id: &str) -> Result<Arc<ScoringModel>, Response> {
    authorize(state, headers, Scope::Read, request_id).await?;
    loaded_model(state, request_id)
}

// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn loaded_model(state: &AppState, request_id: &str) -> Result<Arc<ScoringModel>, Response> {
    state.model().cloned().ok_or_else(|| {
        let detail = match (state.model_error.get(), state.model.get()) {
            (Some(e), _) => format!("the model failed to load: {e}"),
            (None, None) => "the model is still loading".to_string(),
            (None, Some(_)) => "this server has no model: start it with --model PATH".to_string(),
        };
        problem(StatusCode::SERVICE_UNAVAILABLE, detail, request_id, None)
    })
}

#[derive(Debug, Default, Deserialize)]
struct ScoreQuery {
    #[serde(default)]
    include_details: bool,
}

/// One lead to score: `{lead_id, features{…}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoreRequest {
    #[serde(default)]
    lead_id: Value,
    features: BTreeMap<String, Value>,
}

/// Reads a JSON body, or the response for a body that is too large or not the expected JSON.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn parse_body<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    request_id: &str,
) -> Result<T, Response> {
    let bytes = body.map_err(|e| {
        let status = e.status();
        let detail = if status == StatusCode::PAYLOAD_TOO_LARGE {
            "the request body is over the size limit".to_string()
        } else {
            e.body_text()
        };
        problem(status, detail, request_id, None)
    })?;
    serde_json::from_slice(&bytes).map_err(|e| {
        let status = if e.is_data() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::BAD_REQUEST };
        problem(status, format!("request body: {e}"), request_id, None)
    })
}

/// Scores one request: the response's `score` object (and details), or the per-field errors.
fn score_one(model: &ScoringModel, req: &ScoreRequest, details: bool) -> Result<Value, Vec<Value>> {
    let started = Instant::now();
    let row = model.manifest.row(&req.features).map_err(|errors| {
        errors
            .iter()
            .map(|e| json!({"field": format!("features.{}", e.feature), "problem": e.problem}))
            .collect::<Vec<_>>()
    })?;
    let scored = model.score(&row);
    let mut score = match &scored.shown {
        Some(shown) => {
            json!({"raw_score": scored.value, "bucket": shown.bucket, "tier": shown.tier, "display": shown.display})
        }
        None => json!({"raw_score": scored.value}),
    };
    if let Some(s) = scored.shown.as_ref().and_then(|s| s.score) {
        score["score"] = json!(s);
    }
    let mut out = json!({"lead_id": req.lead_id, "score": score});
    if details {
        let reasons: Vec<Value> = model
            .reasons(&row, 5)
            .iter()
            .map(|r| json!({"feature": r.feature, "value": if r.value.is_nan() { Value::Null } else { json!(r.value) }, "contribution": r.contribution, "text": r.to_string()}))
            .collect();
        out["details"] = json!({"timing_ms": started.elapsed().as_secs_f64() * 1000.0, "top_features": reasons});
    }
    Ok(out)
}

/// What both scoring endpoints start with: the key checked, the model, the body and `include_details`.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
async fn score_request<T: serde::de::DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
    request_id: &str,
) -> Result<(Arc<ScoringModel>, T, bool), Response> {
    let model = reader_model(state, headers, request_id).await?;
    let request = parse_body(body, request_id)?;
    let details = query.map_err(|e| problem(StatusCode::BAD_REQUEST, e.body_text(), request_id, None))?.include_details;
    Ok((model, request, details))
}

fn model_ref(model: &ScoringModel) -> Value {
    json!({"name": model.manifest.name, "version": model.manifest.version})
}

async fn score(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (model, req, details) = match score_request::<ScoreRequest>(&state, &headers, query, body, &id).await {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    match score_one(&model, &req, details) {
        Ok(mut out) => {
            out["request_id"] = json!(id);
            out["model"] = model_ref(&model);
            json_response(StatusCode::OK, out)
        }
        Err(errors) => problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("{} feature problem(s)", errors.len()),
            &id,
            Some(json!({"errors": errors})),
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BatchRequest {
    leads: Vec<ScoreRequest>,
}

async fn score_batch(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
    query: Result<Query<ScoreQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (model, req, details) = match score_request::<BatchRequest>(&state, &headers, query, body, &id).await {
        Ok(parts) => parts,
        Err(r) => return r,
    };
    if req.leads.len() > state.batch_limit {
        let detail = format!("{} leads in one batch; the limit is {}", req.leads.len(), state.batch_limit);
        return problem(StatusCode::PAYLOAD_TOO_LARGE, detail, &id, None);
    }
    let mut failed = 0;
    let results: Vec<Value> = req
        .leads
        .iter()
        .map(|lead| match score_one(&model, lead, details) {
            Ok(v) => v,
            Err(errors) => {
                failed += 1;
                json!({"lead_id": lead.lead_id, "errors": errors})
            }
        })
        .collect();
    json_response(
        StatusCode::OK,
        json!({"request_id": id, "model": model_ref(&model), "scored": results.len() - failed, "failed": failed, "results": results}),
    )
}

async fn model_info(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let model = match reader_model(&state, &headers, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let objective = match model.objective() {
        Objective::Probability => "probability",
        Objective::Regression => "regression",
    };
    let calibration = model.manifest.calibration.as_ref().map(|c| serde_json::to_value(c).unwrap_or(Value::Null));
    json_response(
        StatusCode::OK,
        json!({
            "name": model.manifest.name,
            "version": model.manifest.version,
            "format": model.format.as_str(),
            "objective": objective,
            "features": model.features().len(),
            "output": model.manifest.output,
            "calibration": calibration,
        }),
    )
}

async fn model_features(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    match reader_model(&state, &headers, &id).await {
        Ok(m) => json_response(StatusCode::OK, json!({"features": m.features()})),
        Err(r) => r,
    }
}

/// Total split gain per feature, largest first (tree models); 404 for models that record none.
async fn model_importance(
    State(state): State<Arc<AppState>>,
    axum::Extension(RequestId(id)): axum::Extension<RequestId>,
    headers: HeaderMap,
) -> Response {
    let model = match reader_model(&state, &headers, &id).await {
        Ok(m) => m,
        Err(r) => return r,
    };
    let Some(gain) = model.model.gain_importance() else {
        return problem(
            StatusCode::NOT_FOUND,
            format!(
                "a {} model records no split gain; `leadsmith model importance --data FILE` gives mean |SHAP|",
                model.format.as_str()
            ),
            &id,
            None,
        );
    };
    let mut rows: Vec<(String, f64)> = model.features().iter().map(|f| f.name.clone()).zip(gain).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let features: Vec<Value> = rows.into_iter().map(|(name, gain)| json!({"feature": name, "gain": gain})).collect();
    json_response(StatusCode::OK, json!({"importance": "gain", "features": features}))
}

/// Loads the model in the background so the server answers (and readiness says 503) meanwhile.
pub fn load_model_in_background(state: Arc<AppState>, model: Option<PathBuf>, manifest: Option<PathBuf>) {
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

/// `leadsmith serve`.
pub async fn run(args: &ServeArgs, store: Arc<dyn Store>, settings: crate::settings::Settings) -> Result<()> {
    let listener =
        tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("listening on {}", args.bind))?;
    let state = AppState::new(store.clone(), args.batch_limit);
    load_model_in_background(state.clone(), args.model.clone(), args.manifest.clone());
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut background = Vec::new();
    if !args.no_workers {
        state.workers.store(true, Ordering::Relaxed);
        crate::pipeline::recover_local(store.as_ref()).await?;
        let engine = crate::pipeline::Engine::new(store.clone(), settings.clone(), Default::default())?;
        let config = leadsmith_queue::WorkerConfig { concurrency: settings.pipeline.workers, ..Default::default() };
        let kinds = [crate::pipeline::KIND_CRAWL, crate::pipeline::KIND_SCORE, crate::schedule::KIND_RUN];
        let worker = engine.worker(config, &kinds);
        let rx = stop_rx.clone();
        background.push(tokio::spawn(async move {
            if let Err(e) = worker.run(rx).await {
                tracing::error!(error = %e, "worker stopped");
            }
        }));
        background.push(tokio::spawn(crate::schedule::run_scheduler(
            store.clone(),
            Duration::from_secs(1),
            stop_rx.clone(),
        )));
    }
    eprintln!(
        "leadsmith serving on http://{} ({} store{}); Ctrl-C to stop",
        listener.local_addr()?,
        store.backend(),
        if args.no_workers { ", API only" } else { ", with workers and scheduler" }
    );
    let shutdown = async move {
        crate::cli::terminated().await;
        eprintln!("stopping: finishing requests in flight and giving back the jobs in hand");
        let _ = stop_tx.send(true);
    };
    serve_on(listener, router(state, args.max_body_bytes), shutdown).await?;
    for task in background {
        let _ = task.await;
    }
    Ok(())
}
