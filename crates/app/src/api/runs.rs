//! Runs and the queue over HTTP: start a run over the store's leads (or, for admin keys, a file on the
//! server), list, show and cancel runs, queue statistics, and dead letters (list, redrive, purge).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use leadsmith_store::{RunInfo, Scope};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{
    Admin, JsonBody, Problem, Read, Write, json_response, now_ms, parse_body, parse_id, parse_query, problem,
    store_failed,
};
use crate::pipeline::{self, IdempotencyKey, KeyReused, Selection};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunSource {
    /// Leads in the store with no crawl result yet.
    Unenriched,
    /// Every lead in the store.
    All,
    /// A CSV or JSONL file on the server, imported first (admin keys only).
    File,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    source: RunSource,
    /// The file, for `source: file`.
    path: Option<String>,
    /// Queue at most this many leads (best first).
    limit: Option<usize>,
    /// Stages to run (`crawl`, `score`); default both.
    #[serde(default)]
    stages: Vec<String>,
    /// An idempotency key: a second start with the same key returns the first run (the `Idempotency-Key`
    /// header does the same).
    key: Option<String>,
}

fn run_json(run: &RunInfo) -> Value {
    json!({"id": run.id, "source": run.source, "status": run.status, "params": run.params,
           "created_at": run.created_at, "finished_at": run.finished_at})
}

fn run_location(run_id: i64, mut response: Response) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/runs/{run_id}")) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Start a run: crawl and score the store's unenriched leads, all of them, or a file on the server.
#[utoipa::path(post, path = "/api/v1/runs", tag = "runs", request_body = StartRun,
    params(("Idempotency-Key" = Option<String>, Header, description = "Start at most once per key")),
    security(("api_key" = []), ("bearer" = [])),
    responses(
        (status = 202, description = "Queued; the workers take it from here", body = Object),
        (status = 200, description = "A run with this idempotency key exists; nothing was queued", body = Object),
        (status = 403, description = "The key may not write (or, for a file, is not admin)", body = Problem),
        (status = 422, description = "A bad source, limit or stage, or an idempotency key used before for another request (`code`: `idempotency_key_reused`)", body = Problem),
        (status = 400, description = "Not JSON", body = Problem),
        (status = 415, description = "Not sent as application/json", body = Problem),
    ))]
pub async fn start(Write(ctx): Write, headers: HeaderMap, body: JsonBody) -> Response {
    let body: Value = or_return!(parse_body(body));
    let req: StartRun = match serde_json::from_value(body.clone()) {
        Ok(req) => req,
        Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, format!("request body: {e}"), None),
    };
    let header_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_string);
    let given_key = req.key.clone().or(header_key);
    let key = given_key
        .as_ref()
        .map(|k| IdempotencyKey { key: format!("api:{}:{k}", ctx.key.name), fingerprint: fingerprint(&body) });
    let reused = |run_id: i64| {
        let detail = format!(
            "the idempotency key {:?} started run {run_id} for another request; send that request again or use a new key",
            given_key.as_deref().unwrap_or_default()
        );
        problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            detail,
            Some(json!({"code": "idempotency_key_reused", "run_id": run_id})),
        )
    };
    if req.limit == Some(0) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, "limit must be at least 1", None);
    }
    let stages = if req.stages.is_empty() { pipeline::stages::kinds() } else { req.stages };
    if let Err(e) = pipeline::run_stages(&stages) {
        return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), None);
    }
    let store = &ctx.state.store;
    let selection = match req.source {
        RunSource::Unenriched => Selection::Unenriched,
        RunSource::All => Selection::All,
        RunSource::File => {
            // Reading files on the server is for operators.
            if !ctx.key.scope.allows(Scope::Admin) {
                let detail = format!("this API key has scope {}; runs over server files need admin", ctx.key.scope);
                return problem(StatusCode::FORBIDDEN, detail, Some(json!({"code": "insufficient_scope"})));
            }
            let Some(path) = req.path else {
                return problem(StatusCode::UNPROCESSABLE_ENTITY, "source file needs a path", None);
            };
            let dirs = &ctx.state.config.import_dirs;
            if dirs.is_empty() {
                let detail =
                    "runs over server files are off: list the directories they may read in [serve] import_dirs";
                return problem(StatusCode::FORBIDDEN, detail, Some(json!({"code": "file_runs_disabled"})));
            }
            let Some(path) = confined(&path, dirs) else {
                let detail = format!("{path} is not a file inside [serve] import_dirs");
                return problem(StatusCode::UNPROCESSABLE_ENTITY, detail, Some(json!({"code": "path_not_allowed"})));
            };
            let mut request = match pipeline::RunRequest::new(&path, req.limit, &stages, None) {
                Ok(r) => r,
                Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.to_string(), None),
            };
            request.errors_to = match report_path(&ctx.state.reports_dir(), &path) {
                Ok(p) => Some(p),
                Err(e) => return store_failed(format!("the reports directory: {e:#}")),
            };
            (request.key, request.fingerprint) = key.map(|k| (Some(k.key), Some(k.fingerprint))).unwrap_or_default();
            return match pipeline::start_run(store, &request, &ctx.state.settings).await {
                Ok(started) => {
                    let body = json!({"run_id": started.run_id, "resumed": started.resumed, "queued": started.queued,
                                      "import": started.report});
                    run_location(started.run_id, json_response(StatusCode::ACCEPTED, body))
                }
                Err(e) => match e.downcast_ref::<KeyReused>() {
                    Some(KeyReused { run_id }) => reused(*run_id),
                    None => problem(StatusCode::UNPROCESSABLE_ENTITY, format!("{e:#}"), None),
                },
            };
        }
    };
    match pipeline::start_selection_run(store.as_ref(), selection, req.limit, &stages, key.as_ref()).await {
        Ok(run) => {
            let status = if run.existing { StatusCode::OK } else { StatusCode::ACCEPTED };
            let body = json!({"run_id": run.run_id, "queued": run.queued, "existing": run.existing});
            run_location(run.run_id, json_response(status, body))
        }
        Err(e) => match e.downcast_ref::<KeyReused>() {
            Some(KeyReused { run_id }) => reused(*run_id),
            None => store_failed(format!("{e:#}")),
        },
    }
}

/// The file a run over a server file may read: `asked` (absolute, or relative to one of `dirs`, tried in
/// order) once symlinks and `..` are resolved, when that is a file inside one of `dirs`. The same `None`
/// for a file outside them and for one that does not exist, so the answer tells nothing about the rest of
/// the disk.
fn confined(asked: &str, dirs: &[std::path::PathBuf]) -> Option<std::path::PathBuf> {
    let asked = std::path::Path::new(asked);
    let roots: Vec<std::path::PathBuf> = dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
    let candidates: Vec<std::path::PathBuf> =
        if asked.is_absolute() { vec![asked.to_path_buf()] } else { dirs.iter().map(|d| d.join(asked)).collect() };
    candidates
        .iter()
        .filter_map(|c| std::fs::canonicalize(c).ok())
        .find(|real| real.is_file() && roots.iter().any(|root| real.starts_with(root)))
}

/// Where a server file's report of rejected rows goes: `DIR/NAME.TIME.errors.csv`, in a directory only this
/// user may open (created so when missing).
fn report_path(dir: &std::path::Path, file: &std::path::Path) -> std::io::Result<std::path::PathBuf> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)?;
    let name = file.file_name().map_or_else(|| "input".into(), |n| n.to_string_lossy().into_owned());
    let time = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    Ok(dir.join(format!("{name}.{time}.errors.csv")))
}

/// What a start asks for, as a hash: the body without `key`, its members in order, so that the same request
/// written another way is the same request.
fn fingerprint(body: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(members) => {
                let mut names: Vec<&String> = members.keys().collect();
                names.sort();
                Value::Object(names.into_iter().map(|n| (n.clone(), sorted(&members[n]))).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let mut asked = body.clone();
    if let Some(members) = asked.as_object_mut() {
        members.remove("key");
    }
    // The hex SHA-256 the store keeps API keys by.
    format!("sha256:{}", leadsmith_store::hash_key(&sorted(&asked).to_string()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LimitQuery {
    /// How many, 1–1000 (default 50).
    limit: Option<usize>,
}

/// The `limit` of a listing, or a 400.
// The error is the response to send, built once per refused request: boxing it would buy nothing.
#[allow(clippy::result_large_err)]
fn parse_limit(query: Result<Query<LimitQuery>, QueryRejection>) -> Result<usize, Response> {
    let limit = parse_query(query)?.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(problem(StatusCode::BAD_REQUEST, "limit must be between 1 and 1000", None));
    }
    Ok(limit)
}

/// Runs, newest first.
#[utoipa::path(get, path = "/api/v1/runs", tag = "runs", params(LimitQuery), security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Runs", body = Object)))]
pub async fn list(Read(ctx): Read, query: Result<Query<LimitQuery>, QueryRejection>) -> Response {
    let limit = or_return!(parse_limit(query));
    match ctx.state.store.list_runs(limit).await {
        Ok(runs) => json_response(StatusCode::OK, json!({"runs": runs.iter().map(run_json).collect::<Vec<_>>()})),
        Err(e) => store_failed(e),
    }
}

/// One run with its jobs counted by kind and state.
#[utoipa::path(get, path = "/api/v1/runs/{id}", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "The run", body = Object), (status = 404, description = "No such run", body = Problem)))]
pub async fn show(Read(ctx): Read, path: Result<Path<i64>, PathRejection>) -> Response {
    let id = or_return!(parse_id(path, "run"));
    let store = ctx.state.store.as_ref();
    // Finishing here keeps the status true when no worker is left to notice the run is done.
    let run = match store.finish_run_if_done(id).await {
        Ok(Some(run)) => run,
        Ok(None) => return problem(StatusCode::NOT_FOUND, format!("no run {id}"), None),
        Err(e) => return store_failed(e),
    };
    let counts = match store.queue_counts(Some(id)).await {
        Ok(c) => c,
        Err(e) => return store_failed(e),
    };
    let mut body = run_json(&run);
    body["jobs"] = json!(counts);
    json_response(StatusCode::OK, body)
}

/// Cancel a running run: waiting jobs are cancelled, running ones finish and queue nothing more.
#[utoipa::path(post, path = "/api/v1/runs/{id}/cancel", tag = "runs", params(("id" = i64, Path, description = "Run id")),
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Cancelled", body = Object), (status = 404, description = "No such run", body = Problem),
        (status = 409, description = "The run has already ended", body = Problem)))]
pub async fn cancel(Write(ctx): Write, path: Result<Path<i64>, PathRejection>) -> Response {
    let id = or_return!(parse_id(path, "run"));
    let store = ctx.state.store.as_ref();
    match store.finish_run_if_done(id).await {
        Ok(Some(run)) if run.status != "running" => {
            let detail = format!("run {id} has already ended ({})", run.status);
            return problem(StatusCode::CONFLICT, detail, Some(json!({"run": run_json(&run)})));
        }
        Ok(Some(_)) => {}
        Ok(None) => return problem(StatusCode::NOT_FOUND, format!("no run {id}"), None),
        Err(e) => return store_failed(e),
    }
    match store.cancel_run(id).await {
        Ok(Some(run)) => {
            crate::telemetry::global().run_event("cancelled");
            tracing::info!(run_id = id, key = ctx.key.name, "run cancelled");
            json_response(StatusCode::OK, run_json(&run))
        }
        Ok(None) => problem(StatusCode::NOT_FOUND, format!("no run {id}"), None),
        Err(e) => store_failed(e),
    }
}

/// The queue by job kind: ready, delayed, running, done, dead, the oldest ready job's age and throughput.
#[utoipa::path(get, path = "/api/v1/queue", tag = "queue", security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Queue statistics", body = Object)))]
pub async fn stats(Read(ctx): Read) -> Response {
    match ctx.state.store.queue_stats().await {
        Ok(stats) => json_response(StatusCode::OK, json!({"kinds": stats})),
        Err(e) => store_failed(e),
    }
}

/// Dead letters: jobs out of attempts, with every attempt's error.
#[utoipa::path(get, path = "/api/v1/queue/dead", tag = "queue", params(LimitQuery), security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "Dead jobs, newest first", body = Object)))]
pub async fn dead(Read(ctx): Read, query: Result<Query<LimitQuery>, QueryRejection>) -> Response {
    let limit = or_return!(parse_limit(query));
    match ctx.state.store.dead_jobs(limit).await {
        Ok(jobs) => json_response(StatusCode::OK, json!({"jobs": jobs})),
        Err(e) => store_failed(e),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Redrive {
    /// These dead jobs; every dead job (of `kind`) when absent.
    ids: Option<Vec<i64>>,
    /// Only dead jobs of this kind (`crawl`, `score`, `run`).
    kind: Option<String>,
}

/// Give dead jobs another full set of attempts.
#[utoipa::path(post, path = "/api/v1/queue/dead/redrive", tag = "queue", request_body = Redrive,
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "How many were requeued", body = Object), (status = 403, description = "The key may not write", body = Problem),
        (status = 400, description = "Not JSON", body = Problem), (status = 415, description = "Not sent as application/json", body = Problem)))]
pub async fn redrive(Write(ctx): Write, body: JsonBody) -> Response {
    let req: Redrive = or_return!(parse_body(body));
    match ctx.state.store.redrive(req.ids, req.kind).await {
        Ok(n) => {
            tracing::info!(redriven = n, key = ctx.key.name, "dead jobs redriven");
            json_response(StatusCode::OK, json!({"redriven": n}))
        }
        Err(e) => store_failed(e),
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Purge {
    /// Only dead jobs last touched longer ago than this (`7d`, `12h`); all dead jobs when absent.
    older_than: Option<String>,
}

/// Delete dead jobs for good (admin keys only).
#[utoipa::path(post, path = "/api/v1/queue/dead/purge", tag = "queue", request_body = Purge,
    security(("api_key" = []), ("bearer" = [])),
    responses((status = 200, description = "How many were deleted", body = Object), (status = 403, description = "Not an admin key", body = Problem),
        (status = 422, description = "A bad duration", body = Problem),
        (status = 400, description = "Not JSON", body = Problem), (status = 415, description = "Not sent as application/json", body = Problem)))]
pub async fn purge(Admin(ctx): Admin, body: JsonBody) -> Response {
    let req: Purge = or_return!(parse_body(body));
    let before = match req.older_than.as_deref().map(humantime::parse_duration).transpose() {
        Ok(d) => d.map(|d| now_ms() - d.as_millis() as i64),
        Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, format!("older_than: {e}"), None),
    };
    match ctx.state.store.purge_dead(before).await {
        Ok(n) => {
            tracing::info!(purged = n, key = ctx.key.name, "dead jobs purged");
            json_response(StatusCode::OK, json!({"purged": n}))
        }
        Err(e) => store_failed(e),
    }
}
